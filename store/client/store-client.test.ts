import { afterEach, describe, expect, it } from "vitest";
import { bytesToText, OutcomeUnknownError, StoreClient, StoreError, UnavailableError } from "./index.js";
import { deadEndpoint, header, startTestGateway, type GatewayHandler, type TestGateway } from "./test-gateway.js";

const gateways: TestGateway[] = [];
const clients: StoreClient[] = [];

async function gateway(handler?: GatewayHandler): Promise<TestGateway> {
  const g = await startTestGateway(handler);
  gateways.push(g);
  return g;
}

function client(endpoints: string[], options: Partial<ConstructorParameters<typeof StoreClient>[0]> = {}): StoreClient {
  const c = new StoreClient({ endpoints, requestTimeoutMs: 1_000, deadlineMs: 3_000, random: () => 0.5, ...options });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

const b64 = (text: string) => Buffer.from(text).toString("base64");
const unavailable = (message = "etcdserver: no leader") => ({ status: 503, body: { error: message, message, code: 14 } });

describe("decoding: the gateway omits fields that hold their default", () => {
  it("decodes a range answer with only a header", async () => {
    const g = await gateway(() => ({ body: { header: { revision: "5" } } }));
    const result = await client([g.url]).range({ key: "a" });
    expect(result).toEqual({ header: { clusterId: "0", memberId: "0", revision: 5, raftTerm: 0 }, kvs: [], more: false, count: 0 });
  });

  it("decodes a key-value without value and lease, and keeps 64-bit ids exact", async () => {
    const g = await gateway(() => ({
      body: {
        header: { cluster_id: "8935823866614897123", member_id: "18084470263396238225", revision: "9", raft_term: "3" },
        kvs: [{ key: b64("k"), create_revision: "8", mod_revision: "9", version: "2" }],
        count: "1",
      },
    }));
    const result = await client([g.url]).range({ key: "k" });
    expect(result.header).toEqual({ clusterId: "8935823866614897123", memberId: "18084470263396238225", revision: 9, raftTerm: 3 });
    expect(result.kvs[0]).toEqual({ key: new TextEncoder().encode("k"), value: new Uint8Array(0), createRevision: 8, modRevision: 9, version: 2, lease: "0" });
  });

  it("decodes txn answers whose inner headers hold only a revision and whose succeeded is omitted", async () => {
    const g = await gateway(() => ({
      body: {
        header: header(12),
        responses: [
          { response_range: { header: { revision: "11" } } },
          { response_put: { header: { revision: "12" } } },
          { response_delete_range: { header: { revision: "12" } } },
          { response_txn: { header: {}, succeeded: true } },
        ],
      },
    }));
    const result = await client([g.url]).txn({ success: [{ put: { key: "x" } }] });
    expect(result.succeeded).toBe(false);
    expect(result.responses.map((r) => r.type)).toEqual(["range", "put", "deleteRange", "txn"]);
    const [range, , del, txn] = result.responses;
    expect(range?.type === "range" && range.range).toEqual({ header: { clusterId: "0", memberId: "0", revision: 11, raftTerm: 0 }, kvs: [], more: false, count: 0 });
    expect(del?.type === "deleteRange" && del.deleteRange.deleted).toBe(0);
    expect(txn?.type === "txn" && txn.txn).toEqual({ header: { clusterId: "0", memberId: "0", revision: 0, raftTerm: 0 }, succeeded: true, responses: [] });
  });

  it("decodes lease answers, and a keep-alive of a missing lease is NotFound", async () => {
    const g = await gateway((request) => {
      switch (request.path) {
        case "/v3/lease/grant":
          return { body: { header: header(), ID: "5224635246267960360", TTL: "30" } };
        case "/v3/lease/timetolive":
          return { body: { header: header(), ID: "5224635246267960360", TTL: "-1" } };
        case "/v3/lease/keepalive":
          return { body: { result: { header: header(), ID: "5224635246267960360" } } };
        default:
          return { body: { header: header() } };
      }
    });
    const c = client([g.url]);
    expect(await c.leaseGrant(30)).toMatchObject({ id: "5224635246267960360", ttlSeconds: 30 });
    expect(await c.leaseTimeToLive("5224635246267960360", true)).toMatchObject({ ttlSeconds: -1, grantedTtlSeconds: 0, keys: [] });
    await expect(c.leaseKeepAliveOnce("5224635246267960360")).rejects.toMatchObject({ name: "StoreError", code: 5 });
    expect(await c.leases()).toMatchObject({ ids: [] });
  });

  it("rejects a revision past 2^53 rather than rounding it", async () => {
    const g = await gateway(() => ({ body: { header: { revision: "9007199254740993" } } }));
    const error = await client([g.url]).range({ key: "a" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 13, message: expect.stringMatching(/past 2\^53/) });
  });

  it("reads status and member list", async () => {
    const g = await gateway((request) =>
      request.path === "/v3/maintenance/status"
        ? { body: { header: header(3, "11"), version: "3.4.23", dbSize: "20480", leader: "11", raftIndex: "9", raftTerm: "2", raftAppliedIndex: "9" } }
        : { body: { header: header(), members: [{ ID: "11", name: "s1", peerURLs: ["http://p"], clientURLs: [g.url] }] } },
    );
    const c = client([g.url]);
    expect(await c.status()).toMatchObject({ endpoint: g.url, memberId: "11", leader: "11", raftIndex: 9, raftTerm: 2, raftAppliedIndex: 9, dbSize: 20480, version: "3.4.23", errors: [] });
    expect(await c.memberList()).toEqual([{ id: "11", name: "s1", peerURLs: ["http://p"], clientURLs: [g.url], isLearner: false }]);
  });
});

describe("encoding", () => {
  it("sends base64 keys, int64 as strings, etcd's field names, and leaves defaults out", async () => {
    const g = await gateway(() => ({ body: { header: header() } }));
    const c = client([g.url]);
    await c.put({ key: "k", value: new Uint8Array([0, 255]), lease: "5224635246267960360", prevKv: true });
    await c.range({ key: "a", rangeEnd: "b", limit: 2, revision: 0, sortOrder: "DESCEND", sortTarget: "MOD", countOnly: false });
    await c.txn({
      compare: [
        { key: "k", result: "NOT_EQUAL", target: "VERSION", version: 0 },
        { key: "k", result: "GREATER", target: "LEASE", lease: 7n },
      ],
      success: [{ deleteRange: { key: "k", prevKv: true } }, { txn: { failure: [{ range: { key: "k", keysOnly: true } }] } }],
    });
    expect(g.requests.filter((r) => r.path.startsWith("/v3/kv/")).map((r) => [r.path, r.body])).toEqual([
      ["/v3/kv/put", { key: b64("k"), value: "AP8=", lease: "5224635246267960360", prev_kv: true }],
      ["/v3/kv/range", { key: b64("a"), range_end: b64("b"), limit: "2", sort_order: "DESCEND", sort_target: "MOD" }],
      [
        "/v3/kv/txn",
        {
          compare: [
            { result: "NOT_EQUAL", target: "VERSION", key: b64("k"), version: "0" },
            { result: "GREATER", target: "LEASE", key: b64("k"), lease: "7" },
          ],
          success: [
            { request_delete_range: { key: b64("k"), prev_kv: true } },
            { request_txn: { failure: [{ request_range: { key: b64("k"), keys_only: true } }] } },
          ],
        },
      ],
    ]);
    expect(g.requests[0]?.headers["content-type"]).toBe("application/json");
  });

  it("rejects bad arguments before sending anything", async () => {
    const g = await gateway();
    const c = client([g.url]);
    await expect(c.range({ key: "a", limit: -1 })).rejects.toThrow(TypeError);
    await expect(c.put({ key: "a", lease: "12abc" })).rejects.toThrow(/lease/);
    await expect(c.compact(1.5)).rejects.toThrow(TypeError);
    expect(g.requests).toHaveLength(0);
  });
});

describe("errors that are final", () => {
  it("throws StoreError at once for InvalidArgument, OutOfRange, NotFound, FailedPrecondition", async () => {
    const error = (status: number, code: number, message: string) => ({ status, body: { error: message, message, code } });
    const answers: Record<string, ReturnType<typeof error>> = {
      "/v3/kv/put": error(400, 3, "etcdserver: key is not provided"),
      "/v3/kv/range": error(400, 11, "etcdserver: mvcc: required revision has been compacted"),
      "/v3/lease/revoke": error(404, 5, "etcdserver: requested lease not found"),
      "/v3/lease/grant": error(412, 9, "etcdserver: lease already exists"),
    };
    const g = await gateway((request) => answers[request.path] ?? { body: { header: header() } });
    const c = client([g.url]);
    const errors = [
      await c.put({ key: "" }).catch((e: unknown) => e),
      await c.range({ key: "a", revision: 1 }).catch((e: unknown) => e),
      await c.leaseRevoke("1").catch((e: unknown) => e),
      await c.leaseGrant(5, "1").catch((e: unknown) => e),
    ];
    expect(errors.map((e) => e instanceof StoreError && [e.code, e.httpStatus, e.endpoint])).toEqual([
      [3, 400, g.url],
      [11, 400, g.url],
      [5, 404, g.url],
      [9, 412, g.url],
    ]);
    expect((errors[1] as StoreError).isCompacted).toBe(true);
    expect(g.requests.filter((r) => r.path in answers)).toHaveLength(4);
  });

  it("keeps the text and derives the code of an error answer that is not JSON", async () => {
    const g = await gateway(() => ({ status: 404, body: "Not Found" }));
    await expect(client([g.url]).range({ key: "a" })).rejects.toMatchObject({ name: "StoreError", code: 5, httpStatus: 404 });
  });

  it("treats an undecodable 200 as a protocol fault (code 13), not a retry", async () => {
    const g = await gateway(() => ({ body: { header: header(), kvs: "nope" } }));
    await expect(client([g.url]).range({ key: "a" })).rejects.toMatchObject({ name: "StoreError", code: 13 });
    expect(g.requests).toHaveLength(1);
  });
});

describe("retries", () => {
  it("retries on another endpoint after 503 Unavailable (reads and writes)", async () => {
    const down = await gateway(() => unavailable());
    const up = await gateway(() => ({ body: { header: header(4) } }));
    const c = client([down.url, up.url]);
    expect((await c.put({ key: "a", value: "1" })).header.revision).toBe(4);
    expect((await c.range({ key: "a" })).header.revision).toBe(4);
    expect(up.requests.filter((r) => r.path.startsWith("/v3/kv/"))).toHaveLength(2);
  });

  it("retries a write after connection refused: it was never sent", async () => {
    const dead = await deadEndpoint();
    const up = await gateway(() => ({ body: { header: header(4) } }));
    const c = client([dead, up.url]);
    for (let i = 0; i < 3; i++) expect((await c.put({ key: "a" })).header.revision).toBe(4);
  });

  it("does not retry a write that reached a member and got no answer", async () => {
    const silent = await gateway(() => "hang");
    const up = await gateway();
    const c = client([silent.url, up.url], { requestTimeoutMs: 200, deadlineMs: 5_000 });
    const started = Date.now();
    const error = await c.put({ key: "a", value: "1" }).catch((e: unknown) => e);
    const elapsedMs = Date.now() - started;
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).endpoint).toBe(silent.url);
    expect(elapsedMs).toBeGreaterThanOrEqual(190);
    expect(elapsedMs).toBeLessThan(2_000);
    expect(silent.requests.filter((r) => r.path === "/v3/kv/put")).toHaveLength(1);
    expect(up.requests.filter((r) => r.path === "/v3/kv/put")).toHaveLength(0);
  });

  it("does not retry a write whose connection was cut after sending", async () => {
    const cutter = await gateway((request) => (request.path === "/v3/kv/put" ? "destroy" : { body: { header: header() } }));
    const up = await gateway();
    const c = client([cutter.url, up.url]);
    await expect(c.put({ key: "a" })).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(up.requests.filter((r) => r.path === "/v3/kv/put")).toHaveLength(0);
  });

  it("does not retry a write that etcd says timed out after proposing", async () => {
    const g = await gateway(() => unavailable("etcdserver: request timed out"));
    const up = await gateway();
    const c = client([g.url, up.url]);
    await expect(c.deleteRange({ key: "a" })).rejects.toBeInstanceOf(OutcomeUnknownError);
    // ...nor the gateway's own "context deadline exceeded" (HTTP 500, code 2).
    g.handle(() => ({ status: 500, body: { error: "context deadline exceeded", message: "context deadline exceeded", code: 2 } }));
    await expect(client([g.url, up.url]).txn({ success: [{ put: { key: "a" } }] })).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(up.requests.filter((r) => r.path.startsWith("/v3/kv/"))).toHaveLength(0);
  });

  it("retries reads that got no answer or a cut connection, and read-only txns", async () => {
    const silent = await gateway((request) => (request.path === "/v3/kv/txn" ? "destroy" : "hang"));
    const up = await gateway(() => ({ body: { header: header(8) } }));
    const c = client([silent.url, up.url], { requestTimeoutMs: 200 });
    expect((await c.range({ key: "a" })).header.revision).toBe(8);
    expect((await c.txn({ success: [{ range: { key: "a" } }] })).header.revision).toBe(8);
  });

  it("honours Retry-After", async () => {
    const g = await gateway((request, index) =>
      request.path === "/v3/kv/put" && index === 0 ? { ...unavailable(), headers: { "retry-after": "1" } } : { body: { header: header(2) } },
    );
    const c = client([g.url], { deadlineMs: 5_000 });
    const started = Date.now();
    expect((await c.put({ key: "a" })).header.revision).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });

  it("gives up at once when Retry-After reaches past the deadline", async () => {
    const g = await gateway(() => ({ ...unavailable(), headers: { "retry-after": "30" } }));
    const started = Date.now();
    await expect(client([g.url], { deadlineMs: 5_000 }).range({ key: "a" })).rejects.toBeInstanceOf(UnavailableError);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("respects the overall deadline, backing off between rounds", async () => {
    const a = await gateway(() => unavailable());
    const b = await gateway(() => unavailable("etcdserver: leader changed"));
    const c = client([a.url, b.url], { deadlineMs: 400, backoff: { baseDelayMs: 20, maxDelayMs: 100 } });
    const started = Date.now();
    const error = await c.range({ key: "a" }).catch((e: unknown) => e);
    const elapsedMs = Date.now() - started;
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).cause).toBeInstanceOf(StoreError);
    expect(elapsedMs).toBeLessThan(1_500); // generous for a loaded CI machine; the point is "not 3 s"
    // Back-off: far fewer attempts than a tight loop would make in 400 ms, both endpoints tried.
    expect(a.requests.length + b.requests.length).toBeLessThan(30);
    expect(a.requests.length).toBeGreaterThan(0);
    expect(b.requests.length).toBeGreaterThan(0);
  });

  it("ends a hanging read at the deadline even when one attempt may last longer", async () => {
    const g = await gateway(() => "hang");
    const started = Date.now();
    await expect(client([g.url], { requestTimeoutMs: 5_000, deadlineMs: 300 }).range({ key: "a" })).rejects.toBeInstanceOf(UnavailableError);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("fails with UnavailableError after close()", async () => {
    const g = await gateway(() => "hang");
    const c = client([g.url]);
    const pending = c.range({ key: "a" }).catch((e: unknown) => e);
    await g.waitForRequests(1);
    c.close();
    expect(await pending).toBeInstanceOf(UnavailableError);
    await expect(c.range({ key: "a" })).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe("leader preference and concurrency", () => {
  async function threeMembers(): Promise<TestGateway[]> {
    const members = [await gateway(), await gateway(), await gateway()];
    const ids = ["101", "102", "103"];
    const memberList = { header: header(), members: members.map((m, i) => ({ ID: ids[i], name: `s${i + 1}`, peerURLs: [], clientURLs: [m.url] })) };
    members.forEach((m, i) =>
      m.handle((request) => {
        if (request.path === "/v3/maintenance/status") return { body: { header: header(1, ids[i]), leader: "102" } };
        if (request.path === "/v3/cluster/member/list") return { body: memberList };
        return { body: { header: header(1, ids[i]) } };
      }),
    );
    return members;
  }

  it("sends writes to the leader once known, and spreads reads", async () => {
    const [s1, s2, s3] = await threeMembers();
    if (s1 === undefined || s2 === undefined || s3 === undefined) throw new Error("three members");
    const c = client([s1.url, s2.url, s3.url]);
    expect(await c.refreshLeader()).toBe(s2.url);
    for (let i = 0; i < 5; i++) expect((await c.put({ key: `k${i}` })).header.memberId).toBe("102");
    await c.deleteRange({ key: "k0" });
    for (let i = 0; i < 6; i++) await c.range({ key: `k${i}` });
    const count = (g: TestGateway, path: string) => g.requests.filter((r) => r.path === path).length;
    expect([count(s1, "/v3/kv/put"), count(s2, "/v3/kv/put"), count(s3, "/v3/kv/put")]).toEqual([0, 5, 0]);
    expect(count(s2, "/v3/kv/deleterange")).toBe(1);
    expect([count(s1, "/v3/kv/range"), count(s2, "/v3/kv/range"), count(s3, "/v3/kv/range")]).toEqual([2, 2, 2]);
  });

  it("learns the leader in the background after the first write", async () => {
    const [s1, s2, s3] = await threeMembers();
    if (s1 === undefined || s2 === undefined || s3 === undefined) throw new Error("three members");
    const c = client([s1.url, s2.url, s3.url]);
    await c.put({ key: "first" });
    await expect.poll(() => c.leaderEndpoint).toBe(s2.url);
  });

  it("forgets a leader that answers Unavailable and writes elsewhere", async () => {
    const [s1, s2, s3] = await threeMembers();
    if (s1 === undefined || s2 === undefined || s3 === undefined) throw new Error("three members");
    const c = client([s1.url, s2.url, s3.url], { logger: () => {} });
    await c.refreshLeader();
    s2.handle(() => unavailable("etcdserver: leader changed"));
    expect((await c.put({ key: "a" })).header.memberId).not.toBe("102");
    expect(c.leaderEndpoint).toBeUndefined();
  });

  it("carries 256 requests in flight at once", async () => {
    const inFlight = 256;
    const release: (() => void)[] = [];
    const g = await gateway(
      () =>
        new Promise((resolve) => {
          release.push(() => resolve({ body: { header: header(3) } }));
          if (release.length === inFlight) for (const r of release) r();
        }),
    );
    const c = client([g.url], { requestTimeoutMs: 10_000, deadlineMs: 10_000 });
    const results = await Promise.all(Array.from({ length: inFlight }, (_, i) => c.range({ key: `k${i}` })));
    expect(results.every((r) => r.header.revision === 3)).toBe(true);
  });
});

describe("health", () => {
  it("reads etcd's string health, also from a 503", async () => {
    const g = await gateway((_r, index) => (index === 0 ? { body: { health: "true" } } : { status: 503, body: { health: "false" } }));
    const c = client([g.url]);
    expect(await c.health()).toEqual({ endpoint: g.url, health: true });
    expect(await c.health(g.url)).toEqual({ endpoint: g.url, health: false });
    expect(g.requests.map((r) => [r.method, r.path])).toEqual([["GET", "/health"], ["GET", "/health"]]);
  });
});

it("decodes values as bytes", async () => {
  const g = await gateway(() => ({ body: { header: header(), kvs: [{ key: b64("k"), value: b64("héllo") }], count: "1" } }));
  const kv = await client([g.url]).get("k");
  expect(kv && bytesToText(kv.value)).toBe("héllo");
});
