// Updates that start from the watch cache (as Kubernetes' GuaranteedUpdate does) must not act on
// a copy that is behind the store. Two apiservers over one store: a write through one, then at
// once a write through the other, whose cache may not have seen the first yet.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServerProcess, type ApiServerProcess } from "./support/apiserver-process.js";
import { startStoreCluster, type StoreCluster } from "./support/store-cluster.js";

let cluster: StoreCluster;
let first: ApiServerProcess;
let second: ApiServerProcess;

beforeAll(async () => {
  cluster = await startStoreCluster({ members: 3 });
  [first, second] = await Promise.all([startApiServerProcess(cluster.endpoints), startApiServerProcess(cluster.endpoints)]);
}, 60_000);

afterAll(async () => {
  await first?.stop();
  await second?.stop();
  await cluster?.stop();
});

async function call(server: ApiServerProcess, method: string, path: string, body?: unknown, contentType = "application/json"): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, { method, headers: { "content-type": contentType }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("writes that start from the watch cache", () => {
  it("a patch that looks like no change on a stale cached copy is still written", async () => {
    expect((await call(first, "POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "flip" }, data: { v: "1" } })).status).toBe(201);
    for (let round = 0; round < 30; round++) {
      // Through the first apiserver v=2; at once through the second v=1, which its cache may still show.
      expect((await call(first, "PATCH", "/api/v1/namespaces/default/configmaps/flip", { data: { v: "2" } }, "application/merge-patch+json")).status).toBe(200);
      const back = await call(second, "PATCH", "/api/v1/namespaces/default/configmaps/flip", { data: { v: "1" } }, "application/merge-patch+json");
      expect(back.status).toBe(200);
      expect((back.body.data as Record<string, string>).v).toBe("1");
      const stored = await call(first, "GET", "/api/v1/namespaces/default/configmaps/flip");
      expect((stored.body.data as Record<string, string>).v).toBe("1");
    }
  }, 60_000);

  it("a PUT carrying the resourceVersion just written elsewhere succeeds; a binding sees a binding made elsewhere", async () => {
    for (let round = 0; round < 20; round++) {
      const name = `p-${round}`;
      const pod = { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "nginx" }] } };
      expect((await call(first, "POST", "/api/v1/namespaces/default/pods", pod)).status).toBe(201);
      // A label through the first apiserver, then a PUT through the second with the new resourceVersion.
      const labelled = await call(first, "PATCH", `/api/v1/namespaces/default/pods/${name}`, { metadata: { labels: { round: String(round) } } }, "application/merge-patch+json");
      const put = await call(second, "PUT", `/api/v1/namespaces/default/pods/${name}`, { ...labelled.body, metadata: { ...(labelled.body.metadata as object), annotations: { seen: "yes" } } });
      expect(put.status).toBe(200);
      // Bound through the first apiserver; a second binding through the second must be refused.
      const binding = (node: string) => ({ apiVersion: "v1", kind: "Binding", metadata: { name }, target: { apiVersion: "v1", kind: "Node", name: node } });
      expect((await call(first, "POST", `/api/v1/namespaces/default/pods/${name}/binding`, binding("node-a"))).status).toBe(201);
      const again = await call(second, "POST", `/api/v1/namespaces/default/pods/${name}/binding`, binding("node-b"));
      expect(again.status).toBe(409);
      const stored = await call(first, "GET", `/api/v1/namespaces/default/pods/${name}`);
      expect((stored.body.spec as Record<string, string>).nodeName).toBe("node-a");
    }
  }, 60_000);
});
