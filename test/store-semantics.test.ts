// KV, txn, compaction, watch and lease semantics of the store, as seen through its etcd v3 JSON
// gateway: ONE suite, TWO targets. Every expected value below is what real etcd 3.4 answers;
// kube-lite's store must answer the same.
//
// Against kube-lite's own store (the default; skipped until test/support/store-cluster.ts
// exists):
//   npx vitest run test/store-semantics.test.ts
//
// Against real etcd 3.4, the reference (a 3-member cluster, nobody else writing to it):
//   apt-get install -y etcd-server etcd-client
//   for i in 1 2 3; do
//     etcd --name e$i --data-dir /tmp/etcd-kl/e$i \
//       --listen-client-urls http://127.0.0.1:2379$i --advertise-client-urls http://127.0.0.1:2379$i \
//       --listen-peer-urls http://127.0.0.1:2380$i --initial-advertise-peer-urls http://127.0.0.1:2380$i \
//       --initial-cluster e1=http://127.0.0.1:23801,e2=http://127.0.0.1:23802,e3=http://127.0.0.1:23803 \
//       --initial-cluster-state new --initial-cluster-token kl-test > /tmp/etcd-kl/e$i.log 2>&1 &
//   done
//   ETCD_ENDPOINTS=http://127.0.0.1:23791,http://127.0.0.1:23792,http://127.0.0.1:23793 \
//     npx vitest run test/store-semantics.test.ts
//   kill %1 %2 %3   # or the PIDs; rm -rf /tmp/etcd-kl
// or let the suite start and stop a throwaway etcd cluster on free ports itself:
//   ETCD_ENDPOINTS=spawn npx vitest run test/store-semantics.test.ts
//
// Each run writes under its own key prefix, so it can run again and again against one
// long-lived etcd. Compaction is cluster-wide: tests only read history they wrote after it.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  bytesToText,
  EtcdErrorMessage,
  encodeBase64,
  fromKeyRangeEnd,
  prefixRangeEnd,
  StoreClient,
  StoreError,
  WatchCompactedError,
  type KeyValue,
  type RangeResult,
  type ResponseOp,
} from "../store/client/index.js";
import { RawWatchStream, type WatchLine } from "./support/watch-stream.js";

type StartCluster = (options: { members: number }) => Promise<{ endpoints: string[]; stop(): Promise<void> }>;

const etcdEndpointsSetting = process.env.ETCD_ENDPOINTS?.trim() ?? "";
const storeClusterHelper = path.join(import.meta.dirname, "support", "store-cluster.ts");
const targetName =
  etcdEndpointsSetting !== "" ? "real etcd" : existsSync(storeClusterHelper) ? "kube-lite's store" : undefined;
const suiteTitle =
  targetName === undefined
    ? "store semantics (SKIPPED: ETCD_ENDPOINTS is not set and test/support/store-cluster.ts does not exist yet)"
    : `store semantics against ${targetName}`;

/** Starts (or connects to) the cluster under test. */
async function startTarget(): Promise<{ endpoints: string[]; stop(): Promise<void> }> {
  if (etcdEndpointsSetting === "spawn") {
    const { startEtcdCluster } = await import("./support/etcd.js");
    return startEtcdCluster({ members: 3 });
  }
  if (etcdEndpointsSetting !== "") {
    return { endpoints: etcdEndpointsSetting.split(",").map((e) => e.trim()), stop: async () => {} };
  }
  // A variable specifier: the helper may not exist when this file is type-checked.
  const specifier = "./support/store-cluster.js";
  const helper = (await import(specifier)) as { startStoreCluster?: unknown };
  if (typeof helper.startStoreCluster !== "function") throw new Error("test/support/store-cluster.ts must export startStoreCluster");
  return (helper.startStoreCluster as StartCluster)({ members: 3 });
}

const run = `/kube-lite-semantics/${Date.now().toString(36)}-${randomBytes(3).toString("hex")}/`;
/** Keys of one test: `<run>/<test>/<name>`. */
const under = (test: string) => (name = "") => `${run}${test}/${name}`;
const text = (bytes: Uint8Array) => bytesToText(bytes);
const keys = (kvs: KeyValue[]) => kvs.map((kv) => text(kv.key));
const values = (kvs: KeyValue[]) => kvs.map((kv) => text(kv.value));
const b64 = (s: string) => encodeBase64(s);
/**
 * A fresh lease id per call. etcd's ids are int64; kube-lite's store takes ids up to 2^53 - 1
 * (the ids it picks itself are always below that), so the suite stays below 2^53 for both.
 */
const leaseIdFor = (() => {
  let next = BigInt(Date.now()) * 1000n + BigInt(randomBytes(2).readUInt16BE(0) % 1000);
  return () => (next++).toString();
})();

function rangeOf(op: ResponseOp | undefined): RangeResult {
  if (op?.type !== "range") throw new Error(`expected a range response, got ${op?.type}`);
  return op.range;
}

/** What a store call threw, for assertions on the error. */
async function failure(promise: Promise<unknown>): Promise<StoreError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof StoreError)) throw new Error(`expected a StoreError, got ${String(outcome)}`);
  return outcome;
}

