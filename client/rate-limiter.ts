// Rate limiters for the work queue's retries, after client-go's
// k8s.io/client-go/util/workqueue/default_rate_limiters.go.
//
// Pure: the caller passes the current time (`nowMs`, a monotonic millisecond clock) into `when`,
// so the limiters hold no clock and no timers and tests need no fake time for them.

/** Decides how long a key must wait before it is retried. */
export interface RateLimiter {
  /** The delay in ms before `key` may be processed again; records one more failure of it. */
  when(key: string, nowMs: number): number;
  /** Stops tracking `key` (it succeeded): its next failure starts the back-off afresh. */
  forget(key: string): void;
  /** How many times `key` has been rate-limited since it was last forgotten. */
  numRequeues(key: string): number;
}

/** client-go's DefaultControllerRateLimiter per-item back-off: 5 ms base, 1000 s ceiling. */
export const defaultBackoffBaseMs = 5;
export const defaultBackoffMaxMs = 1_000_000;
/** client-go's DefaultControllerRateLimiter overall bucket: 10 qps, burst 100. */
export const defaultBucketQps = 10;
export const defaultBucketBurst = 100;

/**
 * Per-key exponential back-off: base * 2^failures, capped at max (client-go's
 * ItemExponentialFailureRateLimiter). The first failure waits `baseMs`, as in client-go, because
 * the exponent is the count of failures before this one.
 */
export class ItemExponentialFailureRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs: number = defaultBackoffBaseMs,
    private readonly maxMs: number = defaultBackoffMaxMs,
  ) {}

  when(key: string, _nowMs: number): number {
    const exponent = this.failures.get(key) ?? 0;
    this.failures.set(key, exponent + 1);
    // 2^exponent overflows to Infinity for large exponents; min() then yields the ceiling,
    // which is what client-go's explicit overflow check returns too.
    return Math.min(this.baseMs * 2 ** exponent, this.maxMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * An overall token bucket shared by all keys (client-go's BucketRateLimiter over
 * golang.org/x/time/rate). Like rate.Limiter.Reserve, every call takes a token even when none is
 * left: the balance goes negative and the delay is the time until it is paid back, so a burst of
 * failures is spread out at `qps` rather than all retried at once when the bucket refills.
 */
export class BucketRateLimiter implements RateLimiter {
  private tokens: number;
  private lastMs: number | undefined;

  constructor(
    private readonly qps: number = defaultBucketQps,
    private readonly burst: number = defaultBucketBurst,
  ) {
    this.tokens = burst;
  }

  when(_key: string, nowMs: number): number {
    this.refill(nowMs);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  private refill(nowMs: number): void {
    // A clock that steps backwards must not mint tokens (nor take them), hence max(0, ...).
    const elapsedMs = this.lastMs === undefined ? 0 : Math.max(0, nowMs - this.lastMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.qps) / 1000);
    this.lastMs = this.lastMs === undefined ? nowMs : Math.max(this.lastMs, nowMs);
  }

  // The bucket is shared, not per key: success of one key gives nothing back, as in client-go.
  forget(_key: string): void {}

  numRequeues(_key: string): number {
    return 0;
  }
}

/** The longest delay of several limiters; each one records the failure (MaxOfRateLimiter). */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string, nowMs: number): number {
    // Every limiter is asked (not short-circuited), so the bucket is charged and the per-key
    // failure count advances even when the other one decides the delay.
    return this.limiters.reduce((longest, limiter) => Math.max(longest, limiter.when(key, nowMs)), 0);
  }

  forget(key: string): void {
    for (const limiter of this.limiters) limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiters.reduce((most, limiter) => Math.max(most, limiter.numRequeues(key)), 0);
  }
}

/** client-go's DefaultControllerRateLimiter: per-key back-off and the overall bucket, the max of both. */
export function defaultControllerRateLimiter(): RateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(), new BucketRateLimiter());
}
