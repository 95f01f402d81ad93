/**
 * When leases expire: a pure core, driven by the member with the wall clock (tick(nowMs)).
 * Only the leader keeps deadlines; it proposes a revoke through Raft for each expired lease,
 * so every member deletes the lease's keys at the same revision. A new leader gives every
 * live lease its full TTL again (as etcd's lessor Promote does), so no lease expires before its
 * TTL has passed since its last successful keep-alive, whoever was leader then.
 */
export class Lessor {
  private readonly deadlines = new Map<number, number>();
  private readonly ttls = new Map<number, number>();
  /** Revokes proposed and not yet applied, so each expiry is proposed once. */
  private readonly revoking = new Set<number>();
  private primary = false;

  /** This member became leader: every known lease starts a full TTL from now. */
  promote(leases: readonly { id: number; ttlSeconds: number }[], nowMs: number, extendMs: number): void {
    this.primary = true;
    this.deadlines.clear();
    this.revoking.clear();
    for (const lease of leases) {
      this.ttls.set(lease.id, lease.ttlSeconds);
      this.deadlines.set(lease.id, nowMs + lease.ttlSeconds * 1000 + extendMs);
    }
  }

  /**
   * An empty entry was applied. A leader's own no-op of its current term comes after every entry
   * of earlier terms, so once it is applied the store knows every lease granted before the
   * election: only then does the lessor take over (etcd promotes its lessor at this point, not on
   * winning the vote, so a lease granted just before the election is never "not found"). As in
   * etcd, it takes over even if it was primary already (a step-down and re-election between two
   * Readies, whose demote was never seen): every deadline restarts for the new term.
   * Returns whether it did.
   */
  noopApplied(entryTerm: number, leader: { readonly term: number; readonly isLeader: boolean }, leases: () => readonly { id: number; ttlSeconds: number }[], nowMs: number, extendMs: number): boolean {
    if (!leader.isLeader || entryTerm !== leader.term) return false;
    this.promote(leases(), nowMs, extendMs);
    return true;
  }

  demote(): void {
    this.primary = false;
    this.deadlines.clear();
    this.revoking.clear();
  }

  isPrimary(): boolean {
    return this.primary;
  }

  /** A grant was applied (on any member; only the leader times it). */
  granted(id: number, ttlSeconds: number, nowMs: number): void {
    this.ttls.set(id, ttlSeconds);
    if (this.primary) this.deadlines.set(id, nowMs + ttlSeconds * 1000);
  }

  /** A revoke was applied. */
  revoked(id: number): void {
    this.ttls.delete(id);
    this.deadlines.delete(id);
    this.revoking.delete(id);
  }

  /** Renews a lease on the leader; returns its TTL, or undefined if it does not exist (or is expiring). */
  keepAlive(id: number, nowMs: number): number | undefined {
    const ttl = this.ttls.get(id);
    if (!this.primary || ttl === undefined || this.revoking.has(id)) return undefined;
    const deadline = this.deadlines.get(id);
    if (deadline !== undefined && deadline <= nowMs) return undefined;
    this.deadlines.set(id, nowMs + ttl * 1000);
    return ttl;
  }

  /** Seconds left, rounded down as etcd reports them; -1 if unknown. */
  remainingSeconds(id: number, nowMs: number): number {
    const deadline = this.deadlines.get(id);
    if (deadline === undefined) return -1;
    return Math.max(0, Math.floor((deadline - nowMs) / 1000));
  }

  /** Leases whose deadline passed: the leader proposes their revokes. */
  tick(nowMs: number): number[] {
    if (!this.primary) return [];
    const expired: number[] = [];
    for (const [id, deadline] of this.deadlines) {
      if (deadline <= nowMs && !this.revoking.has(id)) {
        this.revoking.add(id);
        expired.push(id);
      }
    }
    return expired.sort((a, b) => a - b);
  }

  /** A proposed revoke failed (leadership lost, timeout): allow proposing it again. */
  revokeFailed(id: number): void {
    this.revoking.delete(id);
  }
}
