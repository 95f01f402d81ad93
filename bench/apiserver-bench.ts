// npm run bench:apiserver [-- options] — the API server benchmark (issue 6): a 3-member kube-lite
// store and one `kube-lite apiserver` as real processes (the compiled bin), then pod creates per
// second (one client, then N), GET and paged LIST latency with the namespace filled to each
// --pods size, and watch fan-out to --watchers chunked streams held by worker processes.
// Results go to bench/results/apiserver-<date>.{md,json}.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ApiClient } from "./apiserver-client.js";
import { ApiServerProcess } from "./apiserver-process.js";
import { appLabelValues } from "./apiserver-protocol.js";
import { type ApiBenchResults, type ProfileByPhase, type StoredPodsResult, apiBenchMarkdown, sloSummary } from "./apiserver-report.js";
import { ApiWatchers } from "./apiserver-watchers.js";
import { type BenchTarget, type CreateResult, type PhaseWindow, type WatchFanOutResult, countPods, createPods, currentResourceVersion, ensureNamespace, getLatency, listLatency, watchFanOut } from "./apiserver-workloads.js";
import { BenchCluster } from "./support/cluster.js";
import { summarizeProfile } from "./support/cpu-profile.js";
import { benchMachineFacts, commandOutput } from "./support/bench-machine.js";
import { installExitHandlers } from "./support/processes.js";

const root = path.resolve(import.meta.dirname, "..");

const usage = `Usage: npm run bench:apiserver -- [options]

Runs the compiled bin: build it first with \`npx tsc -p tsconfig.json\` (npm test does it).
Starts a 3-member kube-lite store and one apiserver as processes on ports the OS chose.

  --pods LIST              pods stored in the listed namespace at each read phase (default 1000,10000)
  --watchers LIST          watcher counts of the watch phases (default 100,1000)
  --clients N              creates in flight while filling the namespace (default 32)
  --sequential-creates N   creates one at a time first (default 500, at most the first --pods)
  --gets N                 sequential GETs per size (default 1000)
  --list-repeats N         full paged LISTs per kind and size (default 30) ...
  --list-budget-s N        ... or fewer once this many seconds went by (at least 3; default 30)
  --watch-writes N         creates one at a time per watcher count, for event latency (default 200)
  --watch-writers N        creates in flight during the events/s window (default 8)
  --watch-duration-s N     events/s window (default 10)
  --watch-workers N        processes holding the watchers (default 2)
  --quick                  a short smoke run: --pods 200,1000 --watchers 10,100 --clients 8
                           --sequential-creates 100 --gets 100 --list-repeats 5 --list-budget-s 5
                           --watch-writes 20 --watch-duration-s 3 (explicit flags still win)
  --profile DIR            run the apiserver under node --cpu-prof (profile in DIR) and report
                           where its time goes in the creates, LIST and watch phases
  --bin PATH               kube-lite CLI (default dist/cluster/main.js); on a shared checkout, copy
                           dist/ (with package.json and a node_modules link) elsewhere and point
                           here, so that someone's rebuild cannot change it mid-run
  --data-dir DIR           where the fresh data dirs go (default the OS temp dir)
  --out-dir DIR            results directory (default bench/results)
  --no-save                print only; write no result files`;

