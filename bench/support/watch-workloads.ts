// The watch and lease workloads, identical for kube-lite and etcd: watchers on one prefix held by
// worker processes (watch-pool.ts), puts through the lean client spread over the members, lease
// grants through etcd's gateway path.
import { performance } from "node:perf_hooks";
import type { BenchCluster } from "./cluster.js";
import type { LeanClient } from "./lean-client.js";
import { type LatencySummary, type LoadResult, Slices, closedLoop, round, summarize } from "./load.js";
import type { WatcherPool } from "./watch-pool.js";
import { LatencyHistogram, type WorkerReport, monotonicUs, watchKey } from "./watch-protocol.js";
import { type Bodies, cpuSampler } from "./workloads.js";

const b64 = (text: string): string => Buffer.from(text, "latin1").toString("base64");
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Throughput puts are numbered from here, above any latency put on the same watchers. */
const throughputSeqBase = 1_000_000;

/** How long one put's event may take to reach every watcher before the bench gives up on it. */
const deliveryTimeoutMs = 10_000;

export interface WatchClientCost {
  /** The bench process and its watcher workers, as a share of one core (100 = one core busy). */
  readonly clientCpuPercent: number;
  readonly workersCpuPercent: number;
  readonly clientCpuUsPerEvent: number;
  readonly membersCpuPercent: number;
  readonly membersCpuUsPerEvent: number;
}

export interface WatchProblems {
  readonly canceledWatchers: number;
  readonly streamErrors: number;
  readonly firstProblem: string | undefined;
}

export interface WatchLatencyResult extends WatchClientCost, WatchProblems {
  readonly watchers: number;
  readonly workers: number;
  readonly puts: number;
  /** Puts whose event did not reach every watcher within deliveryTimeoutMs. */
  readonly undelivered: number;
  readonly events: number;
  readonly durationMs: number;
  /** From each put's send to each watcher reading its event. */
  readonly eventLatency: LatencySummary;
  /** The puts' own answer times, for reference. */
  readonly putLatency: LatencySummary;
}

export interface WatchThroughputResult extends WatchClientCost, WatchProblems {
  readonly watchers: number;
  readonly workers: number;
  readonly writers: number;
  readonly durationMs: number;
  readonly putsPerSecond: number;
  readonly eventsPerSecond: number;
  /** Events read in the window / (puts completed in the window × watchers): below 1 when watchers fall behind. */
  readonly deliveredShare: number;
  readonly eventLatency: LatencySummary;
  /** From the end of the writes to every watcher holding a last marker put (NaN: not within 60 s). */
  readonly drainMs: number;
  readonly putErrors: number;
}

function eventLatency(reports: readonly WorkerReport[]): LatencySummary {
  const h = LatencyHistogram.merge(reports.map((r) => r.histogram));
  return {
    count: h.count,
    p50Ms: round(h.quantileMs(0.5)),
    p90Ms: round(h.quantileMs(0.9)),
    p99Ms: round(h.quantileMs(0.99)),
    maxMs: round(h.maxUs / 1000),
    meanMs: round(h.count === 0 ? Number.NaN : h.sumUs / h.count / 1000),
  };
}

function problems(reports: readonly WorkerReport[]): WatchProblems {
  return {
    canceledWatchers: reports.reduce((a, r) => a + r.canceled, 0),
    streamErrors: reports.reduce((a, r) => a + r.streamErrors, 0),
    firstProblem: reports.find((r) => r.firstProblem !== undefined)?.firstProblem,
  };
}

/** CPU of the bench process, its workers and the members between two samples, per event. */
function clientCost(cluster: BenchCluster, start: { mainMs: number; membersMs: number }, reports: readonly WorkerReport[], events: number, durationMs: number): WatchClientCost {
  const end = sampleCpu(cluster);
  return costOf(end.mainMs - start.mainMs, end.membersMs - start.membersMs, reports, events, durationMs);
}

function costOf(mainMs: number, membersMs: number, reports: readonly WorkerReport[], events: number, durationMs: number): WatchClientCost {
  const workersMs = reports.reduce((a, r) => a + r.cpuMs, 0);
  const clientMs = mainMs + workersMs;
  const percent = (ms: number) => round((ms / durationMs) * 100, 1);
  return {
    clientCpuPercent: percent(clientMs),
    workersCpuPercent: percent(workersMs),
    clientCpuUsPerEvent: events === 0 ? Number.NaN : round((clientMs * 1000) / events, 2),
    membersCpuPercent: percent(membersMs),
    membersCpuUsPerEvent: events === 0 ? Number.NaN : round((membersMs * 1000) / events, 2),
  };
}

