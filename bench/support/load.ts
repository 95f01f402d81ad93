// Closed-loop load: N workers, each with one request in flight, for a warm-up and then a measured
// window. Throughput counts the requests that completed inside the window; latencies are those of
// requests that started inside it. CPU time of the client and of every member is sampled at the
// window's edges.
import fs from "node:fs";
import { performance } from "node:perf_hooks";

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

/** The nearest-rank q-quantile of ascending values (NaN if there are none). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN);
}

export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  const at = (q: number): number => quantile(sorted, q);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50Ms: round(at(0.5)),
    p90Ms: round(at(0.9)),
    p99Ms: round(at(0.99)),
    maxMs: round(sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN)),
    meanMs: round(sorted.length === 0 ? Number.NaN : sum / sorted.length),
  };
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface CpuSample {
  readonly clientMs: number;
  readonly serversMs: Map<string, number>;
  /** Busy CPU time of the whole machine (all cores), to see what else was running. */
  readonly machineBusyMs: number;
}

/** Busy (not idle, not iowait) CPU time of all cores so far, from /proc/stat (USER_HZ = 100). */
export function machineBusyMs(): number {
  try {
    const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return (total - idle) * 10;
  } catch {
    return Number.NaN;
  }
}

export interface LoadResult {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly ops: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly opsPerSecond: number;
  readonly latency: LatencySummary;
  /** CPU used in the window, as a share of one core (100 = one core busy). */
  readonly clientCpuPercent: number;
  readonly serverCpuPercentByMember: Record<string, number>;
  /** Whole machine's busy CPU in the window (100 = one core), and the part neither the client nor the members used. */
  readonly machineCpuPercent: number;
  readonly otherCpuPercent: number;
  /** All members' CPU time per completed operation. */
  readonly serverCpuUsPerOp: number;
  readonly clientCpuUsPerOp: number;
  /** The measured window in CLOCK_MONOTONIC microseconds (to cut a --cpu-prof profile to it). */
  readonly windowMonotonicUs: readonly [number, number];
}

export interface LoadOptions {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** One request; resolves true on success. Worker w should use member w mod n. */
  readonly request: (worker: number, seq: number) => Promise<boolean>;
  readonly cpu: () => CpuSample;
  /** Called when the measured window opens and closes (e.g. to attach a tracer). */
  readonly onWindowStart?: () => void;
  readonly onWindowEnd?: () => void;
}

/**
 * A fixed number of one-at-a-time operations (numbered from `first` to `end` - 1), run in slices
 * so that a comparison can interleave two systems' slices. Subclasses do one operation in `one`
 * and measure around `runSlice` in their own `slice`.
 */
export abstract class Slices {
  protected next: number;

  protected constructor(
    private readonly end: number,
    first = 0,
  ) {
    this.next = first;
  }

  get done(): boolean {
    return this.next >= this.end;
  }

  /** The next `count` operations (fewer at the end), one at a time. */
  protected async runSlice(count: number): Promise<void> {
    const stop = Math.min(this.end, this.next + count);
    for (; this.next < stop; this.next += 1) await this.one(this.next);
  }

  protected abstract one(i: number): Promise<void>;
}

export async function closedLoop(options: LoadOptions): Promise<LoadResult> {
  const startedAt = performance.now();
  const startedAtMonotonicUs = Number(process.hrtime.bigint() / 1000n);
  const windowStart = startedAt + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  let seq = 0;
  let ops = 0;
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  let cpuStart: CpuSample | undefined;
  let cpuEnd: CpuSample | undefined;
  const startTimer = setTimeout(() => {
    cpuStart = options.cpu();
    options.onWindowStart?.();
  }, options.warmupMs);
  const endTimer = setTimeout(() => {
    cpuEnd = options.cpu();
    options.onWindowEnd?.();
  }, options.warmupMs + options.durationMs);

  const worker = async (w: number): Promise<void> => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= windowEnd) return;
      let ok: boolean;
      let why: string | undefined;
      try {
        ok = await options.request(w, seq++);
        if (!ok) why = "answered with an error";
      } catch (error) {
        ok = false;
        why = error instanceof Error ? error.message : String(error);
      }
      const t1 = performance.now();
      if (t1 < windowStart || t1 > windowEnd) continue;
      if (ok) {
        ops += 1;
        if (t0 >= windowStart) latencies.push(t1 - t0);
      } else {
        errors += 1;
        firstError ??= why;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  const start = cpuStart ?? options.cpu();
  const end = cpuEnd ?? options.cpu();
  const seconds = options.durationMs / 1000;
  const byMember: Record<string, number> = {};
  let serverMs = 0;
  for (const [name, ms] of end.serversMs) {
    const used = ms - (start.serversMs.get(name) ?? ms);
    byMember[name] = round((used / 1000 / seconds) * 100, 1);
    serverMs += used;
  }
  const percentOf = (ms: number) => round((ms / 1000 / seconds) * 100, 1);
  const clientMs = end.clientMs - start.clientMs;
  const machineMs = end.machineBusyMs - start.machineBusyMs;
  return {
    concurrency: options.concurrency,
    durationMs: options.durationMs,
    ops,
    errors,
    firstError,
    opsPerSecond: round(ops / seconds, 1),
    latency: summarize(latencies),
    clientCpuPercent: percentOf(clientMs),
    serverCpuPercentByMember: byMember,
    machineCpuPercent: percentOf(machineMs),
    otherCpuPercent: percentOf(machineMs - clientMs - serverMs),
    serverCpuUsPerOp: ops === 0 ? Number.NaN : round((serverMs * 1000) / ops, 1),
    clientCpuUsPerOp: ops === 0 ? Number.NaN : round((clientMs * 1000) / ops, 1),
    windowMonotonicUs: [startedAtMonotonicUs + options.warmupMs * 1000, startedAtMonotonicUs + (options.warmupMs + options.durationMs) * 1000],
  };
}
