// The store as a replicated state machine: applied index and term, history replay for watches,
// snapshot and restore, determinism, and a seeded model check of reads in the past across
// compactions. These are kube-lite's own contracts; event shapes follow etcd 3.4's watch.
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { MvccStore } from "./mvcc-store.js";
import { MvccError } from "./types.js";
import type { WriteRequest } from "./types.js";
import { Harness, bytes, cmp, del, kv, put, rd, rp, showEvent, text, txn } from "./test-support.js";

const all = [bytes("\0"), bytes("\0")] as const;

describe("applied index and term", () => {
  test("are recorded with each entry, also for failed requests", () => {
    const h = new Harness();
    expect([h.store.appliedIndex(), h.store.appliedTerm()]).toEqual([0, 0]);
    h.store.apply(1, 1, put("a", "1"));
    h.store.apply(2, 3, put("", "1"));
    expect([h.store.appliedIndex(), h.store.appliedTerm(), h.store.currentRevision()]).toEqual([2, 3, 2]);
  });
  test("an entry at or below the applied index is skipped", () => {
    const h = new Harness();
    h.store.apply(5, 2, put("a", "1"));
    const again = h.store.apply(5, 2, put("a", "1"));
    expect(again.response).toBeInstanceOf(MvccError);
    expect(again.events).toEqual([]);
    expect(h.store.apply(4, 2, put("b", "1")).response).toBeInstanceOf(MvccError);
    expect([h.store.currentRevision(), h.store.appliedIndex()]).toEqual([2, 5]);
  });
  test("markApplied advances over entries without a request, never backwards", () => {
    const h = new Harness();
    h.store.markApplied(3, 2);
    h.store.markApplied(2, 2);
    expect([h.store.appliedIndex(), h.store.appliedTerm(), h.store.currentRevision()]).toEqual([3, 2, 1]);
  });
  test("apply joins the caller's transaction: rolling that back undoes the change and the index", () => {
    const h = new Harness();
    h.store.apply(1, 1, put("a", "1"));
    const batch = h.db.transaction(() => {
      h.store.apply(2, 1, put("a", "2"));
      h.store.apply(3, 1, put("b", "2"));
      throw new Error("crash before commit");
    });
    expect(() => batch()).toThrow("crash before commit");
    expect([h.store.appliedIndex(), h.store.currentRevision()]).toEqual([1, 2]);
    expect(h.keys("\0", { end: "\0" })).toEqual(["a"]);
    h.store.verifyIntegrity();
  });
  test("state survives reopening the database file", () => {
    const h = new Harness();
    h.all(put("a", "1"), { leaseGrant: { id: 9, ttlSeconds: 10 } }, put("b", "2", { lease: 9 }), { compaction: { revision: 2 } });
    const hash = h.store.hash();
    const reopened = new MvccStore(h.db);
    expect(reopened.hash()).toBe(hash);
    expect([reopened.currentRevision(), reopened.compactRevision(), reopened.appliedIndex()]).toEqual([3, 2, 4]);
  });
});

