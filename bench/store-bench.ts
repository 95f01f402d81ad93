// npm run bench:store [-- --etcd] — the store benchmark: a 3-member kube-lite store cluster (and,
// with --etcd, a real etcd 3.4 cluster started with the same flags) under the same workloads,
// side by side. Results go to bench/results/store-<date>.{json,md} and store-latest.md.
//
// With --suite watch it measures watch and leases instead (issue 4): write-to-watch-event latency
// with 1, 100 and 1000 watchers, events delivered per second, lease grants per second; results in
// bench/results/store-watch-<date>.{json,md} and store-watch-latest.md.
//
// With --profile DIR the kube-lite members run under `node --cpu-prof`, only the 256-in-flight
// put phase runs (or the --phases given), and the profiles are summarized
// (bench/results/store-profile-*.md).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { StoreClient } from "../store/client/index.js";
import { BenchCluster, type SystemKind } from "./support/cluster.js";
import { profileMarkdown, summarizeProfile } from "./support/cpu-profile.js";
import { LeanClient } from "./support/lean-client.js";
import { closedLoop, machineBusyMs, median, round, summarize } from "./support/load.js";
import { installExitHandlers } from "./support/processes.js";
import { type BenchResults, type ClientComparison, type MachineFacts, type SystemResult, resultsMarkdown, resultsTable, syscallTable } from "./support/report.js";
import { perfAvailable, type SyscallTrace, SyscallTracer } from "./support/syscalls.js";
import { WatcherPool } from "./support/watch-pool.js";
import { watchResultsMarkdown, watchResultsTable } from "./support/watch-report.js";
import type { WatchLatencyResult, WatchThroughputResult } from "./support/watch-workloads.js";
import { SequentialGrants, WatchLatencyRun, concurrentGrants, watchThroughput } from "./support/watch-workloads.js";
import type { SequentialResult } from "./support/workloads.js";
import { Bodies, SequentialPuts, cpuSampler, defaultValueBytes, leaderKill, preloadKeys, putLoad, rangeLoad } from "./support/workloads.js";

const root = path.resolve(import.meta.dirname, "..");
const allPhases = ["seq", "put64", "put256", "range", "kill"] as const;
const watchPhases = ["watch", "lease"] as const;
type Phase = (typeof allPhases)[number] | (typeof watchPhases)[number] | "clients";
type Suite = "store" | "watch";

