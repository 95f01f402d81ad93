import { describe, expect, it } from "vitest";
import type { Lease } from "../client/index.js";
import { renewedNodeLease } from "./node-lease.js";

const t0 = Date.parse("2026-11-25T20:00:00.123Z");

describe("renewedNodeLease", () => {
  it("creates kube-node-lease/<node> held by the node, owned by its Node, renewTime as MicroTime", () => {
    const lease = renewedNodeLease(undefined, { nodeName: "node-1", nodeUid: "uid-n1", leaseDurationSeconds: 40 }, t0);
    expect(lease.metadata).toMatchObject({ name: "node-1", namespace: "kube-node-lease", ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "node-1", uid: "uid-n1" }] });
    expect(lease.spec).toEqual({ holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2026-11-25T20:00:00.123000Z" });
  });

  it("renews a base lease without touching it, keeping its resourceVersion and owner", () => {
    const base: Lease = {
      metadata: { name: "node-1", namespace: "kube-node-lease", resourceVersion: "17", ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "node-1", uid: "old" }] },
      spec: { holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2026-11-25T19:59:50.000000Z" },
    };
    const frozen = Object.freeze(structuredClone(base));
    const renewed = renewedNodeLease(frozen, { nodeName: "node-1", nodeUid: "new", leaseDurationSeconds: 20 }, t0 + 10_000);
    expect(renewed.metadata.resourceVersion).toBe("17");
    expect(renewed.metadata.ownerReferences?.map((o) => o.uid)).toEqual(["old"]);
    expect(renewed.spec).toMatchObject({ leaseDurationSeconds: 20, renewTime: "2026-11-25T20:00:10.123000Z" });
    expect(frozen.spec?.renewTime).toBe("2026-11-25T19:59:50.000000Z");
  });

  it("leaves the owner out until the Node's uid is known", () => {
    expect(renewedNodeLease(undefined, { nodeName: "n", nodeUid: undefined, leaseDurationSeconds: 40 }, t0).metadata.ownerReferences).toBeUndefined();
  });
});
