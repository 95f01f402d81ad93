import assert from "node:assert/strict";
import type Database from "better-sqlite3";
import type { Entry, HardState, NodeId, RaftStorage, Ready, Snapshot, SnapshotMetadata } from "../raft/index.js";
import { NONE } from "../raft/index.js";

/** Entries kept in memory behind the log's tail, so replication rarely reads SQLite. */
const tailCacheEntriesMax = 20_000;

interface MetaRow {
  readonly value: string;
}

/**
 * The Raft log, hard state and snapshot metadata in the member's SQLite database. Raft reads it
 * through RaftStorage; the driver writes a Ready into it inside the same transaction that
 * applies committed entries to the MVCC store, so one fsync covers both.
 *
 * Snapshots are not stored: the MVCC state at the applied index *is* the snapshot, serialized on
 * demand by `snapshotData` when a follower needs one.
 */
export class SqliteRaftStorage implements RaftStorage {
  private first: number;
  private last: number;
  /** Term of the entry before `first` (the last compacted or snapshotted one). */
  private compactedTerm: number;
  private hard: HardState;
  private voters: readonly NodeId[];
  /** The newest entries, in order; tail[0].index = tailStart. */
  private tail: Entry[] = [];
  private tailStart = 1;
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    initialVoters: readonly NodeId[],
    private readonly snapshotData: () => { index: number; data: Uint8Array },
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS raft_log (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS raft_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    this.statements = {
      getMeta: db.prepare<[string], MetaRow>("SELECT value FROM raft_meta WHERE key = ?"),
      setMeta: db.prepare<[string, string]>("INSERT INTO raft_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
      insert: db.prepare<[number, number, Uint8Array]>("INSERT OR REPLACE INTO raft_log (idx, term, data) VALUES (?, ?, ?)"),
      truncateFrom: db.prepare<[number]>("DELETE FROM raft_log WHERE idx >= ?"),
      compactTo: db.prepare<[number]>("DELETE FROM raft_log WHERE idx <= ?"),
      clear: db.prepare("DELETE FROM raft_log"),
      term: db.prepare<[number], { term: number }>("SELECT term FROM raft_log WHERE idx = ?"),
      range: db.prepare<[number, number], { idx: number; term: number; data: Uint8Array }>("SELECT idx, term, data FROM raft_log WHERE idx >= ? AND idx < ? ORDER BY idx"),
      bounds: db.prepare<[], { lo: number | null; hi: number | null }>("SELECT MIN(idx) AS lo, MAX(idx) AS hi FROM raft_log"),
    };
    const hardJson = this.meta("hardState");
    this.hard = hardJson === undefined ? { term: 0, vote: NONE, commit: 0 } : (JSON.parse(hardJson) as HardState);
    const votersJson = this.meta("voters");
    this.voters = votersJson === undefined ? [...initialVoters] : (JSON.parse(votersJson) as NodeId[]);
    if (votersJson === undefined) this.statements.setMeta.run("voters", JSON.stringify(this.voters));
    const snapshot = this.meta("snapshot");
    const snapshotMeta = snapshot === undefined ? { index: 0, term: 0 } : (JSON.parse(snapshot) as { index: number; term: number });
    const bounds = this.statements.bounds.get();
    this.first = snapshotMeta.index + 1;
    this.compactedTerm = snapshotMeta.term;
    this.last = Math.max(bounds?.hi ?? 0, snapshotMeta.index);
    this.tailStart = this.last + 1;
    if (bounds?.lo !== null && bounds?.lo !== undefined) assert.ok(bounds.lo >= this.first, `log starts at ${bounds.lo}, before the snapshot at ${snapshotMeta.index}`);
  }

  /** Whether this data directory already holds a member's state (etcd then ignores --initial-cluster-state). */
  hasState(): boolean {
    return this.meta("hardState") !== undefined;
  }

  private meta(key: string): string | undefined {
    return this.statements.getMeta.get(key)?.value;
  }

  initialState(): { hardState: HardState; voters: readonly NodeId[] } {
    return { hardState: this.hard, voters: this.voters };
  }

  firstIndex(): number {
    return this.first;
  }

  lastIndex(): number {
    return this.last;
  }

  term(index: number): number {
    if (index === this.first - 1) return this.compactedTerm;
    assert.ok(index >= this.first && index <= this.last, `term(${index}) outside [${this.first - 1}, ${this.last}]`);
    const cached = this.tail[index - this.tailStart];
    if (cached !== undefined) return cached.term;
    const row = this.statements.term.get(index);
    assert.ok(row !== undefined, `entry ${index} missing from raft_log`);
    return row.term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    assert.ok(lo >= this.first && hi <= this.last + 1 && lo < hi, `entries(${lo}, ${hi}) outside [${this.first}, ${this.last + 1})`);
    const result: Entry[] = [];
    let bytes = 0;
    const take = (entry: Entry): boolean => {
      bytes += entry.data.byteLength;
      if (result.length > 0 && bytes > maxBytes) return false;
      result.push(entry);
      return true;
    };
    let at = lo;
    if (at < this.tailStart) {
      for (const row of this.statements.range.iterate(at, Math.min(hi, this.tailStart))) {
        if (!take({ index: row.idx, term: row.term, data: row.data })) return result;
        at = row.idx + 1;
      }
    }
    for (; at < hi; at += 1) {
      const entry = this.tail[at - this.tailStart];
      assert.ok(entry !== undefined, `entry ${at} missing from the tail cache`);
      if (!take(entry)) break;
    }
    return result;
  }

  snapshot(): Snapshot {
    const { index, data } = this.snapshotData();
    const metadata: SnapshotMetadata = { index, term: this.term(index), voters: this.voters };
    return { metadata, data };
  }

  /** Writes a Ready's snapshot metadata, entries and hard state. Call inside a transaction. */
  persist(ready: Ready): void {
    if (ready.snapshot !== undefined) this.applySnapshotMetadata(ready.snapshot.metadata);
    this.append(ready.entries);
    if (ready.hardState !== undefined) {
      this.hard = ready.hardState;
      this.statements.setMeta.run("hardState", JSON.stringify(ready.hardState));
    }
  }

  private append(entries: readonly Entry[]): void {
    const head = entries[0];
    if (head === undefined) return;
    assert.ok(head.index >= this.first && head.index <= this.last + 1, `append at ${head.index} outside [${this.first}, ${this.last + 1}]`);
    if (head.index <= this.last) this.statements.truncateFrom.run(head.index);
    for (const entry of entries) this.statements.insert.run(entry.index, entry.term, entry.data);
    this.last = head.index + entries.length - 1;
    // Keep the tail cache contiguous and ending at `last`: truncate and push in place, and trim
    // only once it doubles, so an append costs what it appends, not the cache's size.
    if (head.index < this.tailStart || head.index > this.tailStart + this.tail.length) {
      this.tail = [...entries];
      this.tailStart = head.index;
    } else {
      this.tail.length = head.index - this.tailStart;
      for (const entry of entries) this.tail.push(entry);
    }
    if (this.tail.length > 2 * tailCacheEntriesMax) {
      const drop = this.tail.length - tailCacheEntriesMax;
      this.tail.splice(0, drop);
      this.tailStart += drop;
    }
  }

  /** A snapshot from the leader replaces the whole log. */
  private applySnapshotMetadata(metadata: SnapshotMetadata): void {
    this.statements.clear.run();
    this.statements.setMeta.run("snapshot", JSON.stringify({ index: metadata.index, term: metadata.term }));
    this.statements.setMeta.run("voters", JSON.stringify(metadata.voters));
    this.voters = metadata.voters;
    this.first = metadata.index + 1;
    this.last = metadata.index;
    this.compactedTerm = metadata.term;
    this.tail = [];
    this.tailStart = metadata.index + 1;
  }

  /** Discards entries up to `index` (≤ applied): the MVCC state covers them. `midway` is a test crash point between the two writes. */
  compact(index: number, midway?: () => void): void {
    if (index < this.first) return;
    assert.ok(index <= this.last, `compact(${index}) beyond last index ${this.last}`);
    const term = this.term(index);
    // One transaction: a crash between the delete and the new first index would leave a log
    // whose recorded start has no entries (found by the chaos crash point "mid-log-compaction").
    this.db.transaction(() => {
      this.statements.compactTo.run(index);
      midway?.();
      this.statements.setMeta.run("snapshot", JSON.stringify({ index, term }));
    })();
    this.first = index + 1;
    this.compactedTerm = term;
    if (index >= this.tailStart) {
      this.tail = this.tail.slice(index + 1 - this.tailStart);
      this.tailStart = index + 1;
    }
  }
}
