import { describe, expect, it } from "vitest";
import type { Pod } from "../client/index.js";
import { makeNode, makePod } from "./core/test-objects.js";
import {
  conditionNeedsUpdate,
  nodeSchedulingInputChanged,
  podBackoffMs,
  podSchedulingInputChanged,
  remainingBackoffMs,
  unschedulableCondition,
  wantsScheduling,
} from "./queueing.js";

describe("wantsScheduling", () => {
  it("takes unbound pods addressed to this scheduler (an unset schedulerName is default-scheduler)", () => {
    expect(wantsScheduling(makePod("p"), "default-scheduler")).toBe(true);
    expect(wantsScheduling(makePod("p"), "other")).toBe(false);
    expect(wantsScheduling(makePod("p", { spec: { schedulerName: "other" } }), "other")).toBe(true);
  });

  it("skips bound, deleting and finished pods", () => {
    expect(wantsScheduling(makePod("p", { nodeName: "node-1" }), "default-scheduler")).toBe(false);
    const pod = makePod("p");
    expect(wantsScheduling({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" } }, "default-scheduler")).toBe(false);
    expect(wantsScheduling({ ...pod, status: { phase: "Failed" } }, "default-scheduler")).toBe(false);
  });
});

describe("what moves a waiting pod", () => {
  it("a node's heartbeat does not; its taints, cordon, allocatable or readiness do", () => {
    const node = makeNode("n");
    const heartbeat = structuredClone(node);
    heartbeat.status?.conditions?.forEach((condition) => (condition.lastHeartbeatTime = "2026-01-01T00:00:10Z"));
    expect(nodeSchedulingInputChanged(node, heartbeat)).toBe(false);
    expect(nodeSchedulingInputChanged(node, makeNode("n", { unschedulable: true }))).toBe(true);
    expect(nodeSchedulingInputChanged(node, makeNode("n", { cpu: "8" }))).toBe(true);
    expect(nodeSchedulingInputChanged(node, makeNode("n", { ready: false }))).toBe(true);
    expect(nodeSchedulingInputChanged(node, makeNode("n", { taints: [{ key: "k", effect: "NoSchedule" }] }))).toBe(true);
  });

  it("the pod's own status (which the scheduler writes) does not; its spec does", () => {
    const pod = makePod("p", { cpu: "1" });
    const withStatus: Pod = { ...pod, status: { conditions: [unschedulableCondition("no", "2026-01-01T00:00:00Z")] } };
    expect(podSchedulingInputChanged(pod, withStatus)).toBe(false);
    expect(podSchedulingInputChanged(pod, makePod("p", { cpu: "500m" }))).toBe(true);
  });
});

describe("back-off", () => {
  it("doubles from 1 s to at most 10 s", () => {
    expect([1, 2, 3, 4, 5, 9].map(podBackoffMs)).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it("a cluster event retries at once when the back-off is over, else when it ends", () => {
    expect(remainingBackoffMs(2, 10_000, 13_000)).toBe(0);
    expect(remainingBackoffMs(2, 10_000, 11_500)).toBe(500);
  });
});

describe("conditionNeedsUpdate", () => {
  it("writes only when status, reason or message differ (times aside)", () => {
    const wanted = unschedulableCondition("0/1 nodes are available: 1 Insufficient cpu.", "2026-01-01T00:00:05Z");
    const pod = makePod("p");
    expect(conditionNeedsUpdate(pod, wanted)).toBe(true);
    const same: Pod = { ...pod, status: { conditions: [{ ...wanted, lastTransitionTime: "2026-01-01T00:00:00Z" }] } };
    expect(conditionNeedsUpdate(same, wanted)).toBe(false);
    expect(conditionNeedsUpdate(same, { ...wanted, message: "other" })).toBe(true);
  });
});
