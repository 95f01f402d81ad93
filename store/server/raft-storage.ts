import assert from "node:assert/strict";
import type Database from "better-sqlite3";
import type { Entry, HardState, NodeId, RaftStorage, Ready, Snapshot, SnapshotMetadata } from "../raft/index.js";
import { NONE } from "../raft/index.js";

/** Entries kept in memory behind the log's tail, so replication rarely reads SQLite. */
const tailCacheEntriesMax = 20_000;

interface MetaRow {
  readonly value: string;
}

const raftTables = `
  CREATE TABLE IF NOT EXISTS raft_log (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, data BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS raft_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * The Raft log, hard state and snapshot metadata in their own SQLite database (the member's
 * raft.db), apart from the MVCC state (as etcd keeps its WAL apart from its bbolt backend): a
 * Ready's fsync then writes only the log's pages. Raft reads it through RaftStorage; the driver
 * writes each Ready into it in one transaction.
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
    db.exec(raftTables);
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

  /**
   * Brings the log in line with the state machine's applied index (`applied`, of term
   * `appliedTerm`) at start. The MVCC state is committed apart from the log, so after a crash
   * it may be ahead of what the log recorded: of the commit index (a Ready that only moves it
   * writes nothing here; an applied entry was committed), or of the whole log (a
   * leader's snapshot is installed in the MVCC state before the log is reset to it). The log
   * then starts after the applied entry, as after a snapshot. Entries the MVCC state still needs
   * are never compacted away (the driver syncs the MVCC state before a compaction), so an applied
   * index before the log's start is a bug.
   */
  reconcileApplied(applied: number, appliedTerm: number): void {
    assert.ok(applied >= this.first - 1, `applied index ${applied} is before the log's start ${this.first}: the entries in between are lost`);
    this.db.transaction(() => {
      if (applied > this.last) this.applySnapshotMetadata({ index: applied, term: appliedTerm, voters: this.voters });
      // A term below the applied entry's (the snapshot's term change was in the lost write) is
      // raised to it, without a vote: adopting a higher term is always safe.
      const term = Math.max(this.hard.term, appliedTerm);
      const hard = { term, vote: term === this.hard.term ? this.hard.vote : NONE, commit: Math.max(this.hard.commit, applied) };
      if (hard.term !== this.hard.term || hard.commit !== this.hard.commit) {
        this.hard = hard;
        this.statements.setMeta.run("hardState", JSON.stringify(hard));
      }
    })();
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

  /**
   * Whether `ready` has anything to write. A hard state whose term and vote are unchanged moved
   * only the commit index, which need not be durable (Raft's commit index is volatile state; a
   * restart learns it again from the leader, and never goes below the applied index, see
   * reconcileApplied): it is written with the next entries, term or vote instead of in a
   * transaction of its own — a WAL frame and a commit saved on every Ready that only commits.
   */
  needsWrite(ready: Ready): boolean {
    const hard = ready.hardState;
    return ready.entries.length > 0 || ready.snapshot !== undefined || (hard !== undefined && (hard.term !== this.hard.term || hard.vote !== this.hard.vote));
  }

  /** Writes a Ready's snapshot metadata, entries and hard state (see needsWrite). Call inside a transaction. */
  persist(ready: Ready): void {
    const write = this.needsWrite(ready);
    if (ready.snapshot !== undefined) this.applySnapshotMetadata(ready.snapshot.metadata);
    this.append(ready.entries);
    if (ready.hardState !== undefined) this.hard = ready.hardState;
    if (write) this.statements.setMeta.run("hardState", JSON.stringify(this.hard));
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

/**
 * Data dirs of earlier versions kept the log in the MVCC database (`from`): moved into `to` once,
 * in one transaction there, then dropped from `from`. A crash between the two leaves both
 * copies; the next start sees the log in `to` and only drops the old one.
 */
export function moveRaftLog(from: Database.Database, to: Database.Database): void {
  if (!hasTable(from, "raft_log")) return;
  to.exec(raftTables);
  const moved = to.prepare("SELECT 1 FROM raft_meta WHERE key = 'hardState'").get() !== undefined;
  if (!moved) {
    const insertEntry = to.prepare<[number, number, Uint8Array]>("INSERT OR REPLACE INTO raft_log (idx, term, data) VALUES (?, ?, ?)");
    const insertMeta = to.prepare<[string, string]>("INSERT OR REPLACE INTO raft_meta (key, value) VALUES (?, ?)");
    // One transaction: the hard state's presence in `to` marks the move as done.
    to.transaction(() => {
      for (const row of from.prepare<[], { idx: number; term: number; data: Uint8Array }>("SELECT idx, term, data FROM raft_log ORDER BY idx").iterate()) insertEntry.run(row.idx, row.term, row.data);
      for (const row of from.prepare<[], { key: string; value: string }>("SELECT key, value FROM raft_meta").iterate()) insertMeta.run(row.key, row.value);
    })();
  }
  from.exec("DROP TABLE raft_log; DROP TABLE IF EXISTS raft_meta;");
}

/** Whether `db` has a table `name` (data dirs of earlier layouts are recognised by theirs). */
export function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}
