// Txn: compares, branches, nesting, sub-revisions and the request checks. Every expected value is
// what a real etcd 3.4.23 answered through its JSON gateway (POST /v3/kv/txn) to the same
// sequence of requests on an empty store.
import { describe, expect, test } from "vitest";
import type { Compare } from "./types.js";
import {
  Harness,
  cmp,
  compacted,
  del,
  error,
  future,
  kv,
  put,
  rd,
  rp,
  rr,
  rt,
  showEvent,
  showResponse,
  showTxn,
  txn,
  txnOf,
} from "./test-support.js";

const duplicate = error("etcdserver: duplicate key given in txn request", 3);
const tooMany = error("etcdserver: too many operations in txn request", 3);
const emptyKey = error("etcdserver: key is not provided", 3);
const ranges = (n: number) => Array.from({ length: n }, (_, i) => rr(`k${i}`));

describe("compares: every target and result (checked against etcd 3.4)", () => {
  const h = new Harness();
  // a: create 2, mod 3, version 2, "20"; b: 4/4/1 "5"; l: 5/5/1 "x" on lease 77
  h.all(put("a", "10"), put("a", "20"), put("b", "5"), { leaseGrant: { id: 77, ttlSeconds: 100 } }, put("l", "x", { lease: 77 }));
  const cases: [string, Compare[], boolean][] = [
    ["version equal", [cmp("a", "VERSION", "EQUAL", 2)], true],
    ["version greater", [cmp("a", "VERSION", "GREATER", 2)], false],
    ["version less", [cmp("a", "VERSION", "LESS", 3)], true],
    ["version not equal", [cmp("a", "VERSION", "NOT_EQUAL", 2)], false],
    ["create equal", [cmp("a", "CREATE", "EQUAL", 2)], true],
    ["mod greater", [cmp("a", "MOD", "GREATER", 2)], true],
    ["mod less", [cmp("a", "MOD", "LESS", 3)], false],
    ["value equal", [cmp("a", "VALUE", "EQUAL", "20")], true],
    ["value greater (bytes)", [cmp("a", "VALUE", "GREATER", "1")], true],
    ["value less (bytes)", [cmp("a", "VALUE", "LESS", "3")], true],
    ["value less, prefix is smaller", [cmp("a", "VALUE", "LESS", "200")], true],
    ["lease equal", [cmp("l", "LEASE", "EQUAL", 77)], true],
    ["no lease equals 0", [cmp("a", "LEASE", "EQUAL", 0)], true],
    ["no lease is not greater than 0", [cmp("a", "LEASE", "GREATER", 0)], false],
    ["missing key: version 0", [cmp("missing", "VERSION", "EQUAL", 0)], true],
    ["missing key: create 0", [cmp("missing", "CREATE", "EQUAL", 0)], true],
    ["missing key: mod 0", [cmp("missing", "MOD", "LESS", 1)], true],
    ["missing key: lease 0", [cmp("missing", "LEASE", "EQUAL", 0)], true],
    ["missing key: any value compare fails, even not-equal", [cmp("missing", "VALUE", "NOT_EQUAL", "x")], false],
    ["missing key: value equal to empty fails", [cmp("missing", "VALUE", "EQUAL", "")], false],
    ["range: every key must pass", [cmp("a", "VERSION", "GREATER", 0, "c")], true],
    ["range: one key failing fails", [cmp("a", "VERSION", "GREATER", 1, "c")], false],
    ['range to "\\0"', [cmp("a", "VALUE", "GREATER", "", "\0")], true],
    ["empty range compares as a missing key", [cmp("x", "VERSION", "EQUAL", 0, "z")], true],
    ["empty range: value compare fails", [cmp("x", "VALUE", "EQUAL", "", "z")], false],
    ["all compares must hold", [cmp("a", "VERSION", "EQUAL", 2), cmp("b", "VERSION", "EQUAL", 2)], false],
    ["no compares: success", [], true],
    ["absent operand is 0", [cmp("a", "VERSION", "EQUAL", undefined)], false],
    ["absent value operand is empty", [cmp("a", "VALUE", "EQUAL", undefined)], false],
  ];
  test.each(cases)("%s", (_name, compares, succeeded) => {
    const { response, events } = h.apply(txn(compares));
    expect(response).toEqual({ txn: { revision: 5, succeeded, responses: [] } });
    expect(events).toEqual([]);
  });

  test("the chosen branch runs: success", () => {
    expect(h.run(txn([cmp("a", "VERSION", "EQUAL", 2)], [rr("a")], [rr("b")]))).toEqual({
      txn: { revision: 5, succeeded: true, responses: [{ range: { revision: 5, kvs: [kv("a", 2, 3, 2, "20")], more: false, count: 1 } }] },
    });
  });
  test("the chosen branch runs: failure", () => {
    expect(h.run(txn([cmp("a", "VERSION", "GREATER", 2)], [rr("a")], [rr("b")]))).toEqual({
      txn: { revision: 5, succeeded: false, responses: [{ range: { revision: 5, kvs: [kv("b", 4, 4, 1, "5")], more: false, count: 1 } }] },
    });
  });
  test("a compare with an empty key is refused", () => {
    expect(h.run(txn([cmp("", "VERSION", "EQUAL", 0)]))).toEqual(emptyKey);
  });
  test("no compare changed the revision", () => {
    expect(h.store.currentRevision()).toBe(5);
  });
});