const quickDefaults: Record<string, string> = {
  pods: "200,1000",
  watchers: "10,100",
  clients: "8",
  "sequential-creates": "100",
  gets: "100",
  "list-repeats": "5",
  "list-budget-s": "5",
  "watch-writes": "20",
  "watch-duration-s": "3",
};

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      pods: { type: "string" },
      watchers: { type: "string" },
      clients: { type: "string" },
      "sequential-creates": { type: "string" },
      gets: { type: "string" },
      "list-repeats": { type: "string" },
      "list-budget-s": { type: "string" },
      "watch-writes": { type: "string" },
      "watch-writers": { type: "string" },
      "watch-duration-s": { type: "string" },
      "watch-workers": { type: "string" },
      quick: { type: "boolean", default: false },
      profile: { type: "string" },
      bin: { type: "string", default: path.join(root, "dist/cluster/main.js") },
      "data-dir": { type: "string", default: os.tmpdir() },
      "out-dir": { type: "string", default: path.join(root, "bench/results") },
      "no-save": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  const defaults: Record<string, string> = {
    pods: "1000,10000",
    watchers: "100,1000",
    clients: "32",
    "sequential-creates": "500",
    gets: "1000",
    "list-repeats": "30",
    "list-budget-s": "30",
    "watch-writes": "200",
    "watch-writers": "8",
    "watch-duration-s": "10",
    "watch-workers": "2",
    ...(values.quick ? quickDefaults : {}),
  };
  const text = (name: string): string => {
    const given = (values as Record<string, unknown>)[name];
    return typeof given === "string" ? given : (defaults[name] ?? "");
  };
  const number = (name: string): number => {
    const n = Number(text(name));
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, not '${text(name)}'`);
    return n;
  };
  const list = (name: string): number[] => {
    const counts = text(name)
      .split(",")
      .map((t) => {
        const n = Number(t);
        if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} takes positive whole numbers, not '${t}'`);
        return n;
      });
    return [...counts].sort((a, b) => a - b);
  };
  const bin = path.resolve(values.bin);
  if (!values.help && !fs.existsSync(bin)) throw new Error(`${bin} is missing: build it with \`npx tsc -p tsconfig.json\` (npm test does it)`);
  return {
    help: values.help,
    quick: values.quick,
    pods: list("pods"),
    watchers: list("watchers"),
    clients: number("clients"),
    sequentialCreates: number("sequential-creates"),
    gets: number("gets"),
    listRepeats: number("list-repeats"),
    listBudgetMs: number("list-budget-s") * 1000,
    watchWrites: number("watch-writes"),
    watchWriters: number("watch-writers"),
    watchDurationMs: number("watch-duration-s") * 1000,
    watchWorkers: number("watch-workers"),
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
    bin,
    dataDir: path.resolve(values["data-dir"]),
    outDir: path.resolve(values["out-dir"]),
    save: !values["no-save"],
  };
}

type Options = ReturnType<typeof parseOptions>;

const log = (line: string) => process.stderr.write(`${line}\n`);
const listNamespace = "bench";
const watchNamespace = "bench-watch";
const listPageLimit = 500;


const ms = (v: number) => `${v.toFixed(1)} ms`;

function logCreates(label: string, r: CreateResult): void {
  log(`  ${label}: ${r.creates} creates with ${r.clients} client(s), ${r.createsPerSecond}/s, p50 ${ms(r.latency.p50Ms)}, p99 ${ms(r.latency.p99Ms)}, errors ${r.errors}${r.firstError === undefined ? "" : ` (${r.firstError.slice(0, 120)})`}`);
}

async function storedPhase(target: BenchTarget, options: Options, size: number, stored: number): Promise<StoredPodsResult> {
  const fill = stored < size ? await createPods(target, listNamespace, "pod", stored, size, options.clients) : undefined;
  if (fill !== undefined) logCreates(`fill to ${size}`, fill);
  const podsInNamespace = await countPods(target.client, `/api/v1/namespaces/${listNamespace}/pods`);
  const podsInCluster = await countPods(target.client, "/api/v1/pods");
  log(`  ${podsInNamespace} pods in namespace ${listNamespace}, ${podsInCluster} in the cluster`);
  const reads = [
    await getLatency(target, listNamespace, "pod", Math.min(size, podsInNamespace), options.gets),
    await listLatency(target, "LIST pods in namespace", `/api/v1/namespaces/${listNamespace}/pods`, listPageLimit, options.listRepeats, options.listBudgetMs),
    await listLatency(target, `LIST pods in namespace, labelSelector (1 in ${appLabelValues})`, `/api/v1/namespaces/${listNamespace}/pods?labelSelector=app%3Dweb-3`, listPageLimit, options.listRepeats, options.listBudgetMs),
    await listLatency(target, "LIST pods, all namespaces", "/api/v1/pods", listPageLimit, options.listRepeats, options.listBudgetMs),
  ];
  for (const r of reads) log(`  ${r.what}: ${r.samples} samples, p50 ${ms(r.latency.p50Ms)}, p99 ${ms(r.latency.p99Ms)}${r.pagesPerList === undefined ? "" : `, ${r.pagesPerList} pages, ${r.itemsPerList} items`}`);
  return { podsInNamespace, podsInCluster, fill, reads };
}