describe("eventsSince", () => {
  const h = new Harness();
  // revisions: 2 a=1, 3 b=1, 4 txn(a=2, c=1), 5 delete a, 6 b=2, 7 ab=1
  h.all(put("a", "1"), put("b", "1"), txn([], [rp("a", "2"), rp("c", "1")]), del("a"), put("b", "2"), put("ab", "1"));
  const since = (start: number, key: string, end: string | undefined, prevKv: boolean, max = 100) => {
    const result = h.store.eventsSince(start, bytes(key), end === undefined ? undefined : bytes(end), prevKv, max);
    return { events: result.events.map(showEvent), lastRevision: result.lastRevision };
  };
  test("one key, with prevKv", () => {
    expect(since(2, "a", undefined, true)).toEqual({
      events: [
        { type: "PUT", kv: kv("a", 2, 2, 1, "1") },
        { type: "PUT", kv: kv("a", 2, 4, 2, "2"), prevKv: kv("a", 2, 2, 1, "1") },
        { type: "DELETE", kv: { key: "a", mod: 5 }, prevKv: kv("a", 2, 4, 2, "2") },
      ],
      lastRevision: 7,
    });
  });
  test("a prefix, without prevKv, from a middle revision", () => {
    expect(since(4, "a", "b", false)).toEqual({
      events: [
        { type: "PUT", kv: kv("a", 2, 4, 2, "2") },
        { type: "DELETE", kv: { key: "a", mod: 5 } },
        { type: "PUT", kv: kv("ab", 7, 7, 1, "1") },
      ],
      lastRevision: 7,
    });
  });
  test("everything, in revision then sub-revision order", () => {
    expect(since(1, ...["\0", "\0"] as const, false).events.map((e) => `${e.type} ${(e.kv as { key: string }).key}`)).toEqual([
      "PUT a",
      "PUT b",
      "PUT a",
      "PUT c",
      "DELETE a",
      "PUT b",
      "PUT ab",
    ]);
  });
  test("maxEvents never splits a revision", () => {
    expect(since(2, "\0", "\0", false, 2)).toMatchObject({ lastRevision: 3 });
    const cut = since(2, "\0", "\0", false, 3);
    expect(cut.events.map((e) => (e.kv as { mod: number }).mod)).toEqual([2, 3, 4, 4]);
    expect(cut.lastRevision).toBe(4);
    expect(since(5, "\0", "\0", false, 3)).toMatchObject({ lastRevision: 7 });
  });
  test("start 0 means from now; a future start resumes there", () => {
    expect(since(0, "a", undefined, false)).toEqual({ events: [], lastRevision: 7 });
    expect(since(8, "a", undefined, false)).toEqual({ events: [], lastRevision: 7 });
    expect(since(10, "a", undefined, false)).toEqual({ events: [], lastRevision: 9 });
  });
  test("below the compact revision: compacted; at it, what survived compaction (as etcd 3.4: its deletions are gone)", () => {
    const g = new Harness();
    g.all(put("a", "1"), put("b", "1"), put("a", "2"), del("b"), { compaction: { revision: 5 } });
    expect(() => g.store.eventsSince(4, ...all, false, 10)).toThrow("required revision has been compacted");
    expect(g.store.eventsSince(5, ...all, false, 10)).toEqual({ events: [], lastRevision: 5 });
    expect(() => g.store.eventsSince(1, ...all, false, 10)).toThrow(MvccError);
    expect(g.store.eventsSince(6, ...all, false, 10)).toEqual({ events: [], lastRevision: 5 });
    g.all(put("c", "1"));
    expect(g.store.eventsSince(6, ...all, true, 10).events.map(showEvent)).toEqual([{ type: "PUT", kv: kv("c", 6, 6, 1, "1") }]);
  });
  test("the events of apply are the events eventsSince replays", () => {
    const g = new Harness();
    const live = [put("x", "1"), txn([cmp("x", "VERSION", "EQUAL", 1)], [rp("y", "1"), rd("x")]), put("y", "2", { prevKv: true })].flatMap(
      (request) => g.apply(request).events.map(showEvent),
    );
    expect(g.store.eventsSince(1, ...all, true, 100).events.map(showEvent)).toEqual(live);
  });
});

// ---- snapshot, restore, determinism ----

/** A seeded xorshift32: the same workload every run. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % n;
  };
}

/** A mixed workload over a few keys: puts, deletes, ranged deletes, txns, leases, compactions. */
function workload(seed: number, length: number): WriteRequest[] {
  const pick = random(seed);
  const key = () => `k${pick(12)}`;
  const requests: WriteRequest[] = [{ leaseGrant: { id: 1, ttlSeconds: 30 } }, { leaseGrant: { id: 2, ttlSeconds: 30 } }];
  let revisionGuess = 1;
  for (let i = 0; i < length; i++) {
    const roll = pick(100);
    if (roll < 50) requests.push(put(key(), `v${i}`, pick(4) === 0 ? { lease: 1 + pick(2) } : {}));
    else if (roll < 62) requests.push(del(key()));
    else if (roll < 68) requests.push(del(key(), key()));
    else if (roll < 85) {
      const [a, b] = [key(), key()];
      requests.push(txn([cmp(a, "VERSION", pick(2) === 0 ? "GREATER" : "EQUAL", pick(3))], [rp(a, `t${i}`)], a === b ? [] : [rp(b, `f${i}`), rd(a)]));
    } else if (roll < 92) requests.push({ compaction: { revision: Math.floor(revisionGuess * 0.6) + pick(10) } });
    else if (roll < 96) requests.push({ leaseRevoke: { id: 1 + pick(2) } }, { leaseGrant: { id: 1 + pick(2), ttlSeconds: 30 } });
    else requests.push(put(key(), "", { ignoreValue: true }));
    revisionGuess += 1;
  }
  return requests;
}