describe("txn writes (checked against etcd 3.4)", () => {
  const h = new Harness();
  h.all(put("a", "1"), put("b", "2"));
  const a4 = kv("a", 2, 4, 2, "11");
  const c4 = kv("c", 4, 4, 1, "3");

  test("ops see the ones before them; all changes share one revision", () => {
    const { response, events } = h.apply(
      txn([cmp("a", "VALUE", "EQUAL", "1")], [rp("a", "11", { prevKv: true }), rp("c", "3"), rr("a"), rd("b", undefined, true), rr("\0", { end: "\0" })], [rp("x", "x")]),
    );
    expect(showResponse(response)).toEqual({
      txn: {
        revision: 4,
        succeeded: true,
        responses: [
          { put: { revision: 4, prevKv: kv("a", 2, 2, 1, "1") } },
          { put: { revision: 4 } },
          { range: { revision: 4, kvs: [a4], more: false, count: 1 } },
          { deleteRange: { revision: 4, deleted: 1, prevKvs: [kv("b", 3, 3, 1, "2")] } },
          { range: { revision: 4, kvs: [a4, c4], more: false, count: 2 } },
        ],
      },
    });
    expect(events.map(showEvent)).toEqual([
      { type: "PUT", kv: a4, prevKv: kv("a", 2, 2, 1, "1") },
      { type: "PUT", kv: c4 },
      { type: "DELETE", kv: { key: "b", mod: 4 }, prevKv: kv("b", 3, 3, 1, "2") },
    ]);
    expect(h.keys("\0", { end: "\0" })).toEqual(["a", "c"]);
  });

  test("a txn that deletes nothing keeps the revision", () => {
    expect(h.run(txn([], [rr("a"), rd("zzz"), rr("a")]))).toEqual({
      txn: {
        revision: 4,
        succeeded: true,
        responses: [
          { range: { revision: 4, kvs: [a4], more: false, count: 1 } },
          { deleteRange: { revision: 4, deleted: 0, prevKvs: [] } },
          { range: { revision: 4, kvs: [a4], more: false, count: 1 } },
        ],
      },
    });
  });

  test("sub-responses report the new revision only after the first change", () => {
    expect(h.run(txn([], [rd("zzz"), rp("q", "1"), rd("zzz"), rr("q", { revision: 4 }), rr("q")]))).toEqual({
      txn: {
        revision: 5,
        succeeded: true,
        responses: [
          { deleteRange: { revision: 4, deleted: 0, prevKvs: [] } },
          { put: { revision: 5 } },
          { deleteRange: { revision: 5, deleted: 0, prevKvs: [] } },
          { range: { revision: 5, kvs: [], more: false, count: 0 } },
          { range: { revision: 5, kvs: [kv("q", 5, 5, 1, "1")], more: false, count: 1 } },
        ],
      },
    });
  });

  test("nested txns: the failure branch, two levels, nested responses carry no revision", () => {
    const request = txn(
      [cmp("a", "VALUE", "EQUAL", "nope")],
      [rp("s", "s")],
      [rt([cmp("a", "VALUE", "EQUAL", "11")], [rp("n1", "1"), rt([], [rp("n2", "2")])], [rp("n3", "3")]), rp("f", "f"), rr("f")],
    );
    expect(h.run(request)).toEqual({
      txn: {
        revision: 6,
        succeeded: false,
        responses: [
          { txn: { revision: 0, succeeded: true, responses: [{ put: { revision: 6 } }, { txn: { revision: 0, succeeded: true, responses: [{ put: { revision: 6 } }] } }] } },
          { put: { revision: 6 } },
          { range: { revision: 6, kvs: [kv("f", 6, 6, 1, "f")], more: false, count: 1 } },
        ],
      },
    });
    expect(h.keys("\0", { end: "\0" })).toEqual(["a", "c", "f", "n1", "n2", "q"]);
  });

  test("a nested txn's compares see the state before the outer txn", () => {
    h.apply(txn([], [rp("pre", "1"), rt([cmp("pre", "VERSION", "EQUAL", 0)], [rp("saw-none", "1")], [rp("saw-put", "1")])]));
    expect(h.keys("saw", { end: "sax" })).toEqual(["saw-none"]);
  });

  test("a nested read-only txn", () => {
    expect(h.run(txn([], [rt([], [rr("a")])]))).toEqual({
      txn: { revision: 7, succeeded: true, responses: [{ txn: { revision: 0, succeeded: true, responses: [{ range: { revision: 7, kvs: [a4], more: false, count: 1 } }] } }] },
    });
    h.store.verifyIntegrity();
  });
});