async function watchPhase(target: BenchTarget, options: Options, watchers: number): Promise<WatchFanOutResult> {
  const rv = await currentResourceVersion(target.client, `/api/v1/namespaces/${watchNamespace}/pods`);
  const pool = await ApiWatchers.open(target.client.server, `/api/v1/namespaces/${watchNamespace}/pods?watch=true&resourceVersion=${rv}`, watchers, options.watchWorkers);
  try {
    const result = await watchFanOut(target, pool, Math.min(options.watchWorkers, watchers), {
      namespace: watchNamespace,
      prefix: `w${watchers}`,
      pacedWrites: options.watchWrites,
      warmupWrites: 10,
      writers: options.watchWriters,
      durationMs: options.watchDurationMs,
      deliveryTimeoutMs: 10_000,
    });
    const p = result.paced;
    const l = result.loaded;
    log(`  ${watchers} watchers, one write at a time: event p50 ${ms(p.eventLatency.p50Ms)}, p99 ${ms(p.eventLatency.p99Ms)}, undelivered ${p.undelivered}`);
    log(`  ${watchers} watchers, ${l.writers} writers: ${l.createsPerSecond} creates/s, ${l.eventsPerSecond} events/s, delivered share ${l.deliveredShare}, event p99 ${ms(l.eventLatency.p99Ms)}, drain ${l.drainMs} ms, streams closed ${result.closedStreams}`);
    return result;
  } finally {
    await pool.close();
  }
}

