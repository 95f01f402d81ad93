// npm run bench:scheduler [-- options] — the scheduler benchmark (issue 7): the pure decision rate
// in this process, then, for each --nodes count on a fresh cluster (3 store members, one
// apiserver, one kubelet-sim process hosting the nodes, all the compiled bin): the cost of the
// idle simulated nodes, pending pods bound per second by a scheduler started after them, and
// creation → Running latency at a steady rate. Results go to bench/results/scheduler-<date>.{md,json}
// and scheduler-latest.md.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ApiClient } from "./apiserver-client.js";
import { ApiServerProcess } from "./apiserver-process.js";
import { BenchCluster } from "./support/cluster.js";
import { profileMarkdown, summarizeProfile } from "./support/cpu-profile.js";
import { benchMachineFacts, commandOutput } from "./support/bench-machine.js";
import { round } from "./support/load.js";
import { installExitHandlers } from "./support/processes.js";
import { ComponentProcess, SchedulerProcess } from "./support/scheduler-components.js";
import { type DecisionResult, measureDecisions } from "./support/scheduler-decisions.js";
import { benchCpuMs, waitForQuietMachine } from "./support/scheduler-cpu.js";
import { CountingProxy } from "./support/scheduler-proxy.js";
import { type NodeCountResult, type SchedulerBenchMachine, type SchedulerBenchResults, headline, schedulerBenchMarkdown } from "./support/scheduler-report.js";
import { type BurstResult, type ClusterTarget, type IdleCost, type QuietGate, deleteNodes, idleCost, pendingBurst, steadyRate, waitKubeletsRunning } from "./support/scheduler-workloads.js";

const root = path.resolve(import.meta.dirname, "..");
const phaseNames = ["decisions", "idle", "burst", "steady"] as const;
type Phase = (typeof phaseNames)[number];

const usage = `Usage: npm run bench:scheduler -- [options]

Runs the compiled bin: build it first with \`npm run build\`. For each --nodes count, a fresh
3-member store, one apiserver and one kubelet-sim process hosting the nodes (--pod-start-delay 0s).

  --nodes LIST          simulated node counts, one fresh cluster each (default 100,1000)
  --pods N              pending pods of the burst, and pods of the steady phase (default 1000)
  --clients N           creates in flight while the burst's pods are created (default 32)
  --rate N              pods created per second in the steady phase (default 100)
  --idle-s N            idle window for the per-node cost (default 20; leases renew every 10 s)
  --settle-s N          wait after the nodes are running before the idle window (default 12)
  --baseline-nodes N    nodes of the baseline kubelet-sim the per-node memory subtracts (default 10)
  --decision-rounds N   measured rounds of the in-process decision rate (default 5)
  --phases LIST         any of ${phaseNames.join(",")} (default all)
  --quiet-max-other-percent N  before each measurement, wait until other processes use at most
                        N% of a core over a second (default 25) ...
  --quiet-wait-s N      ... but no longer than N seconds (default 30; 0: do not wait)
  --timeout-s N         longest wait for pods bound / Running or nodes registered (default 180)
  --quick               a short smoke run: --nodes 100 --pods 200 --idle-s 10 --settle-s 3
                        --decision-rounds 2 (explicit flags still win)
  --profile DIR         run the scheduler under node --cpu-prof (profiles in DIR) and summarize
                        where its time went, burst and steady phases together
  --bin PATH            kube-lite CLI (default dist/cluster/main.js); on a shared checkout, copy
                        dist/ (with package.json and a node_modules link) elsewhere and point here
  --data-dir DIR        where the fresh data dirs and logs go (default the OS temp dir)
  --out-dir DIR         results directory (default bench/results)
  --no-save             print only; write no result files`;

/** The whole-number options and their defaults (--quick's in the second column). */
const counts = {
  pods: ["1000", "200"],
  clients: ["32", "32"],
  rate: ["100", "100"],
  "idle-s": ["20", "10"],
  "settle-s": ["12", "3"],
  "baseline-nodes": ["10", "10"],
  "decision-rounds": ["5", "2"],
  "timeout-s": ["180", "180"],
  "quiet-max-other-percent": ["25", "25"],
} as const satisfies Record<string, readonly [string, string]>;
type CountName = keyof typeof counts;

function wholeNumber(text: string, flag: string, zeroAllowed = false): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < (zeroAllowed ? 0 : 1)) throw new Error(`--${flag} takes ${zeroAllowed ? "non-negative" : "positive"} whole numbers, not '${text}'`);
  return n;
}

