// The shared client library against real apiserver processes: the informer across apiserver
// kills and restarts (every event once, none invented, the cache equal to the truth), the event
// recorder's aggregation, and leader election hand-over and self-demotion.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EventRecorder,
  Informer,
  KubeClient,
  LeaderElector,
  resourceTypes,
  retryOnConflict,
  type CoreEvent,
  type KubeObject,
} from "../client/index.js";
import { startApiServerProcess, type ApiServerProcess } from "./support/apiserver-process.js";
import { freePort, startStoreCluster, type StoreCluster } from "./support/store-cluster.js";
import { until } from "./support/wait.js";

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

let cluster: StoreCluster;
let first: ApiServerProcess;
let second: ApiServerProcess;
let firstPort: number;

beforeAll(async () => {
  cluster = await startStoreCluster({ members: 1 });
  firstPort = await freePort();
  [first, second] = await Promise.all([startApiServerProcess(cluster.endpoints, ["--port", String(firstPort)]), startApiServerProcess(cluster.endpoints)]);
}, 60_000);

afterAll(async () => {
  await first?.stop();
  await second?.stop();
  await cluster?.stop();
});

describe("informer across apiserver failures", () => {
  it("delivers every event once, resumes on the other apiserver, relists after a restart, and ends equal to the store", async () => {
    const url = (port: string | number): string => `http://127.0.0.1:${port}`;
    const client = new KubeClient({ servers: [url(firstPort), second.url] });
    const writer = new KubeClient({ servers: [second.url, url(firstPort)] });
    const events: { kind: string; name: string; resourceVersion: string }[] = [];
    const informer = new Informer<ConfigMap>(client, resourceTypes.configmaps, { namespace: "informer-test" });
    informer.addHandler({
      onAdd: (o) => events.push({ kind: "add", name: o.metadata.name ?? "", resourceVersion: o.metadata.resourceVersion ?? "" }),
      onUpdate: (_, o) => events.push({ kind: "update", name: o.metadata.name ?? "", resourceVersion: o.metadata.resourceVersion ?? "" }),
      onDelete: (o) => events.push({ kind: "delete", name: o.metadata.name ?? "", resourceVersion: o.metadata.resourceVersion ?? "" }),
    });
    await writer.create(resourceTypes.namespaces, { metadata: { name: "informer-test" } });
    informer.start();
    await informer.waitForSync();
    expect(client.currentServer).toBe(url(firstPort));

    const writes: { kind: string; name: string; resourceVersion: string }[] = [];
    const write = async (kind: "add" | "update" | "delete", name: string): Promise<void> => {
      if (kind === "add") {
        const created = await writer.create<ConfigMap>(resourceTypes.configmaps, { metadata: { name, namespace: "informer-test" }, data: { v: "0" } });
        writes.push({ kind, name, resourceVersion: created.metadata.resourceVersion ?? "" });
      } else if (kind === "update") {
        const updated = await retryOnConflict(async () => {
          const current = structuredClone(await writer.get<ConfigMap>(resourceTypes.configmaps, name, "informer-test"));
          current.data = { v: String(Number(current.data?.v ?? 0) + 1) };
          return writer.update(resourceTypes.configmaps, current);
        });
        writes.push({ kind, name, resourceVersion: updated.metadata.resourceVersion ?? "" });
      } else {
        await writer.delete(resourceTypes.configmaps, name, { namespace: "informer-test" });
        writes.push({ kind, name, resourceVersion: "" });
      }
    };

    // Phase 1: live on the first apiserver.
    for (let i = 0; i < 5; i++) await write("add", `cm-${i}`);
    await write("update", "cm-1");
    await write("delete", "cm-2");
    await until("phase 1 events", () => events.length === writes.length);

    // Phase 2: kill -9 the apiserver the informer watches; it resumes on the second one, whose
    // watch cache still holds the window: every event exactly as written, none missing.
    await first.stop("SIGKILL");
    for (let i = 5; i < 8; i++) await write("add", `cm-${i}`);
    await write("update", "cm-5");
    await write("delete", "cm-0");
    await until("phase 2 events", () => events.length === writes.length);
    expect(client.currentServer).toBe(second.url);
    expect(events.map((e) => `${e.kind} ${e.name}`)).toEqual(writes.map((w) => `${w.kind} ${w.name}`));
    for (const [i, w] of writes.entries()) if (w.kind !== "delete") expect(events[i]?.resourceVersion).toBe(w.resourceVersion);

    // Phase 3: restart the first apiserver, kill the second; writes made while the informer is
    // cut off. The fresh apiserver's cache does not reach back to the informer's
    // resourceVersion (410), so the informer relists and delivers the difference.
    first = await startApiServerProcess(cluster.endpoints, ["--port", String(firstPort)]);
    const secondStopped = second.stop("SIGKILL");
    await secondStopped;
    const phase3Start = events.length;
    await write("update", "cm-6");
    await write("delete", "cm-7");
    await write("add", "cm-9");
    second = await startApiServerProcess(cluster.endpoints);
    const truth = async (): Promise<string[]> => {
      const listed = await writer.list<ConfigMap>(resourceTypes.configmaps, { namespace: "informer-test" });
      return listed.items.map((o) => `${o.metadata.name} ${o.metadata.resourceVersion}`).sort();
    };
    const cached = (): string[] => informer.list().map((o) => `${o.metadata.name} ${o.metadata.resourceVersion}`).sort();
    const expected = await truth();
    await until("the cache to equal the store", () => JSON.stringify(cached()) === JSON.stringify(expected), 20_000);
    expect(events.slice(phase3Start).map((e) => `${e.kind} ${e.name}`).sort()).toEqual(["add cm-9", "delete cm-7", "update cm-6"]);

    // Nothing invented: the event log replayed from empty gives the cache, and no object's
    // resourceVersion is ever delivered twice.
    const replay = new Map<string, string>();
    for (const e of events) {
      if (e.kind === "delete") replay.delete(e.name);
      else replay.set(e.name, e.resourceVersion);
    }
    expect([...replay].map(([n, v]) => `${n} ${v}`).sort()).toEqual(expected);
    const delivered = events.filter((e) => e.kind !== "delete").map((e) => e.resourceVersion);
    expect(new Set(delivered).size).toBe(delivered.length);
    await informer.stop();
  }, 60_000);

  it("indexes the cache and hands out frozen objects", async () => {
    const client = new KubeClient({ servers: [second.url] });
    await client.create(resourceTypes.namespaces, { metadata: { name: "index-test" } });
    for (const [name, app] of [["a", "web"], ["b", "web"], ["c", "db"]] as const) {
      await client.create<ConfigMap>(resourceTypes.configmaps, { metadata: { name, namespace: "index-test", labels: { app } } });
    }
    const informer = new Informer<ConfigMap>(client, resourceTypes.configmaps, { indexers: { app: (o) => [o.metadata.labels?.app ?? ""] } });
    informer.start();
    await informer.waitForSync();
    expect(informer.byIndex("app", "web").map((o) => o.metadata.name).sort()).toEqual(["a", "b"]);
    expect(informer.byIndex("namespace", "index-test")).toHaveLength(3);
    const cachedObject = informer.get("index-test/a");
    expect(cachedObject?.kind).toBe("ConfigMap");
    expect(() => {
      (cachedObject as ConfigMap).metadata.labels = {};
    }).toThrow(TypeError);
    await client.patch(resourceTypes.configmaps, "a", { metadata: { labels: { app: "db" } } }, { namespace: "index-test" });
    await until("the index to follow the label change", () => informer.byIndex("app", "db").length === 2);
    expect(informer.byIndex("app", "web").map((o) => o.metadata.name)).toEqual(["b"]);
    await informer.stop();

    // Resync: every object again as onUpdate(o, o), with nothing changed on the server.
    const resyncing = new Informer<ConfigMap>(client, resourceTypes.configmaps, { namespace: "index-test", resyncPeriodMs: 100 });
    const resynced = new Map<string, number>();
    resyncing.addHandler({ onUpdate: (previous, o) => previous === o && resynced.set(o.metadata.name ?? "", (resynced.get(o.metadata.name ?? "") ?? 0) + 1) });
    resyncing.start();
    await resyncing.waitForSync();
    await until("two resyncs of every object", () => resynced.size === 3 && [...resynced.values()].every((n) => n >= 2));
    await resyncing.stop();
  }, 30_000);
});

