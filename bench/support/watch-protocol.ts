// What the watch bench's main process and its watcher worker processes share: the messages they
// exchange over IPC, how a put's send time travels inside its key (so each watcher computes its
// own latency against the machine-wide monotonic clock, with no per-event IPC), how an event line
// is read cheaply, and a mergeable latency histogram (so workers return a few hundred numbers,
// not millions of samples).

/** CLOCK_MONOTONIC in microseconds: the same clock in every process of the machine. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The key of watch put `seq`, sent at `sentUs`: `<prefix><seq, 9 digits>/<sentUs>`. */
export function watchKey(prefix: string, seq: number, sentUs: number): string {
  return `${prefix}${String(seq).padStart(9, "0")}/${sentUs}`;
}

/** The inverse of watchKey for a key under `prefixLength` characters of prefix; undefined if it is not one. */
export function parseWatchKey(key: string, prefixLength: number): { seq: number; sentUs: number } | undefined {
  const slash = key.indexOf("/", prefixLength);
  if (slash < 0) return undefined;
  const seq = Number(key.slice(prefixLength, slash));
  const sentUs = Number(key.slice(slash + 1));
  return Number.isInteger(seq) && Number.isInteger(sentUs) ? { seq, sentUs } : undefined;
}

/** What one line of a /v3/watch stream says, read without a full JSON parse (the same text for etcd and kube-lite). */
export interface WatchLine {
  readonly created: boolean;
  readonly canceled: boolean;
  /** The base64 keys of the line's events, in order. */
  readonly keysB64: string[];
}

const keyPattern = /"kv":\{"key":"([^"]*)"/g;

export function readWatchLine(line: string): WatchLine {
  const keysB64: string[] = [];
  for (const match of line.matchAll(keyPattern)) keysB64.push(match[1] as string);
  return { created: line.includes('"created":true'), canceled: line.includes('"canceled":true'), keysB64 };
}

/** Splits a byte stream of newline-terminated lines; keeps the unfinished tail for the next chunk. */
export class LineSplitter {
  private rest = "";

  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split("\n");
    this.rest = lines.pop() ?? "";
    return lines.filter((l) => l.length > 0);
  }
}

/**
 * Latency histogram with buckets 1% wide (log scale) from 1 µs: percentiles within 1%, any
 * number of samples in a few hundred counters, merged by adding counts.
 */
export class LatencyHistogram {
  static readonly growth = 1.01;
  private static readonly logGrowth = Math.log(LatencyHistogram.growth);
  /** Bucket index → count. */
  readonly counts = new Map<number, number>();
  count = 0;
  sumUs = 0;
  maxUs = 0;

  static bucketOf(us: number): number {
    return us <= 1 ? 0 : Math.floor(Math.log(us) / LatencyHistogram.logGrowth);
  }

  /** The upper edge of a bucket, in µs (what a percentile reports: never below the true value). */
  static upperUs(bucket: number): number {
    return LatencyHistogram.growth ** (bucket + 1);
  }

  record(us: number): void {
    const bucket = LatencyHistogram.bucketOf(us);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.count += 1;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  toJson(): HistogramJson {
    return { counts: [...this.counts], count: this.count, sumUs: this.sumUs, maxUs: this.maxUs };
  }

  static merge(parts: readonly HistogramJson[]): LatencyHistogram {
    const merged = new LatencyHistogram();
    for (const part of parts) {
      for (const [bucket, n] of part.counts) merged.counts.set(bucket, (merged.counts.get(bucket) ?? 0) + n);
      merged.count += part.count;
      merged.sumUs += part.sumUs;
      merged.maxUs = Math.max(merged.maxUs, part.maxUs);
    }
    return merged;
  }

  /** The q-quantile (0 < q ≤ 1) in ms, as the upper edge of its bucket capped at the maximum; NaN when empty. */
  quantileMs(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket) ?? 0;
      if (seen >= rank) return Math.min(LatencyHistogram.upperUs(bucket), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }
}

export interface HistogramJson {
  readonly counts: [number, number][];
  readonly count: number;
  readonly sumUs: number;
  readonly maxUs: number;
}

/** main → worker */
export type ToWorker =
  | {
      readonly type: "open";
      /** Member endpoints; watcher i of the whole pool connects to endpoints[i mod n]. */
      readonly endpoints: readonly string[];
      /** Global indices of this worker's watchers. */
      readonly watcherIndices: readonly number[];
      readonly prefix: string;
    }
  /** Start counting afresh (a measured window or phase begins); with notify, say "delivered" for each put every watcher has. */
  | { readonly type: "reset"; readonly notify: boolean }
  /** Report counters, histogram and CPU since the last reset. */
  | { readonly type: "report" }
  /** Close every watch stream. */
  | { readonly type: "close" };

/** worker → main */
export type FromWorker =
  | { readonly type: "opened"; readonly watchers: number }
  | { readonly type: "failed"; readonly message: string }
  /** Every still-open watcher of this worker has received the event of put `seq`. */
  | { readonly type: "delivered"; readonly seq: number }
  | { readonly type: "report"; readonly report: WorkerReport }
  | { readonly type: "closed" };

export interface WorkerReport {
  readonly events: number;
  readonly canceled: number;
  readonly streamErrors: number;
  readonly firstProblem: string | undefined;
  /** Highest put seq seen by every open watcher of this worker (-1: none yet). */
  readonly deliveredSeq: number;
  readonly histogram: HistogramJson;
  /** This worker's CPU time (user + system) since the reset. */
  readonly cpuMs: number;
}
