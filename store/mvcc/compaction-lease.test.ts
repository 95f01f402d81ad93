// Compaction and leases. Every expected value is what a real etcd 3.4.23 answered through its JSON
// gateway (POST /v3/kv/compaction, /v3/lease/*) to the same requests on an empty store, except
// where a comment says the behaviour is kube-lite's own.
import { describe, expect, test } from "vitest";
import {
  Harness,
  bytes,
  compacted,
  del,
  error,
  future,
  kv,
  put,
  rp,
  showEvent,
  text,
  txn,
  rr,
} from "./test-support.js";

const compact = (revision: number, physical?: boolean) => ({ compaction: { revision, ...(physical === undefined ? {} : { physical }) } });
const grant = (id: number, ttlSeconds: number) => ({ leaseGrant: { id, ttlSeconds } });
const revoke = (id: number) => ({ leaseRevoke: { id } });
const leaseNotFound = error("etcdserver: requested lease not found", 5);
const keyNotFound = error("etcdserver: key not found", 3);

describe("compaction on a fresh store (checked against etcd 3.4)", () => {
  test("compacting at 0 works once, at 1 once, at 2 is the future", () => {
    const h = new Harness();
    expect(h.run(compact(0))).toEqual({ compaction: { revision: 1 } });
    expect(h.run(compact(0))).toEqual(compacted);
    expect(h.run(compact(1))).toEqual({ compaction: { revision: 1 } });
    expect(h.run(compact(1))).toEqual(compacted);
    expect(h.run(compact(2))).toEqual(future);
    expect(h.range("\0", { end: "\0" })).toEqual({ revision: 1, kvs: [], more: false, count: 0 });
    expect(h.store.compactRevision()).toBe(1);
  });
  test("reads at the compact revision work; a negative compaction is compacted", () => {
    const h = new Harness();
    expect(h.store.compactRevision()).toBe(0);
    expect(h.run(compact(1))).toEqual({ compaction: { revision: 1 } });
    expect(h.range("\0", { end: "\0", revision: 1 })).toEqual({ revision: 1, kvs: [], more: false, count: 0 });
    expect(h.run(compact(-1))).toEqual(compacted);
  });
});

describe("compaction (checked against etcd 3.4)", () => {
  const h = new Harness();
  // a: 1 (2), 2 (3), 3 (7); b: 1 (4), deleted (5), 2 (8); c: 1 (6)
  h.all(put("a", "1"), put("a", "2"), put("b", "1"), del("b"), put("c", "1"), put("a", "3"), put("b", "2"));
  const now = [kv("a", 2, 7, 3, "3"), kv("b", 8, 8, 1, "2"), kv("c", 6, 6, 1, "1")];
  const steps: [string, () => unknown, unknown][] = [
    ["compact at the deletion of b", () => h.run(compact(5)), { compaction: { revision: 8 } }],
    ["below the compact revision", () => h.range("\0", { end: "\0", revision: 4 }), compacted],
    ["at the compact revision", () => h.range("\0", { end: "\0", revision: 5 }), { revision: 8, kvs: [kv("a", 2, 3, 2, "2")], more: false, count: 1 }],
    [
      "above it",
      () => h.range("\0", { end: "\0", revision: 6 }),
      { revision: 8, kvs: [kv("a", 2, 3, 2, "2"), kv("c", 6, 6, 1, "1")], more: false, count: 2 },
    ],
    ["now", () => h.range("\0", { end: "\0" }), { revision: 8, kvs: now, more: false, count: 3 }],
    ["one key at the compact revision", () => h.range("a", { revision: 5 }), { revision: 8, kvs: [kv("a", 2, 3, 2, "2")], more: false, count: 1 }],
    ["a key deleted at the compact revision", () => h.range("b", { revision: 5 }), { revision: 8, kvs: [], more: false, count: 0 }],
    ["compacting again at the same revision", () => h.run(compact(5)), compacted],
    ["compacting lower", () => h.run(compact(4)), compacted],
    ["compacting in the future", () => h.run(compact(9)), future],
    ["compacting at the current revision (physical)", () => h.run(compact(8, true)), { compaction: { revision: 8 } }],
    ["reads at it still work", () => h.range("\0", { end: "\0", revision: 8 }), { revision: 8, kvs: now, more: false, count: 3 }],
    ["below it no more", () => h.range("\0", { end: "\0", revision: 7 }), compacted],
    ["a later put", () => h.run(put("d", "1")), { put: { revision: 9 } }],
    ["reads at the compact revision after it", () => h.range("\0", { end: "\0", revision: 8 }), { revision: 9, kvs: now, more: false, count: 3 }],
    ["a txn range below it", () => h.run(txn([], [rr("a", { revision: 7 })])), compacted],
    [
      "a txn range at it",
      () => h.run(txn([], [rr("a", { revision: 8 })])),
      { txn: { revision: 9, succeeded: true, responses: [{ range: { revision: 9, kvs: [now[0]], more: false, count: 1 } }] } },
    ],
    ["a txn that writes then reads below it changes nothing", () => h.run(txn([], [rp("q", "1"), rr("a", { revision: 7 })])), compacted],
  ];
  test.each(steps)("%s", (_name, step, expected) => {
    expect(step()).toEqual(expected);
  });
  test("only the latest version at or below the compact revision survives, tombstones never (kube-lite storage)", () => {
    const rows = h.db.prepare("SELECT key, mod_revision FROM mvcc_kv ORDER BY key, mod_revision").raw().all() as [Buffer, number][];
    expect(rows.map(([key, revision]) => `${text(key)}@${revision}`)).toEqual(["a@7", "b@8", "c@6", "d@9"]);
    expect(h.store.currentRevision()).toBe(9);
    expect(h.store.compactRevision()).toBe(8);
    h.store.verifyIntegrity();
  });
});