function applyAll(store: MvccStore, requests: WriteRequest[], firstIndex = 1): unknown[] {
  return requests.map((request, i) => {
    const { response, events } = store.apply(firstIndex + i, 1, request);
    return [response instanceof MvccError ? response.message : response, events.map(showEvent)];
  });
}

/** Everything a client could observe: ranges at every live revision, the history, leases. */
function observe(store: MvccStore): unknown {
  const current = store.currentRevision();
  const floor = Math.max(store.compactRevision(), 1);
  const ranges = [];
  for (let revision = floor; revision <= current; revision++) {
    ranges.push(store.range({ key: all[0], rangeEnd: all[1], revision }).kvs.map((k) => [text(k.key), k.modRevision, k.version, text(k.value), k.lease]));
  }
  return {
    current,
    compact: store.compactRevision(),
    applied: [store.appliedIndex(), store.appliedTerm()],
    ranges,
    events: store.eventsSince(store.compactRevision() + 1, ...all, true, 1_000_000).events.map(showEvent),
    leases: store.leases().map((l) => ({ ...l, keys: l.keys.map(text) })),
  };
}

describe("snapshot and restore", () => {
  const requests = workload(7, 300);
  const later = workload(8, 100).slice(2);
  test("a restored store observes, answers and hashes exactly like the original", () => {
    const original = new MvccStore(new Database(":memory:"));
    const outcomes = applyAll(original, requests) as [unknown, unknown[]][];
    // the workload exercises what it should: compactions and revokes that succeed, and failures
    const succeeded = (kind: string) => outcomes.filter(([response]) => typeof response === "object" && response !== null && kind in response).length;
    expect(succeeded("compaction")).toBeGreaterThanOrEqual(5);
    expect(succeeded("leaseRevoke")).toBeGreaterThanOrEqual(3);
    expect(outcomes.filter(([response]) => typeof response === "string").length).toBeGreaterThanOrEqual(10);
    original.verifyIntegrity();
    const restored = new MvccStore(new Database(":memory:"));
    restored.restore(original.snapshot());
    restored.verifyIntegrity();
    expect(restored.hash()).toBe(original.hash());
    expect(observe(restored)).toEqual(observe(original));
    const next = requests.length + 1;
    expect(applyAll(restored, later, next)).toEqual(applyAll(original, later, next));
    expect(restored.hash()).toBe(original.hash());
  });
  test("restore replaces whatever the store held", () => {
    const source = new Harness();
    source.all(put("a", "1"), { leaseGrant: { id: 5, ttlSeconds: 9 } });
    const target = new Harness();
    target.all(put("zzz", "old"), put("zzz", "older"), { leaseGrant: { id: 6, ttlSeconds: 9 } }, { compaction: { revision: 2 } });
    target.store.restore(source.store.snapshot());
    expect(observe(target.store)).toEqual(observe(source.store));
    expect(target.store.lease(6)).toBeUndefined();
  });
  test("a malformed snapshot is refused and changes nothing", () => {
    const h = new Harness();
    h.all(put("a", "1"), put("b", "2"));
    const snapshot = h.store.snapshot();
    const before = h.store.hash();
    const other = new Harness();
    other.all(put("x", "1"));
    const otherHash = other.store.hash();
    expect(() => other.store.restore(snapshot.subarray(0, snapshot.length - 3))).toThrow("truncated");
    expect(() => other.store.restore(new Uint8Array([...snapshot, 0]))).toThrow("trailing");
    expect(() => other.store.restore(bytes("not a snapshot at all, but long enough"))).toThrow();
    expect(other.store.hash()).toBe(otherHash);
    other.store.restore(snapshot);
    expect(other.store.hash()).toBe(before);
  });
  test("a snapshot of an empty store restores to an empty store", () => {
    const empty = new MvccStore(new Database(":memory:"));
    const other = new Harness();
    other.all(put("x", "1"));
    other.store.restore(empty.snapshot());
    expect(other.store.hash()).toBe(empty.hash());
    expect(observe(other.store)).toEqual(observe(empty));
  });
});

