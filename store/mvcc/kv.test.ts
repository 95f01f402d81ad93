// Put, delete, range: every expected value below is what a real etcd 3.4.23 answered through its
// JSON gateway (POST /v3/kv/*) to the same sequence of requests on an empty store.
import { describe, expect, test } from "vitest";
import { prefixRangeEnd } from "./bytes.js";
import { Harness, compacted, del, error, future, kv, put, showEvent, text } from "./test-support.js";

describe("revision, version and create bookkeeping (checked against etcd 3.4)", () => {
  const h = new Harness();
  const steps: [string, () => unknown, unknown][] = [
    ["empty store is at revision 1", () => h.range("a"), { revision: 1, kvs: [], more: false, count: 0 }],
    ["first put creates revision 2", () => h.run(put("a", "1")), { put: { revision: 2 } }],
    [
      "overwrite bumps version, keeps create, returns prev_kv",
      () => h.run(put("a", "2", { prevKv: true })),
      { put: { revision: 3, prevKv: kv("a", 2, 2, 1, "1") } },
    ],
    ["another key", () => h.run(put("b", "x")), { put: { revision: 4 } }],
    [
      "delete returns prev_kvs",
      () => h.run(del("a", undefined, true)),
      { deleteRange: { revision: 5, deleted: 1, prevKvs: [kv("a", 2, 3, 2, "2")] } },
    ],
    ["deleting a deleted key does not bump the revision", () => h.run(del("a", undefined, true)), { deleteRange: { revision: 5, deleted: 0, prevKvs: [] } }],
    ["deleting a missing key does not either", () => h.run(del("zz")), { deleteRange: { revision: 5, deleted: 0, prevKvs: [] } }],
    ["re-put after delete: no prev_kv", () => h.run(put("a", "3", { prevKv: true })), { put: { revision: 6 } }],
    ["re-created key starts over at version 1", () => h.range("a"), { revision: 6, kvs: [kv("a", 6, 6, 1, "3")], more: false, count: 1 }],
    ["untouched key", () => h.range("b"), { revision: 6, kvs: [kv("b", 4, 4, 1, "x")], more: false, count: 1 }],
    ["read in the past", () => h.range("a", { revision: 3 }), { revision: 6, kvs: [kv("a", 2, 3, 2, "2")], more: false, count: 1 }],
    ["read at the deletion", () => h.range("a", { revision: 5 }), { revision: 6, kvs: [], more: false, count: 0 }],
    ["read at the current revision", () => h.range("a", { revision: 6 }), { revision: 6, kvs: [kv("a", 6, 6, 1, "3")], more: false, count: 1 }],
    ["read in the future", () => h.range("a", { revision: 7 }), future],
    ["negative revision means current", () => h.range("a", { revision: -1 }), { revision: 6, kvs: [kv("a", 6, 6, 1, "3")], more: false, count: 1 }],
    ["empty key put", () => h.run(put("", "x")), error("etcdserver: key is not provided", 3)],
    ["empty key range", () => h.range(""), error("etcdserver: key is not provided", 3)],
    ["empty key delete", () => h.run(del("")), error("etcdserver: key is not provided", 3)],
    ["same value still bumps the revision", () => h.run(put("a", "3")), { put: { revision: 7 } }],
    ["empty value", () => h.run(put("e", "")), { put: { revision: 8 } }],
    ["empty value reads back empty", () => h.range("e"), { revision: 8, kvs: [kv("e", 8, 8, 1)], more: false, count: 1 }],
  ];
  test.each(steps)("%s", (_name, step, expected) => {
    expect(step()).toEqual(expected);
  });
  test("the failed requests still advanced the applied index", () => {
    expect(h.store.appliedIndex()).toBe(h.index);
    h.store.verifyIntegrity();
  });
});

