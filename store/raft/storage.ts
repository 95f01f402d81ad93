import assert from "node:assert/strict";
import type { Entry, HardState, NodeId, Snapshot } from "./types.js";
import { NONE } from "./types.js";

/**
 * The durable log as Raft reads it. Raft never writes storage: the driver persists what a Ready
 * hands it, then calls advance(). Storage always keeps the term of the entry just before its
 * first entry (the last compacted one, or the snapshot's), as etcd's does.
 */
export interface RaftStorage {
  /** Hard state and voting members at start-up. */
  initialState(): { hardState: HardState; voters: readonly NodeId[] };
  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex(): number;
  lastIndex(): number;
  /** Term of entry `index`, for firstIndex()-1 ≤ index ≤ lastIndex(). */
  term(index: number): number;
  /** Entries [lo, hi), firstIndex() ≤ lo < hi ≤ lastIndex()+1, stopping once `maxBytes` is passed (at least one). */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** The latest snapshot, or undefined if it is not ready yet (Raft retries later). */
  snapshot(): Snapshot | undefined;
}

export function entryBytes(entry: Entry): number {
  return entry.data.byteLength;
}

/** Takes entries while under `maxBytes`, always at least one. */
export function limitBytes(entries: readonly Entry[], maxBytes: number): Entry[] {
  let total = 0;
  let count = 0;
  for (const entry of entries) {
    total += entryBytes(entry);
    if (count > 0 && total > maxBytes) break;
    count += 1;
  }
  return entries.slice(0, count);
}

/**
 * In-memory RaftStorage, with the writes a driver makes. The simulator keeps one per node as
 * its "disk"; unit tests build logs with it.
 */
export class MemoryStorage implements RaftStorage {
  private hardState: HardState = { term: 0, vote: NONE, commit: 0 };
  private voters: readonly NodeId[];
  private snap: Snapshot;
  /** ents[0] is a dummy holding the snapshot's index and term. */
  private ents: Entry[];

  constructor(voters: readonly NodeId[]) {
    this.voters = [...voters];
    this.snap = { metadata: { index: 0, term: 0, voters: this.voters }, data: new Uint8Array() };
    this.ents = [{ index: 0, term: 0, data: new Uint8Array() }];
  }

  initialState(): { hardState: HardState; voters: readonly NodeId[] } {
    return { hardState: this.hardState, voters: this.voters };
  }

  private get offset(): number {
    return this.ents[0]?.index ?? 0;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  term(index: number): number {
    assert.ok(index >= this.offset && index <= this.lastIndex(), `term(${index}) outside [${this.offset}, ${this.lastIndex()}]`);
    const entry = this.ents[index - this.offset];
    assert.ok(entry !== undefined);
    return entry.term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    assert.ok(lo > this.offset && hi <= this.lastIndex() + 1 && lo < hi, `entries(${lo}, ${hi}) outside the log`);
    return limitBytes(this.ents.slice(lo - this.offset, hi - this.offset), maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  /** Persists entries, replacing any held from entries[0].index on (a follower's conflict truncation). */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assert.ok(first.index <= this.lastIndex() + 1, `append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    if (first.index <= this.offset) {
      // Entries already covered by the snapshot are dropped.
      const skip = this.offset + 1 - first.index;
      this.append(entries.slice(skip));
      return;
    }
    this.ents = this.ents.slice(0, first.index - this.offset).concat(entries);
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  applySnapshot(snapshot: Snapshot): void {
    assert.ok(snapshot.metadata.index >= this.snap.metadata.index, "snapshot older than the one held");
    this.snap = snapshot;
    this.voters = snapshot.metadata.voters;
    this.ents = [{ index: snapshot.metadata.index, term: snapshot.metadata.term, data: new Uint8Array() }];
  }

  /** Records a snapshot the application took at `index` (≤ applied). Does not compact. */
  createSnapshot(index: number, data: Uint8Array): Snapshot {
    assert.ok(index > this.snap.metadata.index && index <= this.lastIndex(), `createSnapshot(${index}) outside the log`);
    this.snap = { metadata: { index, term: this.term(index), voters: this.voters }, data };
    return this.snap;
  }

  /** Discards entries up to and including `index`, which a snapshot must already cover. */
  compact(index: number): void {
    if (index <= this.offset) return;
    assert.ok(index <= this.snap.metadata.index, `compact(${index}) beyond the snapshot at ${this.snap.metadata.index}`);
    const kept = this.ents.slice(index - this.offset);
    const head = kept[0];
    assert.ok(head !== undefined);
    this.ents = [{ index: head.index, term: head.term, data: new Uint8Array() }, ...kept.slice(1)];
  }
}
