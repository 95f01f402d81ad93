// Leases: the keys of a lease vanish together (one revision, the same on every member), never
// before the TTL has run from the last renewal, and for good: none is left at the end.
import type { EventRecord, LeaseRecord, WatcherRecord } from "./history.js";
import type { ReferenceHistory } from "./reference.js";

export interface LeaseReport {
  readonly ok: boolean;
  readonly leases: number;
  /** Leases whose keys were seen deleted by expiry. */
  readonly expired: number;
  readonly keptAlive: number;
  readonly violations: string[];
}

/** Slack for the members' and the harness's clocks and timer granularity. */
export const leaseClockSlackMs = 50;

/**
 * `finalStates`: each member's keys under the lease prefix at the end (all must be gone).
 * `watchers`: every watcher, to find when a deletion was first seen and that each member (pinned
 * watchers) saw it at the same revision.
 */
export function checkLeases(
  records: readonly LeaseRecord[],
  reference: ReferenceHistory,
  watchers: readonly WatcherRecord[],
  finalStates: ReadonlyMap<string, ReadonlyMap<string, unknown>>,
): LeaseReport {
  const violations: string[] = [];
  const deletedAt = new Map<string, number>();
  for (const [revision, events] of reference.batches()) {
    for (const e of events) if (e.type === "DELETE") deletedAt.set(e.key, revision);
  }
  const firstSeenMs = new Map<number, number>();
  for (const w of watchers) {
    for (const b of w.batches) firstSeenMs.set(b.revision, Math.min(firstSeenMs.get(b.revision) ?? Number.POSITIVE_INFINITY, b.receivedMs));
  }
  let expired = 0;
  for (const lease of records) {
    if (lease.keysOutcome !== "ok" || lease.keysRevision === undefined) continue;
    if (lease.keysRevision < reference.coverage.first || lease.keysRevision > reference.coverage.last) continue;
    const revisions = new Set(lease.keys.map((k) => deletedAt.get(k)));
    const [deleted] = revisions;
    if (revisions.size !== 1 || deleted === undefined) {
      violations.push(`lease ${lease.id}: its keys were deleted at revisions ${[...revisions].map((r) => r ?? "never").join(", ")} (one revoke deletes them all at once)`);
      continue;
    }
    expired += 1;
    const ttlMs = (lease.grantedTtlSeconds ?? lease.ttlSeconds) * 1_000;
    const liveUntilMs = Math.max(lease.grantCallMs + ttlMs, (lease.lastRenewalSentMs ?? Number.NEGATIVE_INFINITY) + ttlMs);
    const seenMs = firstSeenMs.get(deleted) ?? Number.POSITIVE_INFINITY;
    if (seenMs < liveUntilMs - leaseClockSlackMs) {
      violations.push(`lease ${lease.id}: keys deleted (revision ${deleted}, seen at ${seenMs.toFixed(0)} ms) before its TTL of ${ttlMs} ms ran out (${liveUntilMs.toFixed(0)} ms)`);
    }
    for (const w of watchers) {
      if (w.pinnedTo === undefined) continue;
      const own = w.batches.find((b) => b.events.some((e: EventRecord) => e.type === "DELETE" && e.key === lease.keys[0]));
      if (own !== undefined && own.revision !== deleted) violations.push(`lease ${lease.id}: deleted at revision ${own.revision} on ${w.pinnedTo}, at ${deleted} elsewhere`);
    }
  }
  for (const [member, state] of finalStates) {
    for (const key of state.keys()) violations.push(`${member}: lease key ${key} is still there at the end`);
  }
  return {
    ok: violations.length === 0,
    leases: records.length,
    expired,
    keptAlive: records.filter((r) => r.keptAlive).length,
    violations: violations.slice(0, 20),
  };
}