function sampleCpu(cluster: BenchCluster): { mainMs: number; membersMs: number } {
  const usage = process.cpuUsage();
  let membersMs = 0;
  for (const ms of cluster.cpuTimeMs().values()) membersMs += ms;
  return { mainMs: (usage.user + usage.system) / 1000, membersMs };
}

const putBody = (prefix: string, seq: number, valueB64: string): string => `{"key":"${b64(watchKey(prefix, seq, monotonicUs()))}","value":"${valueB64}"}`;

/**
 * Write-to-watch latency: one put at a time, members in turn; the next put goes once every
 * watcher has read the previous one's event, so the figure is the fan-out's own delay, not a
 * queue. Measured in slices, so a comparison can interleave two systems' (as SequentialPuts).
 */
export class WatchLatencyRun extends Slices {
  private readonly valueB64: string;
  private readonly putLatencies: number[] = [];
  private undelivered = 0;
  private durationMs = 0;
  private mainMs = 0;
  private membersMs = 0;

  private constructor(
    private readonly cluster: BenchCluster,
    private readonly client: LeanClient,
    private readonly pool: WatcherPool,
    bodies: Bodies,
    private readonly prefix: string,
    end: number,
  ) {
    super(end);
    this.valueB64 = bodies.value.toString("base64");
  }

  /** Runs the warm-up puts (the first `warmup` sequence numbers) and clears what the watchers recorded of them. */
  static async start(cluster: BenchCluster, client: LeanClient, pool: WatcherPool, bodies: Bodies, prefix: string, puts: number, warmup: number): Promise<WatchLatencyRun> {
    const run = new WatchLatencyRun(cluster, client, pool, bodies, prefix, warmup + puts);
    await pool.reset(true);
    await run.runSlice(warmup);
    await pool.reset(true);
    run.putLatencies.length = 0;
    run.undelivered = 0;
    return run;
  }

  /** The next `puts` puts (fewer at the end). */
  async slice(puts: number): Promise<void> {
    const start = sampleCpu(this.cluster);
    const t0 = performance.now();
    await this.runSlice(puts);
    this.durationMs += performance.now() - t0;
    const stop = sampleCpu(this.cluster);
    this.mainMs += stop.mainMs - start.mainMs;
    this.membersMs += stop.membersMs - start.membersMs;
  }

  async finish(): Promise<WatchLatencyResult> {
    const reports = await this.pool.report();
    const events = reports.reduce((a, r) => a + r.events, 0);
    return {
      watchers: this.pool.watchers,
      workers: this.pool.pids.length,
      puts: this.putLatencies.length,
      undelivered: this.undelivered,
      events,
      durationMs: round(this.durationMs, 0),
      eventLatency: eventLatency(reports),
      putLatency: summarize(this.putLatencies),
      ...costOf(this.mainMs, this.membersMs, reports, events, this.durationMs),
      ...problems(reports),
    };
  }

  protected async one(seq: number): Promise<void> {
    const delivered = this.pool.waitDelivered(seq, deliveryTimeoutMs);
    const t0 = performance.now();
    const reply = await this.client.post(seq % this.client.size, "/v3/kv/put", putBody(this.prefix, seq, this.valueB64));
    if (reply.status !== 200) throw new Error(`watch put answered ${reply.status}: ${reply.body.slice(0, 200)}`);
    this.putLatencies.push(performance.now() - t0);
    if (!(await delivered)) this.undelivered += 1;
  }
}

