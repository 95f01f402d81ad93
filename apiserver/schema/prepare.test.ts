import { describe, expect, it } from "vitest";
import { applyDefaults, podQOSClass, prepareForCreate, prepareForUpdate } from "./index.js";
import { podManifest } from "./fixtures/manifests.js";

const core = (kind: string) => ({ group: "", version: "v1", kind });
const apps = (kind: string) => ({ group: "apps", version: "v1", kind });
const containers = (...resources: Record<string, unknown>[]) => ({ containers: resources.map((item, index) => ({ name: `c${index}`, resources: item })) });

describe("podQOSClass", () => {
  it("classifies as upstream", () => {
    expect(podQOSClass(containers({}))).toBe("BestEffort");
    expect(podQOSClass(containers({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1000m", memory: "1Gi" } }))).toBe("Guaranteed");
    expect(podQOSClass(containers({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m", memory: "1Gi" } }))).toBe("Burstable");
    expect(podQOSClass(containers({ limits: { cpu: "1" }, requests: { cpu: "1" } }))).toBe("Burstable");
    expect(podQOSClass(containers({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1", memory: "1Gi" } }, {}))).toBe("Burstable");
    expect(podQOSClass(containers({ requests: { "nvidia.com/gpu": "1" } }))).toBe("BestEffort");
  });
});

describe("prepareForCreate", () => {
  it("resets a Pod's status to Pending with its QoS class", () => {
    const pod = prepareForCreate(core("Pod"), { ...applyDefaults(core("Pod"), podManifest), status: { phase: "Running", podIP: "1.2.3.4" } });
    expect(pod.status).toEqual({ phase: "Pending", qosClass: "Guaranteed" });
  });

  it("marks a gated Pod unschedulable", () => {
    const pod = prepareForCreate(core("Pod"), { spec: { containers: [{ name: "a" }], schedulingGates: [{ name: "example.com/gate" }] } });
    expect(pod.status).toEqual({
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates" }],
      qosClass: "BestEffort",
    });
  });

  it("clears Deployment status, activates Namespaces, merges Secret stringData", () => {
    expect(prepareForCreate(apps("Deployment"), { spec: {}, status: { replicas: 3 } }).status).toEqual({});
    expect(prepareForCreate(core("Namespace"), { metadata: { name: "a" }, spec: { finalizers: ["example.com/x"] } })).toEqual({
      metadata: { name: "a" }, spec: { finalizers: ["example.com/x", "kubernetes"] }, status: { phase: "Active" },
    });
    expect(prepareForCreate(core("Secret"), { data: { a: "YQ==" }, stringData: { b: "hello" } })).toEqual({ data: { a: "YQ==", b: "aGVsbG8=" } });
  });
});

describe("prepareForUpdate", () => {
  const old = { metadata: { name: "d" }, spec: { replicas: 1 }, status: { replicas: 1 } };
  it("keeps the old status on the main resource and the old spec on /status", () => {
    expect(prepareForUpdate(apps("Deployment"), { metadata: { name: "d" }, spec: { replicas: 2 }, status: { replicas: 9 } }, old)).toEqual({
      metadata: { name: "d" }, spec: { replicas: 2 }, status: { replicas: 1 },
    });
    expect(prepareForUpdate(apps("Deployment"), { metadata: { name: "d" }, spec: { replicas: 2 }, status: { replicas: 9 } }, old, "status")).toEqual({
      metadata: { name: "d" }, spec: { replicas: 1 }, status: { replicas: 9 },
    });
  });

  it("keeps a Pod's ownerReferences on /status and a Namespace's finalizers on update", () => {
    const pod = { metadata: { name: "p", ownerReferences: [{ apiVersion: "v1", kind: "K", name: "n", uid: "u" }] }, spec: { containers: [] } };
    expect(prepareForUpdate(core("Pod"), { metadata: { name: "p" }, spec: { containers: [] }, status: { phase: "Running" } }, pod, "status").metadata).toEqual(pod.metadata);
    const namespace = { metadata: { name: "a" }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } };
    expect(prepareForUpdate(core("Namespace"), { metadata: { name: "a" }, spec: {} }, namespace)).toEqual(namespace);
  });

  it("takes a Namespace's spec and metadata from /finalize and keeps its status (namespaceFinalizeStrategy)", () => {
    const namespace = { metadata: { name: "a" }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Terminating" } };
    const request = { metadata: { name: "a", labels: { team: "x" } }, spec: { finalizers: ["example.com/other"] }, status: { phase: "Active" } };
    expect(prepareForUpdate(core("Namespace"), request, namespace, "finalize")).toEqual({
      metadata: { name: "a", labels: { team: "x" } }, spec: { finalizers: ["example.com/other"] }, status: { phase: "Terminating" },
    });
  });
});