test("compaction keeps history above the compact revision intact (kube-lite)", () => {
  const h = new Harness();
  for (let i = 0; i < 20; i++) h.all(put(`k${i % 3}`, String(i)));
  h.all(del("k1"));
  const before = [12, 15, 18, 21, 22].map((revision) => h.range("\0", { end: "\0", revision }));
  const eventsBefore = h.store.eventsSince(12, bytes("\0"), bytes("\0"), true, 100).events.map(showEvent);
  h.all(compact(11));
  expect([12, 15, 18, 21, 22].map((revision) => h.range("\0", { end: "\0", revision }))).toEqual(before);
  expect(h.store.eventsSince(12, bytes("\0"), bytes("\0"), true, 100).events.map(showEvent)).toEqual(eventsBefore);
  h.all(compact(22));
  expect(h.range("\0", { end: "\0", revision: 22 })).toEqual(before[4]);
  expect(h.db.prepare("SELECT COUNT(*) FROM mvcc_kv").pluck().get()).toBe(2);
  h.store.verifyIntegrity();
});

describe("leases (checked against etcd 3.4)", () => {
  const h = new Harness();
  const steps: [string, () => unknown, unknown][] = [
    ["grant", () => h.run(grant(100, 60)), { leaseGrant: { revision: 1, id: 100, ttlSeconds: 60 } }],
    ["grant an existing ID", () => h.run(grant(100, 60)), error("etcdserver: lease already exists", 9)],
    ["a short TTL is raised to the minimum (2 s)", () => h.run(grant(101, 1)), { leaseGrant: { revision: 1, id: 101, ttlSeconds: 2 } }],
    ["a TTL above MaxLeaseTTL", () => h.run(grant(102, 9_000_000_001)), error("etcdserver: too large lease TTL", 11)],
    ["TTL 0", () => h.run(grant(103, 0)), { leaseGrant: { revision: 1, id: 103, ttlSeconds: 2 } }],
    ["negative TTL", () => h.run(grant(104, -5)), { leaseGrant: { revision: 1, id: 104, ttlSeconds: 2 } }],
    ["attach a", () => h.run(put("a", "1", { lease: 100 })), { put: { revision: 2 } }],
    ["attach b", () => h.run(put("b", "1", { lease: 100 })), { put: { revision: 3 } }],
    ["attach c", () => h.run(put("c", "1", { lease: 100 })), { put: { revision: 4 } }],
    ["an unknown lease", () => h.run(put("d", "1", { lease: 999 })), leaseNotFound],
    ["move c to another lease", () => h.run(put("c", "2", { lease: 101 })), { put: { revision: 5 } }],
    ["ignore_lease keeps b on its lease", () => h.run(put("b", "2", { ignoreLease: true })), { put: { revision: 6 } }],
    ["ignore_lease with a lease", () => h.run(put("b", "x", { ignoreLease: true, lease: 101 })), error("etcdserver: lease is provided", 3)],
    ["ignore_lease on a missing key", () => h.run(put("zz", "", { ignoreLease: true })), keyNotFound],
    ["ignore_value on a missing key", () => h.run(put("zz", "", { ignoreValue: true })), keyNotFound],
    ["a lone put checks the lease before the key", () => h.run(put("zz", "", { ignoreValue: true, lease: 999 })), leaseNotFound],
    ["a txn's put checks the key before the lease", () => h.run(txn([], [rp("zz", "", { ignoreValue: true, lease: 999 })])), keyNotFound],
    ["ignore_value keeps the value and moves a", () => h.run(put("a", "", { ignoreValue: true, lease: 101 })), { put: { revision: 7 } }],
    ["lease 100 keys", () => h.store.lease(100)?.keys.map(text), ["b"]],
    ["lease 101 keys (kube-lite sorts them)", () => h.store.lease(101)?.keys.map(text), ["a", "c"]],
    ["leases (kube-lite sorts them)", () => h.store.leases().map((l) => [l.id, l.ttlSeconds]), [[100, 60], [101, 2], [103, 2], [104, 2]]],
    ["attach e", () => h.run(put("e", "1", { lease: 100 })), { put: { revision: 8 } }],
    ["deleting e detaches it", () => h.run(del("e")), { deleteRange: { revision: 9, deleted: 1, prevKvs: [] } }],
    ["lease 100 keys again", () => h.store.lease(100)?.keys.map(text), ["b"]],
    ["attach f", () => h.run(put("f", "1", { lease: 100 })), { put: { revision: 10 } }],
    ["attach g", () => h.run(put("g", "1", { lease: 100 })), { put: { revision: 11 } }],
  ];
  test.each(steps)("%s", (_name, step, expected) => {
    expect(step()).toEqual(expected);
  });
  test("revoke deletes every attached key, in key order, in one revision", () => {
    const { response, events } = h.apply(revoke(100));
    expect(response).toEqual({ leaseRevoke: { revision: 12 } });
    expect(events.map(showEvent)).toEqual([
      { type: "DELETE", kv: { key: "b", mod: 12 }, prevKv: kv("b", 3, 6, 2, "2", 100) },
      { type: "DELETE", kv: { key: "f", mod: 12 }, prevKv: kv("f", 10, 10, 1, "1", 100) },
      { type: "DELETE", kv: { key: "g", mod: 12 }, prevKv: kv("g", 11, 11, 1, "1", 100) },
    ]);
    expect(h.run(revoke(100))).toEqual(leaseNotFound);
    expect(h.store.lease(100)).toBeUndefined();
    expect(h.range("\0", { end: "\0" })).toEqual({
      revision: 12,
      kvs: [kv("a", 2, 7, 2, "1", 101), kv("c", 4, 5, 2, "2", 101)],
      more: false,
      count: 2,
    });
  });
  test("revoking an unknown lease fails; a lease without keys revokes without a revision", () => {
    expect(h.run(revoke(102))).toEqual(leaseNotFound);
    expect(h.apply(revoke(103))).toEqual({ response: { leaseRevoke: { revision: 12 } }, events: [] });
  });
  test("ID 0 is refused (kube-lite: the proposing member picks the ID, etcd's server does it before Raft)", () => {
    expect(h.run(grant(0, 60))).toEqual(leaseNotFound);
  });
  test("txn puts with leases", () => {
    expect(h.run(txn([], [rp("i", "1", { lease: 101 }), rp("j", "1", { ignoreLease: true })]))).toEqual(keyNotFound);
    expect(h.run(txn([], [rp("i", "1", { lease: 101 }), rp("a", "1", { ignoreLease: true })]))).toEqual({
      txn: { revision: 13, succeeded: true, responses: [{ put: { revision: 13 } }, { put: { revision: 13 } }] },
    });
    expect(h.store.lease(101)?.keys.map(text)).toEqual(["a", "c", "i"]);
    h.store.verifyIntegrity();
  });
});

test("the minimum lease TTL is an option (kube-lite)", () => {
  const h = new Harness({ leaseTtlSecondsMin: 5 });
  expect(h.run(grant(1, 3))).toEqual({ leaseGrant: { revision: 1, id: 1, ttlSeconds: 5 } });
  expect(h.run(grant(2, 30))).toEqual({ leaseGrant: { revision: 1, id: 2, ttlSeconds: 30 } });
});