/** The apiserver's profile cut to the phases worth explaining. */
function profilesByPhase(profileDir: string, results: Omit<ApiBenchResults, "profiles">): ProfileByPhase[] {
  const file = fs
    .readdirSync(profileDir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => path.join(profileDir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (file === undefined) {
    log(`no .cpuprofile in ${profileDir}`);
    return [];
  }
  const phases: [string, PhaseWindow | undefined][] = [];
  const largest = results.stored.at(-1);
  if (largest?.fill !== undefined) phases.push([`pod creates, ${largest.fill.clients} clients (fill to ${largest.podsInNamespace})`, largest.fill.window]);
  for (const r of largest?.reads ?? []) if (r.what.startsWith("LIST")) phases.push([`${r.what}, ${largest?.podsInNamespace} pods`, r.window]);
  const watch = results.watch.at(-1);
  if (watch !== undefined) {
    phases.push([`watch, ${watch.watchers} watchers, one write at a time`, watch.paced.window]);
    phases.push([`watch, ${watch.watchers} watchers, ${watch.loaded.writers} writers`, watch.loaded.window]);
  }
  return phases.flatMap(([phase, window]) => (window === undefined ? [] : [{ phase, summary: summarizeProfile(file, { top: 15, windowUs: [window.startUs, window.endUs] }) }]));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  if (options.help) {
    console.log(usage);
    return;
  }
  installExitHandlers();
  // A bin copied out of the checkout (so that a rebuild cannot change it mid-run) has no git facts.
  const machine = benchMachineFacts("bench:apiserver", options.bin, argv, {
    outsideCheckout: "bin outside a git checkout: see where it was copied from",
    changedFiles: (count) => `working tree has ${count} changed file(s) of other engineers`,
  });
  log(`machine: ${machine.cpus} CPUs, uptime: ${machine.uptimeAtStart}`);
  const store = await BenchCluster.start({ kind: "kube-lite", members: 3, heartbeatIntervalMs: 100, electionTimeoutMs: 1000, storeBin: options.bin, etcdBin: "etcd", nodeArgs: [], parentDir: options.dataDir, readyTimeoutMs: 60_000 });
  if (options.profileDir !== undefined) fs.mkdirSync(options.profileDir, { recursive: true });
  let apiserver: ApiServerProcess | undefined;
  let client: ApiClient | undefined;
  try {
    apiserver = await ApiServerProcess.start({
      bin: options.bin,
      etcdServers: store.endpoints,
      // Outside the store's data root (removed at the end), so the log outlives a failed run.
      dir: fs.mkdtempSync(path.join(options.dataDir, "kube-lite-apiserver-bench-")),
      nodeArgs: options.profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`, "--cpu-prof-interval=1000"],
      readyTimeoutMs: 60_000,
    });
    client = new ApiClient(apiserver.url);
    const target: BenchTarget = { client, apiserver, store };
    log(`store ${store.endpoints.join(",")}, apiserver ${apiserver.url} (pid ${apiserver.pid})`);
    await ensureNamespace(client, listNamespace);
    await ensureNamespace(client, watchNamespace);

    const firstSize = options.pods[0] ?? 0;
    const sequentialCount = Math.min(options.sequentialCreates, firstSize);
    log("creates, one at a time");
    const sequentialCreates = sequentialCount > 0 ? await createPods(target, listNamespace, "pod", 0, sequentialCount, 1) : undefined;
    if (sequentialCreates !== undefined) logCreates("sequential", sequentialCreates);
    let stored = sequentialCreates?.creates ?? 0;
    const storedResults: StoredPodsResult[] = [];
    for (const size of options.pods) {
      log(`reads with ${size} pods`);
      const result = await storedPhase(target, options, size, stored);
      stored = result.podsInNamespace;
      storedResults.push(result);
    }
    const watch: WatchFanOutResult[] = [];
    for (const watchers of options.watchers) {
      log(`watch fan-out, ${watchers} watchers`);
      watch.push(await watchPhase(target, options, watchers));
    }
    client.close();
    client = undefined;
    await apiserver.stop();
    const partial: Omit<ApiBenchResults, "profiles"> = {
      machine,
      settings: {
        pods: options.pods,
        watchers: options.watchers,
        clients: options.clients,
        sequentialCreates: sequentialCount,
        gets: options.gets,
        listRepeats: options.listRepeats,
        listBudgetS: options.listBudgetMs / 1000,
        listPageLimit,
        watchWrites: options.watchWrites,
        watchWriters: options.watchWriters,
        watchDurationS: options.watchDurationMs / 1000,
        watchWorkers: options.watchWorkers,
        storeMembers: 3,
        profile: options.profileDir ?? "off",
      },
      apiserverCommand: apiserver.commandLine,
      storeCommand: store.commandLine("s1"),
      sequentialCreates,
      stored: storedResults,
      watch,
      uptimeAtEnd: commandOutput("uptime", []),
    };
    const results: ApiBenchResults = options.profileDir === undefined ? partial : { ...partial, profiles: profilesByPhase(options.profileDir, partial) };
    const markdown = apiBenchMarkdown(results);
    log("");
    for (const line of sloSummary(results)) log(line);
    if (options.save) {
      fs.mkdirSync(options.outDir, { recursive: true });
      const stamp = machine.date.replace(/:/g, "-").replace(/\..*$/, "");
      const base = path.join(options.outDir, `apiserver-${options.quick ? "quick-" : ""}${stamp}`);
      fs.writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
      fs.writeFileSync(`${base}.md`, markdown);
      log(`results: ${base}.md and .json`);
    } else {
      process.stdout.write(markdown);
    }
  } catch (error) {
    if (apiserver !== undefined) log(`apiserver exit code ${apiserver.child.exitCode} signal ${apiserver.child.signalCode}; its log: ${apiserver.logPath}`);
    throw error;
  } finally {
    client?.close();
    await apiserver?.stop();
    await store.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