describe("determinism", () => {
  test("two stores fed the same entries answer the same and hash the same", () => {
    const requests = workload(42, 250);
    const [a, b] = [new MvccStore(new Database(":memory:")), new MvccStore(new Database(":memory:"))];
    expect(applyAll(a, requests)).toEqual(applyAll(b, requests));
    expect(a.hash()).toBe(b.hash());
    expect(a.hash()).toMatch(/^[0-9a-f]{64}$/);
  });
  test("the hash tells apart stores that differ in one value, one lease TTL, or the compact revision", () => {
    const base = [put("a", "1"), put("a", "2"), { leaseGrant: { id: 1, ttlSeconds: 10 } }] as WriteRequest[];
    const hashOf = (...extra: WriteRequest[]) => {
      const h = new Harness();
      h.all(...base, ...extra);
      return h.store.hash();
    };
    const hashes = [
      hashOf(),
      hashOf(put("b", "x")),
      hashOf(put("b", "y")),
      hashOf({ compaction: { revision: 2 } }),
      hashOf({ leaseGrant: { id: 2, ttlSeconds: 10 } }),
      hashOf({ leaseGrant: { id: 2, ttlSeconds: 11 } }),
    ];
    expect(new Set(hashes).size).toBe(hashes.length);
  });
  test("the hash ignores the applied index (members compare at equal revisions)", () => {
    const [a, b] = [new Harness(), new Harness()];
    a.all(put("a", "1"));
    b.store.markApplied(7, 1);
    b.store.apply(8, 1, put("a", "1"));
    expect(a.store.hash()).toBe(b.store.hash());
  });
});

/** A plain model of etcd's MVCC: a list of versions, read by scanning. */
class Model {
  versions: { key: string; revision: number; version: number; create: number; value: string | undefined }[] = [];
  revision = 1;
  compact = 0;
  live(key: string, revision = this.revision) {
    const latest = this.versions.filter((v) => v.key === key && v.revision <= revision).at(-1);
    return latest?.value === undefined ? undefined : latest;
  }
  keys(revision: number): string[] {
    return [...new Set(this.versions.map((v) => v.key))].sort().filter((key) => this.live(key, revision) !== undefined);
  }
  put(key: string, value: string) {
    this.revision += 1;
    const previous = this.live(key);
    this.versions.push({ key, revision: this.revision, version: (previous?.version ?? 0) + 1, create: previous?.create ?? this.revision, value });
  }
  delete(from: string, to: string | undefined) {
    const victims = this.keys(this.revision).filter((key) => (to === undefined ? key === from : key >= from && key < to));
    if (victims.length === 0) return;
    this.revision += 1;
    for (const key of victims) this.versions.push({ key, revision: this.revision, version: 0, create: 0, value: undefined });
  }
}

test("model check: reads at every revision above the compact revision match a plain model (seeded)", () => {
  const pick = random(1234);
  const model = new Model();
  const h = new Harness();
  for (let step = 0; step < 400; step++) {
    const key = `k${pick(10)}`;
    const roll = pick(20);
    if (roll < 12) {
      h.all(put(key, `v${step}`));
      model.put(key, `v${step}`);
    } else if (roll < 17) {
      const to = pick(2) === 0 ? undefined : `k${pick(10)}`;
      h.all(del(key, to));
      model.delete(key, to);
    } else if (roll < 18 && model.revision > model.compact) {
      const revision = model.compact + 1 + pick(model.revision - model.compact);
      h.all({ compaction: { revision } });
      model.compact = revision;
    }
    if (step % 40 === 39) {
      for (let revision = Math.max(model.compact, 1); revision <= model.revision; revision++) {
        const expected = model.keys(revision).map((k) => {
          const v = model.live(k, revision);
          return [k, v?.create, v?.revision, v?.version, v?.value];
        });
        const actual = h.store
          .range({ key: all[0], rangeEnd: all[1], revision })
          .kvs.map((k) => [text(k.key), k.createRevision, k.modRevision, k.version, text(k.value)]);
        expect(actual, `revision ${revision}`).toEqual(expected);
      }
      h.store.verifyIntegrity();
    }
  }
  expect(h.store.currentRevision()).toBe(model.revision);
});
