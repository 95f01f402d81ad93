// Events expire, as in Kubernetes (--event-ttl, 1 h): each is stored with a store lease. One
// lease serves every event written within a minute (Kubernetes' lease reuse), so a busy cluster
// does not grant a lease per event.
import type { StoreClient } from "../store/client/index.js";

/** How long one lease is reused for new events. */
const leaseReuseMs = 60_000;

export class EventLeases {
  private current: { id: string; grantedAtMs: number } | undefined;
  private granting: Promise<string> | undefined;

  constructor(
    private readonly store: StoreClient,
    private readonly eventTtlSeconds: number,
    private readonly nowMs: () => number,
  ) {}

  /** A lease an event written now may be attached to. */
  async lease(): Promise<string> {
    const current = this.current;
    if (current !== undefined && this.nowMs() - current.grantedAtMs < leaseReuseMs) return current.id;
    this.granting ??= this.grant().finally(() => {
      this.granting = undefined;
    });
    return this.granting;
  }

  /** The lease vanished (expired or revoked elsewhere): the next event gets a new one. */
  forget(id: string): void {
    if (this.current?.id === id) this.current = undefined;
  }

  private async grant(): Promise<string> {
    const grantedAtMs = this.nowMs();
    // The lease outlives its last event by the full TTL.
    const result = await this.store.leaseGrant(this.eventTtlSeconds + Math.ceil(leaseReuseMs / 1000));
    this.current = { id: result.id, grantedAtMs };
    return result.id;
  }
}
