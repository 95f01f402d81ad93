import { describe, expect, it } from "vitest";
import type { Pod } from "../client/index.js";
import { drainPlan } from "./node-maintenance.js";

function pod(name: string, extra: { owner?: string; phase?: "Running" | "Succeeded"; emptyDir?: boolean; mirror?: boolean } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: "default",
      ...(extra.owner === undefined ? {} : { ownerReferences: [{ apiVersion: "apps/v1", kind: extra.owner, name: "x", uid: "u", controller: true }] }),
      ...(extra.mirror === true ? { annotations: { "kubernetes.io/config.mirror": "abc" } } : {}),
    },
    spec: { containers: [{ name: "c" }], ...(extra.emptyDir === true ? { volumes: [{ name: "scratch", emptyDir: {} }] } : {}) } as Pod["spec"],
    status: { phase: extra.phase ?? "Running" },
  };
}

describe("drain plan", () => {
  const pods = [pod("web", { owner: "ReplicaSet" }), pod("agent", { owner: "DaemonSet" }), pod("bare"), pod("cache", { owner: "ReplicaSet", emptyDir: true }), pod("static", { mirror: true }), pod("done", { phase: "Succeeded" })];

  it("refuses DaemonSet pods, pods without a controller and emptyDir pods without their flags, deleting nothing", () => {
    const plan = drainPlan(pods, {});
    expect(plan.remove).toEqual([]);
    expect(plan.errors).toEqual([
      "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent",
      "cannot delete Pods that declare no controller (use --force to override): default/bare",
      "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache",
    ]);
  });

  it("with the flags: leaves DaemonSet and mirror pods, deletes the rest with warnings", () => {
    const plan = drainPlan(pods, { ignoreDaemonsets: true, force: true, deleteEmptydirData: true });
    expect(plan.errors).toEqual([]);
    expect(plan.remove.map((p) => p.metadata.name)).toEqual(["web", "bare", "cache", "done"]);
    expect(plan.warnings).toEqual([
      "Warning: ignoring DaemonSet-managed Pods: default/agent",
      "Warning: deleting Pods that declare no controller: default/bare",
      "Warning: deleting Pods with local storage: default/cache",
    ]);
  });
});