describe("txn request checks (checked against etcd 3.4)", () => {
  const h = new Harness();
  h.all(put("a", "1"), put("b", "2"));
  const steps: [string, Parameters<typeof txn>, unknown][] = [
    ["put twice", [[], [rp("a", "1"), rp("a", "2")]], duplicate],
    ["same key in success and failure is fine", [[], [rp("a", "1")], [rp("a", "2")]], { txn: { revision: 4, succeeded: true, responses: [{ put: { revision: 4 } }] } }],
    ["put and delete", [[], [rp("a", "1"), rd("a")]], duplicate],
    [
      "delete twice is fine",
      [[], [rd("a"), rd("a")]],
      { txn: { revision: 5, succeeded: true, responses: [{ deleteRange: { revision: 5, deleted: 1, prevKvs: [] } }, { deleteRange: { revision: 5, deleted: 0, prevKvs: [] } }] } },
    ],
    ["put inside a deleted range", [[], [rp("b", "1"), rd("a", "c")]], duplicate],
    [
      'a delete to "\\0" overlaps nothing (etcd 3.4 takes the end literally): put then delete b in one revision',
      [[], [rp("b", "1"), rd("a", "\0")]],
      { txn: { revision: 6, succeeded: true, responses: [{ put: { revision: 6 } }, { deleteRange: { revision: 6, deleted: 1, prevKvs: [] } }] } },
    ],
    [
      'the same with "\\0".."\\0"',
      [[], [rp("b", "1"), rd("\0", "\0")]],
      { txn: { revision: 7, succeeded: true, responses: [{ put: { revision: 7 } }, { deleteRange: { revision: 7, deleted: 1, prevKvs: [] } }] } },
    ],
    ["put, then put in a nested txn", [[], [rp("a", "1"), rt([], [rp("a", "2")])]], duplicate],
    ["delete, then put in a nested txn", [[], [rd("a"), rt([], [rp("a", "2")])]], duplicate],
    ["put, then delete in a nested txn", [[], [rp("a", "1"), rt([], [rd("a")])]], duplicate],
    [
      "a nested txn may put a key in both branches",
      [[], [rt([], [rp("a", "1")], [rp("a", "2")])]],
      { txn: { revision: 8, succeeded: true, responses: [{ txn: { revision: 0, succeeded: true, responses: [{ put: { revision: 8 } }] } }] } },
    ],
    ["two nested txns putting one key", [[], [rt([], [rp("a", "1")]), rt([], [rp("a", "2")])]], duplicate],
    ["a nested failure branch and a later nested put", [[], [rt([], [rp("a", "1")], [rp("b", "2")]), rt([], [rp("b", "2")])]], duplicate],
    ["an earlier nested put and a later nested failure branch", [[], [rt([], [rp("a", "1")]), rt([], [rp("b", "1")], [rp("a", "2")])]], duplicate],
    ["two nested failure branches", [[], [rt([], [rp("a", "1")], [rp("b", "1")]), rt([], [rp("c", "1")], [rp("b", "2")])]], duplicate],
    ["nested delete, nested put", [[], [rt([], [rd("a")]), rt([], [rp("a", "2")])]], duplicate],
    ["nested delete, put", [[], [rt([], [rd("a")]), rp("a", "2")]], duplicate],
    ["ignore_value with a value", [[], [rp("x", "1"), rp("y", "1", { ignoreValue: true })]], error("etcdserver: value is provided", 3)],
    [
      "ignore_value keeps the value, prev_kv and a later range see it",
      [[], [rp("x", "1"), rp("a", "", { ignoreValue: true, prevKv: true }), rr("a")]],
      {
        txn: {
          revision: 9,
          succeeded: true,
          responses: [
            { put: { revision: 9 } },
            { put: { revision: 9, prevKv: kv("a", 8, 8, 1, "1") } },
            { range: { revision: 9, kvs: [kv("a", 8, 9, 2, "1")], more: false, count: 1 } },
          ],
        },
      },
    ],
    ["unknown lease on the chosen branch", [[], [rp("x", "1"), rp("y", "1", { lease: 123 })]], error("etcdserver: requested lease not found", 5)],
    ["unknown lease on the other branch is fine", [[], [rp("x", "1")], [rp("y", "1", { lease: 123 })]], { txn: { revision: 10, succeeded: true, responses: [{ put: { revision: 10 } }] } }],
    ["future revision in a txn range", [[], [rp("z", "1"), rr("a", { revision: 100 })]], future],
    [
      "a txn range in the past",
      [[], [rp("z", "1"), rr("a", { revision: 7 })]],
      { txn: { revision: 11, succeeded: true, responses: [{ put: { revision: 11 } }, { range: { revision: 11, kvs: [], more: false, count: 0 } }] } },
    ],
    ["empty key in a put", [[], [rp("", "1")]], emptyKey],
    ["empty key in a range", [[], [rr("")]], emptyKey],
    ["129 ops", [[], ranges(129)], tooMany],
    ["129 compares", [Array.from({ length: 129 }, (_, i) => cmp(`k${i}`, "VERSION", "EQUAL", 0))], tooMany],
    ["a nested txn gets what its parent left: 129 > 127", [[], [rt([], ranges(129))]], tooMany],
    ["three nested txns of 126 > 125", [[], [rt([], ranges(126)), rt([], ranges(126)), rt([], ranges(126))]], tooMany],
  ];
  test.each(steps)("%s", (_name, args, expected) => {
    expect(h.run(txn(...args))).toEqual(expected);
  });
  test("128 ops, and 127 in a nested txn, are allowed", () => {
    expect(h.run(txn([], ranges(128)))).toMatchObject({ txn: { revision: 11, succeeded: true } });
    expect(h.run(txn([], [rt([], ranges(127))]))).toMatchObject({ txn: { revision: 11, succeeded: true } });
  });
  test("the refused txns changed nothing", () => {
    expect(h.range("\0", { end: "\0" })).toEqual({
      revision: 11,
      kvs: [kv("a", 8, 9, 2, "1"), kv("x", 9, 10, 2, "1"), kv("z", 11, 11, 1, "1")],
      more: false,
      count: 3,
    });
    h.store.verifyIntegrity();
  });
});

