// The lock: replay the applied history of the holder key and the resource. Every write to the
// resource must have been made while its writer held the lock under the token it wrote with:
// the holder key existed, was the writer's, and had the token as its create revision. A write
// with a stale token (a holder that lost its lease and wrote anyway) is a violation.
import type { LockStep } from "./history.js";
import type { ReferenceHistory } from "./reference.js";

export interface LockReport {
  readonly ok: boolean;
  readonly acquisitions: number;
  readonly writes: number;
  /** Writes tried after the holder's lease was lost, that the fence refused. */
  readonly fencedOff: number;
  readonly violations: string[];
}

export function checkLock(steps: readonly LockStep[], reference: ReferenceHistory, keys: { holder: string; resource: string }): LockReport {
  const violations: string[] = [];
  let holder: { createRevision: number; value: string } | undefined;
  let writes = 0;
  let acquisitions = 0;
  // Before the reference starts, nobody held the lock (the run writes nothing before it). After a
  // gap in the history (a compaction cut the reference watcher off) the holder is unknown: stop.
  const trustedUntil = Math.min(reference.coverage.last, ...reference.coverage.gaps.map(([from]) => from - 1));
  for (const [revision, events] of reference.batches()) {
    if (revision > trustedUntil) break;
    for (const event of events) {
      if (event.key === keys.holder) {
        if (event.type === "PUT") acquisitions += event.version === 1 ? 1 : 0;
        holder = event.type === "PUT" ? { createRevision: event.createRevision, value: event.value } : undefined;
      } else if (event.key === keys.resource && event.type === "PUT") {
        writes += 1;
        const match = /^locker(\d+):(\d+):/.exec(event.value);
        const locker = match?.[1];
        const token = Number(match?.[2]);
        if (holder === undefined) {
          violations.push(`revision ${revision}: ${event.value} written while nobody held the lock (stale token ${token})`);
        } else if (holder.createRevision !== token || !holder.value.startsWith(`locker${locker}:`)) {
          violations.push(`revision ${revision}: ${event.value} written with token ${token}, but the lock was held by ${holder.value} under token ${holder.createRevision}`);
        }
      }
    }
  }
  const fencedOff = steps.filter((s) => s.kind === "write" && s.afterLoss === true && s.outcome === "ok" && s.succeeded === false).length;
  return { ok: violations.length === 0, acquisitions, writes, fencedOff, violations: violations.slice(0, 20) };
}
