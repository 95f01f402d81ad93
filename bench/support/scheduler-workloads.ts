// The scheduler bench's phases on one cluster (3 store members, one apiserver, one kubelet-sim
// process hosting N nodes):
// - idle: the kubelet-sim process with its nodes registered and no pods, through a counting
//   proxy: resident memory, CPU, requests per second by kind, and the apiserver's and store's CPU;
// - burst: pods created while no scheduler runs, then a scheduler started: time from its start
//   and from its sync until every pod is bound (seen through a watch), and until every one runs;
// - steady: pods created at a fixed rate with the scheduler running: creation → bound and
//   creation → Running latency, from the bench's send time to the watch event.
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import type { ApiClient } from "../apiserver-client.js";
import { podManifest } from "../apiserver-protocol.js";
import { type BenchTarget, type CreateResult, createPods, currentResourceVersion, ensureNamespace, podName } from "../apiserver-workloads.js";
import { type ComponentProcess, SchedulerProcess } from "./scheduler-components.js";
import { type CpuSource, type CpuUse, benchCpuMs, cpuMark, cpuUse } from "./scheduler-cpu.js";
import { PodWatch } from "./scheduler-pod-watch.js";
import type { CountingProxy } from "./scheduler-proxy.js";
import { type LatencySummary, median, round, summarize } from "./load.js";
import { monotonicUs } from "./watch-protocol.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ClusterTarget extends BenchTarget {
  readonly bin: string;
  /** Logs and url files of the components the phases start. */
  readonly dir: string;
}

/** Waits for a quieter machine before a measurement; says what other processes used then. */
export type QuietGate = (ours: ReadonlyMap<string, CpuSource>) => Promise<number>;

/** The store's revision now: every write anywhere in the cluster adds one. */
async function storeRevision(client: ApiClient): Promise<number> {
  return Number(await currentResourceVersion(client, "/api/v1/namespaces/default/pods"));
}

/** The processes whose CPU a phase reports, by name. */
export function cpuSources(target: ClusterTarget, extra: Record<string, CpuSource>): Map<string, CpuSource> {
  const store: CpuSource = () => [...target.store.cpuTimeMs().values()].reduce((a, b) => a + b, 0);
  return new Map([["bench", benchCpuMs], ["apiserver", () => target.apiserver.cpuMs()], ["store (3 members)", store], ...Object.entries(extra)]);
}

interface NodeList {
  items?: { metadata?: { name?: string }; status?: { conditions?: { type?: string; status?: string }[] } }[];
}

/** Nodes named `<prefix><n>` whose Ready condition is True. */
async function readyNodes(client: ApiClient, prefix: string): Promise<number> {
  const list = JSON.parse(await client.expect(200, "GET", "/api/v1/nodes")) as NodeList;
  return (list.items ?? []).filter((n) => n.metadata?.name?.startsWith(prefix) === true && n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true).length;
}

/**
 * Waits for the kubelet-sim's "kubelet-sim running" log line (every node registered, both
 * informers synced, workers started) and for its nodes to be Ready; the ms from spawn to there.
 */
export async function waitKubeletsRunning(target: ClusterTarget, kubelet: ComponentProcess, prefix: string, nodes: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    kubelet.assertRunning();
    if (fs.readFileSync(kubelet.logPath, "utf8").includes('"msg":"kubelet-sim running"') && (await readyNodes(target.client, prefix)) >= nodes) return round(performance.now() - kubelet.spawnedAtMs, 0);
    if (performance.now() > deadline) throw new Error(`${nodes} simulated nodes not running within ${timeoutMs} ms; see ${kubelet.logPath}`);
    await sleep(200);
  }
}

export interface IdleCost {
  readonly nodes: number;
  readonly startupMs: number;
  readonly windowS: number;
  /** Median of one sample per second over the window. */
  readonly residentKiB: number;
  readonly residentKiBRange: readonly [number, number];
  readonly cpu: CpuUse;
  readonly requestsPerSecond: number;
  readonly requestsByKind: Record<string, number>;
  readonly storeWritesPerSecond: number;
  readonly otherPercentBefore: number;
}