function parseOptions(argv: string[]) {
  const countFlags = Object.fromEntries(Object.keys(counts).map((name) => [name, { type: "string" as const }]));
  const { values } = parseArgs({
    args: argv,
    options: {
      ...countFlags,
      nodes: { type: "string" },
      phases: { type: "string", default: phaseNames.join(",") },
      "quiet-wait-s": { type: "string", default: "30" },
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
  const given = values as Record<string, string | boolean | undefined>;
  const count = (name: CountName): number => {
    const text = given[name];
    return wholeNumber(typeof text === "string" ? text : counts[name][values.quick ? 1 : 0], name);
  };
  const phases = values.phases.split(",").map((p) => {
    if (!(phaseNames as readonly string[]).includes(p)) throw new Error(`--phases takes ${phaseNames.join(", ")}, not '${p}'`);
    return p as Phase;
  });
  const nodes = (values.nodes ?? (values.quick ? "100" : "100,1000"))
    .split(",")
    .map((t) => wholeNumber(t, "nodes"))
    .sort((a, b) => a - b);
  const baselineNodes = count("baseline-nodes");
  if (phases.includes("idle") && nodes.some((n) => n <= baselineNodes)) throw new Error(`--baseline-nodes (${baselineNodes}) must be below every --nodes count`);
  const bin = path.resolve(values.bin);
  if (!values.help && !fs.existsSync(bin)) throw new Error(`${bin} is missing: build it with \`npm run build\``);
  return {
    help: values.help,
    quick: values.quick,
    nodes,
    pods: count("pods"),
    clients: count("clients"),
    rate: count("rate"),
    idleMs: count("idle-s") * 1000,
    settleMs: count("settle-s") * 1000,
    baselineNodes,
    decisionRounds: count("decision-rounds"),
    phases: new Set(phases),
    timeoutMs: count("timeout-s") * 1000,
    quietMaxOtherPercent: count("quiet-max-other-percent"),
    quietWaitMs: wholeNumber(values["quiet-wait-s"], "quiet-wait-s", true) * 1000,
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
    bin,
    dataDir: path.resolve(values["data-dir"]),
    outDir: path.resolve(values["out-dir"]),
    save: !values["no-save"],
  };
}

type Options = ReturnType<typeof parseOptions>;

const log = (line: string) => process.stderr.write(`${line}\n`);

function quietGate(options: Options): QuietGate {
  return (ours) => (options.quietWaitMs <= 0 ? Promise.resolve(Number.NaN) : waitForQuietMachine(ours, options.quietMaxOtherPercent, options.quietWaitMs, log));
}
const schedulerArgs = ["--log-level", "warn"];
const nodePrefix = "sim-";
const baselinePrefix = "base-";


function kubeletArgs(server: string, nodes: number, prefix: string): string[] {
  return ["--server", server, "--nodes", String(nodes), "--node-prefix", prefix, "--pod-start-delay", "0s", "--log-level", "info"];
}

/** A kubelet-sim behind the counting proxy, measured idle, then stopped. */
async function measureIdle(target: ClusterTarget, options: Options, nodes: number, prefix: string): Promise<{ idle: IdleCost; command: string }> {
  const proxy = await CountingProxy.start(target.apiserver.url);
  const kubelet = ComponentProcess.start({ bin: target.bin, role: "kubelet-sim", args: kubeletArgs(proxy.url, nodes, prefix), dir: target.dir, label: `kubelet-sim-idle-${prefix}${nodes}` });
  try {
    const startupMs = await waitKubeletsRunning(target, kubelet, prefix, nodes, options.timeoutMs);
    log(`  ${nodes} nodes running ${startupMs} ms after spawn; idle window of ${options.idleMs / 1000} s after ${options.settleMs / 1000} s`);
    const idle = await idleCost(target, kubelet, proxy, nodes, startupMs, options.settleMs, options.idleMs, quietGate(options));
    log(`  RSS ${(idle.residentKiB / 1024).toFixed(1)} MiB, kubelet-sim CPU ${idle.cpu.percentByProcess["kubelet-sim"]}%, ${idle.requestsPerSecond} requests/s (${JSON.stringify(idle.requestsByKind)})`);
    return { idle, command: kubelet.commandLine };
  } finally {
    await kubelet.stop();
    await proxy.close();
  }
}

interface ClusterRun {
  readonly result: NodeCountResult;
  readonly baseline?: IdleCost;
  readonly commands: Record<string, string>;
}

async function schedulingPhases(target: ClusterTarget, options: Options, nodes: number, commands: Record<string, string>): Promise<{ burst?: BurstResult; steady?: NodeCountResult["steady"] }> {
  const kubelet = ComponentProcess.start({ bin: target.bin, role: "kubelet-sim", args: kubeletArgs(target.apiserver.url, nodes, nodePrefix), dir: target.dir, label: `kubelet-sim-${nodes}` });
  commands["kubelet-sim"] = kubelet.commandLine;
  let scheduler: SchedulerProcess | undefined;
  const nodeArgs = options.profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=scheduler-${nodes}-nodes.cpuprofile`];
  try {
    log(`  kubelet-sim running ${await waitKubeletsRunning(target, kubelet, nodePrefix, nodes, options.timeoutMs)} ms after spawn`);
    let burst: BurstResult | undefined;
    if (options.phases.has("burst")) {
      log(`  burst: ${options.pods} pending pods, then the scheduler starts`);
      const run = await pendingBurst(target, kubelet, { pods: options.pods, clients: options.clients, timeoutMs: options.timeoutMs, schedulerArgs, schedulerNodeArgs: nodeArgs, quiet: quietGate(options) });
      scheduler = run.scheduler;
      burst = run.result;
      commands.scheduler = burst.schedulerCommand;
      log(`  created at ${burst.creates.createsPerSecond}/s; scheduler synced ${burst.syncMs} ms after spawn; all bound ${burst.fromSyncToAllBoundMs} ms after sync: ${burst.podsPerSecondFromSync} pods/s (${burst.podsPerSecondFromSpawn}/s from spawn); all Running ${burst.fromSpawnToAllRunningMs} ms after spawn`);
    }
    let steady: NodeCountResult["steady"];
    if (options.phases.has("steady")) {
      if (scheduler === undefined) {
        scheduler = SchedulerProcess.start(target.bin, target.apiserver.url, target.dir, schedulerArgs, nodeArgs);
        commands.scheduler = scheduler.process.commandLine;
        await scheduler.waitSynced(options.timeoutMs);
      }
      log(`  steady: ${options.pods} pods at ${options.rate}/s`);
      steady = await steadyRate(target, kubelet, scheduler, options.pods, options.rate, options.timeoutMs, quietGate(options));
      log(`  creation → bound p50 ${steady.createToBound.p50Ms} ms, p99 ${steady.createToBound.p99Ms} ms; creation → Running p50 ${steady.createToRunning.p50Ms} ms, p99 ${steady.createToRunning.p99Ms} ms`);
    }
    return { burst, steady };
  } finally {
    await scheduler?.process.stop();
    await kubelet.stop();
  }
}

async function runCluster(options: Options, nodes: number, withBaseline: boolean): Promise<ClusterRun> {
  log(`\n${nodes} nodes: starting 3 store members and an apiserver`);
  const store = await BenchCluster.start({ kind: "kube-lite", members: 3, heartbeatIntervalMs: 100, electionTimeoutMs: 1000, storeBin: options.bin, etcdBin: "etcd", nodeArgs: [], parentDir: options.dataDir, readyTimeoutMs: 60_000 });
  let apiserver: ApiServerProcess | undefined;
  let client: ApiClient | undefined;
  // Outside the store's data root (removed at the end), so the logs outlive a failed run.
  const dir = fs.mkdtempSync(path.join(options.dataDir, `kube-lite-scheduler-bench-${nodes}-`));
  try {
    apiserver = await ApiServerProcess.start({ bin: options.bin, etcdServers: store.endpoints, dir, nodeArgs: [], readyTimeoutMs: 60_000 });
    client = new ApiClient(apiserver.url);
    const target: ClusterTarget = { client, apiserver, store, bin: options.bin, dir };
    const commands: Record<string, string> = { store: store.commandLine("s1"), apiserver: apiserver.commandLine };
    log(`  logs in ${dir}`);
    let baseline: IdleCost | undefined;
    let idle: IdleCost | undefined;
    if (options.phases.has("idle")) {
      if (withBaseline) {
        log(`  baseline: ${options.baselineNodes} idle nodes`);
        baseline = (await measureIdle(target, options, options.baselineNodes, baselinePrefix)).idle;
        await deleteNodes(client, baselinePrefix, options.baselineNodes);
      }
      log(`  idle: ${nodes} nodes`);
      const measured = await measureIdle(target, options, nodes, nodePrefix);
      idle = measured.idle;
      commands["kubelet-sim (idle, behind the counting proxy)"] = measured.command;
    }
    const scheduling = options.phases.has("burst") || options.phases.has("steady") ? await schedulingPhases(target, options, nodes, commands) : {};
    return { result: { nodes, idle, ...scheduling, uptimeAfter: commandOutput("uptime", []) }, baseline, commands };
  } catch (error) {
    log(`failed; the components' logs are in ${dir}`);
    throw error;
  } finally {
    client?.close();
    await apiserver?.stop();
    await store.stop();
  }
}

function perNodeMemory(result: NodeCountResult, baseline: IdleCost | undefined): NodeCountResult {
  if (result.idle === undefined || baseline === undefined) return result;
  return { ...result, residentKiBPerNode: round((result.idle.residentKiB - baseline.residentKiB) / (result.nodes - baseline.nodes), 1) };
}

function profileSummaries(profileDir: string): string {
  const files = fs
    .readdirSync(profileDir)
    .filter((f) => f.startsWith("scheduler-") && f.endsWith(".cpuprofile"))
    .sort();
  return files.map((f) => profileMarkdown(summarizeProfile(path.join(profileDir, f), { top: 15 }), `Scheduler profile: ${f}`)).join("\n");
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  if (options.help) {
    console.log(usage);
    return;
  }
  installExitHandlers();
  const machine: SchedulerBenchMachine = benchMachineFacts("bench:scheduler", options.bin, argv);
  log(`machine: ${machine.cpus} CPUs, uptime: ${machine.uptimeAtStart}`);
  if (options.profileDir !== undefined) fs.mkdirSync(options.profileDir, { recursive: true });
  const decisions: DecisionResult[] = [];
  if (options.phases.has("decisions")) {
    await quietGate(options)(new Map([["bench", benchCpuMs]]));
    for (const nodes of options.nodes) {
      for (const owner of [false, true]) {
        const d = measureDecisions(nodes, options.pods, owner, options.decisionRounds);
        decisions.push(d);
        log(`decisions, ${nodes} nodes, owner ${d.owner}: ${d.decisionsPerSecond}/s (${d.microsecondsPerDecision} µs), ${d.evaluatedNodesMean} nodes filtered each`);
      }
    }
  }
  const clusters: NodeCountResult[] = [];
  let baseline: IdleCost | undefined;
  let commands: Record<string, string> = {};
  const resultsSoFar = (complete: boolean): SchedulerBenchResults => ({
    machine,
    settings: {
      nodes: options.nodes,
      pods: options.pods,
      clients: options.clients,
      ratePerSecond: options.rate,
      idleS: options.idleMs / 1000,
      settleS: options.settleMs / 1000,
      baselineNodes: options.baselineNodes,
      decisionRounds: options.decisionRounds,
      quietMaxOtherPercent: options.quietMaxOtherPercent,
      quietWaitS: options.quietWaitMs / 1000,
      phases: [...options.phases],
      storeMembers: 3,
      schedulerLogLevel: "warn",
      podStartDelay: "0s",
      profile: options.profileDir ?? "off",
      ...(complete ? {} : { incomplete: `results of ${clusters.length} of ${options.nodes.length} node counts so far` }),
    },
    commands,
    decisions,
    baseline,
    clusters,
    uptimeAtEnd: commandOutput("uptime", []),
  });
  const stamp = machine.date.replace(/:/g, "-").replace(/\..*$/, "");
  const base = path.join(options.outDir, `scheduler-${options.quick ? "quick-" : ""}${stamp}`);
  // Written after every node count, so a long run on a busy machine that is stopped keeps what it measured.
  const save = (results: SchedulerBenchResults): string => {
    const profiles = options.profileDir === undefined ? "" : profileSummaries(options.profileDir);
    const markdown = `${schedulerBenchMarkdown(results)}${profiles === "" ? "" : `\n${profiles}`}`;
    if (!options.save) return markdown;
    fs.mkdirSync(options.outDir, { recursive: true });
    fs.writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(`${base}.md`, markdown);
    return markdown;
  };
  for (const nodes of options.nodes) {
    const run = await runCluster(options, nodes, baseline === undefined);
    baseline ??= run.baseline;
    commands = { ...commands, ...run.commands };
    clusters.push(perNodeMemory(run.result, baseline));
    if (clusters.length < options.nodes.length) save(resultsSoFar(false));
  }
  const results = resultsSoFar(true);
  const markdown = save(results);
  log("");
  for (const line of headline(results)) log(line);
  if (!options.save) {
    process.stdout.write(markdown);
    return;
  }
  if (!options.quick) fs.writeFileSync(path.join(options.outDir, "scheduler-latest.md"), markdown);
  log(`results: ${base}.md and .json`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
