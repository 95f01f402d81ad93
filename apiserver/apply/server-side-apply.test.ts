import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PatchError } from "../patch/index.js";
import { deploymentSchema } from "../patch/schema-fixtures.js";
import type { ManagedFieldsEntry } from "./managed-fields.js";
import { serverSideApply, type ServerSideApplyResult } from "./server-side-apply.js";
import { updateManagedFields } from "./update-managed-fields.js";

type Json = Record<string, unknown>;

function config(spec: Json, labels: Json = { app: "web" }): Json {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default", labels }, spec };
}

const nginx = { name: "nginx", image: "nginx:1.25", ports: [{ containerPort: 80 }] };
const base = config({ replicas: 2, selector: { matchLabels: { app: "web" } }, template: { spec: { containers: [nginx] } } });

function apply(live: Json | undefined, applied: Json, options: { manager?: string; force?: boolean; now?: string } = {}): ServerSideApplyResult {
  return serverSideApply({
    live,
    applied,
    manager: options.manager ?? "kubectl",
    force: options.force ?? false,
    schema: deploymentSchema,
    apiVersion: "apps/v1",
    now: options.now ?? "2026-11-25T18:00:00Z",
  });
}

function applied(live: Json | undefined, config: Json, options: { manager?: string; force?: boolean; now?: string } = {}): Json {
  const result = apply(live, config, options);
  if (!result.ok) throw new Error(result.message);
  return result.object;
}

function entries(object: Json): ManagedFieldsEntry[] {
  return ((object.metadata as Json).managedFields ?? []) as ManagedFieldsEntry[];
}

function spec(object: Json): Json {
  return object.spec as Json;
}

function edit(object: Json, manager: string, change: (copy: Json & { spec: Json }) => void): Json {
  const copy = structuredClone(object) as Json & { spec: Json };
  change(copy);
  return updateManagedFields({ old: object, updated: copy, manager, schema: deploymentSchema, apiVersion: "apps/v1", now: "2026-11-25T18:30:00Z" });
}

