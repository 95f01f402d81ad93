import { describe, expect, it } from "vitest";
import { applyOutcome, targetNamespace } from "./apply.js";
import type { ApiResource } from "./discovery.js";

const deployments: ApiResource = { group: "apps", version: "v1", resource: "deployments", singular: "deployment", kind: "Deployment", namespaced: true, shortNames: [], categories: [], verbs: [] };
const namespaces: ApiResource = { ...deployments, group: "", resource: "namespaces", kind: "Namespace", namespaced: false };

describe("apply", () => {
  it("says created without a previous object, unchanged when the resourceVersion stayed, configured otherwise", () => {
    const after = { metadata: { name: "web", resourceVersion: "12" } };
    expect(applyOutcome(undefined, after)).toBe("created");
    expect(applyOutcome({ metadata: { name: "web", resourceVersion: "12" } }, after)).toBe("unchanged");
    expect(applyOutcome({ metadata: { name: "web", resourceVersion: "11" } }, after)).toBe("configured");
  });

  it("sends an object to its own namespace, else -n's, and refuses a clash with an explicit -n", () => {
    const session = { namespace: "team", namespaceExplicit: true };
    expect(targetNamespace(deployments, { metadata: { name: "web" } }, session)).toBe("team");
    expect(targetNamespace(deployments, { metadata: { name: "web", namespace: "team" } }, session)).toBe("team");
    expect(targetNamespace(deployments, { metadata: { name: "web", namespace: "prod" } }, { namespace: "default", namespaceExplicit: false })).toBe("prod");
    expect(() => targetNamespace(deployments, { metadata: { name: "web", namespace: "prod" } }, session)).toThrow(
      `the namespace from the provided object "prod" does not match the namespace "team". You must pass '--namespace=prod' to perform this operation.`,
    );
    expect(targetNamespace(namespaces, { metadata: { name: "team" } }, session)).toBeUndefined();
  });
});
