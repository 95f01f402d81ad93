import assert from "node:assert/strict";
import type { RaftStorage } from "./storage.js";
import { limitBytes } from "./storage.js";
import type { Entry, Snapshot } from "./types.js";

/**
 * The log as one node sees it: what storage holds, followed by entries (and possibly a
 * snapshot) not yet persisted. `unstableOffset` is the index of the first unpersisted entry.
 */
export class RaftLog {
  committed: number;
  applied: number;
  private unstableEntries: Entry[] = [];
  private unstableOffset: number;
  private unstableSnapshot: Snapshot | undefined;

  constructor(
    private readonly storage: RaftStorage,
    applied: number,
  ) {
    const first = storage.firstIndex();
    this.unstableOffset = storage.lastIndex() + 1;
    // A node that restarts has applied at least its snapshot.
    this.committed = first - 1;
    this.applied = Math.max(applied, first - 1);
  }

  firstIndex(): number {
    if (this.unstableSnapshot !== undefined) return this.unstableSnapshot.metadata.index + 1;
    return this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.unstableEntries.length > 0) return this.unstableOffset + this.unstableEntries.length - 1;
    if (this.unstableSnapshot !== undefined) return this.unstableSnapshot.metadata.index;
    return this.storage.lastIndex();
  }

  /** Last index known to be on stable storage. */
  persistedIndex(): number {
    return this.unstableOffset - 1;
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    assert.ok(term !== undefined);
    return term;
  }

  /** Term of entry `index`, or undefined if compacted away or beyond the log. */
  term(index: number): number | undefined {
    const snapshot = this.unstableSnapshot;
    if (snapshot !== undefined && index === snapshot.metadata.index) return snapshot.metadata.term;
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    if (index >= this.unstableOffset) return this.unstableEntries[index - this.unstableOffset]?.term;
    if (snapshot !== undefined) return undefined;
    return this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up-to-date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Follower side of AppendEntries (Raft §5.3): if our log holds (prevIndex, prevTerm), append
   * the entries after the first conflict and advance commit. Returns the new last index, or
   * undefined when the consistency check fails.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert.ok(conflict > this.committed, `entry ${conflict} conflicts with committed index ${this.committed}`);
      const first = entries[0];
      assert.ok(first !== undefined);
      this.append(entries.slice(conflict - first.index));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** First index whose term differs from ours (or that we lack), 0 if all are already held. */
  private findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term`: where a log holding `term` at most
   * up to there could match ours (the conflict hint of thesis §5.3's fast back-off).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (;;) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
      i -= 1;
    }
  }

  /** Appends entries, truncating any unstable or stable suffix from entries[0].index. */
  append(entries: readonly Entry[]): number {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    assert.ok(first.index > this.committed, `append at ${first.index} would overwrite committed ${this.committed}`);
    const after = first.index;
    if (after === this.unstableOffset + this.unstableEntries.length) {
      this.unstableEntries.push(...entries);
    } else if (after <= this.unstableOffset) {
      // Replaces everything unstable, and stable entries from `after` on (storage will be overwritten).
      this.unstableOffset = after;
      this.unstableEntries = [...entries];
    } else {
      this.unstableEntries = this.unstableEntries.slice(0, after - this.unstableOffset).concat(entries);
    }
    return this.lastIndex();
  }

  /** Entries [lo, hi), limited by bytes and count; undefined if lo was compacted. */
  slice(lo: number, hi: number, maxBytes: number, maxCount: number): Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    const end = Math.min(hi, this.lastIndex() + 1, lo + maxCount);
    if (lo >= end) return [];
    const result: Entry[] = [];
    if (lo < this.unstableOffset) {
      result.push(...this.storage.entries(lo, Math.min(end, this.unstableOffset), maxBytes));
      if (result.length < Math.min(end, this.unstableOffset) - lo) return result;
    }
    if (end > this.unstableOffset) {
      const from = Math.max(lo, this.unstableOffset) - this.unstableOffset;
      result.push(...this.unstableEntries.slice(from, end - this.unstableOffset));
    }
    return limitBytes(result, maxBytes);
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert.ok(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > this.applied && this.unstableSnapshot === undefined;
  }

  nextCommittedEntries(maxBytes: number): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    return this.slice(this.applied + 1, this.committed + 1, maxBytes, Number.MAX_SAFE_INTEGER) ?? [];
  }

  appliedTo(index: number): void {
    assert.ok(index <= this.committed && index >= this.applied, `applied ${index} outside [${this.applied}, ${this.committed}]`);
    this.applied = index;
  }

  unstable(): { entries: readonly Entry[]; snapshot: Snapshot | undefined } {
    return { entries: this.unstableEntries, snapshot: this.unstableSnapshot };
  }

  /** The driver persisted entries up to (index, term). Ignored if they were replaced meanwhile. */
  stableTo(index: number, term: number): void {
    if (index < this.unstableOffset) return;
    const entry = this.unstableEntries[index - this.unstableOffset];
    if (entry === undefined || entry.term !== term) return;
    this.unstableEntries = this.unstableEntries.slice(index + 1 - this.unstableOffset);
    this.unstableOffset = index + 1;
  }

  stableSnapshotTo(index: number): void {
    if (this.unstableSnapshot?.metadata.index === index) this.unstableSnapshot = undefined;
  }

  /** Replaces the whole log with a snapshot from the leader (Raft §7). */
  restore(snapshot: Snapshot): void {
    this.unstableSnapshot = snapshot;
    this.unstableEntries = [];
    this.unstableOffset = snapshot.metadata.index + 1;
    this.committed = snapshot.metadata.index;
  }

  /** The application installed the snapshot: its state is at the snapshot's index. */
  snapshotApplied(index: number): void {
    this.applied = Math.max(this.applied, index);
  }

  pendingSnapshot(): Snapshot | undefined {
    return this.unstableSnapshot;
  }
}
