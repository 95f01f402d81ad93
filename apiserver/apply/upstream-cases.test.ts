// Scenarios from structured-merge-diff's merge tests (leaf fields), replayed through the
// kube-lite entry points: Apply is serverSideApply, Update is updateManagedFields.
import { describe, expect, it } from "vitest";
import type { PatchSchema } from "../patch/index.js";
import type { ManagedFieldsEntry } from "./managed-fields.js";
import { serverSideApply } from "./server-side-apply.js";
import { updateManagedFields } from "./update-managed-fields.js";

type Json = Record<string, unknown>;
const leafSchema: PatchSchema = {
  root: { type: "object", properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object", properties: { name: { type: "string" } } }, numeric: { type: "integer" }, string: { type: "string" }, bool: { type: "boolean" } } },
  components: {},
};

type Operation = { apply: string; fields: Json; force?: boolean; conflicts?: string[] } | { update: string; fields: Json };

function run(operations: Operation[]): { object: Json; owners: Record<string, string[]> } {
  let object: Json | undefined;
  operations.forEach((operation, index) => {
    const now = `2026-11-25T18:${String(10 + index)}:00Z`;
    if ("apply" in operation) {
      const result = serverSideApply({
        live: object,
        applied: { apiVersion: "v1", kind: "Leaf", metadata: { name: "x" }, ...operation.fields },
        manager: operation.apply,
        force: operation.force ?? false,
        schema: leafSchema,
        apiVersion: "v1",
        now,
      });
      if (result.ok) {
        expect(operation.conflicts).toBeUndefined();
        object = result.object;
      } else {
        expect(result.conflicts.map((conflict) => `${conflict.manager} ${conflict.field}`)).toEqual(operation.conflicts);
      }
    } else {
      const updated = { ...(object ?? {}), apiVersion: "v1", kind: "Leaf", metadata: (object?.metadata as Json | undefined) ?? { name: "x" } };
      for (const key of ["numeric", "string", "bool"]) delete (updated as Json)[key];
      object = updateManagedFields({ old: object, updated: { ...updated, ...operation.fields }, manager: operation.update, schema: leafSchema, apiVersion: "v1", now });
    }
  });
  const final = object ?? {};
  const entries = ((final.metadata as Json).managedFields ?? []) as ManagedFieldsEntry[];
  const owners = Object.fromEntries(entries.map((entry) => [entry.manager, Object.keys(entry.fieldsV1).sort()]));
  const fields = Object.fromEntries(Object.entries(final).filter(([key]) => ["numeric", "string", "bool"].includes(key)));
  return { object: fields, owners };
}

describe("structured-merge-diff leaf scenarios", () => {
  it("apply_twice", () => {
    expect(run([{ apply: "default", fields: { numeric: 1, string: "string" } }, { apply: "default", fields: { numeric: 2, string: "string", bool: false } }])).toEqual({
      object: { numeric: 2, string: "string", bool: false },
      owners: { default: ["f:bool", "f:numeric", "f:string"] },
    });
  });

  it("apply_update_apply_no_conflict", () => {
    expect(
      run([
        { apply: "default", fields: { numeric: 1, string: "string" } },
        { update: "controller", fields: { numeric: 1, string: "string", bool: true } },
        { apply: "default", fields: { numeric: 2, string: "string" } },
      ]),
    ).toEqual({ object: { numeric: 2, string: "string", bool: true }, owners: { default: ["f:numeric", "f:string"], controller: ["f:bool"] } });
  });

  it("apply_update_apply_with_conflict, then force", () => {
    expect(
      run([
        { apply: "default", fields: { numeric: 1, string: "string" } },
        { update: "controller", fields: { numeric: 1, string: "controller string", bool: true } },
        { apply: "default", fields: { numeric: 2, string: "user string" }, conflicts: ["controller .string"] },
        { apply: "default", fields: { numeric: 2, string: "user string" }, force: true },
      ]),
    ).toEqual({ object: { numeric: 2, string: "user string", bool: true }, owners: { default: ["f:numeric", "f:string"], controller: ["f:bool"] } });
  });

  it("apply_twice_remove", () => {
    expect(run([{ apply: "default", fields: { numeric: 1, string: "string", bool: false } }, { apply: "default", fields: { string: "new string" } }])).toEqual({
      object: { string: "new string" },
      owners: { default: ["f:string"] },
    });
  });

  it("update_apply_omits: a field taken by an update survives the applier dropping it", () => {
    const result = run([{ apply: "default", fields: { numeric: 2 } }, { update: "controller", fields: { numeric: 1 } }, { apply: "default", fields: {} }]);
    expect(result.object).toEqual({ numeric: 1 });
    expect(result.owners.controller).toEqual(["f:numeric"]);
  });

  it("update_remove_empty_set: an applier whose only field is taken disappears", () => {
    expect(run([{ apply: "default", fields: { string: "string" } }, { update: "controller", fields: { string: "new string" } }])).toEqual({
      object: { string: "new string" },
      owners: { controller: ["f:string"] },
    });
  });
});
