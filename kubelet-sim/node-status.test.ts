import { describe, expect, it } from "vitest";
import type { Node } from "../client/index.js";
import { buildNode, defaultNodeResources, nodeStatus, planNodeStatus, readyIsNotTrue, updateNodeConditions, type NodeOptions } from "./node-status.js";

const t0 = Date.parse("2026-11-25T20:00:00Z");
const options: NodeOptions = {
  name: "node-1",
  ...defaultNodeResources,
  labels: { zone: "a", "kubernetes.io/os": "linux" },
  podCidr: "10.244.1.0/24",
  internalIp: "172.18.0.2",
  bootId: "boot-1",
};

describe("buildNode", () => {
  const node = buildNode(options, t0);

  it("labels it as a kubelet does, with --labels on top", () => {
    expect(node.metadata.labels).toEqual({
      "beta.kubernetes.io/arch": "amd64",
      "beta.kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/hostname": "node-1",
      "kubernetes.io/os": "linux",
      zone: "a",
    });
  });

  it("reports capacity = allocatable (4 cpu, 8Gi, 110 pods by default), addresses and nodeInfo", () => {
    expect(node.status?.capacity).toMatchObject({ cpu: "4", memory: "8Gi", pods: "110", "ephemeral-storage": "100Gi" });
    expect(node.status?.allocatable).toEqual(node.status?.capacity);
    expect(node.status?.addresses).toEqual([
      { type: "InternalIP", address: "172.18.0.2" },
      { type: "Hostname", address: "node-1" },
    ]);
    expect(node.status?.nodeInfo).toMatchObject({ kubeletVersion: "v1.32.0", containerRuntimeVersion: "kube-lite-sim://1", operatingSystem: "linux", architecture: "amd64", bootID: "boot-1" });
    expect(node.status?.nodeInfo?.machineID).toMatch(/^[0-9a-f]{32}$/);
    expect(node.status?.nodeInfo?.systemUUID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(node.spec?.podCIDR).toBe("10.244.1.0/24");
  });

  it("posts the four kubelet conditions with upstream reasons and messages", () => {
    expect(node.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ["MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
      ["DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
      ["PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
      ["Ready", "True", "KubeletReady", "kubelet is posting ready status"],
    ]);
    expect(readyIsNotTrue(node)).toBe(false);
  });
});

describe("node conditions over time", () => {
  it("moves heartbeats every time but transition times only on a status change", () => {
    const first = updateNodeConditions(undefined, t0);
    const later = updateNodeConditions(first, t0 + 60_000);
    expect(later.every((c) => c.lastHeartbeatTime === "2026-11-25T20:01:00Z")).toBe(true);
    expect(later.every((c) => c.lastTransitionTime === "2026-11-25T20:00:00Z")).toBe(true);
    const unknown = later.map((c) => (c.type === "Ready" ? { ...c, status: "Unknown" as const, reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." } : c));
    const back = updateNodeConditions(unknown, t0 + 120_000);
    expect(back.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "KubeletReady", lastTransitionTime: "2026-11-25T20:02:00Z" });
    expect(back.find((c) => c.type === "MemoryPressure")?.lastTransitionTime).toBe("2026-11-25T20:00:00Z");
  });

  it("keeps conditions others own in place", () => {
    const foreign = [{ type: "NetworkUnavailable", status: "False" as const, reason: "RouteCreated" }];
    expect(updateNodeConditions(foreign, t0).map((c) => c.type)).toEqual(["NetworkUnavailable", "MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]);
  });
});

describe("planNodeStatus", () => {
  const registered: Node = buildNode(options, t0);
  const reportMs = 5 * 60_000;

  it("posts nothing while only heartbeats would change and the report is not due", () => {
    expect(planNodeStatus(registered, options, t0 + 10_000, t0, reportMs)).toBeUndefined();
  });

  it("posts when the report frequency has passed, or at the first report", () => {
    expect(planNodeStatus(registered, options, t0 + reportMs, t0, reportMs)?.conditions?.[0]?.lastHeartbeatTime).toBe("2026-11-25T20:05:00Z");
    expect(planNodeStatus(registered, options, t0 + 10_000, undefined, reportMs)).toBeDefined();
  });

  it("posts at once when Ready was set Unknown by someone else", () => {
    const status = registered.status ?? {};
    const unknown: Node = { ...registered, status: { ...status, conditions: status.conditions?.map((c) => (c.type === "Ready" ? { ...c, status: "Unknown" as const } : c)) } };
    expect(readyIsNotTrue(unknown)).toBe(true);
    const next = planNodeStatus(unknown, options, t0 + 10_000, t0, reportMs);
    expect(next?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  it("posts at once when capacity changed (a restart with other flags)", () => {
    const bigger = { ...options, cpu: "8" };
    expect(planNodeStatus(registered, bigger, t0 + 10_000, t0, reportMs)?.capacity?.cpu).toBe("8");
    expect(nodeStatus(bigger, registered.status, t0).allocatable?.cpu).toBe("8");
  });
});
