// The reference history: what the store applied under the run's prefix, revision by revision,
// as one watcher (the one started before the workload) delivered it. The watch checks prove it
// against the other watchers, the members' own histories and the final state; the other checks
// then replay it.
import type { BatchRecord, EventRecord } from "./history.js";

/** Revisions a watcher covers: [first, last] minus the gaps a compaction cut. */
export interface Coverage {
  readonly first: number;
  readonly last: number;
  readonly gaps: readonly (readonly [number, number])[];
}

export function covers(coverage: Coverage, revision: number): boolean {
  if (revision < coverage.first || revision > coverage.last) return false;
  return !coverage.gaps.some(([from, to]) => revision >= from && revision <= to);
}

export class ReferenceHistory {
  private readonly byRevision = new Map<number, EventRecord[]>();
  /** Per key: [revision, value or null when deleted], in revision order. */
  private readonly byKey = new Map<string, [number, EventRecord | null][]>();

  constructor(
    batches: readonly BatchRecord[],
    readonly coverage: Coverage,
  ) {
    for (const batch of batches) {
      if (batch.revision > coverage.last) break;
      this.byRevision.set(batch.revision, batch.events);
      for (const event of batch.events) {
        let versions = this.byKey.get(event.key);
        if (versions === undefined) this.byKey.set(event.key, (versions = []));
        versions.push([batch.revision, event.type === "PUT" ? event : null]);
      }
    }
  }

  events(revision: number): EventRecord[] | undefined {
    return this.byRevision.get(revision);
  }

  revisions(): number[] {
    return [...this.byRevision.keys()];
  }

  /** Every batch in revision order. */
  *batches(): Generator<[number, EventRecord[]]> {
    yield* this.byRevision.entries();
  }

  /**
   * The key as of `revision` (null: absent), if the history says: it covers from the start of
   * the key's life, or at least from one of its writes at or before `revision`.
   */
  valueAt(key: string, revision: number, keyBornInCoverage: boolean): EventRecord | null | undefined {
    const versions = this.byKey.get(key) ?? [];
    let found: EventRecord | null | undefined = keyBornInCoverage ? null : undefined;
    for (const [r, event] of versions) {
      if (r > revision) break;
      found = event;
    }
    return found;
  }

  /** Whether `value` was ever written to `key` (a PUT event). */
  wasWritten(key: string, value: string): boolean {
    return (this.byKey.get(key) ?? []).some(([, event]) => event !== null && event.value === value);
  }

  putAt(revision: number, key: string): EventRecord | undefined {
    return this.byRevision.get(revision)?.find((e) => e.type === "PUT" && e.key === key);
  }
}
