import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Entry, Ready } from "../raft/index.js";
import { SqliteRaftStorage, moveRaftLog } from "./raft-storage.js";

const entry = (index: number, term: number, text = `e${index}`): Entry => ({ index, term, data: new TextEncoder().encode(text) });

function ready(entries: Entry[], hardState?: Ready["hardState"], snapshot?: Ready["snapshot"]): Ready {
  return { softState: undefined, hardState, snapshot, entries, committedEntries: [], messages: [], readStates: [], mustSync: true };
}

describe("SQLite Raft storage", () => {
  it("persists entries and hard state, and reads them back after a reopen", () => {
    const db = new Database(":memory:");
    const storage = new SqliteRaftStorage(db, ["s1", "s2", "s3"], () => ({ index: 0, data: new Uint8Array() }));
    expect(storage.hasState()).toBe(false);
    storage.persist(ready([entry(1, 1), entry(2, 1), entry(3, 2)], { term: 2, vote: "s1", commit: 2 }));
    const reopened = new SqliteRaftStorage(db, ["ignored"], () => ({ index: 0, data: new Uint8Array() }));
    expect(reopened.hasState()).toBe(true);
    expect(reopened.initialState()).toEqual({ hardState: { term: 2, vote: "s1", commit: 2 }, voters: ["s1", "s2", "s3"] });
    expect([reopened.firstIndex(), reopened.lastIndex(), reopened.term(3), reopened.term(0)]).toEqual([1, 3, 2, 0]);
    expect(reopened.entries(1, 4, Infinity).map((e) => new TextDecoder().decode(e.data))).toEqual(["e1", "e2", "e3"]);
  });

  it("writes a hard state that only moved the commit index with the next entries, term or vote, not on its own", () => {
    const db = new Database(":memory:");
    const storage = new SqliteRaftStorage(db, ["s1"], () => ({ index: 0, data: new Uint8Array() }));
    storage.persist(ready([entry(1, 1), entry(2, 1)], { term: 1, vote: "s1", commit: 0 }));
    const commitOnly = ready([], { term: 1, vote: "s1", commit: 2 });
    expect(storage.needsWrite(commitOnly)).toBe(false);
    storage.persist(commitOnly);
    const reopen = () => new SqliteRaftStorage(db, ["s1"], () => ({ index: 0, data: new Uint8Array() })).initialState().hardState;
    expect(reopen()).toEqual({ term: 1, vote: "s1", commit: 0 });
    storage.persist(ready([entry(3, 1)]));
    expect(reopen()).toEqual({ term: 1, vote: "s1", commit: 2 });
    expect(storage.needsWrite(ready([], { term: 2, vote: "", commit: 2 }))).toBe(true);
  });

  it("replaces a conflicting suffix, in the cache and on disk", () => {
    const db = new Database(":memory:");
    const storage = new SqliteRaftStorage(db, ["s1"], () => ({ index: 0, data: new Uint8Array() }));
    storage.persist(ready([entry(1, 1), entry(2, 1), entry(3, 1)]));
    storage.persist(ready([entry(2, 2, "new2")]));
    expect(storage.lastIndex()).toBe(2);
    expect(storage.term(2)).toBe(2);
    const reopened = new SqliteRaftStorage(db, ["s1"], () => ({ index: 0, data: new Uint8Array() }));
    expect(reopened.lastIndex()).toBe(2);
    expect(new TextDecoder().decode(reopened.entries(2, 3, Infinity)[0]?.data)).toBe("new2");
  });

  it("limits entries by bytes but always returns one", () => {
    const storage = new SqliteRaftStorage(new Database(":memory:"), ["s1"], () => ({ index: 0, data: new Uint8Array() }));
    storage.persist(ready([entry(1, 1, "aaaa"), entry(2, 1, "bbbb"), entry(3, 1, "cccc")]));
    expect(storage.entries(1, 4, 0)).toHaveLength(1);
    expect(storage.entries(1, 4, 8)).toHaveLength(2);
  });

  it("compacts, keeping the term of the last compacted entry, and snapshots at the applied index", () => {
    const db = new Database(":memory:");
    let applied = 0;
    const storage = new SqliteRaftStorage(db, ["s1"], () => ({ index: applied, data: new Uint8Array([9]) }));
    storage.persist(ready([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)]));
    applied = 3;
    storage.compact(3);
    expect([storage.firstIndex(), storage.lastIndex(), storage.term(3)]).toEqual([4, 4, 2]);
    expect(storage.snapshot().metadata).toEqual({ index: 3, term: 2, voters: ["s1"] });
    expect(() => storage.term(2)).toThrow();
    const reopened = new SqliteRaftStorage(db, ["s1"], () => ({ index: 3, data: new Uint8Array() }));
    expect([reopened.firstIndex(), reopened.lastIndex(), reopened.term(3)]).toEqual([4, 4, 2]);
  });

  it("a crash in the middle of a compaction leaves the log readable (both writes or neither)", () => {
    const db = new Database(":memory:");
    const storage = new SqliteRaftStorage(db, ["s1"], () => ({ index: 3, data: new Uint8Array() }));
    storage.persist(ready([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)]));
    // The crash point "mid-log-compaction" kills the process there; a throw stands in for it.
    expect(() => storage.compact(3, () => { throw new Error("crashed"); })).toThrow("crashed");
    const reopened = new SqliteRaftStorage(db, ["s1"], () => ({ index: 3, data: new Uint8Array() }));
    const first = reopened.firstIndex();
    expect(reopened.entries(first, reopened.lastIndex() + 1, Infinity).map((e) => e.index)).toEqual([1, 2, 3, 4].filter((i) => i >= first));
  });

  it("a snapshot from the leader replaces the whole log", () => {
    const storage = new SqliteRaftStorage(new Database(":memory:"), ["s1", "s2", "s3"], () => ({ index: 0, data: new Uint8Array() }));
    storage.persist(ready([entry(1, 1), entry(2, 1)]));
    storage.persist(ready([], { term: 5, vote: "", commit: 40 }, { metadata: { index: 40, term: 4, voters: ["s1", "s2", "s3"] }, data: new Uint8Array() }));
    expect([storage.firstIndex(), storage.lastIndex(), storage.term(40)]).toEqual([41, 40, 4]);
    storage.persist(ready([entry(41, 5)]));
    expect(storage.entries(41, 42, Infinity)[0]?.term).toBe(5);
  });

  it("keeps reading right past the tail cache's limit (entries trimmed from memory come from SQLite)", () => {
    const storage = new SqliteRaftStorage(new Database(":memory:"), ["s1"], () => ({ index: 0, data: new Uint8Array() }));
    for (let start = 1; start <= 50_000; start += 500) storage.persist(ready(Array.from({ length: 500 }, (_, i) => entry(start + i, 1 + Math.floor((start + i) / 10_000)))));
    storage.persist(ready([entry(49_990, 9, "replaced")]));
    expect(storage.lastIndex()).toBe(49_990);
    for (const index of [1, 9_999, 10_000, 25_000, 49_989]) {
      expect(storage.term(index)).toBe(1 + Math.floor(index / 10_000));
      expect(new TextDecoder().decode(storage.entries(index, index + 1, Infinity)[0]?.data)).toBe(`e${index}`);
    }
    expect(storage.entries(49_989, 49_991, Infinity).map((e) => e.term)).toEqual([5, 9]);
  });
});