describe("one key changed twice in one revision (checked against etcd 3.4)", () => {
  test("put then delete, delete then put: history, events and prevKv as etcd's watch reports them", () => {
    const h = new Harness();
    h.all(put("b", "0"));
    expect(h.run(txn([], [rp("b", "1"), rd("a", "\0", true)]))).toEqual({
      txn: { revision: 3, succeeded: true, responses: [{ put: { revision: 3 } }, { deleteRange: { revision: 3, deleted: 1, prevKvs: [kv("b", 2, 3, 2, "1")] } }] },
    });
    expect(h.run(txn([], [rd("\0", "\0"), rp("b", "2")]))).toEqual({
      txn: { revision: 4, succeeded: true, responses: [{ deleteRange: { revision: 3, deleted: 0, prevKvs: [] } }, { put: { revision: 4 } }] },
    });
    expect(h.range("b")).toMatchObject({ kvs: [kv("b", 4, 4, 1, "2")] });
    expect(h.range("b", { revision: 3 })).toMatchObject({ kvs: [], count: 0 });
    // etcd's watch takes prevKv at modRevision - 1: the DELETE at 3 reports b as of revision 2
    expect(h.store.eventsSince(2, new TextEncoder().encode("\0"), new TextEncoder().encode("\0"), true, 100).events.map(showEvent)).toEqual([
      { type: "PUT", kv: kv("b", 2, 2, 1, "0") },
      { type: "PUT", kv: kv("b", 2, 3, 2, "1"), prevKv: kv("b", 2, 2, 1, "0") },
      { type: "DELETE", kv: { key: "b", mod: 3 }, prevKv: kv("b", 2, 2, 1, "0") },
      { type: "PUT", kv: kv("b", 4, 4, 1, "2") },
    ]);
    h.store.verifyIntegrity();
  });

  test("apply's events report prevKv the same way", () => {
    const h = new Harness();
    h.all(put("b", "0"));
    const { events } = h.apply(txn([], [rp("b", "1"), rd("a", "\0")]));
    expect(events.map(showEvent)).toEqual([
      { type: "PUT", kv: kv("b", 2, 3, 2, "1"), prevKv: kv("b", 2, 2, 1, "0") },
      { type: "DELETE", kv: { key: "b", mod: 3 }, prevKv: kv("b", 2, 2, 1, "0") },
    ]);
  });
});