describe("event recorder", () => {
  it("writes an Event and aggregates repeats into its count", async () => {
    const client = new KubeClient({ servers: [second.url] });
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: "default", uid: "uid-web-1" } };
    const recorder = new EventRecorder(client, { component: "test-component", host: "node-9" });
    // Eight repeats at once: the patches go one after another, so the last count stays.
    for (let i = 0; i < 8; i++) recorder.record(pod, "Warning", "FailedScheduling", "0/3 nodes are available");
    recorder.record(pod, "Normal", "Scheduled", "Successfully assigned default/web-1 to node-1");
    await recorder.flush();
    const events = await client.list<CoreEvent>(resourceTypes.events, { namespace: "default", fieldSelector: "involvedObject.name=web-1" });
    const byReason = new Map(events.items.map((e) => [e.reason, e]));
    expect(events.items).toHaveLength(2);
    expect(byReason.get("FailedScheduling")).toMatchObject({ count: 8, type: "Warning", source: { component: "test-component", host: "node-9" }, involvedObject: { kind: "Pod", uid: "uid-web-1" } });
    expect(byReason.get("Scheduled")?.count).toBe(1);
  }, 30_000);

  it("skips what the spam filter holds back, and writes a held-back event whole once its budget refills", async () => {
    const client = new KubeClient({ servers: [second.url] });
    const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "spammy", namespace: "default", uid: "uid-spammy" } };
    let nowMs = Date.parse("2026-01-01T00:00:00Z");
    const recorder = new EventRecorder(client, { component: "replicaset-controller", spamBurst: 2, now: () => nowMs });
    for (let i = 0; i < 5; i++) recorder.record(rs, "Normal", "SuccessfulCreate", `Created pod: spammy-${i}`);
    recorder.record(rs, "Normal", "SuccessfulDelete", "Deleted pod: spammy-0");
    await recorder.flush();
    const written = async (): Promise<CoreEvent[]> => (await client.list<CoreEvent>(resourceTypes.events, { namespace: "default", fieldSelector: "involvedObject.name=spammy" })).items;
    expect((await written()).map((e) => e.message).sort()).toEqual(["Created pod: spammy-0", "Created pod: spammy-1"]);
    expect(recorder.skippedCount).toBe(4);
    // Five minutes refill one token: the skipped delete's repeat finds no Event to patch and writes it with both occurrences.
    nowMs += 300_000;
    recorder.record(rs, "Normal", "SuccessfulDelete", "Deleted pod: spammy-0");
    await recorder.flush();
    const deleted = (await written()).filter((e) => e.reason === "SuccessfulDelete");
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ count: 2, message: "Deleted pod: spammy-0", firstTimestamp: "2026-01-01T00:00:00Z", lastTimestamp: "2026-01-01T00:05:00Z" });
  }, 30_000);
});

