import { describe, expect, it } from "vitest";
import type { Node, Pod, Taint, Toleration } from "../../client/index.js";
import { evictionDecision, markNotReadyOnArrival, noScheduleTaintsFor, podMarkedNotReady, podWithDisruptionTarget, swapNoExecuteTaints, taintActionFor, taintFirstSeenAfter, taintingPassActionFor, toleratesTaint } from "./taints.js";
import { TaintingQueue, TokenBucket } from "./tainting-queue.js";

const unreachable: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "2026-01-01T00:00:00Z" };
const t0 = Date.parse("2026-01-01T00:00:00Z");

function pod(tolerations: Toleration[] = []): Pod {
  return {
    metadata: { name: "web", namespace: "default", uid: "p1" },
    spec: { containers: [{ name: "web" }], nodeName: "node-1", tolerations },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z" }] },
  };
}

function nodeWith(taints: Taint[]): Node {
  return { metadata: { name: "node-1" }, spec: { taints } };
}

/** Seen long after it was added (a controller that took over late). */
const seenLate = (): number => t0 + 3_600_000;

describe("tolerations and eviction decisions", () => {
  it("matches tolerations as ToleratesTaint", () => {
    expect(toleratesTaint({ operator: "Exists" }, unreachable)).toBe(true);
    expect(toleratesTaint({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }, unreachable)).toBe(true);
    expect(toleratesTaint({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoSchedule" }, unreachable)).toBe(false);
    expect(toleratesTaint({ key: "other", operator: "Exists" }, unreachable)).toBe(false);
    expect(toleratesTaint({ key: "node.kubernetes.io/unreachable", value: "x" }, unreachable)).toBe(false);
    expect(toleratesTaint({ key: "node.kubernetes.io/unreachable" }, unreachable)).toBe(true);
  });

  it("evicts at once a pod that does not tolerate the taint", () => {
    expect(evictionDecision(pod(), [unreachable], seenLate)).toEqual({ kind: "evict" });
  });

  it("evicts when tolerationSeconds run out, from the end of timeAdded's second when seen late", () => {
    const tolerating = pod([{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }]);
    expect(evictionDecision(tolerating, [unreachable], seenLate)).toEqual({ kind: "evict-at", atMs: t0 + 999 + 300_000 });
  });

  it("counts from when the taint was first seen when that is earlier: never early, whatever timeAdded rounds to", () => {
    const tolerating = pod([{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 1 }]);
    expect(evictionDecision(tolerating, [unreachable], () => t0 + 250)).toEqual({ kind: "evict-at", atMs: t0 + 1_250 });
  });

  it("uses the first-seen time for a taint without timeAdded, and the earliest deadline of several", () => {
    const notReady: Taint = { key: "node.kubernetes.io/not-ready", effect: "NoExecute" };
    const tolerating = pod([
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 },
    ]);
    expect(evictionDecision(tolerating, [unreachable, notReady], () => t0 + 10_000)).toEqual({ kind: "evict-at", atMs: t0 + 70_000 });
  });

  it("keeps pods that tolerate forever, and ignores taints other than NoExecute", () => {
    expect(evictionDecision(pod([{ operator: "Exists" }]), [unreachable], seenLate)).toEqual({ kind: "keep" });
    expect(evictionDecision(pod(), [{ key: "x", effect: "NoSchedule" }], seenLate)).toEqual({ kind: "keep" });
    expect(evictionDecision(pod([{ operator: "Exists", effect: "NoExecute", tolerationSeconds: 0 }]), [unreachable], seenLate)).toEqual({ kind: "evict" });
  });
});

describe("node taints", () => {
  it("swaps taints keeping an existing one's timeAdded, and reports no change as undefined", () => {
    const node = nodeWith([{ key: "dedicated", effect: "NoSchedule" }, unreachable]);
    expect(swapNoExecuteTaints(node, ["node.kubernetes.io/unreachable"], [], "2026-02-02T00:00:00Z")).toBeUndefined();
    const swapped = swapNoExecuteTaints(node, ["node.kubernetes.io/not-ready"], ["node.kubernetes.io/unreachable"], "2026-02-02T00:00:00Z");
    expect(swapped).toEqual([{ key: "dedicated", effect: "NoSchedule" }, { key: "node.kubernetes.io/not-ready", effect: "NoExecute", timeAdded: "2026-02-02T00:00:00Z" }]);
  });

  it("decides what processTaintBaseEviction does", () => {
    expect(taintActionFor(nodeWith([]), { type: "Ready", status: "True" })).toEqual({ kind: "untaint" });
    expect(taintActionFor(nodeWith([]), { type: "Ready", status: "Unknown" })).toMatchObject({ kind: "queue", add: "node.kubernetes.io/unreachable" });
    expect(taintActionFor(nodeWith([]), { type: "Ready", status: "False" })).toMatchObject({ kind: "queue", add: "node.kubernetes.io/not-ready" });
    // Already tainted the other way: swap at once, not rate-limited.
    expect(taintActionFor(nodeWith([unreachable]), { type: "Ready", status: "False" })).toEqual({ kind: "swap", add: "node.kubernetes.io/not-ready", remove: "node.kubernetes.io/unreachable" });
  });
});

describe("NoSchedule taints by condition", () => {
  const now = "2026-02-02T00:00:00Z";

  it("adds the taints conditions and cordoning call for, and removes those no longer called for", () => {
    const sick: Node = {
      metadata: { name: "node-1" },
      spec: { unschedulable: true, taints: [{ key: "dedicated", effect: "NoSchedule" }, { key: "node.kubernetes.io/memory-pressure", effect: "NoSchedule" }] },
      status: { conditions: [{ type: "Ready", status: "Unknown" }, { type: "DiskPressure", status: "True" }, { type: "MemoryPressure", status: "False" }] },
    };
    expect(noScheduleTaintsFor(sick, now)).toEqual([
      { key: "dedicated", effect: "NoSchedule" },
      { key: "node.kubernetes.io/unreachable", effect: "NoSchedule", timeAdded: now },
      { key: "node.kubernetes.io/disk-pressure", effect: "NoSchedule", timeAdded: now },
      { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule", timeAdded: now },
    ]);
  });

  it("changes nothing on a healthy node, nor on one already tainted as it should be", () => {
    const healthy: Node = { metadata: { name: "node-1" }, spec: { taints: [unreachable] }, status: { conditions: [{ type: "Ready", status: "True" }] } };
    expect(noScheduleTaintsFor(healthy, now)).toBeUndefined();
    const notReady: Node = { metadata: { name: "node-1" }, spec: { taints: [{ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }] }, status: { conditions: [{ type: "Ready", status: "False" }] } };
    expect(noScheduleTaintsFor(notReady, now)).toBeUndefined();
  });
});

describe("pod status changes", () => {
  it("marks a Ready pod NotReady once", () => {
    const marked = podMarkedNotReady(pod(), "2026-01-01T00:01:00Z");
    expect(marked?.status?.conditions?.[0]).toEqual({ type: "Ready", status: "False", lastTransitionTime: "2026-01-01T00:01:00Z" });
    expect(marked === undefined ? "missing" : podMarkedNotReady(marked, "later")).toBeUndefined();
  });

  it("adds the DisruptionTarget condition before deleting", () => {
    const marked = podWithDisruptionTarget(pod(), "2026-01-01T00:01:00Z");
    expect(marked?.status?.conditions?.find((c) => c.type === "DisruptionTarget")).toMatchObject({ status: "True", reason: "DeletionByTaintManager" });
    expect(marked === undefined ? "missing" : podWithDisruptionTarget(marked, "later")).toBeUndefined();
  });
});

describe("tainting rate", () => {
  it("lets the first node through at once and the next after 1/rate seconds", () => {
    const queue = new TaintingQueue(0.1, t0);
    queue.add("a", t0);
    queue.add("b", t0);
    expect(queue.add("a", t0)).toBe(false);
    expect(queue.next(t0)).toBe("a");
    expect(queue.next(t0 + 5_000)).toBeUndefined();
    expect(queue.next(t0 + 10_000)).toBe("b");
    expect(queue.size).toBe(0);
  });

  it("never lets anything through at rate 0, and a new rate grants no extra burst", () => {
    const queue = new TaintingQueue(0.1, t0);
    queue.add("a", t0);
    queue.add("b", t0);
    expect(queue.next(t0)).toBe("a");
    queue.setRate(0, t0 + 1);
    expect(queue.next(t0 + 100_000)).toBeUndefined();
    // From "never" the new bucket starts drained (upstream SwapLimiter): one period to wait.
    queue.setRate(1, t0 + 100_000);
    expect(queue.next(t0 + 100_000)).toBeUndefined();
    expect(queue.next(t0 + 101_000)).toBe("b");
    const bucket = new TokenBucket(1, t0);
    expect(bucket.tryAccept(t0)).toBe(true);
    expect(bucket.tryAccept(t0 + 500)).toBe(false);
    expect(bucket.tryAccept(t0 + 1_000)).toBe(true);
  });

  it("retries a failed node later", () => {
    const queue = new TaintingQueue(100, t0);
    queue.retry("a", t0 + 50);
    expect(queue.next(t0)).toBeUndefined();
    expect(queue.next(t0 + 50)).toBe("a");
  });
});

describe("decisions the node lifecycle shell used to make inline", () => {
  const ready = (status: "True" | "False" | "Unknown") => ({ type: "Ready", status });

  it("taints a queued node by its Ready status at the time of the pass, retries one without a Ready condition, skips one Ready again", () => {
    expect(taintingPassActionFor(undefined)).toEqual({ kind: "retry" });
    expect(taintingPassActionFor(ready("True"))).toEqual({ kind: "skip" });
    expect(taintingPassActionFor(ready("False"))).toEqual({ kind: "swap", add: "node.kubernetes.io/not-ready", remove: "node.kubernetes.io/unreachable" });
    expect(taintingPassActionFor(ready("Unknown"))).toEqual({ kind: "swap", add: "node.kubernetes.io/unreachable", remove: "node.kubernetes.io/not-ready" });
  });

  it("remembers when each NoExecute taint was first seen, keeps that time while it stays, and forgets it once it goes", () => {
    const notReady: Taint = { key: "node.kubernetes.io/not-ready", effect: "NoExecute" };
    const first = taintFirstSeenAfter(new Map(), "node-1", [], [unreachable], t0);
    expect([...first.values()]).toEqual([t0]);
    // Still there a minute later, next to a new one: the first keeps its time.
    const second = taintFirstSeenAfter(first, "node-1", [unreachable], [unreachable, notReady], t0 + 60_000);
    expect([...second.values()].sort()).toEqual([t0, t0 + 60_000]);
    // The unreachable taint went: forgotten, so if it comes back it counts from then.
    const third = taintFirstSeenAfter(second, "node-1", [unreachable, notReady], [notReady], t0 + 120_000);
    expect([...third.values()]).toEqual([t0 + 60_000]);
    // The same taint on another node is another entry; the input map is left as it was.
    expect(taintFirstSeenAfter(third, "node-2", [], [notReady], t0 + 180_000).size).toBe(2);
    expect(third.size).toBe(1);
  });

  it("marks a pod NotReady when it arrives on a node that is not Ready, unless it is finished", () => {
    expect(markNotReadyOnArrival(pod(), "False")).toBe(true);
    expect(markNotReadyOnArrival(pod(), "Unknown")).toBe(true);
    expect(markNotReadyOnArrival(pod(), "True")).toBe(false);
    expect(markNotReadyOnArrival(pod(), undefined)).toBe(false);
    const done = pod();
    done.status = { ...done.status, phase: "Succeeded" };
    expect(markNotReadyOnArrival(done, "Unknown")).toBe(false);
  });
});