describe("serverSideApply", () => {
  it("creates the object with one Apply entry owning exactly the applied fields", () => {
    const object = applied(undefined, base);
    expect(spec(object)).toEqual(base.spec);
    expect(entries(object)).toEqual([
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: "2026-11-25T18:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
              "f:spec": {
                "f:containers": {
                  'k:{"name":"nginx"}': {
                    ".": {},
                    "f:image": {},
                    "f:name": {},
                    "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  it("changes nothing, not even the time, when the same configuration is applied again", () => {
    const first = applied(undefined, base);
    const second = applied(first, base, { now: "2026-11-25T19:00:00Z" });
    expect(second).toEqual(first);
  });

  it("updates the entry's time when the object changes", () => {
    const first = applied(undefined, base);
    const second = applied(first, config({ ...base.spec as Json, replicas: 3 }), { now: "2026-11-25T19:00:00Z" });
    expect(spec(second).replicas).toBe(3);
    expect(entries(second)[0]?.time).toBe("2026-11-25T19:00:00Z");
  });

  it("removes fields the manager applied before and no longer applies", () => {
    const first = applied(undefined, config(base.spec as Json, { app: "web", tier: "front" }));
    const sidecar = { name: "sidecar", image: "envoy" };
    const withSidecar = applied(first, config({ ...(base.spec as Json), template: { spec: { containers: [nginx, sidecar] } } }, { app: "web", tier: "front" }));
    const second = applied(withSidecar, base);
    expect((second.metadata as Json).labels).toEqual({ app: "web" });
    expect((((spec(second).template as Json).spec as Json).containers as Json[]).map((container) => container.name)).toEqual(["nginx"]);
    expect((second.metadata as Json).name).toBe("web");
    expect((second.metadata as Json).namespace).toBe("default");
  });

  it("keeps a dropped field that another manager also owns", () => {
    const first = applied(undefined, config(base.spec as Json, { app: "web", tier: "front" }));
    const shared = applied(first, config({}, { tier: "front" }), { manager: "other" });
    const second = applied(shared, base);
    expect((second.metadata as Json).labels).toEqual({ app: "web", tier: "front" });
  });

  it("keeps fields it never applied (defaults, other writers)", () => {
    const first = applied(undefined, base);
    const defaulted = structuredClone(first) as Json & { spec: Json };
    defaulted.spec.strategy = { type: "RollingUpdate" };
    const second = applied(defaulted, config({ ...(base.spec as Json), replicas: 4 }));
    expect(spec(second).strategy).toEqual({ type: "RollingUpdate" });
  });

  it("answers a conflict with upstream's message when another manager changed the field", () => {
    const first = applied(undefined, base);
    const scaled = edit(first, "kubectl-edit", (copy) => (copy.spec.replicas = 5));
    const result = apply(scaled, base);
    expect(result).toEqual({
      ok: false,
      conflicts: [{ manager: "kubectl-edit", field: ".spec.replicas", message: 'conflict with "kubectl-edit" using apps/v1' }],
      message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas',
    });
  });

  it("lists several conflicts by manager", () => {
    const first = applied(undefined, base);
    const edited = edit(first, "kubectl-edit", (copy) => {
      copy.spec.replicas = 5;
      (((copy.spec.template as Json).spec as Json).containers as Json[])[0] = { ...nginx, image: "nginx:1.26" };
    });
    const result = apply(edited, base);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
  });

  it("with force, takes the fields over; a manager left with nothing disappears", () => {
    const first = applied(undefined, base);
    const scaled = edit(first, "kubectl-edit", (copy) => (copy.spec.replicas = 5));
    const forced = applied(scaled, base, { force: true, now: "2026-11-25T19:00:00Z" });
    expect(spec(forced).replicas).toBe(2);
    expect(entries(forced).map((entry) => entry.manager)).toEqual(["kubectl"]);
    expect((entries(forced)[0]?.fieldsV1["f:spec"] as Json)["f:replicas"]).toEqual({});
  });

  it("shares ownership without conflict when the applied value equals the live one", () => {
    const first = applied(undefined, base);
    const second = applied(first, config({ replicas: 2 }), { manager: "autoscaler" });
    expect(entries(second).map((entry) => entry.manager)).toEqual(["autoscaler", "kubectl"]);
    const conflict = apply(second, config({ ...(base.spec as Json), replicas: 7 }));
    expect(conflict.ok).toBe(false);
    if (!conflict.ok) expect(conflict.message).toBe('Apply failed with 1 conflict: conflict with "autoscaler": .spec.replicas');
  });

  it("records an Apply entry even for an empty applied field set", () => {
    const object = applied(undefined, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" } });
    expect(entries(object).map((entry) => [entry.manager, entry.operation, entry.fieldsV1])).toEqual([["kubectl", "Apply", {}]]);
  });

  it("refuses an applied configuration carrying managedFields", () => {
    expect(() => apply(undefined, { ...base, metadata: { name: "web", managedFields: [] } })).toThrow(PatchError);
  });

  it("refuses a list-map item without its key", () => {
    const error = (() => {
      try {
        apply(undefined, config({ template: { spec: { containers: [{ image: "x" }] } } }));
      } catch (caught) {
        return caught as PatchError;
      }
      return undefined;
    })();
    expect(error?.status).toBe(422);
    expect(error?.message).toContain('omits key field "name"');
  });

  it("is idempotent: applying then re-applying the same configuration changes nothing", () => {
    const container = fc.record({ name: fc.constantFrom("a", "b", "c"), image: fc.constantFrom("x:1", "y:2") });
    const configuration = fc.record({
      labels: fc.dictionary(fc.constantFrom("app", "tier", "team"), fc.constantFrom("p", "q"), { maxKeys: 3 }),
      replicas: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
      // A Deployment needs a container; an empty list owns nothing (as upstream), so spec would be pruned whole.
      containers: fc.uniqueArray(container, { selector: (item) => item.name, minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(configuration, configuration, (previous, next) => {
        const toConfig = (value: typeof previous): Json =>
          config({ ...(value.replicas === undefined ? {} : { replicas: value.replicas }), template: { spec: { containers: value.containers } } }, value.labels);
        const live = applied(undefined, toConfig(previous));
        const once = applied(live, toConfig(next), { now: "2026-11-25T19:00:00Z" });
        const twice = applied(once, toConfig(next), { now: "2026-11-25T20:00:00Z" });
        expect(twice).toEqual(once);
        expect((once.metadata as Json).labels ?? {}).toEqual(next.labels);
      }),
      { numRuns: 200 },
    );
  });
});

describe("serverSideApply after client-side apply (kubectl)", () => {
  const annotation = "kubectl.kubernetes.io/last-applied-configuration";

  function clientSideApplied(replicas: number): Json {
    const lastApplied = config({ ...(base.spec as Json), replicas });
    const object = structuredClone(lastApplied) as Json & { metadata: Json };
    object.metadata.annotations = { [annotation]: `${JSON.stringify(lastApplied)}\n` };
    return updateManagedFields({ old: undefined, updated: object, manager: "kubectl-client-side-apply", schema: deploymentSchema, apiVersion: "apps/v1", now: "2026-11-25T17:00:00Z" });
  }

  it("takes over fields the last-applied annotation still describes, and refreshes the annotation", () => {
    const live = clientSideApplied(2);
    const result = applied(live, config({ ...(base.spec as Json), replicas: 3 }), { now: "2026-11-25T19:00:00Z" });
    expect(spec(result).replicas).toBe(3);
    const clientSide = entries(result).find((entry) => entry.manager === "kubectl-client-side-apply");
    expect((clientSide?.fieldsV1["f:spec"] as Json)["f:replicas"]).toBeUndefined();
    const refreshed = JSON.parse(((result.metadata as Json).annotations as Json)[annotation] as string) as Json;
    expect((refreshed.spec as Json).replicas).toBe(3);
  });

  it("still conflicts on fields changed since the last client-side apply, and for other managers", () => {
    const edited = edit(clientSideApplied(2), "kubectl-client-side-apply", (copy) => (copy.spec.replicas = 4));
    const result = apply(edited, config({ ...(base.spec as Json), replicas: 3 }));
    expect(result.ok).toBe(false);
    const other = apply(clientSideApplied(2), config({ ...(base.spec as Json), replicas: 3 }), { manager: "helm" });
    expect(other.ok).toBe(false);
  });
});

describe("managedFields cap", () => {
  it("folds the oldest Update entries beyond ten into ancient-changes", () => {
    let object = applied(undefined, base);
    for (let index = 0; index < 12; index++) {
      const copy = structuredClone(object) as Json & { metadata: Json };
      copy.metadata.labels = { ...(copy.metadata.labels as Json), [`l${index}`]: "x" };
      object = updateManagedFields({ old: object, updated: copy, manager: `writer-${index}`, schema: deploymentSchema, apiVersion: "apps/v1", now: `2026-11-25T18:${String(10 + index)}:00Z` });
    }
    const updates = entries(object).filter((entry) => entry.operation === "Update");
    expect(updates).toHaveLength(10);
    const bucket = updates.find((entry) => entry.manager === "ancient-changes");
    expect(Object.keys((bucket?.fieldsV1["f:metadata"] as Json)["f:labels"] as Json)).toEqual(["f:l0", "f:l1", "f:l2"]);
    expect(bucket?.time).toBe("2026-11-25T18:12:00Z");
  });
});

describe("ignored (reset) fields", () => {
  it("never gives the applier ownership of fields the endpoint resets, nor conflicts on them", () => {
    const withStatus = { ...base, status: { replicas: 9 } };
    const result = serverSideApply({ live: undefined, applied: withStatus, manager: "kubectl", force: false, schema: deploymentSchema, apiVersion: "apps/v1", now: "2026-11-25T18:00:00Z", ignoredFields: [["status"]] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(entries(result.object)[0]?.fieldsV1).not.toHaveProperty("f:status");
    const statusWriter = updateManagedFields({
      old: result.object,
      updated: { ...result.object, status: { replicas: 1 } },
      manager: "controller",
      schema: deploymentSchema,
      apiVersion: "apps/v1",
      now: "2026-11-25T18:01:00Z",
      subresource: "status",
      ignoredFields: [["spec"], ["metadata"]],
    });
    expect(entries(statusWriter).find((entry) => entry.manager === "controller")?.fieldsV1).toEqual({ "f:status": { "f:replicas": {} } });
    const again = serverSideApply({ live: statusWriter, applied: withStatus, manager: "kubectl", force: false, schema: deploymentSchema, apiVersion: "apps/v1", now: "2026-11-25T18:02:00Z", ignoredFields: [["status"]] });
    expect(again.ok).toBe(true);
  });
});