const usage = `Usage: npm run bench:store -- [options]

  --etcd                  also run real etcd (3 members, same flags) and compare
  --suite store|watch     store: puts, ranges, leader kill (default); watch: watch and lease
                          figures (phases watch, lease)
  --duration-s N          measured seconds of each load phase (default 10)
  --warmup-s N            warm-up seconds before each load phase (default 1)
  --sequential-puts N     measured sequential puts (default 2000)
  --sequential-warmup N   sequential warm-up puts (default 200)
  --cluster-warmup N      puts (8 in flight) into each fresh cluster before any phase, so
                          phases measure a warm member: JIT-compiled, its SQLite logs grown to
                          their working size (etcd preallocates its WAL files) (default 3000)
  --value-bytes N         bytes per value (default 256, the size the goals are stated for;
                          a pod's JSON is ~3,000)
  --range-keys N          keys written for the range phases (default 1000)
  --kill-rounds N         leader kill -9 rounds (default 3)
  --kill-timeout-ms N     per-request timeout of the put stream during a kill (default 300)
  --kill-writers N        concurrent writers of that stream (default 8)
  --phases LIST           any of seq,put64,put256,range,kill,clients (default all but clients);
                          with --suite watch: watch,lease (default both)
  --watchers LIST         watcher counts of the watch phase (default 1,100,1000)
  --watch-puts N          measured puts per watcher count, one at a time (default 300)
  --watch-warmup N        warm-up puts per watcher count (default 20)
  --events-watchers LIST  watcher counts that also get the events/s run (default 100,1000)
  --watch-writers N       puts in flight during the events/s run (default 16)
  --watch-workers N       worker processes that hold the watchers (default 2)
  --lease-grants N        sequential lease grants (default 1000)
  --client-compare        add phase 'clients': lean client vs store/client's StoreClient
  --store-bin PATH        kube-lite CLI to run members with (default dist/cluster/main.js)
  --etcd-bin PATH         etcd binary (default etcd)
  --data-dir DIR          where the fresh data dirs go (default the OS temp dir)
  --profile DIR           kube-lite only, members under node --cpu-prof into DIR; phase put256
  --profile-interval-us N sampling interval of --cpu-prof (default 1000)
  --syscalls              count the members' system calls (fsync...) with perf trace during put256
  --quiet-max-other-percent N  before each phase, wait until other processes use at most N% of a
                          core (default 25) ...
  --quiet-wait-s N        ... but no longer than N seconds (default 120; 0: do not wait)
  --out-dir DIR           results directory (default bench/results)
  --no-save               print only; write no result files`;

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      etcd: { type: "boolean", default: false },
      suite: { type: "string", default: "store" },
      watchers: { type: "string", default: "1,100,1000" },
      "watch-puts": { type: "string", default: "300" },
      "watch-warmup": { type: "string", default: "20" },
      "events-watchers": { type: "string", default: "100,1000" },
      "watch-writers": { type: "string", default: "16" },
      "watch-workers": { type: "string", default: "2" },
      "lease-grants": { type: "string", default: "1000" },
      "duration-s": { type: "string", default: "10" },
      "warmup-s": { type: "string", default: "1" },
      "sequential-puts": { type: "string", default: "2000" },
      "sequential-warmup": { type: "string", default: "200" },
      "cluster-warmup": { type: "string", default: "3000" },
      "value-bytes": { type: "string", default: String(defaultValueBytes) },
      "range-keys": { type: "string", default: "1000" },
      "kill-rounds": { type: "string", default: "3" },
      "kill-timeout-ms": { type: "string", default: "300" },
      "kill-writers": { type: "string", default: "8" },
      phases: { type: "string" },
      "client-compare": { type: "boolean", default: false },
      "store-bin": { type: "string", default: path.join(root, "dist/cluster/main.js") },
      "etcd-bin": { type: "string", default: "etcd" },
      "data-dir": { type: "string", default: os.tmpdir() },
      profile: { type: "string" },
      "profile-interval-us": { type: "string", default: "1000" },
      "out-dir": { type: "string", default: path.join(root, "bench/results") },
      "no-save": { type: "boolean", default: false },
      syscalls: { type: "boolean", default: false },
      "quiet-max-other-percent": { type: "string", default: "25" },
      "quiet-wait-s": { type: "string", default: "120" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  const number = (name: keyof typeof values): number => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, not '${String(values[name])}'`);
    return n;
  };
  const profileDir = values.profile === undefined ? undefined : path.resolve(values.profile);
  if (values.suite !== "store" && values.suite !== "watch") throw new Error(`--suite must be store or watch, not '${values.suite}'`);
  const suite: Suite = values.suite;
  const known: readonly string[] = suite === "watch" ? watchPhases : [...allPhases, "clients"];
  const defaultPhases: Phase[] = suite === "watch" ? [...watchPhases] : profileDir === undefined ? [...allPhases] : ["put256"];
  let phases: Phase[] = values.phases === undefined ? defaultPhases : (values.phases.split(",") as Phase[]);
  for (const p of phases) if (!known.includes(p)) throw new Error(`unknown phase '${p}' for --suite ${suite}`);
  const counts = (name: "watchers" | "events-watchers"): number[] =>
    values[name].split(",").map((text) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} takes positive whole numbers, not '${text}'`);
      return n;
    });
  if (values["client-compare"] && !phases.includes("clients")) phases = [...phases, "clients"];
  return {
    help: values.help,
    suite,
    watcherCounts: counts("watchers"),
    eventsWatcherCounts: counts("events-watchers"),
    watchPuts: number("watch-puts"),
    watchWarmup: number("watch-warmup"),
    watchWriters: number("watch-writers"),
    watchWorkers: number("watch-workers"),
    leaseGrants: number("lease-grants"),
    etcd: values.etcd && profileDir === undefined,
    durationMs: number("duration-s") * 1000,
    warmupMs: number("warmup-s") * 1000,
    sequentialPuts: number("sequential-puts"),
    sequentialWarmup: number("sequential-warmup"),
    clusterWarmupPuts: number("cluster-warmup"),
    valueBytes: number("value-bytes"),
    rangeKeys: number("range-keys"),
    killRounds: number("kill-rounds"),
    killTimeoutMs: number("kill-timeout-ms"),
    killWriters: number("kill-writers"),
    phases,
    storeBin: path.resolve(values["store-bin"]),
    etcdBin: values["etcd-bin"],
    dataDir: path.resolve(values["data-dir"]),
    profileDir,
    profileIntervalUs: number("profile-interval-us"),
    outDir: path.resolve(values["out-dir"]),
    save: !values["no-save"],
    syscalls: values.syscalls,
    quietMaxOtherPercent: Number(values["quiet-max-other-percent"]),
    quietWaitMs: Number(values["quiet-wait-s"]) * 1000,
  };
}

type Options = ReturnType<typeof parseOptions>;

const log = (line: string) => process.stderr.write(`${line}\n`);
const heartbeatIntervalMs = 100;
const electionTimeoutMs = 1000;
/** Sequential puts per slice when two systems are compared (interleaved). */
const sequentialSlice = 250;
/** Write-to-watch latency puts per slice when two systems are compared (interleaved). */
const watchSlice = 50;
/** Sequential lease grants per slice when two systems are compared (interleaved). */
const leaseSlice = 100;

