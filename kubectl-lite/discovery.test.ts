import { describe, expect, it } from "vitest";
import { kindPrefix, matchKind, matchResource, matchResources, qualifiedResource, resourceTypeOf, resourcesOfDocument } from "./discovery.js";

const core = resourcesOfDocument({
  groupVersion: "v1",
  resources: [
    { name: "pods", singularName: "pod", namespaced: true, kind: "Pod", shortNames: ["po"], categories: ["all"] },
    { name: "pods/status", singularName: "", namespaced: true, kind: "Pod" },
    { name: "nodes", singularName: "node", namespaced: false, kind: "Node", shortNames: ["no"] },
    { name: "events", singularName: "event", namespaced: true, kind: "Event", shortNames: ["ev"] },
  ],
});
const apps = resourcesOfDocument({
  groupVersion: "apps/v1",
  resources: [{ name: "deployments", singularName: "deployment", namespaced: true, kind: "Deployment", shortNames: ["deploy"], categories: ["all"] }],
});
const coordination = resourcesOfDocument({ groupVersion: "coordination.k8s.io/v1", resources: [{ name: "leases", singularName: "lease", namespaced: true, kind: "Lease" }] });
const all = [...core, ...apps, ...coordination];

describe("resource names", () => {
  it("leaves subresources out", () => {
    expect(core.map((entry) => entry.resource)).toEqual(["pods", "nodes", "events"]);
  });

  it("takes short names, singulars, plurals, kinds and group-qualified names", () => {
    for (const typed of ["po", "pod", "pods", "Pod", "pods.v1", "PODS"]) expect(matchResource(all, typed)?.resource).toBe("pods");
    for (const typed of ["deploy", "deployment", "deployments.apps", "deployments.v1.apps", "Deployment"]) expect(matchResource(all, typed)?.resource).toBe("deployments");
    expect(matchResource(all, "lease")?.resource).toBe("leases");
    expect(matchResource(all, "ev")?.resource).toBe("events");
    expect(matchResource(all, "deployments.batch")).toBeUndefined();
    expect(matchResource(all, "widgets")).toBeUndefined();
  });

  it("expands a category when no resource has the name", () => {
    expect(matchResources(all, "all").map((entry) => entry.resource)).toEqual(["pods", "deployments"]);
  });

  it("finds a manifest's kind by apiVersion and names it as kubectl prints", () => {
    const deployment = matchKind(all, "apps/v1", "Deployment");
    expect(deployment === undefined ? undefined : kindPrefix(deployment)).toBe("deployment.apps");
    expect(deployment === undefined ? undefined : qualifiedResource(deployment)).toBe("deployments.apps");
    expect(matchKind(all, "v1", "Deployment")).toBeUndefined();
    const node = matchResource(all, "no");
    expect(node === undefined ? undefined : resourceTypeOf(node)).toEqual({ apiPath: "/api/v1", apiVersion: "v1", resource: "nodes", kind: "Node", namespaced: false });
    expect(node === undefined ? undefined : kindPrefix(node)).toBe("node");
  });
});
