// Keeps a lease alive: renews it every TTL/3 (as etcd's clientv3 does), retrying on any member,
// and reports its loss: the store answered the keep-alive without a TTL (the lease is gone:
// expired or revoked), or no renewal succeeded before the TTL ran out.
//
// The TTL is counted from the moment the last successful renewal was SENT: the store renewed it
// no earlier, so the lease lives at least until then. Loss is reported at that instant, never
// later, so a holder that stops acting on loss never acts on a lease that may have expired.
import { GrpcCode, StoreError } from "./errors.js";
import { backoffDelayMs, type BackoffPolicy } from "./retry.js";
import type { LeaseId } from "./types.js";

export type LeaseLossReason =
  /** The store says the lease does not exist (expired or revoked). */
  | "not-found"
  /** No renewal succeeded within the TTL: the lease may have expired. */
  | "not-renewed";

export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  constructor(
    readonly leaseId: LeaseId,
    readonly reason: LeaseLossReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface LeaseKeeper {
  readonly id: LeaseId;
  /** Resolves (never rejects) when the lease is lost; stays pending if stop() comes first. */
  readonly lost: Promise<LeaseLostError>;
  /** The TTL the store granted on the last renewal. */
  readonly ttlSeconds: number;
  /** Until when the lease surely lives (Date.now() clock), as far as this keeper knows. */
  readonly expiresAtMs: number;
  /** Successful renewals so far. */
  readonly renewals: number;
  /** Stops renewing (the lease then expires on the store after its TTL unless revoked). */
  stop(): void;
}

export interface LeaseKeeperOptions {
  /** Called once, when the lease is lost (the same error `lost` resolves with). */
  onLost?: (error: LeaseLostError) => void;
}

/** What a keeper needs from its client. */
export interface LeaseKeeperContext {
  /** One keep-alive, retried across members until `deadlineMs`; ttlSeconds <= 0: the lease is gone. */
  renew(id: LeaseId, deadlineMs: number): Promise<{ ttlSeconds: number }>;
  readonly backoff: BackoffPolicy;
  readonly random: () => number;
  readonly log: (line: object) => void;
  /** Aborted when the client closes: the keeper stops. */
  readonly closed: AbortSignal;
}

export class RenewingLeaseKeeper implements LeaseKeeper {
  readonly lost: Promise<LeaseLostError>;
  private resolveLost!: (error: LeaseLostError) => void;
  private ttl: number;
  private expiresAt: number;
  private renewalCount = 0;
  private stopped = false;
  private expiryTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readonly onClientClosed = (): void => this.stop();

  constructor(
    readonly id: LeaseId,
    /** The lease's TTL; the lease is taken to have been granted or renewed just now. */
    ttlSeconds: number,
    private readonly context: LeaseKeeperContext,
    private readonly options: LeaseKeeperOptions = {},
  ) {
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) throw new TypeError(`lease TTL must be an integer > 0, got ${ttlSeconds}`);
    this.ttl = ttlSeconds;
    this.expiresAt = Date.now() + ttlSeconds * 1_000;
    this.lost = new Promise((resolve) => (this.resolveLost = resolve));
    if (context.closed.aborted) {
      this.stopped = true;
      return;
    }
    context.closed.addEventListener("abort", this.onClientClosed, { once: true });
    this.armExpiry();
    void this.run();
  }

  get ttlSeconds(): number {
    return this.ttl;
  }

  get expiresAtMs(): number {
    return this.expiresAt;
  }

  get renewals(): number {
    return this.renewalCount;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.expiryTimer);
    this.context.closed.removeEventListener("abort", this.onClientClosed);
    this.wake?.();
  }

  private lose(reason: LeaseLossReason, message: string, cause?: unknown): void {
    if (this.stopped) return;
    this.stop();
    const error = new LeaseLostError(this.id, reason, `lease ${this.id} lost: ${message}`, cause === undefined ? undefined : { cause });
    this.context.log({ msg: "store lease lost", lease: this.id, reason });
    this.resolveLost(error);
    this.options.onLost?.(error);
  }

  /** Declares the loss the moment the lease may have expired, whatever a renewal in flight does. */
  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    const inMs = Math.max(0, this.expiresAt - Date.now());
    this.expiryTimer = setTimeout(() => this.lose("not-renewed", `no renewal succeeded within its ${this.ttl} s TTL`), inMs);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const sentAtMs = Date.now();
      const remainingMs = this.expiresAt - sentAtMs;
      if (remainingMs <= 0) return this.lose("not-renewed", `no renewal succeeded within its ${this.ttl} s TTL`);
      try {
        const { ttlSeconds } = await this.context.renew(this.id, remainingMs);
        if (this.stopped) return;
        if (ttlSeconds <= 0) return this.lose("not-found", "the store answered the keep-alive without a TTL (expired or revoked)");
        failures = 0;
        this.renewalCount++;
        this.ttl = ttlSeconds;
        this.expiresAt = sentAtMs + ttlSeconds * 1_000;
        this.armExpiry();
        await this.sleep(sentAtMs + (ttlSeconds * 1_000) / 3 - Date.now());
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof StoreError && error.code === GrpcCode.notFound) return this.lose("not-found", error.message, error);
        failures++;
        const why = error instanceof Error ? error.message : String(error);
        this.context.log({ msg: "store lease renewal failed, will retry", lease: this.id, failures, error: why });
        await this.sleep(Math.min(backoffDelayMs(failures, this.context.random, this.context.backoff), this.expiresAt - Date.now()));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
