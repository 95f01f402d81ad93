import { describe, expect, it } from "vitest";
import { deploymentSchema, podSchema } from "../patch/schema-fixtures.js";
import type { ManagedFieldsEntry } from "./managed-fields.js";
import { updateManagedFields } from "./update-managed-fields.js";

type Json = Record<string, unknown>;

function entries(object: Json): ManagedFieldsEntry[] {
  return ((object.metadata as Json).managedFields ?? []) as ManagedFieldsEntry[];
}

const deployment: Json = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", labels: { app: "web" } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.25" }] } },
  },
};

function write(old: Json | undefined, updated: Json, manager: string, now: string, subresource?: string): Json {
  return updateManagedFields({ old, updated, manager, schema: deploymentSchema, apiVersion: "apps/v1", now, ...(subresource === undefined ? {} : { subresource }) });
}

function edit(object: Json, change: (copy: Json & { spec: Json; metadata: Json }) => void): Json {
  const copy = structuredClone(object) as Json & { spec: Json; metadata: Json };
  change(copy);
  return copy;
}

describe("updateManagedFields", () => {
  it("gives the creator every field it set, with '.' on maps and lists it created (as a kubectl create)", () => {
    const created = write(undefined, deployment, "kubectl-create", "2026-11-25T18:00:00Z");
    expect(entries(created)).toEqual([
      {
        manager: "kubectl-create",
        operation: "Update",
        apiVersion: "apps/v1",
        time: "2026-11-25T18:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
              "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
              "f:spec": { "f:containers": { ".": {}, 'k:{"name":"nginx"}': { ".": {}, "f:image": {}, "f:name": {} } } },
            },
          },
        },
      },
    ]);
    expect((created.metadata as Json).name).toBe("web");
  });

  it("moves a changed field to the writer and keeps the other entries' times", () => {
    const created = write(undefined, deployment, "kubectl-create", "2026-11-25T18:00:00Z");
    const scaled = write(created, edit(created, (copy) => (copy.spec.replicas = 3)), "kubectl-scale", "2026-11-25T18:05:00Z", "scale");
    const [creator, scaler] = entries(scaled);
    expect(creator?.time).toBe("2026-11-25T18:00:00Z");
    expect((creator?.fieldsV1["f:spec"] as Json)["f:replicas"]).toBeUndefined();
    expect(scaler).toEqual({
      manager: "kubectl-scale",
      operation: "Update",
      apiVersion: "apps/v1",
      time: "2026-11-25T18:05:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:spec": { "f:replicas": {} } },
      subresource: "scale",
    });
  });

  it("records nothing for a write that changes nothing", () => {
    const created = write(undefined, deployment, "kubectl-create", "2026-11-25T18:00:00Z");
    const same = write(created, edit(created, () => undefined), "kubectl-edit", "2026-11-25T18:09:00Z");
    expect(entries(same)).toEqual(entries(created));
  });

  it("merges successive writes of one manager into one entry with the latest time", () => {
    const created = write(undefined, deployment, "kubectl-create", "2026-11-25T18:00:00Z");
    const first = write(created, edit(created, (copy) => (copy.spec.replicas = 2)), "kubectl-edit", "2026-11-25T18:01:00Z");
    const second = write(first, edit(first, (copy) => (copy.spec.minReadySeconds = 5)), "kubectl-edit", "2026-11-25T18:02:00Z");
    const editor = entries(second).filter((entry) => entry.manager === "kubectl-edit");
    expect(editor).toHaveLength(1);
    expect(editor[0]?.time).toBe("2026-11-25T18:02:00Z");
    expect(editor[0]?.fieldsV1).toEqual({ "f:spec": { "f:minReadySeconds": {}, "f:replicas": {} } });
  });

  it("drops removed fields from their owners, and owners left with nothing", () => {
    const created = write(undefined, deployment, "kubectl-create", "2026-11-25T18:00:00Z");
    const labelled = write(created, edit(created, (copy) => ((copy.metadata.labels as Json).tier = "front")), "kubectl-label", "2026-11-25T18:01:00Z");
    expect(entries(labelled).map((entry) => entry.manager)).toEqual(["kubectl-create", "kubectl-label"]);
    const unlabelled = write(labelled, edit(labelled, (copy) => delete (copy.metadata.labels as Json).tier), "kubectl-edit", "2026-11-25T18:02:00Z");
    expect(entries(unlabelled).map((entry) => entry.manager)).toEqual(["kubectl-create"]);
  });

  it("sorts entries: Apply first, then by time", () => {
    const created = write(undefined, deployment, "zeta", "2026-11-25T18:00:00Z");
    const later = write(created, edit(created, (copy) => (copy.spec.replicas = 4)), "alpha", "2026-11-25T18:03:00Z");
    expect(entries(later).map((entry) => entry.manager)).toEqual(["zeta", "alpha"]);
  });

  it("resets managedFields when the request sends [{}]", () => {
    const created = write(undefined, deployment, "kubectl-create", "2026-11-25T18:00:00Z");
    const reset = write(created, edit(created, (copy) => ((copy.metadata as Json).managedFields = [{}])), "kubectl-edit", "2026-11-25T18:01:00Z");
    expect(entries(reset)).toEqual([]);
  });

  it("keeps status writes in their own entry on a subresource", () => {
    const pod: Json = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i" }] } };
    const created = updateManagedFields({ old: undefined, updated: pod, manager: "kubectl-create", schema: podSchema, apiVersion: "v1", now: "2026-11-25T18:00:00Z" });
    const running = structuredClone(created);
    running.status = { phase: "Running", conditions: [{ type: "Ready", status: "True" }] };
    const updated = updateManagedFields({ old: created, updated: running, manager: "kubelet", schema: podSchema, apiVersion: "v1", now: "2026-11-25T18:01:00Z", subresource: "status" });
    const kubelet = entries(updated).find((entry) => entry.manager === "kubelet");
    expect(kubelet?.subresource).toBe("status");
    expect(kubelet?.fieldsV1).toEqual({
      "f:status": { ".": {}, "f:conditions": { ".": {}, 'k:{"type":"Ready"}': { ".": {}, "f:status": {}, "f:type": {} } }, "f:phase": {} },
    });
  });
});

describe("updateManagedFields on writes that only touch metadata", () => {
  it("gives a create with nothing but a name an empty entry, as upstream's stripped set", () => {
    const created = updateManagedFields({
      old: undefined,
      updated: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "empty" } },
      manager: "kubectl-create",
      schema: podSchema,
      apiVersion: "v1",
      now: "2026-11-25T18:00:00Z",
    });
    expect(entries(created).map((entry) => [entry.manager, entry.fieldsV1])).toEqual([["kubectl-create", {}]]);
  });

  it("records nothing when only server-maintained metadata changed", () => {
    const created = write(undefined, deployment, "kubectl-create", "2026-11-25T18:00:00Z");
    const bumped = write(created, edit(created, (copy) => Object.assign(copy.metadata, { resourceVersion: "9", generation: 2 })), "kubectl-edit", "2026-11-25T18:01:00Z");
    expect(entries(bumped)).toEqual(entries(created));
  });
});