describe("txn range revisions (checked against etcd 3.4)", () => {
  test("a negative revision is current for a lone range but compacted inside a txn", () => {
    const h = new Harness();
    h.all(put("a", "1"));
    expect(h.run(txn([], [rr("a", { revision: -5 })]))).toEqual(compacted);
    expect(h.range("a", { revision: -5 })).toMatchObject({ kvs: [kv("a", 2, 2, 1, "1")] });
    h.all({ compaction: { revision: 2 } });
    expect(h.run(txn([], [rr("a", { revision: -1 })]))).toEqual(compacted);
    expect(h.run(txn([], [rr("a", { revision: 2 })]))).toMatchObject({ txn: { responses: [{ range: { kvs: [kv("a", 2, 2, 1, "1")] } }] } });
  });
});

describe("readTxn: read-only txns without a Raft entry", () => {
  test("answers like an applied txn and leaves the applied index alone", () => {
    const h = new Harness();
    h.all(put("a", "1"));
    const request = txnOf([cmp("a", "VERSION", "EQUAL", 1)], [rr("a")], [rr("b")]);
    const read = showTxn(h.store.readTxn(request));
    expect(read).toEqual({ revision: 2, succeeded: true, responses: [{ range: { revision: 2, kvs: [kv("a", 2, 2, 1, "1")], more: false, count: 1 } }] });
    expect(h.store.appliedIndex()).toBe(1);
    expect(h.run({ txn: request })).toEqual({ txn: read });
  });
  test("refuses writes, and throws etcd's errors", () => {
    const h = new Harness();
    expect(() => h.store.readTxn(txnOf([], [rp("a", "1")]))).toThrow("must be proposed");
    expect(() => h.store.readTxn(txnOf([], [rt([], [rr("a")])]))).toThrow("must be proposed");
    expect(() => h.store.readTxn(txnOf([], [rr("a", { revision: 5 })]))).toThrow("future revision");
    expect(() => h.store.readTxn(txnOf([], [rr("")]))).toThrow("key is not provided");
  });
});

test("a refused txn emits no events and leaves the revision", () => {
  const h = new Harness();
  h.all(put("a", "1"));
  const { response, events } = h.apply(txn([], [rp("x", "1"), rp("a", "2"), rp("a", "3")]));
  expect(response).toMatchObject({ code: 3 });
  expect(events).toEqual([]);
  expect(h.store.currentRevision()).toBe(2);
  expect(h.store.appliedIndex()).toBe(2);
  expect(h.run(del("x"))).toMatchObject({ deleteRange: { deleted: 0 } });
});