describe("range variants (checked against etcd 3.4)", () => {
  const h = new Harness();
  // a:5 (rev 2), b:4 → 44 → 444 (3, 7, 8), c:3 (4), d:2 → 22 (5, 9), e:1 (6)
  h.all(put("a", "5"), put("b", "4"), put("c", "3"), put("d", "2"), put("e", "1"), put("b", "44"), put("b", "444"), put("d", "22"));
  const a = kv("a", 2, 2, 1, "5");
  const b = kv("b", 3, 8, 3, "444");
  const c = kv("c", 4, 4, 1, "3");
  const d = kv("d", 5, 9, 2, "22");
  const e = kv("e", 6, 6, 1, "1");
  const all = [a, b, c, d, e];
  const ok = (kvs: unknown[], count = 5, more = false) => ({ revision: 9, kvs, more, count });
  const cases: [string, string, Parameters<Harness["range"]>[1], unknown][] = [
    ["[a, d)", "a", { end: "d" }, ok([a, b, c], 3)],
    ['key "\\0", end "\\0": everything', "\0", { end: "\0" }, ok(all)],
    ['end "\\0": every key from c', "c", { end: "\0" }, ok([c, d, e], 3)],
    ["empty end: the single key", "a", { end: "" }, ok([a], 1)],
    ["end before key: nothing", "d", { end: "b" }, ok([], 0)],
    ["limit sets more, count is the whole range", "a", { end: "z", limit: 2 }, ok([a, b], 5, true)],
    ["limit = count: no more", "a", { end: "z", limit: 5 }, ok(all)],
    ["limit above count", "a", { end: "z", limit: 6 }, ok(all)],
    ["negative limit: none", "a", { end: "z", limit: -1 }, ok(all)],
    ["sort key descending with limit", "a", { end: "z", sortOrder: "DESCEND", sortTarget: "KEY", limit: 2 }, ok([e, d], 5, true)],
    ["sort version descending, ties in key order", "a", { end: "z", sortOrder: "DESCEND", sortTarget: "VERSION" }, ok([b, d, a, c, e])],
    ["sort version ascending", "a", { end: "z", sortOrder: "ASCEND", sortTarget: "VERSION" }, ok([a, c, e, d, b])],
    ["target without order sorts ascending", "a", { end: "z", sortTarget: "VERSION" }, ok([a, c, e, d, b])],
    ["sort value ascending (bytes)", "a", { end: "z", sortOrder: "ASCEND", sortTarget: "VALUE" }, ok([e, d, c, b, a])],
    ["sort create descending", "a", { end: "z", sortOrder: "DESCEND", sortTarget: "CREATE" }, ok([e, d, c, b, a])],
    ["sort mod descending with limit", "a", { end: "z", sortOrder: "DESCEND", sortTarget: "MOD", limit: 3 }, ok([d, b, e], 5, true)],
    [
      "keys only",
      "a",
      { end: "z", keysOnly: true, limit: 1 },
      ok([{ key: "a", create: 2, mod: 2, version: 1 }], 5, true),
    ],
    ["count only", "a", { end: "z", countOnly: true }, ok([], 5)],
    ["count only ignores limit", "a", { end: "z", countOnly: true, limit: 1 }, ok([], 5)],
    ["count only ignores the revision filters", "a", { end: "z", countOnly: true, minModRevision: 8 }, ok([], 5)],
    ["min mod with limit 1: more, count before filtering", "a", { end: "z", minModRevision: 6, limit: 1 }, ok([b], 5, true)],
    ["min mod with limit 2: still more (e)", "a", { end: "z", minModRevision: 6, limit: 2 }, ok([b, d], 5, true)],
    ["max mod", "a", { end: "z", maxModRevision: 5 }, ok([a, c])],
    ["min and max create", "a", { end: "z", minCreateRevision: 3, maxCreateRevision: 4 }, ok([b, c])],
    ["in the past", "a", { end: "z", revision: 4 }, ok([a, kv("b", 3, 3, 1, "4"), c], 3)],
    [
      "in the past, sorted by value descending, limited",
      "a",
      { end: "z", revision: 7, sortOrder: "DESCEND", sortTarget: "VALUE", limit: 2 },
      ok([a, kv("b", 3, 7, 2, "44")], 5, true),
    ],
    ["at revision 1: nothing yet", "a", { end: "z", revision: 1 }, ok([], 0)],
    ["future revision", "a", { end: "z", revision: 10 }, future],
  ];
  test.each(cases)("%s", (_name, key, options, expected) => {
    expect(h.range(key, options)).toEqual(expected);
  });

  test("keys only leaves the value out even when sorting by it", () => {
    expect(h.keys("a", { end: "z", keysOnly: true, sortOrder: "DESCEND", sortTarget: "VALUE" })).toEqual(["a", "b", "c", "d", "e"]);
    const response = h.store.range({ key: new TextEncoder().encode("a"), rangeEnd: new TextEncoder().encode("z"), keysOnly: true });
    expect(response.kvs.every((kv) => kv.value.length === 0)).toBe(true);
  });

  test("keys compare as raw bytes, not as text", () => {
    const g = new Harness();
    const k = (...data: number[]) => new Uint8Array(data);
    for (const key of [k(0x61, 0xff), k(0x61), k(0x61, 0x00), k(0xc3, 0xa9), k(0x7a)]) {
      g.store.apply(++g.index, 1, { put: { key, value: k() } });
    }
    const keys = g.store.range({ key: k(0), rangeEnd: k(0) }).kvs.map((kv) => Array.from(kv.key));
    expect(keys).toEqual([[0x61], [0x61, 0x00], [0x61, 0xff], [0x7a], [0xc3, 0xa9]]);
    expect(g.store.range({ key: k(0x61), rangeEnd: k(0x61, 0xff) }).count).toBe(2);
  });
});