/** The idle window: RSS sampled each second, CPU of every process, requests counted by the proxy. */
export async function idleCost(target: ClusterTarget, kubelet: ComponentProcess, proxy: CountingProxy, nodes: number, startupMs: number, settleMs: number, windowMs: number, quiet: QuietGate): Promise<IdleCost> {
  await sleep(settleMs);
  kubelet.assertRunning();
  const sources = cpuSources(target, { "kubelet-sim": () => kubelet.cpuMs() });
  const otherPercentBefore = await quiet(sources);
  const revisionBefore = await storeRevision(target.client);
  proxy.take();
  const start = cpuMark(sources);
  const samples: number[] = [];
  for (let elapsed = 0; elapsed < windowMs; elapsed += 1000) {
    await sleep(Math.min(1000, windowMs - elapsed));
    samples.push(kubelet.residentKiB());
  }
  const end = cpuMark(sources);
  kubelet.assertRunning();
  const counts = proxy.take();
  const revisionAfter = await storeRevision(target.client);
  const seconds = (end.atMs - start.atMs) / 1000;
  let total = 0;
  const requestsByKind: Record<string, number> = {};
  for (const [kind, n] of [...counts].sort((a, b) => b[1] - a[1])) {
    total += n;
    requestsByKind[kind] = round(n / seconds, 2);
  }
  return {
    nodes,
    startupMs,
    windowS: round(seconds, 1),
    residentKiB: median(samples),
    residentKiBRange: [Math.min(...samples), Math.max(...samples)],
    cpu: cpuUse(start, end, nodes),
    requestsPerSecond: round(total / seconds, 2),
    requestsByKind,
    storeWritesPerSecond: round((revisionAfter - revisionBefore) / seconds, 2),
    otherPercentBefore,
  };
}

/** Deletes the nodes (and their Leases) a stopped kubelet-sim left, so no scheduler picks them. */
export async function deleteNodes(client: ApiClient, prefix: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await client.request("DELETE", `/api/v1/nodes/${prefix}${i}`);
    await client.request("DELETE", `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${prefix}${i}`);
  }
}

export interface BurstResult {
  readonly pods: number;
  readonly creates: CreateResult;
  /** From the scheduler's spawn to /readyz answering 200 (informers listed). */
  readonly syncMs: number;
  readonly fromSpawnToAllBoundMs: number;
  readonly fromSyncToAllBoundMs: number;
  readonly firstToLastBoundMs: number;
  /** The headline: pods / (last bound − synced). */
  readonly podsPerSecondFromSync: number;
  readonly podsPerSecondFromSpawn: number;
  readonly podsPerSecondFirstToLast: number;
  readonly fromSpawnToAllRunningMs: number;
  readonly nodesUsed: number;
  readonly podsPerNodeMax: number;
  /** From the scheduler's spawn until the last pod was seen bound. */
  readonly cpu: CpuUse;
  /** What other processes used in the second before the scheduler started (the quiet gate's last sample). */
  readonly otherPercentBefore: number;
  /** Store revisions (writes: bindings, events, kubelet status, leases) per pod from the spawn on. */
  readonly storeWritesPerPodUntilBound: number;
  readonly storeWritesPerPodUntilRunning: number;
  readonly schedulerStatus: Record<string, unknown>;
  readonly schedulerCommand: string;
}

function placement(watch: PodWatch): { nodesUsed: number; podsPerNodeMax: number } {
  const perNode = new Map<string, number>();
  for (const times of watch.pods.values()) if (times.nodeName !== undefined) perNode.set(times.nodeName, (perNode.get(times.nodeName) ?? 0) + 1);
  return { nodesUsed: perNode.size, podsPerNodeMax: Math.max(0, ...perNode.values()) };
}

