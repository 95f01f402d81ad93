// The store workloads, identical for kube-lite and etcd: etcd v3 JSON gateway requests with
// 256-byte values and distinct keys, spread evenly over the members (so two requests in three go
// through a follower).
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { BenchCluster } from "./cluster.js";
import type { LeanClient } from "./lean-client.js";
import { type CpuSample, type LatencySummary, type LoadResult, Slices, closedLoop, machineBusyMs, round, summarize } from "./load.js";

/** The value size of the workload (its goals are stated for it). */
export const defaultValueBytes = 256;

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Request bodies for one run: a fixed random value (256 bytes unless asked otherwise), keys numbered per phase. */
export class Bodies {
  private readonly valueB64: string;
  readonly value: Buffer;

  constructor(
    private readonly runTag: string,
    valueBytes = defaultValueBytes,
  ) {
    this.valueB64 = randomBytes(valueBytes).toString("base64");
    this.value = Buffer.from(this.valueB64, "base64");
  }

  key(phase: string, seq: number): string {
    return `/bench/${this.runTag}/${phase}/${String(seq).padStart(9, "0")}`;
  }

  put(phase: string, seq: number): string {
    return `{"key":"${b64(this.key(phase, seq))}","value":"${this.valueB64}"}`;
  }

  range(key: string, serializable: boolean): string {
    return serializable ? `{"key":"${b64(key)}","serializable":true}` : `{"key":"${b64(key)}"}`;
  }

  valueMatches(rangeAnswer: string): boolean {
    return rangeAnswer.includes(`"value":"${this.valueB64}"`);
  }
}

export function cpuSampler(cluster: BenchCluster): () => CpuSample {
  return () => {
    const usage = process.cpuUsage();
    return { clientMs: (usage.user + usage.system) / 1000, serversMs: cluster.cpuTimeMs(), machineBusyMs: machineBusyMs() };
  };
}

export interface SequentialResult {
  readonly puts: number;
  readonly errors: number;
  readonly all: LatencySummary;
  readonly viaLeader: LatencySummary;
  readonly viaFollowers: LatencySummary;
  readonly leader: string;
  /** A linearizable read of the last key, on another member, returned the value written. */
  readonly readBackOk: boolean;
  /** All members' CPU time over the measured puts, per put (the work on each put's path). */
  readonly membersCpuUsPerPut: number;
  /** The measured puts in CLOCK_MONOTONIC microseconds (to cut a --cpu-prof profile to them). */
  readonly windowMonotonicUs: readonly [number, number];
}

/**
 * One put at a time, rotating over the members, measured in slices: a comparison interleaves
 * the slices of two systems, so a machine that slows down or speeds up during the run weighs on
 * both alike (a run of one system after the other saw ratios swing by a third between runs).
 */
export class SequentialPuts extends Slices {
  private readonly all: number[] = [];
  private readonly viaLeader: number[] = [];
  private readonly viaFollowers: number[] = [];
  private readonly leaderIndex: number;
  private errors = 0;
  private cpuUsedMs = 0;
  private windowStartUs: number | undefined;
  private windowEndUs = 0;

  private constructor(
    private readonly cluster: BenchCluster,
    private readonly client: LeanClient,
    private readonly bodies: Bodies,
    private readonly count: number,
    private readonly phase: string,
    private readonly leader: string,
  ) {
    super(count);
    this.leaderIndex = cluster.names.indexOf(leader);
  }

  /** Finds the leader and runs the warm-up puts. */
  static async start(cluster: BenchCluster, client: LeanClient, bodies: Bodies, count: number, warmup: number, phase = "seq"): Promise<SequentialPuts> {
    const leader = await cluster.leader();
    for (let i = 0; i < warmup; i += 1) await client.post(i % client.size, "/v3/kv/put", bodies.put(`${phase}-warmup`, i));
    return new SequentialPuts(cluster, client, bodies, count, phase, leader);
  }

  /** The next `puts` puts (fewer at the end). */
  async slice(puts: number): Promise<void> {
    const cpuStartMs = this.membersMs();
    this.windowStartUs ??= Number(process.hrtime.bigint() / 1000n);
    await this.runSlice(puts);
    this.windowEndUs = Number(process.hrtime.bigint() / 1000n);
    this.cpuUsedMs += this.membersMs() - cpuStartMs;
  }

  protected async one(i: number): Promise<void> {
    const member = i % this.client.size;
    const body = this.bodies.put(this.phase, i);
    const t0 = performance.now();
    let ok = false;
    try {
      ok = (await this.client.post(member, "/v3/kv/put", body)).status === 200;
    } catch {
      ok = false;
    }
    const ms = performance.now() - t0;
    if (!ok) {
      this.errors += 1;
      return;
    }
    this.all.push(ms);
    (member === this.leaderIndex ? this.viaLeader : this.viaFollowers).push(ms);
  }

  /** Reads the last key back on another member and sums up. */
  async finish(): Promise<SequentialResult> {
    const lastReader = this.count % this.client.size;
    const answer = await this.client.post(lastReader, "/v3/kv/range", this.bodies.range(this.bodies.key(this.phase, this.count - 1), false));
    return {
      puts: this.count,
      errors: this.errors,
      all: summarize(this.all),
      viaLeader: summarize(this.viaLeader),
      viaFollowers: summarize(this.viaFollowers),
      leader: this.leader,
      readBackOk: answer.status === 200 && this.bodies.valueMatches(answer.body),
      membersCpuUsPerPut: this.all.length === 0 ? Number.NaN : round((this.cpuUsedMs * 1000) / this.all.length, 1),
      windowMonotonicUs: [this.windowStartUs ?? this.windowEndUs, this.windowEndUs],
    };
  }