/** The systems in turn `turn`'s order: as given on even turns, reversed on odd ones. */
const alternate = <T>(items: readonly T[], turn: number): readonly T[] => (turn % 2 === 0 ? items : [...items].reverse());

/**
 * Runs every system's one-at-a-time measurement to its end: with two systems in slices of
 * `sliceSize`, alternating which goes first, so drift in the machine's speed weighs on both
 * alike; with one, in one go.
 */
async function interleave(runs: readonly { readonly done: boolean; slice(count: number): Promise<void> }[], sliceSize: number): Promise<void> {
  const size = runs.length > 1 ? sliceSize : Number.POSITIVE_INFINITY;
  for (let turn = 0; runs.some((r) => !r.done); turn += 1) {
    for (const run of alternate(runs, turn)) await run.slice(size);
  }
}

function commandOutput(command: string, args: string[], cwd = root): string {
  const out = spawnSync(command, args, { cwd, encoding: "utf8" });
  return out.status === 0 ? out.stdout.trim() : "";
}

function fdatasyncMeanMs(dir: string): number {
  const file = path.join(dir, `kube-lite-bench-fsync-${process.pid}.tmp`);
  const fd = fs.openSync(file, "w");
  const block = Buffer.alloc(4096, 1);
  const count = 200;
  const start = process.hrtime.bigint();
  try {
    for (let i = 0; i < count; i += 1) {
      fs.writeSync(fd, block);
      fs.fdatasyncSync(fd);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return round(Number(process.hrtime.bigint() - start) / 1e6 / count, 3);
}

function machineFacts(options: Options, argv: string[]): MachineFacts {
  const etcdVersion = /etcd Version: (\S+)/.exec(commandOutput(options.etcdBin, ["--version"]))?.[1] ?? "not installed";
  // The commit of the checkout the member binary was built in (it need not be this one).
  const binCheckout = path.dirname(options.storeBin);
  const dirty = commandOutput("git", ["status", "--porcelain", "--untracked-files=no"], binCheckout);
  return {
    date: new Date().toISOString(),
    command: `npm run bench:store${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    etcd: etcdVersion,
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
    fdatasyncMeanMs: fdatasyncMeanMs(options.dataDir),
    dataDir: options.dataDir,
    kubeLiteCommit: commandOutput("git", ["rev-parse", "--short", "HEAD"], binCheckout) || "unknown",
    kubeLiteWorkingTree: dirty === "" ? "clean working tree" : `working tree has ${dirty.split("\n").length} changed file(s)`,
    storeBin: options.storeBin,
  };
}

/** lean client vs StoreClient (one per member, so it cannot prefer the leader) on the same cluster. */
async function compareClients(cluster: BenchCluster, lean: LeanClient, bodies: Bodies, options: Options): Promise<ClientComparison[]> {
  // StoreClient adds one abort listener per request in flight to one AbortSignal: more than 10
  // in flight makes Node warn about a leak. Raise the default for the signals created below.
  setMaxListeners(1024);
  const storeClients = cluster.endpoints.map((endpoint) => new StoreClient({ endpoints: [endpoint], requestTimeoutMs: 5000, deadlineMs: 10_000 }));
  try {
    const comparisons: ClientComparison[] = [];
    const count = Math.min(1000, options.sequentialPuts);
    const durationMs = Math.min(5000, options.durationMs);
    const candidates: [string, (member: number, phase: string, seq: number) => Promise<boolean>][] = [
      ["lean node:http (bench/support/lean-client.ts)", async (member, phase, seq) => (await lean.post(member, "/v3/kv/put", bodies.put(phase, seq))).status === 200],
      [
        "StoreClient (store/client)",
        async (member, phase, seq) => {
          await (storeClients[member % storeClients.length] as StoreClient).put({ key: bodies.key(phase, seq), value: bodies.value });
          return true;
        },
      ],
    ];
    for (const [name, put] of candidates) {
      const tag = name.startsWith("lean") ? "lean" : "storeclient";
      for (let i = 0; i < 100; i += 1) await put(i % 3, `${tag}-warmup`, i);
      const latencies: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const t0 = performance.now();
        await put(i % 3, `${tag}-seq`, i);
        latencies.push(performance.now() - t0);
      }
      const load = await closedLoop({ concurrency: 64, warmupMs: options.warmupMs, durationMs, cpu: cpuSampler(cluster), request: (w, seq) => put(w, `${tag}-load`, seq) });
      const seq = summarize(latencies);
      comparisons.push({ client: name, sequentialP50Ms: seq.p50Ms, sequentialP99Ms: seq.p99Ms, put64OpsPerSecond: load.opsPerSecond, put64ClientCpuUsPerOp: load.clientCpuUsPerOp, put64ClientCpuPercent: load.clientCpuPercent });
      log(`    ${name}: sequential p50 ${seq.p50Ms} ms, 64 in flight ${load.opsPerSecond} puts/s, client CPU ${load.clientCpuUsPerOp} µs/put`);
    }
    return comparisons;
  } finally {
    for (const c of storeClients) c.close();
  }
}

/** One system under test: its cluster, a client and what was measured so far. */
interface SystemRun {
  readonly kind: SystemKind;
  readonly cluster: BenchCluster;
  readonly client: LeanClient;
  readonly bodies: Bodies;
  /** pid → member name, as first started (for profiles and traces). */
  readonly pids: Map<number, string>;
  result: SystemResult;
  leaderAtPut256: string;
  profileWindowUs: readonly [number, number] | undefined;
  rangeKeys: string[] | undefined;
}

async function startSystem(kind: SystemKind, options: Options): Promise<SystemRun> {
  log(`[${kind}] starting 3 members`);
  const cluster = await BenchCluster.start({
    kind,
    members: 3,
    heartbeatIntervalMs,
    electionTimeoutMs,
    storeBin: options.storeBin,
    etcdBin: options.etcdBin,
    nodeArgs: options.profileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", options.profileDir, "--cpu-prof-interval", String(options.profileIntervalUs)],
    parentDir: options.dataDir,
    readyTimeoutMs: 30_000,
  });
  const pids = new Map<number, string>();
  for (const name of cluster.names) {
    const pid = cluster.pidOf(name);
    if (pid !== undefined) pids.set(pid, name);
  }
  const leader = await cluster.leader();
  log(`[${kind}] leader ${leader}; endpoints ${cluster.endpoints.join(" ")}`);
  const client = new LeanClient(cluster.endpoints);
  const bodies = new Bodies(randomBytes(4).toString("hex"), options.valueBytes);
  if (options.clusterWarmupPuts > 0) {
    const started = performance.now();
    const writers = 8;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = w; i < options.clusterWarmupPuts; i += writers) await client.post(i % client.size, "/v3/kv/put", bodies.put("cluster-warmup", i));
      }),
    );
    log(`[${kind}] warmed with ${options.clusterWarmupPuts} puts in ${Math.round(performance.now() - started)} ms`);
  }
  return {
    kind,
    cluster,
    client,
    bodies,
    pids,
    result: { system: kind, memberCommand: cluster.commandLine(cluster.names[0] as string) },
    leaderAtPut256: leader,
    profileWindowUs: undefined,
    rangeKeys: undefined,
  };
}

const errorsNote = (r: { errors: number; firstError: string | undefined }) => (r.errors === 0 ? "" : `, ${r.errors} errors (${r.firstError ?? ""})`);

async function runPut(run: SystemRun, concurrency: 64 | 256, options: Options): Promise<void> {
  const { kind, cluster } = run;
  log(`[${kind}] puts, ${concurrency} in flight: ${options.warmupMs / 1000} s warm-up + ${options.durationMs / 1000} s`);
  const leader = await cluster.leader();
  let tracer: SyscallTracer | undefined;
  let traced: Promise<SyscallTrace> | undefined;
  const window =
    concurrency === 256 && options.syscalls
      ? {
          onWindowStart: () => (tracer = new SyscallTracer(run.pids, path.join(cluster.dataRoot, "perf-trace.txt"))),
          onWindowEnd: () => (traced = tracer?.stop()),
        }
      : {};
  const load = await putLoad(cluster, run.client, run.bodies, concurrency, options.warmupMs, options.durationMs, window);
  log(`    ${load.opsPerSecond} puts/s, p50 ${load.latency.p50Ms} ms, p99 ${load.latency.p99Ms} ms, members' CPU ${load.serverCpuUsPerOp} µs/put, other processes ${load.otherCpuPercent}% CPU${errorsNote(load)}`);
  if (concurrency === 64) {
    run.result = { ...run.result, put64: load };
    return;
  }
  run.result = { ...run.result, put256: load };
  run.leaderAtPut256 = leader;
  run.profileWindowUs = load.windowMonotonicUs;
  if (traced !== undefined) {
    const trace = await traced;
    run.result = { ...run.result, syscalls256: { leader, opsPerSecond: load.opsPerSecond, durationMs: load.durationMs, byMember: trace.byMember } };
  }
}

async function runRange(run: SystemRun, serializable: boolean, options: Options): Promise<void> {
  const { kind, cluster, client, bodies } = run;
  if (run.rangeKeys === undefined) {
    log(`[${kind}] writing ${options.rangeKeys} keys to read`);
    run.rangeKeys = await preloadKeys(client, bodies, options.rangeKeys);
  }
  log(`[${kind}] ${serializable ? "serializable" : "linearizable"} range, 64 in flight`);
  const load = await rangeLoad(cluster, client, bodies, run.rangeKeys, serializable, 64, options.warmupMs, options.durationMs);
  log(`    ${load.opsPerSecond} reads/s, p50 ${load.latency.p50Ms} ms, p99 ${load.latency.p99Ms} ms, other processes ${load.otherCpuPercent}% CPU${errorsNote(load)}`);
  run.result = serializable ? { ...run.result, rangeSerializable: load } : { ...run.result, rangeLinearizable: load };
}

/** Sequential puts on each system; with two, interleaved in slices of sequentialSlice. */
async function runSequential(runs: readonly SystemRun[], options: Options): Promise<void> {
  const sessions: { run: SystemRun; puts: SequentialPuts }[] = [];
  for (const run of runs) {
    log(`[${run.kind}] sequential puts: ${options.sequentialWarmup} warm-up + ${options.sequentialPuts}${runs.length > 1 ? `, in slices of ${sequentialSlice} interleaved with the other system's` : ""}`);
    sessions.push({ run, puts: await SequentialPuts.start(run.cluster, run.client, run.bodies, options.sequentialPuts, options.sequentialWarmup) });
  }
  await interleave(sessions.map((s) => s.puts), sequentialSlice);
  for (const { run, puts } of sessions) recordSequential(run, await puts.finish());
}

function recordSequential(run: SystemRun, sequential: SequentialResult): void {
  log(`[${run.kind}] sequential puts:`);
  log(`    p50 ${sequential.all.p50Ms} ms, p99 ${sequential.all.p99Ms} ms (via leader p50 ${sequential.viaLeader.p50Ms}, via followers p50 ${sequential.viaFollowers.p50Ms}); members' CPU ${sequential.membersCpuUsPerPut} µs/put; read-back ${sequential.readBackOk ? "ok" : "WRONG"}`);
  run.result = { ...run.result, sequential };
  // A profile of a run without put256 is cut to the sequential puts.
  run.profileWindowUs ??= sequential.windowMonotonicUs;
}

async function runKillRound(run: SystemRun, roundNumber: number, options: Options): Promise<void> {
  log(`[${run.kind}] leader kill -9, round ${roundNumber} of ${options.killRounds} (${options.killWriters} writers, ${options.killTimeoutMs} ms per request)`);
  const [killRound] = await leaderKill(run.cluster, run.client, run.bodies, {
    rounds: 1,
    firstRound: roundNumber,
    requestTimeoutMs: options.killTimeoutMs,
    writers: options.killWriters,
    steadyMs: 1000,
    giveUpMs: 20_000,
    log,
  });
  if (killRound === undefined) return;
  const rounds = [...(run.result.leaderKill?.rounds ?? []), killRound];
  run.result = { ...run.result, leaderKill: { rounds, medianMs: round(median(rounds.map((r) => r.unavailableMs)), 1) } };
}

/**
 * Write-to-watch latency with `watchers` watchers and, for the --events-watchers counts, events
 * per second on the same watchers. Every system's watchers are opened first; the latency puts run
 * in interleaved slices of watchSlice (as the sequential puts); events/s one system after the other.
 */
async function runWatch(runs: readonly SystemRun[], watchers: number, stepIndex: number, options: Options): Promise<void> {
  const opened: { run: SystemRun; pool: WatcherPool; prefix: string }[] = [];
  try {
    for (const run of runs) {
      const prefix = `${run.bodies.key(`watch${watchers}`, 0).slice(0, -9)}`;
      log(`[${run.kind}] ${watchers} watcher(s) on one prefix, ${Math.min(options.watchWorkers, watchers)} worker process(es): opening`);
      const t0 = performance.now();
      opened.push({ run, prefix, pool: await WatcherPool.open(run.cluster.endpoints, watchers, options.watchWorkers, prefix) });
      log(`    opened in ${Math.round(performance.now() - t0)} ms`);
    }
    const sessions: { run: SystemRun; latency: WatchLatencyRun }[] = [];
    for (const { run, pool, prefix } of opened) {
      log(`[${run.kind}] ${options.watchWarmup} warm-up + ${options.watchPuts} puts, one at a time${runs.length > 1 ? `, in slices of ${watchSlice} interleaved with the other system's` : ""}`);
      sessions.push({ run, latency: await WatchLatencyRun.start(run.cluster, run.client, pool, run.bodies, prefix, options.watchPuts, options.watchWarmup) });
    }
    await interleave(sessions.map((s) => s.latency), watchSlice);
    const latencies = new Map<SystemRun, WatchLatencyResult>();
    for (const { run, latency } of sessions) {
      const result = await latency.finish();
      latencies.set(run, result);
      const e = result.eventLatency;
      log(`[${run.kind}] ${watchers} watcher(s): event p50 ${e.p50Ms} ms, p99 ${e.p99Ms} ms over ${e.count} events (${result.undelivered} puts undelivered); client CPU ${result.clientCpuPercent}% (workers ${result.workersCpuPercent}%), members ${result.membersCpuPercent}%${watchProblemsNote(result)}`);
    }
    const throughputs = new Map<SystemRun, WatchThroughputResult>();
    if (options.eventsWatcherCounts.includes(watchers)) {
      for (const { run, pool, prefix } of alternate(opened, stepIndex)) {
        await quietGate(runs, options);
        log(`[${run.kind}] ${watchers} watchers, ${options.watchWriters} puts in flight: ${options.warmupMs / 1000} s warm-up + ${options.durationMs / 1000} s`);
        const throughput = await watchThroughput(run.cluster, run.client, pool, run.bodies, prefix, options.watchWriters, options.warmupMs, options.durationMs);
        throughputs.set(run, throughput);
        log(`    ${throughput.eventsPerSecond} events/s (${throughput.putsPerSecond} puts/s, delivered share ${throughput.deliveredShare}), event p50 ${throughput.eventLatency.p50Ms} ms, p99 ${throughput.eventLatency.p99Ms} ms, drain ${throughput.drainMs} ms; client CPU ${throughput.clientCpuPercent}% (workers ${throughput.workersCpuPercent}%), members ${throughput.membersCpuPercent}%${watchProblemsNote(throughput)}`);
      }
    }
    for (const run of runs) {
      const latency = latencies.get(run) as WatchLatencyResult;
      const throughput = throughputs.get(run);
      const entry = throughput === undefined ? { latency } : { latency, throughput };
      run.result = { ...run.result, watch: [...(run.result.watch ?? []), entry] };
    }
  } finally {
    await Promise.all(opened.map(({ pool }) => pool.close()));
  }
}

const watchProblemsNote = (p: { canceledWatchers: number; streamErrors: number; firstProblem: string | undefined }) =>
  p.canceledWatchers + p.streamErrors === 0 ? "" : `; ${p.canceledWatchers} watchers canceled, ${p.streamErrors} stream errors (${p.firstProblem ?? ""})`;

/** Lease grants: one at a time (with two systems, in interleaved slices of leaseSlice), then 64 in flight, one system after the other. */
async function runLease(runs: readonly SystemRun[], stepIndex: number, options: Options): Promise<void> {
  const sessions: { run: SystemRun; grants: SequentialGrants }[] = [];
  for (const run of runs) {
    log(`[${run.kind}] lease grants: ${options.leaseGrants} one at a time${runs.length > 1 ? `, in slices of ${leaseSlice} interleaved with the other system's` : ""}`);
    sessions.push({ run, grants: await SequentialGrants.start(run.client, options.leaseGrants) });
  }
  await interleave(sessions.map((s) => s.grants), leaseSlice);
  for (const { run, grants } of alternate(sessions, stepIndex)) {
    await quietGate(runs, options);
    log(`[${run.kind}] lease grants: 64 in flight for ${options.durationMs / 1000} s`);
    const concurrent = await concurrentGrants(run.cluster, run.client, 64, options.warmupMs, options.durationMs);
    const sequential = grants.result();
    log(`    sequential ${sequential.grantsPerSecond} grants/s (p50 ${sequential.latency.p50Ms} ms); 64 in flight ${concurrent.opsPerSecond} grants/s, members' CPU ${concurrent.serverCpuUsPerOp} µs/grant${errorsNote(concurrent)}`);
    run.result = { ...run.result, leases: { sequential, concurrent } };
  }
}

/**
 * Waits (up to --quiet-wait-s) until processes other than the bench and its members use at most
 * --quiet-max-other-percent of a core, measured over one second while the bench is idle, so a
 * compiler or test run elsewhere on the machine does not land in one system's phase only.
 */
async function quietGate(runs: readonly SystemRun[], options: Options): Promise<void> {
  if (options.quietWaitMs <= 0) return;
  const deadline = Date.now() + options.quietWaitMs;
  const sample = () => {
    let members = 0;
    for (const run of runs) for (const ms of run.cluster.cpuTimeMs().values()) members += ms;
    const usage = process.cpuUsage();
    return { machine: machineBusyMs(), ours: members + (usage.user + usage.system) / 1000 };
  };
  let lastLogAt = 0;
  for (;;) {
    const a = sample();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const b = sample();
    const otherPercent = round((b.machine - a.machine - (b.ours - a.ours)) / 10, 0);
    if (otherPercent <= options.quietMaxOtherPercent) return;
    if (Date.now() > deadline) {
      log(`    the machine stayed busy (other processes ${otherPercent}% CPU); measuring anyway`);
      return;
    }
    if (Date.now() - lastLogAt > 10_000) {
      log(`    waiting for a quieter machine: other processes use ${otherPercent}% CPU`);
      lastLogAt = Date.now();
    }
  }
}

/** Runs every phase; with two systems, phase by phase, alternating which goes first. */
async function runPhases(runs: readonly SystemRun[], options: Options): Promise<void> {
  // A step runs on each system in turn, or (`together`) on all at once.
  const steps: { name: string; go?: (run: SystemRun) => Promise<void>; together?: () => Promise<void> }[] = [];
  for (const phase of options.phases) {
    if (phase === "seq") steps.push({ name: phase, together: () => runSequential(runs, options) });
    if (phase === "put64" || phase === "put256") steps.push({ name: phase, go: (run) => runPut(run, phase === "put64" ? 64 : 256, options) });
    if (phase === "range") {
      steps.push({ name: "range-linearizable", go: (run) => runRange(run, false, options) });
      steps.push({ name: "range-serializable", go: (run) => runRange(run, true, options) });
    }
    if (phase === "clients") steps.push({ name: phase, go: async (run) => void (run.result = { ...run.result, clients: await compareClients(run.cluster, run.client, run.bodies, options) }) });
    if (phase === "kill") for (let r = 1; r <= options.killRounds; r += 1) steps.push({ name: `kill-${r}`, go: (run) => runKillRound(run, r, options) });
    if (phase === "watch") {
      for (const n of options.watcherCounts) {
        const index = steps.length;
        steps.push({ name: `watch-${n}`, together: () => runWatch(runs, n, index, options) });
      }
    }
    if (phase === "lease") {
      const index = steps.length;
      steps.push({ name: phase, together: () => runLease(runs, index, options) });
    }
  }
  for (const [i, step] of steps.entries()) {
    if (step.together !== undefined) {
      await quietGate(runs, options);
      await step.together();
      continue;
    }
    for (const run of alternate(runs, i)) {
      await quietGate(runs, options);
      await step.go?.(run);
    }
  }
}

function watchSettings(options: Options): Record<string, unknown> {
  return {
    members: 3,
    "heartbeat-interval ms": heartbeatIntervalMs,
    "election-timeout ms": electionTimeoutMs,
    fsync: "on (defaults)",
    "value bytes": options.valueBytes,
    watchers: `${options.watcherCounts.join(", ")}, all on one prefix, each its own HTTP stream (POST /v3/watch), watcher i on member i mod 3, held by ${options.watchWorkers} worker processes`,
    "latency puts": `${options.watchWarmup} warm-up + ${options.watchPuts} per watcher count, one at a time, members in turn; the next once every watcher has the event`,
    "events/s": `${options.eventsWatcherCounts.join(", ")} watchers; ${options.watchWriters} puts in flight; ${options.warmupMs / 1000} s warm-up + ${options.durationMs / 1000} s`,
    "cluster warm-up": `${options.clusterWarmupPuts} puts, 8 in flight, into each fresh cluster before the first step`,
    "lease grants": `TTL 3600 s; ${options.leaseGrants} one at a time, members in turn; then 64 in flight, ${options.warmupMs / 1000} s warm-up + ${options.durationMs / 1000} s`,
    order: options.etcd ? `both clusters up at once; step by step, alternating which system goes first; write-to-watch latency puts (slices of ${watchSlice}) and sequential lease grants (slices of ${leaseSlice}) interleaved between the systems` : "kube-lite only",
    "quiet gate": options.quietWaitMs > 0 ? `before each step, wait up to ${options.quietWaitMs / 1000} s for other processes to use ≤ ${options.quietMaxOtherPercent}% CPU` : "off",
  };
}

function dateTag(iso: string): string {
  return iso.replace(/\.\d+Z$/, "").replaceAll(":", "-");
}

function writeFiles(outDir: string, base: string, json: unknown, markdown: string, latest: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const files = [path.join(outDir, `${base}.json`), path.join(outDir, `${base}.md`), path.join(outDir, latest)];
  fs.writeFileSync(files[0] as string, `${JSON.stringify(json, null, 2)}\n`);
  fs.writeFileSync(files[1] as string, markdown);
  fs.writeFileSync(files[2] as string, markdown);
  return files;
}

function summarizeProfiles(options: Options, machine: MachineFacts, run: SystemRun): void {
  const dir = options.profileDir as string;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  const sections: string[] = [];
  const summaries = [];
  for (const [pid, name] of run.pids) {
    const file = files.find((f) => f.split(".").includes(String(pid)));
    if (file === undefined) {
      log(`no profile for ${name} (pid ${pid}) in ${dir}`);
      continue;
    }
    const role = name === run.leaderAtPut256 ? "leader" : "follower";
    const summary = summarizeProfile(path.join(dir, file), run.profileWindowUs === undefined ? {} : { windowUs: run.profileWindowUs });
    summaries.push({ member: name, role, summary });
    sections.push(profileMarkdown(summary, `${name} (${role})`));
  }
  const put256 = run.result.put256;
  const markdown = [
    `# kube-lite store CPU profile, phases ${options.phases.join(", ")}${options.suite === "watch" ? " of --suite watch" : ""} (${machine.date})`,
    "",
    `Command: \`${machine.command}\``,
    "",
    `Machine: ${machine.cpus} × ${machine.cpuModel}; Node ${machine.node}; kube-lite ${machine.kubeLiteCommit} (${machine.kubeLiteWorkingTree}).`,
    put256 === undefined
      ? run.profileWindowUs === undefined
        ? "The whole profile is counted (start-up and idle time included)."
        : `Only samples inside the sequential puts are counted (${run.result.sequential?.puts ?? 0} puts, p50 ${run.result.sequential?.all.p50Ms ?? Number.NaN} ms, members' CPU ${run.result.sequential?.membersCpuUsPerPut ?? Number.NaN} µs/put).`
      : `Load while profiled: ${put256.opsPerSecond} puts/s, p50 ${put256.latency.p50Ms} ms, p99 ${put256.latency.p99Ms} ms (profiling slows the members). Only samples inside the ${put256.durationMs / 1000} s measured window are counted.`,
    "",
    ...sections,
    ...(run.result.syscalls256 === undefined ? [] : ["### System calls in the same window (perf trace -s)", "", syscallTable({ machine, settings: {}, systems: [run.result] }) ?? "", ""]),
  ].join("\n");
  process.stdout.write(`${markdown}\n`);
  if (options.save) {
    const files = writeFiles(options.outDir, `store-profile-${dateTag(machine.date)}`, { machine, load: put256, profiles: summaries }, markdown, "store-profile-latest.md");
    log(`wrote ${files.join(", ")}`);
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`bench:store: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  installExitHandlers();
  if (!fs.existsSync(options.storeBin)) {
    console.error(`bench:store: ${options.storeBin} is missing: run npm run build first`);
    return 1;
  }
  if (options.etcd && spawnSync(options.etcdBin, ["--version"], { stdio: "ignore" }).status !== 0) {
    console.error(`bench:store: no etcd binary '${options.etcdBin}' (apt-get install -y etcd-server etcd-client)`);
    return 1;
  }
  if (options.profileDir !== undefined) fs.mkdirSync(options.profileDir, { recursive: true });
  if (options.syscalls && !perfAvailable()) {
    console.error("bench:store: --syscalls needs perf (apt-get install -y linux-perf)");
    return 1;
  }
  const machine = machineFacts(options, argv);
  log(`kube-lite store bench: ${machine.cpus} CPUs, node ${machine.node}, etcd ${machine.etcd}, fdatasync ${machine.fdatasyncMeanMs} ms, load ${machine.loadAverageAtStart.join(" ")}`);

  const runs: SystemRun[] = [];
  let stopSignal: NodeJS.Signals = "SIGKILL";
  try {
    runs.push(await startSystem("kube-lite", options));
    if (options.etcd) runs.push(await startSystem("etcd", options));
    await runPhases(runs, options);
    // A graceful stop lets node write the --cpu-prof profiles.
    if (options.profileDir !== undefined) stopSignal = "SIGTERM";
  } finally {
    for (const run of runs) run.client.close();
    await Promise.all(runs.map((run) => run.cluster.stop(stopSignal)));
  }
  const kubeLite = runs[0] as SystemRun;
  if (options.profileDir !== undefined) {
    summarizeProfiles(options, machine, kubeLite);
    return 0;
  }
  const systems = runs.map((run) => run.result);

  const watchSuite = options.suite === "watch";
  const results: BenchResults = {
    machine,
    loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
    settings: watchSuite ? watchSettings(options) : {
      members: 3,
      "heartbeat-interval ms": heartbeatIntervalMs,
      "election-timeout ms": electionTimeoutMs,
      fsync: "on (defaults)",
      "value bytes": options.valueBytes,
      keys: "distinct",
      client: "node:http keep-alive, requests spread evenly over the 3 members",
      "load phase seconds": options.durationMs / 1000,
      "warm-up seconds": options.warmupMs / 1000,
      "sequential puts": options.sequentialPuts,
      "cluster warm-up": `${options.clusterWarmupPuts} puts, 8 in flight, into each fresh cluster before the first phase`,
      "kill rounds": options.killRounds,
      "kill stream": `${options.killWriters} writers, ${options.killTimeoutMs} ms timeout, next member on failure`,
      order: options.etcd ? `both clusters up at once; phase by phase, alternating which system goes first; sequential puts in slices of ${sequentialSlice}, interleaved` : "kube-lite only",
      "quiet gate": options.quietWaitMs > 0 ? `before each phase, wait up to ${options.quietWaitMs / 1000} s for other processes to use ≤ ${options.quietMaxOtherPercent}% CPU` : "off",
    },
    systems,
  };
  const markdown = watchSuite ? watchResultsMarkdown(results) : resultsMarkdown(results);
  process.stdout.write(`\n${watchSuite ? watchResultsTable(results) : resultsTable(results)}\n\n`);
  if (options.save) {
    const base = watchSuite ? "store-watch" : "store";
    const files = writeFiles(options.outDir, `${base}-${dateTag(machine.date)}`, results, markdown, `${base}-latest.md`);
    log(`wrote ${files.join(", ")}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