describe("delete range (checked against etcd 3.4)", () => {
  test("a range delete is one revision, prev_kvs in key order, events in key order", () => {
    const h = new Harness();
    h.all(put("a", "1"), put("b", "2"), put("c", "3"), put("d", "4"));
    const { response, events } = h.apply(del("b", "\0", true));
    expect(response).toMatchObject({ deleteRange: { revision: 6, deleted: 3 } });
    expect(events.map(showEvent)).toEqual(
      ["b", "c", "d"].map((key, i) => ({
        type: "DELETE",
        kv: { key, mod: 6 },
        prevKv: kv(key, 3 + i, 3 + i, 1, String(2 + i)),
      })),
    );
    expect(h.keys("\0", { end: "\0" })).toEqual(["a"]);
    expect(h.run(del("\0", "\0"))).toEqual({ deleteRange: { revision: 7, deleted: 1, prevKvs: [] } });
    expect(h.range("a", { revision: 5 })).toMatchObject({ kvs: [kv("a", 2, 2, 1, "1")] });
    h.store.verifyIntegrity();
  });

  test("compacted reads stay refused after a delete", () => {
    const h = new Harness();
    h.all(put("a", "1"), put("a", "2"), { compaction: { revision: 3 } }, del("a"));
    expect(h.range("a", { revision: 2 })).toEqual(compacted);
    expect(h.range("a", { revision: 3 })).toMatchObject({ kvs: [kv("a", 2, 3, 2, "2")] });
  });
});

describe("prefixRangeEnd (clientv3's GetPrefixRangeEnd)", () => {
  test.each([
    [[0x61], [0x62]],
    [[0x61, 0xff], [0x62]],
    [[0x61, 0x62, 0xff, 0xff], [0x61, 0x63]],
    [[0xff, 0xff], [0x00]],
    [[], [0x00]],
  ])("%j → %j", (prefix, end) => {
    expect(Array.from(prefixRangeEnd(new Uint8Array(prefix)))).toEqual(end);
  });
  test("selects exactly the prefixed keys", () => {
    const h = new Harness();
    h.all(put("/registry/pods/a", "1"), put("/registry/pods/b", "1"), put("/registry/pods0", "1"), put("/registry/pod", "1"));
    const prefix = new TextEncoder().encode("/registry/pods/");
    expect(h.store.range({ key: prefix, rangeEnd: prefixRangeEnd(prefix) }).kvs.map((k) => text(k.key))).toEqual(["/registry/pods/a", "/registry/pods/b"]);
  });
});