function lastOf(watch: PodWatch, pick: (t: { boundAtMs?: number; runningAtMs?: number }) => number | undefined): [number, number] {
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const times of watch.pods.values()) {
    const at = pick(times);
    if (at === undefined) continue;
    first = Math.min(first, at);
    last = Math.max(last, at);
  }
  return [first, last];
}

export interface BurstOptions {
  readonly pods: number;
  readonly clients: number;
  readonly timeoutMs: number;
  readonly schedulerArgs: readonly string[];
  readonly schedulerNodeArgs: readonly string[];
  readonly quiet: QuietGate;
}

/** Pending pods first, then a fresh scheduler; returns it running, for the steady phase. */
export async function pendingBurst(target: ClusterTarget, kubelet: ComponentProcess, options: BurstOptions): Promise<{ result: BurstResult; scheduler: SchedulerProcess }> {
  const namespace = "bench-burst";
  await ensureNamespace(target.client, namespace);
  const watch = new PodWatch(target.apiserver.url, namespace, await currentResourceVersion(target.client, `/api/v1/namespaces/${namespace}/pods`));
  try {
    const creates = await createPods(target, namespace, "burst", 0, options.pods, options.clients);
    if (creates.errors > 0) throw new Error(`${creates.errors} pod creates failed: ${creates.firstError ?? ""}`);
    await watch.until(() => watch.pods.size >= options.pods, options.timeoutMs, "watch sees every created pod");
    if (watch.bound > 0) throw new Error(`${watch.bound} pods were bound before the scheduler started: is another scheduler running?`);
    const before = cpuSources(target, { "kubelet-sim": () => kubelet.cpuMs() });
    const otherPercentBefore = await options.quiet(before);
    const revisionBefore = await storeRevision(target.client);
    // Marked before the spawn: the scheduler's CPU counts from zero, its start-up included.
    const start = cpuMark(before);
    const scheduler = SchedulerProcess.start(target.bin, target.apiserver.url, target.dir, options.schedulerArgs, options.schedulerNodeArgs);
    const sources = cpuSources(target, { scheduler: () => scheduler.process.cpuMs(), "kubelet-sim": () => kubelet.cpuMs() });
    const spawnedAtMs = scheduler.process.spawnedAtMs;
    const syncedAtMs = await scheduler.waitSynced(options.timeoutMs);
    await watch.until(() => watch.bound >= options.pods, options.timeoutMs, "every pod bound", () => scheduler.process.assertRunning());
    const end = cpuMark(sources);
    const revisionBound = await storeRevision(target.client);
    await watch.until(() => watch.running >= options.pods, options.timeoutMs, "every pod Running", () => kubelet.assertRunning());
    const revisionRunning = await storeRevision(target.client);
    const [firstBound, lastBound] = lastOf(watch, (t) => t.boundAtMs);
    const [, lastRunning] = lastOf(watch, (t) => t.runningAtMs);
    const rate = (ms: number) => round((options.pods / ms) * 1000, 0);
    const result: BurstResult = {
      pods: options.pods,
      creates,
      syncMs: round(syncedAtMs - spawnedAtMs, 0),
      fromSpawnToAllBoundMs: round(lastBound - spawnedAtMs, 0),
      fromSyncToAllBoundMs: round(lastBound - syncedAtMs, 0),
      firstToLastBoundMs: round(lastBound - firstBound, 0),
      podsPerSecondFromSync: rate(lastBound - syncedAtMs),
      podsPerSecondFromSpawn: rate(lastBound - spawnedAtMs),
      podsPerSecondFirstToLast: rate(lastBound - firstBound),
      fromSpawnToAllRunningMs: round(lastRunning - spawnedAtMs, 0),
      ...placement(watch),
      cpu: cpuUse(start, end, options.pods),
      otherPercentBefore,
      storeWritesPerPodUntilBound: round((revisionBound - revisionBefore) / options.pods, 2),
      storeWritesPerPodUntilRunning: round((revisionRunning - revisionBefore) / options.pods, 2),
      schedulerStatus: await scheduler.status(),
      schedulerCommand: scheduler.process.commandLine,
    };
    return { result, scheduler };
  } finally {
    watch.close();
  }
}

