import { describe, expect, it } from "vitest";
import { SchedulerCache } from "./cache.js";
import { makeNode, makePod } from "./test-objects.js";

describe("SchedulerCache", () => {
  it("aggregates the pods bound to a node incrementally", () => {
    const cache = new SchedulerCache();
    cache.setNode(makeNode("node-1"));
    cache.updatePod(makePod("a", { cpu: "500m", memory: "1Gi", nodeName: "node-1", ownerUid: "rs-1" }));
    cache.updatePod(makePod("b", { cpu: "1", nodeName: "node-1", ownerUid: "rs-1" }));
    const node = cache.node("node-1");
    expect(node?.requested.milliCpu).toBe(1500);
    expect(node?.requested.memory).toBe(1024 ** 3);
    expect(node?.pods.size).toBe(2);
    expect(node?.ownerCount("rs-1")).toBe(2);
    cache.removePod("default/a");
    expect(node?.requested.milliCpu).toBe(1000);
    expect(node?.ownerCount("rs-1")).toBe(1);
  });

  it("ignores unbound pods and drops finished ones", () => {
    const cache = new SchedulerCache();
    cache.setNode(makeNode("node-1"));
    cache.updatePod(makePod("pending", { cpu: "1" }));
    expect(cache.placedCount()).toBe(0);
    const done = makePod("done", { cpu: "1", nodeName: "node-1" });
    cache.updatePod(done);
    cache.updatePod({ ...done, status: { phase: "Succeeded" } });
    expect(cache.node("node-1")?.requested.milliCpu).toBe(0);
  });

  it("an assumed pod counts at once, is confirmed by the binding, and forget undoes only an unconfirmed one", () => {
    const cache = new SchedulerCache();
    cache.setNode(makeNode("node-1"));
    const pod = makePod("a", { cpu: "1" });
    cache.assume(pod, "node-1");
    expect(cache.node("node-1")?.requested.milliCpu).toBe(1000);
    expect(cache.isAssumed("default/a")).toBe(true);
    cache.updatePod(pod); // an update that arrives before the binding keeps the assumption
    expect(cache.isPlaced("default/a")).toBe(true);
    cache.forget("default/a");
    expect(cache.node("node-1")?.requested.milliCpu).toBe(0);

    cache.assume(pod, "node-1");
    cache.updatePod({ ...pod, spec: { ...pod.spec, nodeName: "node-1" } });
    expect(cache.isAssumed("default/a")).toBe(false);
    cache.forget("default/a");
    expect(cache.node("node-1")?.requested.milliCpu).toBe(1000);
  });

  it("forget leaves alone a pod of the same name but another uid (deleted and created again meanwhile)", () => {
    const cache = new SchedulerCache();
    cache.setNode(makeNode("node-1"));
    const recreated = makePod("a", { cpu: "1" });
    cache.assume({ ...recreated, metadata: { ...recreated.metadata, uid: "second" } }, "node-1");
    cache.forget("default/a", "first");
    expect(cache.isPlaced("default/a")).toBe(true);
    cache.forget("default/a", "second");
    expect(cache.isPlaced("default/a")).toBe(false);
  });

  it("a terminating pod keeps its resources but stops counting for spreading", () => {
    const cache = new SchedulerCache();
    cache.setNode(makeNode("node-1"));
    const pod = makePod("a", { cpu: "1", nodeName: "node-1", ownerUid: "rs-1" });
    cache.updatePod(pod);
    cache.updatePod({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" } });
    expect(cache.node("node-1")?.requested.milliCpu).toBe(1000);
    expect(cache.node("node-1")?.ownerCount("rs-1")).toBe(0);
  });

  it("keeps pods of a node it has not seen yet, and of one deleted, until they go", () => {
    const cache = new SchedulerCache();
    cache.updatePod(makePod("early", { cpu: "1", nodeName: "node-9" }));
    expect(cache.nodes()).toHaveLength(0);
    cache.setNode(makeNode("node-9"));
    expect(cache.node("node-9")?.requested.milliCpu).toBe(1000);
    cache.removeNode("node-9");
    expect(cache.nodes()).toHaveLength(0);
    cache.setNode(makeNode("node-9"));
    expect(cache.node("node-9")?.pods.size).toBe(1);
  });
});
