import { afterEach, describe, expect, it } from "vitest";
import { LeaseLostError, StoreClient } from "./index.js";
import { deadEndpoint, header, startTestGateway, type GatewayHandler, type TestGateway } from "./test-gateway.js";

const gateways: TestGateway[] = [];
const clients: StoreClient[] = [];

async function gateway(handler?: GatewayHandler): Promise<TestGateway> {
  const g = await startTestGateway(handler);
  gateways.push(g);
  return g;
}

function client(endpoints: string[]): StoreClient {
  const c = new StoreClient({ endpoints, requestTimeoutMs: 300, deadlineMs: 3_000, random: () => 0.5, backoff: { baseDelayMs: 10, maxDelayMs: 50 } });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

const lease = "7587869722953461256";
const alive = (ttl: string) => ({ body: { result: { header: header(), ID: lease, TTL: ttl } } });
const keepAlives = (g: TestGateway) => g.requests.filter((r) => r.path === "/v3/lease/keepalive");

describe("lease keeper", () => {
  it("renews at once, then every TTL/3, with etcd's keep-alive body", async () => {
    const g = await gateway(() => alive("1"));
    const started = Date.now();
    const keeper = client([g.url]).keepLease(lease, 1);
    await g.waitForPath("/v3/lease/keepalive", 4);
    const elapsedMs = Date.now() - started;
    keeper.stop();
    // Renewals at about 0, 333, 667 and 1000 ms.
    expect(elapsedMs).toBeGreaterThanOrEqual(950);
    expect(elapsedMs).toBeLessThan(1_500);
    expect(keepAlives(g).map((r) => r.body)).toEqual([{ ID: lease }, { ID: lease }, { ID: lease }, { ID: lease }]);
    expect(keeper.renewals).toBeGreaterThanOrEqual(3);
    expect(keeper.ttlSeconds).toBe(1);
    expect(keeper.expiresAtMs).toBeGreaterThan(Date.now());
  });

  it("follows the TTL the store answers (a raised minimum)", async () => {
    const g = await gateway(() => alive("2"));
    const keeper = client([g.url]).keepLease(lease, 1);
    await g.waitForPath("/v3/lease/keepalive", 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(keeper.ttlSeconds).toBe(2);
    keeper.stop();
  });

  it("reports the lease gone when the keep-alive is answered without a TTL, and stops", async () => {
    const g = await gateway((request, index) => (index < 2 ? alive("1") : { body: { result: { header: header(), ID: lease } } }));
    const lost: LeaseLostError[] = [];
    const keeper = client([g.url]).keepLease(lease, 1, { onLost: (error) => lost.push(error) });
    const error = await keeper.lost;
    expect(error).toBeInstanceOf(LeaseLostError);
    expect([error.leaseId, error.reason]).toEqual([lease, "not-found"]);
    expect(lost).toEqual([error]);
    const count = keepAlives(g).length;
    expect(count).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(keepAlives(g)).toHaveLength(count);
  });

  it("reports the loss when no renewal succeeds within the TTL, not before", async () => {
    const g = await gateway((request, index) =>
      index === 0 ? alive("1") : { status: 503, body: { error: "etcdserver: no leader", message: "etcdserver: no leader", code: 14 } },
    );
    const started = Date.now();
    const keeper = client([g.url]).keepLease(lease, 1);
    const error = await keeper.lost;
    const elapsedMs = Date.now() - started;
    expect(error.reason).toBe("not-renewed");
    // Counted from the first renewal's send time (just after start), not from the failures.
    expect(elapsedMs).toBeGreaterThanOrEqual(990);
    expect(elapsedMs).toBeLessThan(1_400);
    expect(keepAlives(g).length).toBeGreaterThan(3); // it kept trying meanwhile
  });

  it("reports the loss on time even while a renewal hangs", async () => {
    const g = await gateway((request, index) => (index === 0 ? alive("1") : "hang"));
    const c = new StoreClient({ endpoints: [g.url], requestTimeoutMs: 5_000, deadlineMs: 10_000 });
    clients.push(c);
    const started = Date.now();
    const error = await c.keepLease(lease, 1).lost;
    expect(error.reason).toBe("not-renewed");
    expect(Date.now() - started).toBeLessThan(1_400);
  });

  it("renews through another member while one is down or answers an error line", async () => {
    const dead = await deadEndpoint();
    const g = await gateway((request, index) =>
      index % 2 === 1 ? { body: { error: { grpc_code: 14, http_code: 503, message: "etcdserver: no leader" } } } : alive("1"),
    );
    const keeper = client([dead, g.url]).keepLease(lease, 1);
    const outcome = await Promise.race([keeper.lost, new Promise((resolve) => setTimeout(() => resolve("alive"), 1_500))]);
    expect(outcome).toBe("alive");
    expect(keeper.renewals).toBeGreaterThanOrEqual(3);
    keeper.stop();
  });

  it("stop() ends the renewals and leaves `lost` pending", async () => {
    const g = await gateway(() => alive("1"));
    const keeper = client([g.url]).keepLease(lease, 1);
    await g.waitForPath("/v3/lease/keepalive", 2);
    keeper.stop();
    const count = keepAlives(g).length;
    const outcome = await Promise.race([keeper.lost, new Promise((resolve) => setTimeout(() => resolve("pending"), 800))]);
    expect(outcome).toBe("pending");
    expect(keepAlives(g)).toHaveLength(count);
  });

  it("rejects a TTL that is not a positive integer", () => {
    expect(() => client(["http://127.0.0.1:1"]).keepLease(lease, 0)).toThrow(TypeError);
    expect(() => client(["http://127.0.0.1:1"]).keepLease("x1", 5)).toThrow(TypeError);
  });
});