/** Events delivered per second: `writers` puts in flight for the window, every watcher reading. */
export async function watchThroughput(cluster: BenchCluster, client: LeanClient, pool: WatcherPool, bodies: Bodies, prefix: string, writers: number, warmupMs: number, durationMs: number): Promise<WatchThroughputResult> {
  const valueB64 = bodies.value.toString("base64");
  await pool.reset(false);
  let windowReset: Promise<void> | undefined;
  let windowReport: Promise<WorkerReport[]> | undefined;
  let cpuStart = sampleCpu(cluster);
  let maxSeq = 0;
  const load: LoadResult = await closedLoop({
    concurrency: writers,
    warmupMs,
    durationMs,
    cpu: cpuSampler(cluster),
    onWindowStart: () => {
      cpuStart = sampleCpu(cluster);
      windowReset = pool.reset(false);
    },
    onWindowEnd: () => {
      windowReport = pool.report();
    },
    request: async (worker, seq) => {
      maxSeq = Math.max(maxSeq, throughputSeqBase + seq);
      return (await client.post(worker, "/v3/kv/put", putBody(prefix, throughputSeqBase + seq, valueB64))).status === 200;
    },
  });
  await windowReset;
  const reports = (await windowReport) ?? (await pool.report());
  const windowMs = load.durationMs;
  const cost = clientCost(cluster, cpuStart, reports, reports.reduce((a, r) => a + r.events, 0), windowMs);
  const drainMs = await drain(client, pool, prefix, maxSeq + 1, valueB64);
  const events = reports.reduce((a, r) => a + r.events, 0);
  return {
    watchers: pool.watchers,
    workers: pool.pids.length,
    writers,
    durationMs: windowMs,
    putsPerSecond: load.opsPerSecond,
    eventsPerSecond: round(events / (windowMs / 1000), 0),
    deliveredShare: load.ops === 0 ? Number.NaN : round(events / (load.ops * pool.watchers), 3),
    eventLatency: eventLatency(reports),
    drainMs,
    putErrors: load.errors,
    ...cost,
    ...problems(reports),
  };
}

/** Writes a marker put after everything else and waits until every open watcher has read it. */
async function drain(client: LeanClient, pool: WatcherPool, prefix: string, markerSeq: number, valueB64: string): Promise<number> {
  const t0 = performance.now();
  await client.post(0, "/v3/kv/put", putBody(prefix, markerSeq, valueB64));
  for (;;) {
    const reports = await pool.report();
    if (reports.every((r) => r.deliveredSeq >= markerSeq || r.deliveredSeq === -1)) return round(performance.now() - t0, 0);
    if (performance.now() - t0 > 60_000) return Number.NaN;
    await sleep(50);
  }
}

export interface LeaseGrantResult {
  readonly sequential: { readonly grants: number; readonly grantsPerSecond: number; readonly latency: LatencySummary; readonly errors: number };
  readonly concurrent: LoadResult;
}

const leaseTtlSeconds = 3600;
const grantBody = `{"TTL":"${leaseTtlSeconds}"}`;

async function grant(client: LeanClient, member: number): Promise<boolean> {
  const reply = await client.post(member, "/v3/lease/grant", grantBody);
  return reply.status === 200 && reply.body.includes('"ID"');
}

/** Lease grants one at a time, members in turn, in slices (interleaved with another system's in a comparison). */
export class SequentialGrants extends Slices {
  private readonly latencies: number[] = [];
  private errors = 0;
  private ms = 0;

  private constructor(
    private readonly client: LeanClient,
    private readonly count: number,
  ) {
    super(count);
  }

  static async start(client: LeanClient, count: number): Promise<SequentialGrants> {
    for (let i = 0; i < Math.min(100, count); i += 1) await grant(client, i % client.size);
    return new SequentialGrants(client, count);
  }

  async slice(grants: number): Promise<void> {
    const t0 = performance.now();
    await this.runSlice(grants);
    this.ms += performance.now() - t0;
  }

  protected async one(i: number): Promise<void> {
    const start = performance.now();
    if (await grant(this.client, i % this.client.size).catch(() => false)) this.latencies.push(performance.now() - start);
    else this.errors += 1;
  }

  result(): LeaseGrantResult["sequential"] {
    return { grants: this.count, grantsPerSecond: round(this.latencies.length / (this.ms / 1000), 1), latency: summarize(this.latencies), errors: this.errors };
  }
}

/** Lease grants with `concurrency` in flight. */
export function concurrentGrants(cluster: BenchCluster, client: LeanClient, concurrency: number, warmupMs: number, durationMs: number): Promise<LoadResult> {
  return closedLoop({ concurrency, warmupMs, durationMs, cpu: cpuSampler(cluster), request: (worker) => grant(client, worker) });
}