export interface SteadyResult {
  readonly pods: number;
  readonly ratePerSecond: number;
  /** Achieved: pods / (last send − first send). */
  readonly sentPerSecond: number;
  readonly createLatency: LatencySummary;
  readonly createToBound: LatencySummary;
  readonly createToRunning: LatencySummary;
  readonly createErrors: number;
  readonly firstCreateError: string | undefined;
  /** From the first send until the last pod was seen Running. */
  readonly cpu: CpuUse;
  readonly otherPercentBefore: number;
  /** Store revisions per pod, creates included, from the first send until the last pod Running. */
  readonly storeWritesPerPod: number;
  readonly schedulerStatus: Record<string, unknown>;
}

/** Open loop: pod i is sent at start + i / rate whatever the answers; each send time is kept. */
export async function steadyRate(target: ClusterTarget, kubelet: ComponentProcess, scheduler: SchedulerProcess, pods: number, ratePerSecond: number, timeoutMs: number, quiet: QuietGate): Promise<SteadyResult> {
  const namespace = "bench-steady";
  await ensureNamespace(target.client, namespace);
  const watch = new PodWatch(target.apiserver.url, namespace, await currentResourceVersion(target.client, `/api/v1/namespaces/${namespace}/pods`));
  try {
    const sentAtMs = new Map<string, number>();
    const createLatencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const inFlight: Promise<void>[] = [];
    const sources = cpuSources(target, { scheduler: () => scheduler.process.cpuMs(), "kubelet-sim": () => kubelet.cpuMs() });
    const otherPercentBefore = await quiet(sources);
    const revisionBefore = await storeRevision(target.client);
    const start = cpuMark(sources);
    const t0 = performance.now();
    for (let seq = 0; seq < pods; seq++) {
      const dueMs = t0 + (seq * 1000) / ratePerSecond;
      const waitMs = dueMs - performance.now();
      if (waitMs > 1) await sleep(waitMs);
      const name = podName("steady", seq);
      const body = JSON.stringify(podManifest({ namespace, name, seq, sentUs: monotonicUs() }));
      const sent = performance.now();
      sentAtMs.set(name, sent);
      inFlight.push(
        target.client.request("POST", `/api/v1/namespaces/${namespace}/pods`, body).then(
          (reply) => {
            if (reply.status === 201) createLatencies.push(performance.now() - sent);
            else {
              errors++;
              firstError ??= `${reply.status} ${reply.body.slice(0, 200)}`;
            }
          },
          (error: unknown) => {
            errors++;
            firstError ??= error instanceof Error ? error.message : String(error);
          },
        ),
      );
    }
    const lastSendMs = performance.now();
    await Promise.all(inFlight);
    const created = pods - errors;
    await watch.until(() => watch.running >= created, timeoutMs, "every steady pod Running", () => {
      scheduler.process.assertRunning();
      kubelet.assertRunning();
    });
    const end = cpuMark(sources);
    const revisionAfter = await storeRevision(target.client);
    const toBound: number[] = [];
    const toRunning: number[] = [];
    for (const [name, times] of watch.pods) {
      const sent = sentAtMs.get(name);
      if (sent === undefined) continue;
      if (times.boundAtMs !== undefined) toBound.push(times.boundAtMs - sent);
      if (times.runningAtMs !== undefined) toRunning.push(times.runningAtMs - sent);
    }
    return {
      pods,
      ratePerSecond,
      sentPerSecond: round(((pods - 1) / Math.max(1, lastSendMs - t0)) * 1000, 1),
      createLatency: summarize(createLatencies),
      createToBound: summarize(toBound),
      createToRunning: summarize(toRunning),
      createErrors: errors,
      firstCreateError: firstError,
      cpu: cpuUse(start, end, created),
      otherPercentBefore,
      storeWritesPerPod: round((revisionAfter - revisionBefore) / Math.max(1, created), 2),
      schedulerStatus: await scheduler.status(),
    };
  } finally {
    watch.close();
  }
}
