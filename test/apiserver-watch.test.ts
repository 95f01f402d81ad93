// Watch streams over a listening apiserver: chunked HTTP and WebSocket, from now, from a
// resourceVersion, with selectors, bookmarks, 410 for a too-old version, and two replicas
// seeing each other's writes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiServer } from "../apiserver/index.js";
import { findResource, streamWatch } from "../apiserver/index.js";
import { startTestApiServer, type TestApiServer } from "./support/apiserver.js";
import { KubeWatch } from "./support/kube-watch.js";

let harness: TestApiServer;
let baseUrl: string;
let replica: ApiServer;
let replicaUrl: string;
const watches: KubeWatch[] = [];

async function listen(server: ApiServer): Promise<string> {
  await server.app.listen({ port: 0, host: "127.0.0.1" });
  const address = server.app.server.address();
  return `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
}

beforeAll(async () => {
  harness = await startTestApiServer({ watchCacheEventsMax: 50, bookmarkIntervalMs: 200, watchBytesBufferedMax: 256 * 1024 });
  baseUrl = await listen(harness.server);
  replica = harness.replica();
  replicaUrl = await listen(replica);
}, 60_000);

afterAll(async () => {
  for (const watch of watches) watch.close();
  await harness?.stop();
});

function watch(path: string, options: { accept?: string; websocket?: boolean; url?: string } = {}): KubeWatch {
  const created = new KubeWatch(options.url ?? baseUrl, path, options);
  watches.push(created);
  return created;
}

async function request(method: string, path: string, body?: unknown, contentType = "application/json", url = baseUrl): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(new URL(path, url), { method, headers: body === undefined ? {} : { "content-type": contentType }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const parsed = (await response.json()) as Record<string, unknown>;
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

const configMap = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data: { v: "1" } });

describe("watch", () => {
  it("streams ADDED, MODIFIED and DELETED live, in order, after the current state", async () => {
    await request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "w1" } });
    await request("POST", "/api/v1/namespaces/w1/configmaps", configMap("before"));
    const stream = watch("/api/v1/namespaces/w1/configmaps?watch=true");
    await stream.until((events) => events.length >= 1, "the initial ADDED");
    expect(stream.events[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "before" } } });
    await request("POST", "/api/v1/namespaces/w1/configmaps", configMap("live"));
    await request("PATCH", "/api/v1/namespaces/w1/configmaps/live", { data: { v: "2" } }, "application/merge-patch+json");
    await request("DELETE", "/api/v1/namespaces/w1/configmaps/live");
    const events = await stream.until((e) => e.length >= 4, "three live events");
    expect(events.slice(1).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED live", "MODIFIED live", "DELETED live"]);
    const versions = events.slice(1).map((e) => Number(e.object.metadata.resourceVersion));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(events[2]?.object.data).toEqual({ v: "2" });
  });

  it("resumes from a resourceVersion without a gap, and answers 410 Expired when it is older than the window", async () => {
    await request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "w2" } });
    const first = await request("POST", "/api/v1/namespaces/w2/configmaps", configMap("r1"));
    await request("POST", "/api/v1/namespaces/w2/configmaps", configMap("r2"));
    await request("POST", "/api/v1/namespaces/w2/configmaps", configMap("r3"));
    const resumed = watch(`/api/v1/namespaces/w2/configmaps?watch=true&resourceVersion=${first.metadata.resourceVersion}`);
    const events = await resumed.until((e) => e.length >= 2, "r2 and r3");
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED r2", "ADDED r3"]);
    // Push the window (50 events) past the first revision.
    for (let i = 0; i < 60; i++) await request("PATCH", "/api/v1/namespaces/w2/configmaps/r3", { data: { v: String(i) } }, "application/merge-patch+json");
    const tooOld = watch(`/api/v1/namespaces/w2/configmaps?watch=true&resourceVersion=${first.metadata.resourceVersion}`);
    const error = await tooOld.until((e) => e.length >= 1, "the ERROR event");
    expect(error[0]).toMatchObject({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });
  });

  it("filters by label selector, turning a label change into ADDED / DELETED", async () => {
    await request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "w3" } });
    const { resourceVersion } = (await request("GET", "/api/v1/namespaces/w3/configmaps")).metadata;
    const stream = watch(`/api/v1/namespaces/w3/configmaps?watch=true&labelSelector=team%3Dblue&resourceVersion=${resourceVersion}`);
    await request("POST", "/api/v1/namespaces/w3/configmaps", configMap("red", { team: "red" }));
    await request("POST", "/api/v1/namespaces/w3/configmaps", configMap("blue", { team: "blue" }));
    await request("PATCH", "/api/v1/namespaces/w3/configmaps/red", { metadata: { labels: { team: "blue" } } }, "application/merge-patch+json");
    await request("PATCH", "/api/v1/namespaces/w3/configmaps/blue", { metadata: { labels: { team: "green" } } }, "application/merge-patch+json");
    const events = await stream.until((e) => e.length >= 3, "three filtered events");
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED blue", "ADDED red", "DELETED blue"]);
  });

  it("sends bookmarks when asked and ends at timeoutSeconds", async () => {
    await request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "w4" } });
    const list = await request("GET", "/api/v1/namespaces/w4/configmaps");
    const stream = watch(`/api/v1/namespaces/w4/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=2&resourceVersion=${list.metadata.resourceVersion}`);
    await request("POST", "/api/v1/namespaces/w4/configmaps", configMap("b1"));
    const events = await stream.until((e) => e.some((x) => x.type === "BOOKMARK"), "a bookmark");
    const bookmark = events.find((e) => e.type === "BOOKMARK");
    expect(bookmark?.object).toMatchObject({ kind: "ConfigMap", apiVersion: "v1" });
    expect(Number(bookmark?.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(list.metadata.resourceVersion));
    await stream.until(() => stream.closed, "the timeout", 5_000);
  });

  it("streams the same events over a WebSocket, and as Tables for kubectl get -w", async () => {
    await request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "w5" } });
    const { resourceVersion } = (await request("GET", "/api/v1/namespaces/w5/configmaps")).metadata;
    const ws = watch(`/api/v1/namespaces/w5/configmaps?watch=true&resourceVersion=${resourceVersion}`, { websocket: true });
    const table = watch(`/api/v1/namespaces/w5/configmaps?watch=true&resourceVersion=${resourceVersion}`, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    await request("POST", "/api/v1/namespaces/w5/configmaps", configMap("ws1"));
    await request("POST", "/api/v1/namespaces/w5/configmaps", configMap("ws2"));
    const events = await ws.until((e) => e.length >= 2, "two WebSocket events");
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED ws1", "ADDED ws2"]);
    const rows = await table.until((e) => e.length >= 2, "two Table events");
    expect(rows[0]?.object.kind).toBe("Table");
    expect(rows[0]?.object.columnDefinitions.length).toBeGreaterThan(0);
    expect(rows[0]?.object.rows[0].cells[0]).toBe("ws1");
    expect(rows[1]?.object.rows[0].cells[0]).toBe("ws2");
  });

  it("cuts off a client that stops reading, without slowing the others", async () => {
    await request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "w7" } });
    const { resourceVersion } = (await request("GET", "/api/v1/namespaces/w7/configmaps")).metadata;
    const info = findResource("", "v1", "configmaps");
    if (info === undefined) throw new Error("configmaps missing");
    // A client that never reads: everything written to it stays buffered (the kernel's socket
    // buffers, 30+ MB on loopback here, would hide that from a real socket for a long while).
    let buffered = 0;
    let aborted = false;
    const stalled = streamWatch(
      harness.server.caches.for(info),
      { send: (text) => (buffered += text.length), bufferedBytes: () => buffered, end: () => undefined, abort: () => (aborted = true), onClose: () => undefined },
      { fromRevision: Number(resourceVersion), filter: { namespace: "w7", labels: [], fields: [], resource: "configmaps" }, bookmarks: false, bookmarkIntervalMs: 60_000, timeoutMs: 60_000, bytesBufferedMax: 256 * 1024 },
    );
    const reader = watch(`/api/v1/namespaces/w7/configmaps?watch=true&resourceVersion=${resourceVersion}`);
    const big = "x".repeat(64 * 1024);
    const writes = 8; // 512 KiB of events: past the stalled client's 256 KiB
    for (let i = 0; i < writes; i++) {
      await request("POST", "/api/v1/namespaces/w7/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `big-${i}` }, data: { big } });
    }
    await stalled;
    expect(aborted).toBe(true);
    const events = await reader.until((e) => e.length >= writes, `${writes} events for the reading client`);
    expect(events.map((e) => e.object.metadata.name)).toEqual(Array.from({ length: writes }, (_, i) => `big-${i}`));
  });

  it("two apiserver replicas see each other's writes, in lists and in watches", async () => {
    await request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "w6" } }, "application/json", replicaUrl);
    const { resourceVersion } = (await request("GET", "/api/v1/namespaces/w6/configmaps", undefined, "application/json", replicaUrl)).metadata;
    const stream = watch(`/api/v1/namespaces/w6/configmaps?watch=true&resourceVersion=${resourceVersion}`, { url: replicaUrl });
    await request("POST", "/api/v1/namespaces/w6/configmaps", configMap("from-first"));
    await stream.until((e) => e.some((x) => x.object.metadata.name === "from-first"), "the other replica's write");
    const listed = await request("GET", "/api/v1/namespaces/w6/configmaps", undefined, "application/json", replicaUrl);
    expect(listed.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["from-first"]);
  });
});
