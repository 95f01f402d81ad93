import { describe, expect, it } from "vitest";
import { formatTime, type Lease, type Node } from "../../client/index.js";
import { computeZoneState, nodeGracePeriodMs, observeNodeHealth, planDisruption, podsOnTransition, staleNodeConditions, zoneKey, type ZoneState } from "./node-health.js";

const t0 = Date.parse("2026-01-01T00:00:00Z");
const graceMs = 40_000;

function node(ready: "True" | "False" | "Unknown", heartbeat = "2026-01-01T00:00:00Z", labels: Record<string, string> = {}): Node {
  return {
    metadata: { name: "node-1", uid: "n1", labels, creationTimestamp: "2025-12-31T23:00:00Z" },
    status: {
      conditions: [
        { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", lastHeartbeatTime: heartbeat, lastTransitionTime: "2025-12-31T23:00:00Z" },
        { type: "Ready", status: ready, reason: "KubeletReady", lastHeartbeatTime: heartbeat, lastTransitionTime: "2025-12-31T23:00:00Z" },
      ],
    },
  };
}

function lease(renewTime: string): Lease {
  return { metadata: { name: "node-1", namespace: "kube-node-lease", uid: "l1" }, spec: { holderIdentity: "node-1", renewTime } };
}

describe("observeNodeHealth (probe timestamps on our clock)", () => {
  it("moves the probe time when the lease is renewed, whatever the remote timestamp says", () => {
    const first = observeNodeHealth(undefined, node("True"), lease("1999-01-01T00:00:00.000000Z"), t0);
    expect(first.probeTimestampMs).toBe(t0);
    // Same lease 30 s later: no news.
    const same = observeNodeHealth(first, node("True"), lease("1999-01-01T00:00:00.000000Z"), t0 + 30_000);
    expect(same.probeTimestampMs).toBe(t0);
    // Renewed, even with a renewTime far in the past (skewed kubelet clock): alive now.
    const renewed = observeNodeHealth(same, node("True"), lease("1999-01-01T00:00:10.000000Z"), t0 + 35_000);
    expect(renewed.probeTimestampMs).toBe(t0 + 35_000);
  });

  it("moves the probe time when the Ready heartbeat changes, and the transition time only on a transition", () => {
    const first = observeNodeHealth(undefined, node("True"), undefined, t0);
    const beat = observeNodeHealth(first, node("True", "2026-01-01T00:00:20Z"), undefined, t0 + 20_000);
    expect(beat.probeTimestampMs).toBe(t0 + 20_000);
    expect(beat.readyTransitionTimestampMs).toBe(t0);
  });
});

describe("staleNodeConditions", () => {
  it("leaves a node alone within the grace period", () => {
    const health = observeNodeHealth(undefined, node("True"), lease("x"), t0);
    expect(staleNodeConditions(node("True"), health, t0 + graceMs, graceMs, formatTime)).toBeUndefined();
  });

  it("turns every monitored condition Unknown after the grace period, adding the missing ones", () => {
    const health = observeNodeHealth(undefined, node("True"), lease("x"), t0);
    const conditions = staleNodeConditions(node("True"), health, t0 + graceMs + 1, graceMs, formatTime);
    expect(conditions).toBeDefined();
    const ready = conditions?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastHeartbeatTime: "2026-01-01T00:00:00Z", lastTransitionTime: "2026-01-01T00:00:40Z" });
    expect(conditions?.find((c) => c.type === "MemoryPressure")?.status).toBe("Unknown");
    expect(conditions?.find((c) => c.type === "DiskPressure")).toMatchObject({ status: "Unknown", reason: "NodeStatusNeverUpdated" });
    expect(conditions?.map((c) => c.type).sort()).toEqual(["DiskPressure", "MemoryPressure", "PIDPressure", "Ready"]);
  });

  it("gives a node that never posted Ready the startup grace period, and the monitor grace period once it has", () => {
    const starting: Node = { metadata: { name: "node-1", uid: "n1", creationTimestamp: "2026-01-01T00:00:00Z" } };
    expect(nodeGracePeriodMs(starting, 50_000, 60_000)).toBe(60_000);
    expect(nodeGracePeriodMs(node("True"), 50_000, 60_000)).toBe(50_000);
    const health = observeNodeHealth(undefined, starting, undefined, t0);
    expect(staleNodeConditions(starting, health, t0 + 55_000, nodeGracePeriodMs(starting, 50_000, 60_000), formatTime)).toBeUndefined();
    const never = staleNodeConditions(starting, health, t0 + 60_001, nodeGracePeriodMs(starting, 50_000, 60_000), formatTime);
    expect(never?.find((c) => c.type === "Ready")).toMatchObject({ status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status." });
  });

  it("writes nothing for a node already Unknown", () => {
    const health = observeNodeHealth(undefined, node("Unknown"), undefined, t0);
    const stale = node("Unknown");
    const ready = stale.status?.conditions?.[1];
    if (ready !== undefined) ready.reason = "NodeStatusUnknown";
    expect(staleNodeConditions(stale, health, t0 + 10 * graceMs, graceMs, formatTime)).toBeUndefined();
  });
});

describe("zones and disruption", () => {
  const rates = { nodeEvictionRatePerSecond: 0.1, secondaryNodeEvictionRatePerSecond: 0.01 };

  it("computes zone states as ComputeZoneState", () => {
    expect(computeZoneState(["True", "True"], 0.55).state).toBe("Normal");
    expect(computeZoneState(["Unknown", "Unknown"], 0.55).state).toBe("FullDisruption");
    // Two unhealthy out of three is not partial: more than two are needed.
    expect(computeZoneState(["True", "Unknown", "False"], 0.55).state).toBe("Normal");
    expect(computeZoneState(["True", "Unknown", "False", "Unknown"], 0.55)).toEqual({ unhealthy: 3, state: "PartialDisruption" });
    expect(computeZoneState(["True", "True", "Unknown", "False", "Unknown"], 0.7).state).toBe("Normal");
  });

  it("keys zones by region and zone labels", () => {
    expect(zoneKey(node("True"))).toBe("");
    expect(zoneKey(node("True", undefined, { "topology.kubernetes.io/zone": "a", "topology.kubernetes.io/region": "r" }))).toBe("r:\u0000:a");
  });

  it("stops all tainting when every zone is fully disrupted, and resumes after", () => {
    const normal = new Map<string, ZoneState>([["", "Normal"]]);
    const down = planDisruption(normal, new Map([["", ["Unknown", "Unknown", "Unknown"]]]), 0.55, rates);
    expect(down.kind).toBe("enter-full-disruption");
    if (down.kind !== "enter-full-disruption") return;
    expect(down.rates.get("")).toBe(0);
    expect(planDisruption(down.zoneStates, new Map([["", ["Unknown", "Unknown", "Unknown"]]]), 0.55, rates).kind).toBe("unchanged");
    const up = planDisruption(down.zoneStates, new Map([["", ["True", "Unknown", "Unknown"]]]), 0.55, rates);
    expect(up.kind).toBe("exit-full-disruption");
    if (up.kind === "exit-full-disruption") expect(up.rates.get("")).toBe(0.1);
  });

  it("keeps the normal rate for one fully disrupted zone while another is healthy", () => {
    const states = new Map<string, ZoneState>([["a", "Normal"], ["b", "Normal"]]);
    const plan = planDisruption(states, new Map([["a", ["Unknown"]], ["b", ["True"]]]), 0.55, rates);
    expect(plan.kind).toBe("zones-changed");
    if (plan.kind === "zones-changed") {
      expect(plan.zoneStates.get("a")).toBe("FullDisruption");
      expect(plan.rates.get("a")).toBe(0.1);
      expect(plan.rates.has("b")).toBe(false);
    }
  });

  it("slows a partially disrupted zone to the secondary rate only in a large cluster", () => {
    const small = planDisruption(new Map([["", "Normal"]]), new Map([["", ["True", "Unknown", "Unknown", "Unknown"]]]), 0.55, rates);
    expect(small.kind === "zones-changed" && small.rates.get("")).toBe(0);
    const statuses = [...Array.from({ length: 20 }, () => "True"), ...Array.from({ length: 40 }, () => "Unknown")];
    const large = planDisruption(new Map([["", "Normal"]]), new Map([["", statuses]]), 0.55, rates);
    expect(large.kind === "zones-changed" && large.rates.get("")).toBe(0.01);
  });
});

describe("pods on a Ready transition", () => {
  const cond = (status: "True" | "False" | "Unknown") => ({ type: "Ready", status });

  it("records NodeNotReady and marks the pods only on the pass where Ready leaves True", () => {
    expect(podsOnTransition(cond("True"), cond("Unknown"), false)).toEqual({ recordNotReady: true, markPods: true });
    expect(podsOnTransition(cond("True"), cond("False"), false)).toEqual({ recordNotReady: true, markPods: true });
    // Not Ready already, or Ready still: nothing (the pods were marked when it left True).
    expect(podsOnTransition(cond("Unknown"), cond("Unknown"), false)).toEqual({ recordNotReady: false, markPods: false });
    expect(podsOnTransition(cond("True"), cond("True"), false)).toEqual({ recordNotReady: false, markPods: false });
  });

  it("marks the pods again while a failed marking waits for a retry and the node stays not Ready, without a second event", () => {
    expect(podsOnTransition(cond("Unknown"), cond("Unknown"), true)).toEqual({ recordNotReady: false, markPods: true });
    // Ready again: the retry is dropped.
    expect(podsOnTransition(cond("True"), cond("True"), true)).toEqual({ recordNotReady: false, markPods: false });
    // The node could not be read back: nothing this pass (and the retry is dropped, as upstream).
    expect(podsOnTransition(cond("Unknown"), undefined, true)).toEqual({ recordNotReady: false, markPods: false });
  });
});