describe.skipIf(targetName === undefined)(suiteTitle, () => {
  let target: { endpoints: string[]; stop(): Promise<void> };
  let store: StoreClient;
  let endpoint: string;

  /** A raw POST to one member, for wire details the client hides. */
  async function post(
    pathname: string,
    body: string | Uint8Array,
    headers: Record<string, string> = { "content-type": "application/json" },
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${endpoint}${pathname}`, { method: "POST", body, headers });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  const postJson = (pathname: string, body: unknown) => post(pathname, JSON.stringify(body));

  /** The gateway's error body: exactly {error, message, code}, error === message. */
  function expectErrorBody(answer: { status: number; json: Record<string, unknown> }, status: number, code: number, message?: string | RegExp): void {
    expect(answer.status).toBe(status);
    expect(Object.keys(answer.json).sort()).toEqual(["code", "error", "message"]);
    expect(answer.json.code).toBe(code);
    expect(answer.json.error).toBe(answer.json.message);
    expect(typeof answer.json.message).toBe("string");
    expect(answer.json.message).not.toBe("");
    if (typeof message === "string") expect(answer.json.message).toBe(message);
    else if (message !== undefined) expect(answer.json.message).toMatch(message);
  }

  beforeAll(async () => {
    target = await startTarget();
    store = new StoreClient({ endpoints: target.endpoints });
    endpoint = target.endpoints[0] ?? "";
  }, 60_000);

  afterAll(async () => {
    store?.close();
    await target?.stop();
  });

  describe("wire", () => {
    it("parses the body as JSON whatever the Content-Type, or none", async () => {
      const key = under("wire-content-type")("k");
      await store.put({ key, value: "v" });
      const body = JSON.stringify({ key: b64(key) });
      const contentTypes: Record<string, string>[] = [{ "content-type": "text/plain" }, { "content-type": "application/x-www-form-urlencoded" }, {}];
      for (const headers of contentTypes) {
        const answer = await post("/v3/kv/range", new TextEncoder().encode(body), headers);
        expect(answer.status).toBe(200);
        expect(answer.json.count).toBe("1");
      }
    });

    it("omits fields that hold their default value; int64 are strings", async () => {
      const k = under("wire-defaults");
      const missing = await postJson("/v3/kv/range", { key: b64(k("missing")) });
      expect(missing.status).toBe(200);
      expect(Object.keys(missing.json)).toEqual(["header"]);
      const header = missing.json.header as Record<string, unknown>;
      expect(Object.keys(header).sort()).toEqual(["cluster_id", "member_id", "raft_term", "revision"]);
      for (const field of Object.values(header)) expect(field).toMatch(/^\d+$/);

      const put = await postJson("/v3/kv/put", { key: b64(k("empty")) });
      expect(Object.keys(put.json)).toEqual(["header"]);
      // An empty value and lease 0 are left out of the key-value too.
      const range = await postJson("/v3/kv/range", { key: b64(k("empty")) });
      expect(range.json.kvs).toEqual([
        {
          key: b64(k("empty")),
          create_revision: expect.stringMatching(/^\d+$/),
          mod_revision: expect.stringMatching(/^\d+$/),
          version: "1",
        },
      ]);
      expect(range.json.count).toBe("1");
      expect(range.json.more).toBeUndefined();

      const deleted = await postJson("/v3/kv/deleterange", { key: b64(k("missing")) });
      expect(Object.keys(deleted.json)).toEqual(["header"]);
      const failedTxn = await postJson("/v3/kv/txn", {
        compare: [{ result: "EQUAL", target: "VALUE", key: b64(k("missing")), value: b64("x") }],
      });
      expect(Object.keys(failedTxn.json)).toEqual(["header"]);
      // Op responses inside a txn carry a header with only the revision.
      const txn = await postJson("/v3/kv/txn", { success: [{ request_range: { key: b64(k("missing")) } }] });
      expect(txn.json.succeeded).toBe(true);
      expect(txn.json.responses).toEqual([{ response_range: { header: { revision: expect.stringMatching(/^\d+$/) } } }]);
    });

    it("accepts int64 fields as JSON numbers too, and enums by name or number", async () => {
      const k = under("wire-numbers");
      const first = await store.put({ key: k("a"), value: "1" });
      await store.put({ key: k("a"), value: "2" });
      const answer = await postJson("/v3/kv/range", { key: b64(k("a")), revision: first.header.revision });
      expect((answer.json.kvs as { value: string }[])[0]?.value).toBe(b64("1"));
      const txn = await postJson("/v3/kv/txn", { compare: [{ result: 1, target: 0, key: b64(k("a")), version: 1 }] });
      expect(txn.json.succeeded).toBe(true);
    });

    it("rejects invalid base64 and invalid JSON with 400 InvalidArgument", async () => {
      expectErrorBody(await post("/v3/kv/put", JSON.stringify({ key: "!!!", value: "YQ==" })), 400, 3, /base64/i);
      expectErrorBody(await post("/v3/kv/put", '{"key":'), 400, 3);
      expectErrorBody(await post("/v3/kv/range", "[]"), 400, 3);
      expectErrorBody(await postJson("/v3/kv/range", { key: b64("a"), count_only: "true" }), 400, 3);
    });

    it("rejects an empty key with 400 InvalidArgument", async () => {
      for (const pathname of ["/v3/kv/put", "/v3/kv/range", "/v3/kv/deleterange"]) {
        expectErrorBody(await postJson(pathname, {}), 400, 3, EtcdErrorMessage.emptyKey);
      }
      expectErrorBody(await postJson("/v3/kv/txn", { compare: [{ result: "EQUAL", target: "VERSION", version: "0" }] }), 400, 3, EtcdErrorMessage.emptyKey);
    });

    it("answers compacted and future revisions with 400 OutOfRange", async () => {
      const k = under("wire-revisions");
      const first = await store.put({ key: k("a"), value: "1" });
      const second = await store.put({ key: k("a"), value: "2" });
      await store.compact(second.header.revision);
      expectErrorBody(await postJson("/v3/kv/range", { key: b64(k("a")), revision: String(first.header.revision) }), 400, 11, EtcdErrorMessage.compacted);
      expectErrorBody(await postJson("/v3/kv/compaction", { revision: String(first.header.revision) }), 400, 11, EtcdErrorMessage.compacted);
      const future = String(second.header.revision + 1_000_000);
      expectErrorBody(await postJson("/v3/kv/range", { key: b64(k("a")), revision: future }), 400, 11, EtcdErrorMessage.futureRevision);
      expectErrorBody(await postJson("/v3/kv/compaction", { revision: future }), 400, 11, EtcdErrorMessage.futureRevision);
    });

    it("rejects a request over 1.5 MiB with 400 InvalidArgument, and takes 1 MiB", async () => {
      const k = under("wire-size");
      const big = await postJson("/v3/kv/put", { key: b64(k("big")), value: Buffer.alloc(1.5 * 1024 * 1024, "x").toString("base64") });
      expectErrorBody(big, 400, 3, EtcdErrorMessage.requestTooLarge);
      expect(await store.get(k("big"))).toBeUndefined();
      const fine = await postJson("/v3/kv/put", { key: b64(k("fine")), value: Buffer.alloc(1024 * 1024, "x").toString("base64") });
      expect(fine.status).toBe(200);
      expect((await store.get(k("fine")))?.value.byteLength).toBe(1024 * 1024);
    });

    it("limits a txn to 128 operations per list", async () => {
      const k = under("wire-txn-ops");
      const puts = (n: number) => Array.from({ length: n }, (_, i) => ({ request_put: { key: b64(k(`k${i}`)), value: b64("x") } }));
      expectErrorBody(await postJson("/v3/kv/txn", { success: puts(129) }), 400, 3, EtcdErrorMessage.tooManyOps);
      const compares = Array.from({ length: 129 }, (_, i) => ({ key: b64(k(`c${i}`)) }));
      expectErrorBody(await postJson("/v3/kv/txn", { compare: compares }), 400, 3, EtcdErrorMessage.tooManyOps);
      expect((await store.range({ key: k(), rangeEnd: prefixRangeEnd(k()), countOnly: true })).count).toBe(0);
      const ok = await postJson("/v3/kv/txn", { success: puts(128) });
      expect(ok.status).toBe(200);
      expect((await store.range({ key: k(), rangeEnd: prefixRangeEnd(k()), countOnly: true })).count).toBe(128);
    });

    it("rejects a key written twice in one txn (put/put, put/delete, nested), but not reads or repeated deletes", async () => {
      const k = under("wire-txn-duplicates");
      const put = { request_put: { key: b64(k("a")) } };
      const duplicates = [
        { success: [put, put] },
        { success: [{ request_delete_range: { key: b64(k()), range_end: b64(text(prefixRangeEnd(k()))) } }, put] },
        { success: [put, { request_txn: { success: [put] } }] },
      ];
      for (const body of duplicates) expectErrorBody(await postJson("/v3/kv/txn", body), 400, 3, EtcdErrorMessage.duplicateKey);
      const allowed = [
        { success: [{ request_range: { key: b64(k("a")) } }, put] },
        { success: [put], failure: [put] },
        { success: [{ request_delete_range: { key: b64(k("a")) } }, { request_delete_range: { key: b64(k("a")) } }] },
      ];
      for (const body of allowed) expect((await postJson("/v3/kv/txn", body)).status).toBe(200);
    });

    it("answers lease and key errors with their own codes and statuses", async () => {
      const k = under("wire-errors");
      const missingLease = leaseIdFor();
      expectErrorBody(await postJson("/v3/kv/put", { key: b64(k("a")), lease: missingLease }), 404, 5, EtcdErrorMessage.leaseNotFound);
      expectErrorBody(await postJson("/v3/lease/revoke", { ID: missingLease }), 404, 5, EtcdErrorMessage.leaseNotFound);
      const id = leaseIdFor();
      expect((await postJson("/v3/lease/grant", { TTL: "60", ID: id })).status).toBe(200);
      expectErrorBody(await postJson("/v3/lease/grant", { TTL: "60", ID: id }), 412, 9, EtcdErrorMessage.leaseExists);
      expectErrorBody(await postJson("/v3/kv/put", { key: b64(k("missing")), ignore_value: true }), 400, 3, EtcdErrorMessage.keyNotFound);
      await store.leaseRevoke(id);
    });
  });

  describe("revisions", () => {
    it("answers each write with its own revision in the header, even among concurrent writes", async () => {
      // Kubernetes takes an object's new resourceVersion from this header (etcd: the txn's revision).
      const k = under("concurrent-revisions");
      const answered: [string, number][] = [];
      await Promise.all(
        [0, 1, 2].map(async (w) => {
          for (let i = 0; i < 40; i++) {
            const key = k(`${w}/${i}`);
            answered.push([key, (await store.put({ key, value: "v" })).header.revision]);
          }
        }),
      );
      const stored = await store.range({ key: k(), rangeEnd: prefixRangeEnd(k()) });
      const modRevision = new Map(stored.kvs.map((kv) => [text(kv.key), kv.modRevision]));
      expect(answered.filter(([key, revision]) => modRevision.get(key) !== revision).map(([key, revision]) => `${key}: header ${revision}, mod_revision ${modRevision.get(key)}`)).toEqual([]);
    });

    it("keeps revision, create_revision, mod_revision and version", async () => {
      const k = under("bookkeeping")("a");
      const created = await store.put({ key: k, value: "1" });
      const r1 = created.header.revision;
      expect(await store.get(k)).toMatchObject({ createRevision: r1, modRevision: r1, version: 1, lease: "0" });

      const updated = await store.put({ key: k, value: "2" });
      expect(updated.header.revision).toBe(r1 + 1);
      expect(await store.get(k)).toMatchObject({ createRevision: r1, modRevision: r1 + 1, version: 2 });

      const deleted = await store.deleteRange({ key: k });
      expect(deleted.header.revision).toBe(r1 + 2);
      expect(deleted.deleted).toBe(1);
      expect(await store.get(k)).toBeUndefined();

      // Nothing to delete, an empty txn, a read-only txn: no new revision.
      expect((await store.deleteRange({ key: k })).header.revision).toBe(r1 + 2);
      expect((await store.txn({})).header.revision).toBe(r1 + 2);
      expect((await store.txn({ success: [{ range: { key: k } }] })).header.revision).toBe(r1 + 2);

      const recreated = await store.put({ key: k, value: "3" });
      expect(recreated.header.revision).toBe(r1 + 3);
      expect(await store.get(k)).toMatchObject({ createRevision: r1 + 3, modRevision: r1 + 3, version: 1 });

      // One txn is one revision, whatever it writes.
      const txn = await store.txn({ success: [{ put: { key: k, value: "4" } }, { put: { key: `${k}2`, value: "x" } }, { deleteRange: { key: `${k}3` } }] });
      expect(txn.header.revision).toBe(r1 + 4);
      const both = await store.range({ key: k, rangeEnd: prefixRangeEnd(k) });
      expect(both.kvs.map((kv) => [text(kv.key), kv.modRevision, kv.version])).toEqual([
        [k, r1 + 4, 2],
        [`${k}2`, r1 + 4, 1],
      ]);
      expect(both.header.revision).toBe(r1 + 4);
    });

    it("reads history at a revision; the header still names the current one", async () => {
      const k = under("history");
      const v1 = await store.put({ key: k("a"), value: "1" });
      const v2 = await store.put({ key: k("a"), value: "2" });
      await store.put({ key: k("b"), value: "b" });
      const gone = await store.deleteRange({ key: k("a") });

      const atV1 = await store.range({ key: k("a"), revision: v1.header.revision });
      expect(atV1.header.revision).toBe(gone.header.revision);
      expect(atV1.kvs.map((kv) => [text(kv.value), kv.modRevision, kv.version])).toEqual([["1", v1.header.revision, 1]]);
      expect(values((await store.range({ key: k("a"), revision: v2.header.revision })).kvs)).toEqual(["2"]);
      expect((await store.range({ key: k("a"), revision: gone.header.revision })).kvs).toEqual([]);
      const prefixAtV2 = await store.range({ key: k(), rangeEnd: prefixRangeEnd(k()), revision: v2.header.revision });
      expect(keys(prefixAtV2.kvs)).toEqual([k("a")]);
    });
  });

  describe("range", () => {
    const k = under("range");
    beforeAll(async () => {
      // Values sort the other way round from keys; "c" is written twice.
      for (const [name, value] of [["a", "3"], ["b", "1"], ["c", "2"], ["d", "0"], ["e", "4"], ["c", "2"]] as const) {
        await store.put({ key: k(name), value });
      }
    });
    const all = () => ({ key: k(), rangeEnd: prefixRangeEnd(k()) });

    it("reads one key, a prefix, and from a key on", async () => {
      expect(values((await store.range({ key: k("b") })).kvs)).toEqual(["1"]);
      expect((await store.range({ key: k("zz") })).kvs).toEqual([]);
      const prefix = await store.range(all());
      expect(keys(prefix.kvs)).toEqual(["a", "b", "c", "d", "e"].map(k));
      expect(prefix.count).toBe(5);
      expect(keys((await store.range({ key: k("b"), rangeEnd: k("d") })).kvs)).toEqual([k("b"), k("c")]);
      // range_end "\0": every key >= key, which reaches past this test's keys.
      const fromKey = await store.range({ key: k("c"), rangeEnd: fromKeyRangeEnd, keysOnly: true });
      expect(keys(fromKey.kvs).slice(0, 3)).toEqual([k("c"), k("d"), k("e")]);
      expect(fromKey.count).toBe(fromKey.kvs.length);
      // An end before the key selects nothing.
      expect((await store.range({ key: k("d"), rangeEnd: k("a") })).count).toBe(0);
    });

    it("limits, saying there is more and counting all", async () => {
      const limited = await store.range({ ...all(), limit: 2 });
      expect(keys(limited.kvs)).toEqual([k("a"), k("b")]);
      expect([limited.more, limited.count]).toEqual([true, 5]);
      const exact = await store.range({ ...all(), limit: 5 });
      expect([exact.kvs.length, exact.more, exact.count]).toEqual([5, false, 5]);
    });

    it("counts only, or returns keys without values", async () => {
      const counted = await store.range({ ...all(), countOnly: true });
      expect([counted.kvs, counted.count, counted.more]).toEqual([[], 5, false]);
      const countedWithLimit = await store.range({ ...all(), countOnly: true, limit: 1 });
      expect([countedWithLimit.count, countedWithLimit.more]).toEqual([5, false]);
      const keysOnly = await store.range({ ...all(), keysOnly: true });
      expect(keys(keysOnly.kvs)).toEqual(["a", "b", "c", "d", "e"].map(k));
      expect(keysOnly.kvs.every((kv) => kv.value.byteLength === 0 && kv.version >= 1 && kv.modRevision > 0)).toBe(true);
      expect(keysOnly.kvs.find((kv) => text(kv.key) === k("c"))?.version).toBe(2);
    });

    it("sorts by key, value, version, create and mod revision", async () => {
      const sorted = async (sortOrder: "NONE" | "ASCEND" | "DESCEND", sortTarget: "KEY" | "VERSION" | "CREATE" | "MOD" | "VALUE", limit = 0) =>
        keys((await store.range({ ...all(), sortOrder, sortTarget, limit })).kvs).map((key) => key.slice(-1));
      expect(await sorted("DESCEND", "KEY")).toEqual(["e", "d", "c", "b", "a"]);
      expect(await sorted("ASCEND", "VALUE")).toEqual(["d", "b", "c", "a", "e"]);
      // etcd: order NONE with a target other than KEY sorts ascending.
      expect(await sorted("NONE", "VALUE")).toEqual(["d", "b", "c", "a", "e"]);
      expect(await sorted("DESCEND", "MOD")).toEqual(["c", "e", "d", "b", "a"]);
      expect(await sorted("DESCEND", "CREATE")).toEqual(["e", "d", "c", "b", "a"]);
      expect((await sorted("DESCEND", "VERSION")).slice(0, 1)).toEqual(["c"]);
      // A sorted, limited range sorts everything first, then cuts.
      const top = await store.range({ ...all(), sortOrder: "DESCEND", sortTarget: "VALUE", limit: 2 });
      expect([values(top.kvs), top.more, top.count]).toEqual([["4", "3"], true, 5]);
    });
  });

  describe("put and delete", () => {
    it("returns the previous key-value when asked, and only when there was one", async () => {
      const k = under("put-prev")("a");
      expect(await store.put({ key: k, value: "1", prevKv: true })).not.toHaveProperty("prevKv");
      const second = await store.put({ key: k, value: "2", prevKv: true });
      expect(second.prevKv && [text(second.prevKv.value), second.prevKv.version]).toEqual(["1", 1]);
      expect(await store.put({ key: k, value: "3" })).not.toHaveProperty("prevKv");
    });

    it("keeps the value with ignore_value and the lease with ignore_lease", async () => {
      const k = under("put-ignore")("a");
      const lease = await store.leaseGrant(60);
      await store.put({ key: k, value: "kept", lease: lease.id });
      const ignored = await store.put({ key: k, ignoreValue: true, prevKv: true });
      expect(ignored.prevKv && text(ignored.prevKv.value)).toBe("kept");
      // ignore_value without a lease detaches the lease; the version still moves.
      expect(await store.get(k)).toMatchObject({ version: 2, lease: "0" });
      expect(text((await store.get(k))?.value ?? new Uint8Array())).toBe("kept");

      await store.put({ key: k, value: "v3", lease: lease.id });
      await store.put({ key: k, value: "v4", ignoreLease: true });
      expect(await store.get(k)).toMatchObject({ version: 4, lease: lease.id });
      expect(text((await store.get(k))?.value ?? new Uint8Array())).toBe("v4");
      await store.leaseRevoke(lease.id);
    });

    it("refuses ignore_value and ignore_lease on a missing key, or with a value or lease given", async () => {
      const k = under("put-ignore-errors");
      for (const request of [{ key: k("missing"), ignoreValue: true }, { key: k("missing"), ignoreLease: true }]) {
        const error = await failure(store.put(request));
        expect([error.code, error.httpStatus, error.message]).toEqual([3, 400, EtcdErrorMessage.keyNotFound]);
      }
      await store.put({ key: k("a"), value: "1" });
      const valueGiven = await failure(store.put({ key: k("a"), value: "2", ignoreValue: true }));
      expect([valueGiven.code, valueGiven.message]).toEqual([3, "etcdserver: value is provided"]);
      const leaseGiven = await failure(store.put({ key: k("a"), lease: "1", ignoreLease: true }));
      expect([leaseGiven.code, leaseGiven.message]).toEqual([3, "etcdserver: lease is provided"]);
      expect((await store.get(k("a")))?.version).toBe(1);
    });

    it("deletes a range, counting and returning what it deleted", async () => {
      const k = under("delete");
      for (const name of ["a", "b", "c", "d"]) await store.put({ key: k(name), value: name });
      const one = await store.deleteRange({ key: k("a"), prevKv: true });
      expect([one.deleted, keys(one.prevKvs), values(one.prevKvs)]).toEqual([1, [k("a")], ["a"]]);
      const rest = await store.deleteRange({ key: k(), rangeEnd: prefixRangeEnd(k()), prevKv: true });
      expect([rest.deleted, keys(rest.prevKvs)]).toEqual([3, [k("b"), k("c"), k("d")]]);
      expect(rest.header.revision).toBe(one.header.revision + 1);
      const nothing = await store.deleteRange({ key: k(), rangeEnd: prefixRangeEnd(k()) });
      expect([nothing.deleted, nothing.prevKvs, nothing.header.revision]).toEqual([0, [], rest.header.revision]);
      const noPrev = await store.deleteRange({ key: k("zz") });
      expect(noPrev.prevKvs).toEqual([]);
    });
  });

  describe("txn", () => {
    const k = under("txn");
    let lease: string;
    let created: number;
    let modified: number;
    beforeAll(async () => {
      lease = (await store.leaseGrant(60)).id;
      created = (await store.put({ key: k("m"), value: "m", lease })).header.revision;
      modified = (await store.put({ key: k("m"), value: "m", lease })).header.revision;
    });
    afterAll(async () => {
      await store.leaseRevoke(lease);
    });

    type Case = [string, Parameters<StoreClient["txn"]>[0]["compare"], boolean];
    const key = () => k("m");
    const missing = () => k("missing");

    it("compares value, version, create, mod and lease with = != < >", async () => {
      const cases: Case[] = [
        ["value = m", [{ key: key(), result: "EQUAL", target: "VALUE", value: "m" }], true],
        ["value != m", [{ key: key(), result: "NOT_EQUAL", target: "VALUE", value: "m" }], false],
        ["value > a", [{ key: key(), result: "GREATER", target: "VALUE", value: "a" }], true],
        ["value < z", [{ key: key(), result: "LESS", target: "VALUE", value: "z" }], true],
        ["value < a", [{ key: key(), result: "LESS", target: "VALUE", value: "a" }], false],
        ["version = 2", [{ key: key(), result: "EQUAL", target: "VERSION", version: 2 }], true],
        ["version > 2", [{ key: key(), result: "GREATER", target: "VERSION", version: 2 }], false],
        ["version < 3", [{ key: key(), result: "LESS", target: "VERSION", version: 3 }], true],
        ["version != 2", [{ key: key(), result: "NOT_EQUAL", target: "VERSION", version: 2 }], false],
        ["create = c", [{ key: key(), result: "EQUAL", target: "CREATE", createRevision: created }], true],
        ["create < c", [{ key: key(), result: "LESS", target: "CREATE", createRevision: created }], false],
        ["mod = m", [{ key: key(), result: "EQUAL", target: "MOD", modRevision: modified }], true],
        ["mod > c", [{ key: key(), result: "GREATER", target: "MOD", modRevision: created }], true],
        ["mod != m", [{ key: key(), result: "NOT_EQUAL", target: "MOD", modRevision: modified }], false],
        ["lease = l", [{ key: key(), result: "EQUAL", target: "LEASE", lease }], true],
        ["lease != 0", [{ key: key(), result: "NOT_EQUAL", target: "LEASE", lease: "0" }], true],
        ["all of several", [{ key: key(), result: "EQUAL", target: "VERSION", version: 2 }, { key: key(), result: "EQUAL", target: "VALUE", value: "x" }], false],
      ];
      const outcomes: [string, boolean][] = [];
      for (const [name, compare] of cases) outcomes.push([name, (await store.txn({ compare })).succeeded]);
      expect(outcomes).toEqual(cases.map(([name, , expected]) => [name, expected]));
    });

    it("treats a missing key as version, create, mod and lease 0, and fails value compares on it", async () => {
      const cases: Case[] = [
        ["version = 0", [{ key: missing(), result: "EQUAL", target: "VERSION", version: 0 }], true],
        ["create = 0", [{ key: missing(), result: "EQUAL", target: "CREATE", createRevision: 0 }], true],
        ["mod < 5", [{ key: missing(), result: "LESS", target: "MOD", modRevision: 5 }], true],
        ["lease = 0", [{ key: missing(), result: "EQUAL", target: "LEASE", lease: "0" }], true],
        ["value = empty", [{ key: missing(), result: "EQUAL", target: "VALUE", value: "" }], false],
        ["value != x", [{ key: missing(), result: "NOT_EQUAL", target: "VALUE", value: "x" }], false],
      ];
      const outcomes: [string, boolean][] = [];
      for (const [name, compare] of cases) outcomes.push([name, (await store.txn({ compare })).succeeded]);
      expect(outcomes).toEqual(cases.map(([name, , expected]) => [name, expected]));
    });

    it("compares every key of a range", async () => {
      await store.put({ key: k("r/1"), value: "1" });
      await store.put({ key: k("r/2"), value: "2" });
      const range = { key: k("r/"), rangeEnd: prefixRangeEnd(k("r/")) };
      expect((await store.txn({ compare: [{ ...range, result: "GREATER", target: "VALUE", value: "0" }] })).succeeded).toBe(true);
      expect((await store.txn({ compare: [{ ...range, result: "GREATER", target: "VALUE", value: "1" }] })).succeeded).toBe(false);
      // An empty range: version compares hold against 0, value compares fail.
      const empty = { key: k("none/"), rangeEnd: prefixRangeEnd(k("none/")) };
      expect((await store.txn({ compare: [{ ...empty, result: "EQUAL", target: "VERSION", version: 0 }] })).succeeded).toBe(true);
      expect((await store.txn({ compare: [{ ...empty, result: "EQUAL", target: "VALUE", value: "" }] })).succeeded).toBe(false);
    });

    it("runs success or failure and answers each op, in order", async () => {
      const counter = k("counter");
      const createIfAbsent = () =>
        store.txn({
          compare: [{ key: counter, result: "EQUAL", target: "CREATE", createRevision: 0 }],
          success: [{ put: { key: counter, value: "1" } }, { range: { key: counter } }],
          failure: [{ range: { key: counter } }],
        });
      const first = await createIfAbsent();
      expect(first.succeeded).toBe(true);
      expect(first.responses.map((r) => r.type)).toEqual(["put", "range"]);
      expect(first.responses[0]?.type === "put" && first.responses[0].put.header.revision).toBe(first.header.revision);
      // A range inside the txn sees the txn's own earlier writes.
      expect(values(rangeOf(first.responses[1]).kvs)).toEqual(["1"]);

      const second = await createIfAbsent();
      expect(second.succeeded).toBe(false);
      expect(second.responses.map((r) => r.type)).toEqual(["range"]);
      expect(rangeOf(second.responses[0]).kvs[0]).toMatchObject({ createRevision: first.header.revision, version: 1 });
      expect(second.header.revision).toBe(first.header.revision);

      const withDelete = await store.txn({ success: [{ deleteRange: { key: counter, prevKv: true } }, { put: { key: k("other"), value: "o", prevKv: true } }] });
      expect(withDelete.responses).toEqual([
        { type: "deleteRange", deleteRange: expect.objectContaining({ deleted: 1, prevKvs: [expect.objectContaining({ version: 1 })] }) },
        { type: "put", put: { header: expect.objectContaining({ revision: withDelete.header.revision }) } },
      ]);
    });

    it("nests transactions", async () => {
      const nested = await store.txn({
        compare: [{ key: key(), result: "EQUAL", target: "VALUE", value: "m" }],
        success: [
          {
            txn: {
              compare: [{ key: missing(), result: "GREATER", target: "VERSION", version: 0 }],
              success: [{ put: { key: k("nested-success") } }],
              failure: [{ put: { key: k("nested-failure"), value: "f" } }, { range: { key: k("nested-failure") } }],
            },
          },
        ],
      });
      expect(nested.succeeded).toBe(true);
      const inner = nested.responses[0];
      if (inner?.type !== "txn") throw new Error("expected a nested txn response");
      expect(inner.txn.succeeded).toBe(false);
      expect(inner.txn.responses.map((r) => r.type)).toEqual(["put", "range"]);
      expect(values(rangeOf(inner.txn.responses[1]).kvs)).toEqual(["f"]);
      expect(await store.get(k("nested-success"))).toBeUndefined();
      expect((await store.get(k("nested-failure")))?.modRevision).toBe(nested.header.revision);
    });
  });

  describe("compaction", () => {
    it("forgets history before the compacted revision and refuses the future", async () => {
      const k = under("compaction")("a");
      const r1 = (await store.put({ key: k, value: "1" })).header.revision;
      const r2 = (await store.put({ key: k, value: "2" })).header.revision;
      const r3 = (await store.put({ key: k, value: "3" })).header.revision;
      const compacted = await store.compact(r2, true);
      expect(compacted.header.revision).toBe(r3);

      const old = await failure(store.range({ key: k, revision: r1 }));
      expect([old.code, old.httpStatus, old.message, old.isCompacted]).toEqual([11, 400, EtcdErrorMessage.compacted, true]);
      // The compacted revision itself is still readable.
      expect(values((await store.range({ key: k, revision: r2 })).kvs)).toEqual(["2"]);
      expect(values((await store.range({ key: k })).kvs)).toEqual(["3"]);

      const again = await failure(store.compact(r2));
      expect(again.isCompacted).toBe(true);
      const earlier = await failure(store.compact(r1));
      expect(earlier.isCompacted).toBe(true);

      const future = await failure(store.range({ key: k, revision: r3 + 1_000 }));
      expect([future.code, future.httpStatus, future.message, future.isFutureRevision]).toEqual([11, 400, EtcdErrorMessage.futureRevision, true]);
      const futureCompaction = await failure(store.compact(r3 + 1_000));
      expect(futureCompaction.isFutureRevision).toBe(true);
      // The current revision is not the future.
      expect((await store.range({ key: k, revision: r3 })).count).toBe(1);
    });
  });

  describe("leases", () => {
    it("grants, attaches, reports time to live with keys, lists, and revokes in one revision", async () => {
      const k = under("lease");
      const granted = await store.leaseGrant(60);
      expect(granted.ttlSeconds).toBe(60);
      expect(granted.id).toMatch(/^[1-9]\d*$/);

      const a = await store.put({ key: k("a"), value: "a", lease: granted.id });
      await store.put({ key: k("b"), value: "b", lease: granted.id });
      await store.put({ key: k("c"), value: "no lease" });
      expect((await store.get(k("a")))?.lease).toBe(granted.id);

      const ttl = await store.leaseTimeToLive(granted.id, true);
      expect(ttl.id).toBe(granted.id);
      expect(ttl.grantedTtlSeconds).toBe(60);
      expect(ttl.ttlSeconds).toBeGreaterThan(55);
      expect(ttl.ttlSeconds).toBeLessThanOrEqual(60);
      expect(ttl.keys.map(text).sort()).toEqual([k("a"), k("b")]);
      expect((await store.leaseTimeToLive(granted.id)).keys).toEqual([]);

      const renewed = await store.leaseKeepAliveOnce(granted.id);
      expect([renewed.id, renewed.ttlSeconds]).toEqual([granted.id, 60]);
      expect((await store.leases()).ids).toContain(granted.id);

      const before = (await store.range({ key: k(), rangeEnd: prefixRangeEnd(k()) })).header.revision;
      const revoked = await store.leaseRevoke(granted.id);
      expect(revoked.header.revision).toBe(before + 1);
      const after = await store.range({ key: k(), rangeEnd: prefixRangeEnd(k()) });
      expect(keys(after.kvs)).toEqual([k("c")]);
      // Both deletions carry the same revision: the keys are there one revision earlier.
      expect(keys((await store.range({ key: k(), rangeEnd: prefixRangeEnd(k()), revision: before })).kvs)).toEqual([k("a"), k("b"), k("c")]);
      expect(a.header.revision).toBeLessThan(before);

      expect((await store.leases()).ids).not.toContain(granted.id);
      const gone = await store.leaseTimeToLive(granted.id, true);
      expect([gone.ttlSeconds, gone.keys]).toEqual([-1, []]);
      const keepAlive = await failure(store.leaseKeepAliveOnce(granted.id));
      expect(keepAlive.code).toBe(5);
      const revokeAgain = await failure(store.leaseRevoke(granted.id));
      expect([revokeAgain.code, revokeAgain.httpStatus, revokeAgain.message]).toEqual([5, 404, EtcdErrorMessage.leaseNotFound]);
      const putOnGone = await failure(store.put({ key: k("d"), lease: granted.id }));
      expect([putOnGone.code, putOnGone.httpStatus]).toEqual([5, 404]);
    });

    it("grants a lease with a chosen id, at least as long as asked", async () => {
      const id = leaseIdFor();
      const granted = await store.leaseGrant(60, id);
      expect([granted.id, granted.ttlSeconds]).toEqual([id, 60]);
      const exists = await failure(store.leaseGrant(60, id));
      expect([exists.code, exists.httpStatus, exists.message]).toEqual([9, 412, EtcdErrorMessage.leaseExists]);
      await store.leaseRevoke(id);
      // etcd raises a short TTL to its minimum (1.5 election timeouts: 2 s by default).
      const short = await store.leaseGrant(1);
      expect(short.ttlSeconds).toBeGreaterThanOrEqual(1);
      await store.leaseRevoke(short.id);
    });

    it("answers a keep-alive wrapped in a stream frame", async () => {
      const granted = await store.leaseGrant(30);
      const answer = await postJson("/v3/lease/keepalive", { ID: granted.id });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ result: { header: expect.any(Object), ID: granted.id, TTL: "30" } });
      await store.leaseRevoke(granted.id);
      // A lease that is gone: the frame has no TTL, not an error.
      const goneAnswer = await postJson("/v3/lease/keepalive", { ID: granted.id });
      expect(goneAnswer.json).toEqual({ result: { header: expect.any(Object), ID: granted.id } });
      // Time to live of a missing lease is TTL -1, not an error.
      const ttl = await postJson("/v3/lease/timetolive", { ID: granted.id });
      expect(ttl.status).toBe(200);
      expect(ttl.json).toEqual({ header: expect.any(Object), ID: granted.id, TTL: "-1" });
    });
  });

  describe("watch", () => {
    const streams: RawWatchStream[] = [];
    afterEach(() => {
      for (const s of streams.splice(0)) s.close();
    });
    /** A watch stream on `endpoint` whose body is `requests`. */
    const open = (...requests: unknown[]) => {
      const s = new RawWatchStream(endpoint, requests);
      streams.push(s);
      return s;
    };
    const create = (request: Record<string, unknown>) => ({ create_request: request });
    /** A full response header at `revision`. */
    const at = (revision: number) => ({
      cluster_id: expect.stringMatching(/^\d+$/),
      member_id: expect.stringMatching(/^\d+$/),
      revision: String(revision),
      raft_term: expect.stringMatching(/^\d+$/),
    });
    /** A key-value as the gateway writes it (empty value and lease 0 left out). */
    const kvJson = (key: string, kv: { create: number; mod: number; version: number; value?: string; lease?: string }) => {
      const json: Record<string, string> = { key: b64(key), create_revision: String(kv.create), mod_revision: String(kv.mod), version: String(kv.version) };
      if (kv.value !== undefined && kv.value !== "") json.value = b64(kv.value);
      if (kv.lease !== undefined) json.lease = kv.lease;
      return json;
    };
    /** A DELETE event's kv: only the key and the deletion's revision. */
    const deletedJson = (key: string, mod: number) => ({ key: b64(key), mod_revision: String(mod) });
    /** Waits until `endpoint` has applied every write acknowledged so far (a linearizable read there). */
    const caughtUp = async (): Promise<number> => {
      const answer = await postJson("/v3/kv/range", { key: b64(run), count_only: true });
      return Number((answer.json.header as { revision: string }).revision);
    };
    const eventsOf = (lines: WatchLine[]) => lines.flatMap((l) => ((l.result as { events?: unknown[] }).events ?? []) as { type?: string; kv: { key: string; mod_revision: string } }[]);
    const lastEventRevision = (line: WatchLine) => {
      const events = (line.result as { events?: { kv: { mod_revision: string } }[] }).events ?? [];
      return Number(events[events.length - 1]?.kv.mod_revision ?? 0);
    };
    const summary = (lines: WatchLine[]) => eventsOf(lines).map((e) => `${e.type ?? "PUT"} ${Buffer.from(e.kv.key, "base64").toString()}@${e.kv.mod_revision}`);

    it("answers a create request with created at the member's revision; ids count from 0, and 0 is left out", async () => {
      const k = under("watch-create");
      await store.put({ key: k("a"), value: "1" });
      const revision = await caughtUp();
      const s = open(create({ key: b64(k("a")) }), create({ key: b64(k("b")) }));
      expect(await s.next(2)).toEqual([
        { result: { header: at(revision), created: true } },
        { result: { header: at(revision), watch_id: "1", created: true } },
      ]);
    });

    it("streams live events one revision per answer: PUT's type left out, DELETE with key and mod_revision only, no prev_kv unasked", async () => {
      const k = under("watch-live")("a");
      const s = open(create({ key: b64(k) }));
      await s.next();
      const r1 = (await store.put({ key: k, value: "1" })).header.revision;
      const r2 = (await store.put({ key: k, value: "2" })).header.revision;
      const r3 = (await store.deleteRange({ key: k })).header.revision;
      expect(await s.next(3)).toEqual([
        { result: { header: at(r1), events: [{ kv: kvJson(k, { create: r1, mod: r1, version: 1, value: "1" }) }] } },
        { result: { header: at(r2), events: [{ kv: kvJson(k, { create: r1, mod: r2, version: 2, value: "2" }) }] } },
        { result: { header: at(r3), events: [{ type: "DELETE", kv: deletedJson(k, r3) }] } },
      ]);
    });

    it("adds prev_kv when asked, except to a creation", async () => {
      const k = under("watch-prev-kv")("a");
      const s = open(create({ key: b64(k), prev_kv: true }));
      await s.next();
      const r1 = (await store.put({ key: k, value: "1" })).header.revision;
      const r2 = (await store.put({ key: k, value: "" })).header.revision;
      const r3 = (await store.deleteRange({ key: k })).header.revision;
      expect(await s.next(3)).toEqual([
        { result: { header: at(r1), events: [{ kv: kvJson(k, { create: r1, mod: r1, version: 1, value: "1" }) }] } },
        {
          result: {
            header: at(r2),
            events: [{ kv: kvJson(k, { create: r1, mod: r2, version: 2 }), prev_kv: kvJson(k, { create: r1, mod: r1, version: 1, value: "1" }) }],
          },
        },
        { result: { header: at(r3), events: [{ type: "DELETE", kv: deletedJson(k, r3), prev_kv: kvJson(k, { create: r1, mod: r2, version: 2 }) }] } },
      ]);
    });

    it("replays history from start_revision with the same shapes", async () => {
      const k = under("watch-history")("a");
      const r1 = (await store.put({ key: k, value: "1" })).header.revision;
      const r2 = (await store.put({ key: k, value: "2" })).header.revision;
      const r3 = (await store.deleteRange({ key: k })).header.revision;
      await caughtUp();
      const s = open(create({ key: b64(k), start_revision: String(r1), prev_kv: true }));
      expect(await s.next()).toEqual([{ result: { header: at(r3), created: true } }]);
      const lines = await s.nextUntil((line) => lastEventRevision(line) === r3);
      expect(eventsOf(lines)).toEqual([
        { kv: kvJson(k, { create: r1, mod: r1, version: 1, value: "1" }) },
        { kv: kvJson(k, { create: r1, mod: r2, version: 2, value: "2" }), prev_kv: kvJson(k, { create: r1, mod: r1, version: 1, value: "1" }) },
        { type: "DELETE", kv: deletedJson(k, r3), prev_kv: kvJson(k, { create: r1, mod: r2, version: 2, value: "2" }) },
      ]);
      for (const line of lines) {
        expect(Object.keys(line.result as object).sort()).toEqual(["events", "header"]);
        expect(Number((line.result as { header: { revision: string } }).header.revision)).toBeGreaterThanOrEqual(lastEventRevision(line));
      }
    });

    it("selects a single key, a range, a prefix, and every key from a key on", async () => {
      const k = under("watch-ranges");
      const prefix = k();
      const after = `${prefix.slice(0, -1)}0`; // just past the prefix
      const before = `${prefix.slice(0, -1)}.`; // just before it
      const writes: [string, number][] = [];
      const write = async (key: string) => writes.push([key, (await store.put({ key, value: "v" })).header.revision]);
      for (const key of [k("a"), k("b"), before, k("c"), k("d"), after, k("b")]) await write(key);
      const start = writes[0]?.[1] ?? 0;
      const watches = [
        { name: "single", request: { key: b64(k("b")) }, selects: (key: string) => key === k("b") },
        { name: "range", request: { key: b64(k("b")), range_end: b64(k("d")) }, selects: (key: string) => key >= k("b") && key < k("d") },
        { name: "prefix", request: { key: b64(prefix), range_end: encodeBase64(prefixRangeEnd(prefix)) }, selects: (key: string) => key.startsWith(prefix) },
        { name: "from key", request: { key: b64(k("c")), range_end: encodeBase64(fromKeyRangeEnd) }, selects: (key: string) => key >= k("c") },
      ];
      for (const watch of watches) {
        const expected = writes.filter(([key]) => watch.selects(key)).map(([key, revision]) => `PUT ${key}@${revision}`);
        const last = writes.filter(([key]) => watch.selects(key)).at(-1)?.[1];
        const s = open(create({ ...watch.request, start_revision: String(start) }));
        await s.next();
        expect([watch.name, summary(await s.nextUntil((line) => lastEventRevision(line) >= (last ?? 0)))]).toEqual([watch.name, expected]);
      }
    });

    it("goes from history to live without a gap or a repeat while writes go on", async () => {
      const k = under("watch-no-gap");
      const revisions: number[] = [];
      for (let i = 0; i < 5; i++) revisions.push((await store.put({ key: k(`h${i}`), value: "v" })).header.revision);
      const from = revisions[2] ?? 0;
      const s = open(create({ key: b64(k()), range_end: encodeBase64(prefixRangeEnd(k())), start_revision: String(from) }));
      // Writes race the watch's catch-up: some land before it joins the live feed, some after.
      for (let i = 0; i < 30; i++) revisions.push((await store.put({ key: k(`l${i}`), value: "v" })).header.revision);
      const last = revisions.at(-1) ?? 0;
      const lines = await s.nextUntil((line) => lastEventRevision(line) >= last);
      const seen = eventsOf(lines).map((e) => Number(e.kv.mod_revision));
      expect(seen).toEqual(revisions.filter((r) => r >= from));
    });

    it("filters: NOPUT delivers only deletions, NODELETE only puts", async () => {
      const k = under("watch-filters");
      const range = { key: b64(k()), range_end: encodeBase64(prefixRangeEnd(k())) };
      const noPut = open(create({ ...range, filters: ["NOPUT"] }));
      const noDelete = open(create({ ...range, filters: ["NODELETE"] }));
      await Promise.all([noPut.next(), noDelete.next()]);
      const log: string[] = [];
      const put = async (name: string) => log.push(`PUT ${k(name)}@${(await store.put({ key: k(name), value: "v" })).header.revision}`);
      const del = async (name: string) => log.push(`DELETE ${k(name)}@${(await store.deleteRange({ key: k(name) })).header.revision}`);
      await put("a");
      await del("a");
      await put("b");
      await del("b");
      await put("c");
      await del("c");
      const revisionOf = (entry: string | undefined) => Number(entry?.split("@")[1]);
      const deletes = log.filter((e) => e.startsWith("DELETE"));
      const puts = log.filter((e) => e.startsWith("PUT"));
      expect(summary(await noPut.nextUntil((line) => lastEventRevision(line) >= revisionOf(deletes.at(-1))))).toEqual(deletes);
      expect(summary(await noDelete.nextUntil((line) => lastEventRevision(line) >= revisionOf(puts.at(-1))))).toEqual(puts);
    });

    it("cancels a watch: answers canceled, then sends nothing more for it; an unknown id gets no answer", async () => {
      const k = under("watch-cancel");
      const revision = await caughtUp();
      const s = open(create({ key: b64(k("a")) }), create({ key: b64(k("b")) }), { cancel_request: { watch_id: "0" } }, { cancel_request: { watch_id: "9" } });
      expect(await s.next(3)).toEqual([
        { result: { header: at(revision), created: true } },
        { result: { header: at(revision), watch_id: "1", created: true } },
        { result: { header: at(revision), canceled: true } },
      ]);
      await store.put({ key: k("a"), value: "v" });
      const rb = (await store.put({ key: k("b"), value: "v" })).header.revision;
      expect(await s.next()).toEqual([{ result: { header: at(rb), watch_id: "1", events: [{ kv: kvJson(k("b"), { create: rb, mod: rb, version: 1, value: "v" }) }] } }]);
    });

    it("refuses a watch id already in use on the stream", async () => {
      const k = under("watch-duplicate-id");
      const revision = await caughtUp();
      const s = open(create({ key: b64(k("a")), watch_id: "3" }), create({ key: b64(k("b")), watch_id: "3" }));
      expect(await s.next(2)).toEqual([
        { result: { header: at(revision), watch_id: "3", created: true } },
        { result: { header: at(revision), watch_id: "-1", created: true, canceled: true, cancel_reason: "mvcc: duplicate watch ID provided on the WatchStream" } },
      ]);
    });

    it("delivers a txn's writes as one answer, in the txn's order", async () => {
      const k = under("watch-txn");
      const rb = (await store.put({ key: k("b"), value: "b" })).header.revision;
      const s = open(create({ key: b64(k()), range_end: encodeBase64(prefixRangeEnd(k())) }));
      await s.next();
      const txn = await store.txn({ success: [{ put: { key: k("c"), value: "c" } }, { put: { key: k("a") } }, { deleteRange: { key: k("b") } }] });
      const r = txn.header.revision;
      expect(rb).toBeLessThan(r);
      expect(await s.next()).toEqual([
        {
          result: {
            header: at(r),
            events: [{ kv: kvJson(k("c"), { create: r, mod: r, version: 1, value: "c" }) }, { kv: kvJson(k("a"), { create: r, mod: r, version: 1 }) }, { type: "DELETE", kv: deletedJson(k("b"), r) }],
          },
        },
      ]);
    });

    it("answers a progress request with the member's revision and watch id -1", async () => {
      const k = under("watch-progress");
      const revision = await caughtUp();
      const s = open(create({ key: b64(k("a")) }), { progress_request: {} });
      expect(await s.next(2)).toEqual([{ result: { header: at(revision), created: true } }, { result: { header: at(revision), watch_id: "-1" } }]);
    });

    /** Three puts on one key, compacted at the second: [r1, r2, r3]. */
    const compactedHistory = async (k: string): Promise<[number, number, number]> => {
      const r1 = (await store.put({ key: k, value: "1" })).header.revision;
      const r2 = (await store.put({ key: k, value: "2" })).header.revision;
      const r3 = (await store.put({ key: k, value: "3" })).header.revision;
      await store.compact(r2, true);
      await caughtUp();
      return [r1, r2, r3];
    };

    it("cancels a watch from before the compaction: created, then canceled with compact_revision and a header without revision", async () => {
      const k = under("watch-compacted")("a");
      const [r1, r2, r3] = await compactedHistory(k);
      const s = open(create({ key: b64(k), start_revision: String(r1) }));
      expect(await s.next(2)).toEqual([
        { result: { header: at(r3), created: true } },
        {
          result: {
            header: { cluster_id: expect.stringMatching(/^\d+$/), member_id: expect.stringMatching(/^\d+$/), raft_term: expect.stringMatching(/^\d+$/) },
            canceled: true,
            compact_revision: String(r2),
          },
        },
      ]);
    });

    it("replays a watch from the compaction revision itself", async () => {
      const k = under("watch-at-compaction")("a");
      const [, r2, r3] = await compactedHistory(k);
      const s = open(create({ key: b64(k), start_revision: String(r2) }));
      expect(await s.next()).toEqual([{ result: { header: at(r3), created: true } }]);
      expect(summary(await s.nextUntil((line) => lastEventRevision(line) >= r3 || (line.result as { canceled?: boolean }).canceled === true))).toEqual([
        `PUT ${k}@${r2}`,
        `PUT ${k}@${r3}`,
      ]);
    });

    it("a watch from a revision not yet written hears nothing before it", async () => {
      const k = under("watch-future")("a");
      const r0 = (await store.put({ key: k, value: "0" })).header.revision;
      await caughtUp();
      const s = open(create({ key: b64(k), start_revision: String(r0 + 3) }));
      expect(await s.next()).toEqual([{ result: { header: at(r0), created: true } }]);
      const revisions: number[] = [];
      for (let i = 1; i <= 4; i++) revisions.push((await store.put({ key: k, value: String(i) })).header.revision);
      expect(revisions).toEqual([r0 + 1, r0 + 2, r0 + 3, r0 + 4]);
      expect(summary(await s.nextUntil((line) => lastEventRevision(line) >= r0 + 4))).toEqual([`PUT ${k}@${r0 + 3}`, `PUT ${k}@${r0 + 4}`]);
    });

    it("through the client: a compacted start revision is a WatchCompactedError", async () => {
      const k = under("watch-compacted-client")("a");
      const [r1, r2] = await compactedHistory(k);
      const watch = store.watch({ key: k, startRevision: r1 }, { events: () => {} });
      const error = await watch.done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WatchCompactedError);
      expect(error).toMatchObject({ compactRevision: r2, requestedRevision: r1 });
    });

    it("through the client: one call per revision, in order, each event once", async () => {
      const k = under("watch-client");
      const batches: [number, string[]][] = [];
      let resolveLast: () => void = () => {};
      const lastSeen = new Promise<void>((resolve) => (resolveLast = resolve));
      let lastRevision = Number.POSITIVE_INFINITY;
      const watch = store.watch(
        { key: k(), rangeEnd: prefixRangeEnd(k()), prevKv: true },
        {
          events(batch) {
            batches.push([batch.revision, batch.events.map((e) => `${e.type} ${text(e.kv.key)}${e.prevKv === undefined ? "" : ` (was ${text(e.prevKv.value)})`}`)]);
            if (batch.revision >= lastRevision) resolveLast();
          },
        },
      );
      const createdAt = await watch.created;
      const r1 = (await store.put({ key: k("a"), value: "1" })).header.revision;
      const r2 = (await store.txn({ success: [{ put: { key: k("b"), value: "2" } }, { put: { key: k("a"), value: "3" } }] })).header.revision;
      const r3 = (await store.deleteRange({ key: k(), rangeEnd: prefixRangeEnd(k()) })).header.revision;
      lastRevision = r3;
      if (batches.at(-1)?.[0] === r3) resolveLast();
      await lastSeen;
      watch.close();
      await watch.done;
      expect(createdAt).toBeLessThan(r1);
      expect(batches).toEqual([
        [r1, [`PUT ${k("a")}`]],
        [r2, [`PUT ${k("b")}`, `PUT ${k("a")} (was 1)`]],
        [r3, [`DELETE ${k("a")} (was 3)`, `DELETE ${k("b")} (was 2)`]],
      ]);
    });
  });

  describe("lease expiry", () => {
    const streams: RawWatchStream[] = [];
    afterEach(() => {
      for (const s of streams.splice(0)) s.close();
    });
    const deleteEvents = (line: WatchLine) => ((line.result as { events?: { type?: string }[] }).events ?? []).filter((e) => e.type === "DELETE");

    it("deletes every key of a lease that is not kept alive once its TTL has passed, at one revision, not before", async () => {
      const k = under("lease-expiry");
      const grantSentAtMs = Date.now();
      // 2 s: etcd's minimum TTL with its default election timeout (it raises shorter ones).
      const granted = await store.leaseGrant(2);
      expect(granted.ttlSeconds).toBe(2);
      const ra = (await store.put({ key: k("a"), value: "a", lease: granted.id })).header.revision;
      const rb = (await store.put({ key: k("b"), value: "b", lease: granted.id })).header.revision;
      await store.put({ key: k("c"), value: "no lease" });
      const s = new RawWatchStream(endpoint, [{ create_request: { key: b64(k()), range_end: encodeBase64(prefixRangeEnd(k())), prev_kv: true } }]);
      streams.push(s);
      await s.next();
      const [line] = await s.next(1, 10_000);
      const deletedAtMs = Date.now();
      const revision = Number(((line?.result as { header: { revision: string } }).header.revision));
      expect(line).toEqual({
        result: {
          header: expect.objectContaining({ revision: String(revision) }),
          events: [
            { type: "DELETE", kv: { key: b64(k("a")), mod_revision: String(revision) }, prev_kv: { key: b64(k("a")), create_revision: String(ra), mod_revision: String(ra), version: "1", value: b64("a"), lease: granted.id } },
            { type: "DELETE", kv: { key: b64(k("b")), mod_revision: String(revision) }, prev_kv: { key: b64(k("b")), create_revision: String(rb), mod_revision: String(rb), version: "1", value: b64("b"), lease: granted.id } },
          ],
        },
      });
      expect(deleteEvents(line ?? {})).toHaveLength(2);
      // Not before the TTL: the lease began no earlier than the grant was sent.
      expect(deletedAtMs - grantSentAtMs).toBeGreaterThanOrEqual(2_000);
      expect(deletedAtMs - grantSentAtMs).toBeLessThan(6_000);
      expect(keys((await store.range({ key: k(), rangeEnd: prefixRangeEnd(k()) })).kvs)).toEqual([k("c")]);
      expect((await store.leaseTimeToLive(granted.id)).ttlSeconds).toBe(-1);
      expect((await store.leases()).ids).not.toContain(granted.id);
    });

    it("keeps a lease kept alive past its TTL, and expires it one TTL after the last renewal once they stop", async () => {
      const k = under("lease-kept");
      const granted = await store.leaseGrant(2);
      await store.put({ key: k("a"), value: "a", lease: granted.id });
      const s = new RawWatchStream(endpoint, [{ create_request: { key: b64(k()), range_end: encodeBase64(prefixRangeEnd(k())) } }]);
      streams.push(s);
      await s.next();
      const keeper = store.keepLease(granted.id, granted.ttlSeconds);
      let lost = false;
      void keeper.lost.then(() => (lost = true));
      // Twice the TTL: time has to pass here, there is no condition to wait for.
      await new Promise((resolve) => setTimeout(resolve, 2 * granted.ttlSeconds * 1_000 + 500));
      expect(lost).toBe(false);
      expect(keeper.renewals).toBeGreaterThanOrEqual(5);
      expect(s.lines).toHaveLength(1); // created only: no deletion
      expect((await store.get(k("a")))?.lease).toBe(granted.id);
      const ttl = await store.leaseTimeToLive(granted.id);
      expect(ttl.ttlSeconds).toBeGreaterThan(0);

      keeper.stop();
      const lastRenewalExpiresAtMs = keeper.expiresAtMs;
      const [line] = await s.next(1, 10_000);
      expect(deleteEvents(line ?? {})).toHaveLength(1);
      expect(Date.now()).toBeGreaterThanOrEqual(lastRenewalExpiresAtMs);
      expect(await store.get(k("a"))).toBeUndefined();
    });
  });

  describe("cluster", () => {
    it("reports status, members and health; every member names the same leader", async () => {
      const statuses = await Promise.all(target.endpoints.map((e) => store.status(e)));
      const leader = statuses[0]?.leader;
      expect(leader).toMatch(/^[1-9]\d*$/);
      for (const status of statuses) {
        expect(status.leader).toBe(leader);
        expect(status.raftTerm).toBeGreaterThanOrEqual(1);
        expect(status.raftIndex).toBeGreaterThan(0);
        expect(status.raftAppliedIndex).toBeGreaterThan(0);
        expect(status.dbSize).toBeGreaterThan(0);
        expect(status.version).toMatch(/^\d+\.\d+\.\d+/);
      }
      const members = await store.memberList();
      expect(members).toHaveLength(target.endpoints.length);
      expect(members.map((m) => m.id)).toContain(leader);
      expect(new Set(statuses.map((s) => s.memberId))).toEqual(new Set(members.map((m) => m.id)));
      for (const member of members) {
        expect(member.name).not.toBe("");
        expect(member.peerURLs.length).toBeGreaterThan(0);
        expect(member.clientURLs.length).toBeGreaterThan(0);
      }
      expect(await store.refreshLeader()).toBeDefined();
      for (const e of target.endpoints) expect(await store.health(e)).toEqual({ endpoint: new URL(e).origin, health: true });
    });
  });
});