describe("leader election", () => {
  const config = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

  it("one candidate leads; a graceful stop releases the Lease and the other takes over at once", async () => {
    const client = new KubeClient({ servers: [second.url, first.url] });
    const leading = new Set<string>();
    let overlap = false;
    const candidate = (identity: string): LeaderElector =>
      new LeaderElector(client, {
        namespace: "kube-system",
        name: "election-test",
        identity,
        config,
        onStartedLeading: (signal) => {
          if (leading.size > 0) overlap = true;
          leading.add(identity);
          signal.addEventListener("abort", () => leading.delete(identity));
        },
      });
    const a = candidate("a");
    const b = candidate("b");
    void a.run();
    await until("a to lead", () => a.isLeader());
    void b.run();
    await until("b to see a as leader", () => b.leaderIdentity === "a");
    expect(b.isLeader()).toBe(false);
    const released = Date.now();
    await a.stop();
    await until("b to take over", () => b.isLeader(), 5_000);
    // Released, so b need not wait out the 2 s lease: it takes over on its next retry.
    expect(Date.now() - released).toBeLessThan(config.leaseDurationMs);
    expect(overlap).toBe(false);
    const lease = await client.get<KubeObject & { spec: { leaseTransitions: number; holderIdentity: string } }>(resourceTypes.leases, "election-test", "kube-system");
    expect(lease.spec.holderIdentity).toBe("b");
    expect(lease.spec.leaseTransitions).toBe(1);
    await b.stop();
  }, 30_000);

  it("a leader that cannot reach any apiserver stops its work within the renew deadline", async () => {
    const port = await freePort();
    const lonely = await startApiServerProcess(cluster.endpoints, ["--port", String(port)]);
    const client = new KubeClient({ servers: [lonely.url], retryBudgetMs: 500 });
    let aborted = 0;
    const elector = new LeaderElector(client, {
      namespace: "kube-system",
      name: "election-cutoff",
      identity: "cut-off",
      config,
      onStartedLeading: (signal) => signal.addEventListener("abort", () => (aborted = Date.now())),
    });
    void elector.run();
    await until("it to lead", () => elector.isLeader());
    const killed = Date.now();
    await lonely.stop("SIGKILL");
    await until("it to stop leading", () => !elector.isLeader(), 5_000);
    expect(aborted).toBeGreaterThan(0);
    expect(aborted - killed).toBeLessThanOrEqual(config.renewDeadlineMs + 100);
    await elector.stop();
  }, 30_000);
});