  private membersMs(): number {
    return [...this.cluster.cpuTimeMs().values()].reduce((a, b) => a + b, 0);
  }
}

export function putLoad(
  cluster: BenchCluster,
  client: LeanClient,
  bodies: Bodies,
  concurrency: number,
  warmupMs: number,
  durationMs: number,
  window: { onWindowStart?: () => void; onWindowEnd?: () => void } = {},
): Promise<LoadResult> {
  const phase = `put${concurrency}`;
  return closedLoop({
    ...window,
    concurrency,
    warmupMs,
    durationMs,
    cpu: cpuSampler(cluster),
    request: async (worker, seq) => (await client.post(worker, "/v3/kv/put", bodies.put(phase, seq))).status === 200,
  });
}

/** Writes `count` keys (64 at a time) for the range phases to read. */
export async function preloadKeys(client: LeanClient, bodies: Bodies, count: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => bodies.key("range", i));
  let next = 0;
  const worker = async (w: number) => {
    for (let i = next++; i < count; i = next++) {
      const reply = await client.post(w, "/v3/kv/put", bodies.put("range", i));
      if (reply.status !== 200) throw new Error(`preload put answered ${reply.status}: ${reply.body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, (_, w) => worker(w)));
  return keys;
}

export function rangeLoad(cluster: BenchCluster, client: LeanClient, bodies: Bodies, keys: readonly string[], serializable: boolean, concurrency: number, warmupMs: number, durationMs: number): Promise<LoadResult> {
  const requestBodies = keys.map((k) => bodies.range(k, serializable));
  return closedLoop({
    concurrency,
    warmupMs,
    durationMs,
    cpu: cpuSampler(cluster),
    request: async (worker, seq) => {
      // A spread of keys, different for each worker and request.
      const body = requestBodies[(seq * 7919 + worker) % requestBodies.length] as string;
      const reply = await client.post(worker, "/v3/kv/range", body);
      return reply.status === 200 && reply.body.includes('"kvs"');
    },
  });
}

export interface KillRound {
  readonly killed: string;
  readonly newLeader: string;
  /** From sending SIGKILL to the first successful put that was sent after it. */
  readonly unavailableMs: number;
  /** Attempts that failed (timeout, refused, error answer) between the kill and the first success. */
  readonly failedAttempts: number;
  readonly successesPerSecondBefore: number;
}

export interface KillOptions {
  readonly rounds: number;
  /** Number of the first round (for log lines and distinct keys across calls). */
  readonly firstRound?: number;
  readonly requestTimeoutMs: number;
  readonly writers: number;
  readonly steadyMs: number;
  readonly giveUpMs: number;
  readonly log: (line: string) => void;
}

/**
 * Leader kill -9 under a steady put stream: `writers` loops, each sticking to one member and, on
 * any failure (timeout after requestTimeoutMs, refused, error answer), moving on to the next
 * member at once (after 5 ms only when the failure itself took under 5 ms, so a refused
 * connection cannot spin a core the members need for their election).
 */
export async function leaderKill(cluster: BenchCluster, client: LeanClient, bodies: Bodies, options: KillOptions): Promise<KillRound[]> {
  const rounds: KillRound[] = [];
  const n = client.size;
  let seq = 0;
  const first = options.firstRound ?? 1;
  for (let round_ = first; round_ < first + options.rounds; round_ += 1) {
    const leader = await cluster.leader();
    let stopped = false;
    let killAt = Number.POSITIVE_INFINITY;
    let firstSuccessAfterKill: number | undefined;
    let failedAfterKill = 0;
    let successesInSteady = 0;
    let steadyFrom = Number.POSITIVE_INFINITY;
    let onFirstSuccess: () => void = () => undefined;
    const firstSuccess = new Promise<void>((resolve) => (onFirstSuccess = resolve));
    const writer = async (w: number) => {
      let member = w % n;
      while (!stopped) {
        const t0 = performance.now();
        let ok = false;
        try {
          ok = (await client.post(member, "/v3/kv/put", bodies.put(`kill${round_}`, seq++), options.requestTimeoutMs)).status === 200;
        } catch {
          ok = false;
        }
        const t1 = performance.now();
        if (ok) {
          if (t0 >= steadyFrom && t1 < killAt) successesInSteady += 1;
          if (t0 >= killAt && firstSuccessAfterKill === undefined) {
            firstSuccessAfterKill = t1;
            onFirstSuccess();
          }
          continue;
        }
        if (t0 >= killAt && firstSuccessAfterKill === undefined) failedAfterKill += 1;
        member = (member + 1) % n;
        if (t1 - t0 < 5) await sleep(5);
      }
    };
    const writers = Promise.all(Array.from({ length: options.writers }, (_, w) => writer(w)));
    await sleep(300);
    steadyFrom = performance.now();
    await sleep(options.steadyMs);
    killAt = performance.now();
    const killed = cluster.kill(leader, "SIGKILL");
    const steadySeconds = (killAt - steadyFrom) / 1000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([firstSuccess, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.giveUpMs)))]);
    clearTimeout(timer);
    await sleep(300);
    stopped = true;
    await writers;
    await killed;
    const newLeader = await cluster.leader();
    const unavailableMs = firstSuccessAfterKill === undefined ? Number.NaN : round(firstSuccessAfterKill - killAt, 1);
    rounds.push({ killed: leader, newLeader, unavailableMs, failedAttempts: failedAfterKill, successesPerSecondBefore: round(successesInSteady / steadySeconds, 1) });
    options.log(`    round ${round_}: killed ${leader}; writes succeeded again after ${unavailableMs} ms (${failedAfterKill} failed attempts); new leader ${newLeader}`);
    await cluster.restart(leader);
    await cluster.waitCaughtUp(leader, 30_000);
    await sleep(1000);
  }
  return rounds;
}