describe("SQLite Raft storage beside an MVCC state committed on its own", () => {
  const noSnapshot = () => ({ index: 0, data: new Uint8Array() });

  it("raises the commit index to the applied one (its unsynced update was lost)", () => {
    const db = new Database(":memory:");
    const storage = new SqliteRaftStorage(db, ["s1"], noSnapshot);
    storage.persist(ready([entry(1, 1), entry(2, 1), entry(3, 1)], { term: 1, vote: "s1", commit: 1 }));
    storage.reconcileApplied(3, 1);
    const reopened = new SqliteRaftStorage(db, ["s1"], noSnapshot);
    expect(reopened.initialState().hardState).toEqual({ term: 1, vote: "s1", commit: 3 });
    expect([reopened.firstIndex(), reopened.lastIndex()]).toEqual([1, 3]);
  });

  it("starts the log after an applied index beyond it (a snapshot installed, the log not yet reset), raising the term without a vote", () => {
    const db = new Database(":memory:");
    const storage = new SqliteRaftStorage(db, ["s1", "s2", "s3"], noSnapshot);
    storage.persist(ready([entry(1, 1), entry(2, 1)], { term: 1, vote: "s2", commit: 2 }));
    storage.reconcileApplied(40, 3);
    const reopened = new SqliteRaftStorage(db, ["s1", "s2", "s3"], noSnapshot);
    expect([reopened.firstIndex(), reopened.lastIndex(), reopened.term(40)]).toEqual([41, 40, 3]);
    expect(reopened.initialState().hardState).toEqual({ term: 3, vote: "", commit: 40 });
  });

  it("changes nothing when the log covers the applied index, and refuses one before the log's start", () => {
    const db = new Database(":memory:");
    let applied = 0;
    const storage = new SqliteRaftStorage(db, ["s1"], () => ({ index: applied, data: new Uint8Array() }));
    storage.persist(ready([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)], { term: 2, vote: "s1", commit: 4 }));
    storage.reconcileApplied(2, 1);
    expect([storage.firstIndex(), storage.lastIndex(), storage.initialState().hardState.commit]).toEqual([1, 4, 4]);
    applied = 3;
    storage.compact(3);
    expect(() => storage.reconcileApplied(1, 1)).toThrow(/before the log's start/);
  });

  it("moves the log of an earlier layout out of the MVCC database, once", () => {
    const [from, to] = [new Database(":memory:"), new Database(":memory:")];
    const old = new SqliteRaftStorage(from, ["s1"], noSnapshot);
    old.persist(ready([entry(1, 1), entry(2, 2)], { term: 2, vote: "s1", commit: 2 }));
    moveRaftLog(from, to);
    expect(from.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'raft_%'").all()).toEqual([]);
    const moved = new SqliteRaftStorage(to, ["ignored"], noSnapshot);
    expect(moved.initialState()).toEqual({ hardState: { term: 2, vote: "s1", commit: 2 }, voters: ["s1"] });
    expect(moved.entries(1, 3, Infinity).map((e) => e.term)).toEqual([1, 2]);
    // A crash after the move but before the drop: the next start keeps what it moved.
    const again = new SqliteRaftStorage(from, ["s1"], noSnapshot);
    again.persist(ready([entry(1, 9)], { term: 9, vote: "", commit: 0 }));
    moveRaftLog(from, to);
    expect(new SqliteRaftStorage(to, ["s1"], noSnapshot).term(1)).toBe(1);
    expect(from.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'raft_%'").all()).toEqual([]);
  });
});
