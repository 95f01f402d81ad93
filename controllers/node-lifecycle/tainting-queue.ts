// The per-zone rate limit on tainting nodes (upstream's RateLimitedTimedQueue over a token bucket
// of burst 1): the rate limits how fast nodes get their NoExecute taint, not individual pod
// evictions — a node's pods all go once it is tainted. Pure: time is passed in.

/** flowcontrol.NewTokenBucketRateLimiter(qps, burst): starts full; qps 0 never accepts. */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly ratePerSecond: number,
    nowMs: number,
    private readonly burst = 1,
  ) {
    this.tokens = ratePerSecond > 0 ? burst : 0;
    this.lastMs = nowMs;
  }

  tryAccept(nowMs: number): boolean {
    if (this.ratePerSecond <= 0) return false;
    const elapsedMs = Math.max(0, nowMs - this.lastMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.ratePerSecond) / 1000);
    this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface QueuedNode {
  readonly name: string;
  processAtMs: number;
}

/** Nodes waiting to be tainted in one zone, first come first served, at the zone's rate. */
export class TaintingQueue {
  private readonly entries: QueuedNode[] = [];
  private limiter: TokenBucket;

  constructor(ratePerSecond: number, nowMs: number) {
    this.limiter = new TokenBucket(ratePerSecond, nowMs);
  }

  get ratePerSecond(): number {
    return this.limiter.ratePerSecond;
  }

  get size(): number {
    return this.entries.length;
  }

  has(name: string): boolean {
    return this.entries.some((entry) => entry.name === name);
  }

  /** Queues `name` unless it is queued already; true when added. */
  add(name: string, nowMs: number): boolean {
    if (this.has(name)) return false;
    this.entries.push({ name, processAtMs: nowMs });
    return true;
  }

  remove(name: string): boolean {
    const index = this.entries.findIndex((entry) => entry.name === name);
    if (index < 0) return false;
    this.entries.splice(index, 1);
    return true;
  }

  /**
   * SwapLimiter: a new rate; when the old bucket was empty the new one starts empty too, so a
   * change of rate never grants an extra burst.
   */
  setRate(ratePerSecond: number, nowMs: number): void {
    if (ratePerSecond === this.limiter.ratePerSecond) return;
    const wasEmpty = !this.limiter.tryAccept(nowMs);
    this.limiter = new TokenBucket(ratePerSecond, nowMs);
    if (wasEmpty) this.limiter.tryAccept(nowMs);
  }

  /** The next node to taint now, if one is due and the rate allows; it leaves the queue. */
  next(nowMs: number): string | undefined {
    const head = this.entries[0];
    if (head === undefined || head.processAtMs > nowMs) return undefined;
    if (!this.limiter.tryAccept(nowMs)) return undefined;
    this.entries.shift();
    return head.name;
  }

  /** Puts a node whose tainting failed back, to be tried at `atMs`. */
  retry(name: string, atMs: number): void {
    if (this.has(name)) return;
    this.entries.push({ name, processAtMs: atMs });
    this.entries.sort((a, b) => a.processAtMs - b.processAtMs);
  }
}
