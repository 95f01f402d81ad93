// managedFields bookkeeping of a non-apply write (create, update, patch), as the apiserver's
// fieldmanager does it: the fields the write created or changed become the writer's (an
// "Update" entry per manager, apiVersion and subresource), other managers lose them, and the
// entry's time moves only when the write changed something.
import { isJsonObject, rootSchema, fieldSchema, type JsonObject, type PatchSchema, type SchemaNode } from "../patch/index.js";
import { capUpdateManagers, ignoredFieldSet, managedFieldsOf, decodeManagedFields, managerIdentifier, settleOwnership, strippedFields, viewWithoutManagedFields, withManagedFields } from "./managed-fields.js";
import type { FieldManagerWrite, ManagerRecord, Managers } from "./managed-fields.js";
import { compare } from "./typed.js";
import { FieldSet, fieldElement } from "./field-set.js";

export interface UpdateManagedFieldsInput extends FieldManagerWrite {
  /** The stored object; undefined on create. */
  old: Record<string, unknown> | undefined;
  /** The object as it will be stored (after the strategy reset status or spec). */
  updated: Record<string, unknown>;
}

/** Returns `updated` with its metadata.managedFields brought up to date (sharing all else with `updated`). Pure. */
export function updateManagedFields(input: UpdateManagedFieldsInput): Record<string, unknown> {
  const { schema } = input;
  const managers = decodeLiveOrNew(input.old, input.updated, input.subresource !== undefined);
  // Neither is changed below; the result shares the caller's object (which it replaces).
  const after = viewWithoutManagedFields(input.updated);
  const before = input.old === undefined ? zeroObject(schema, after) : viewWithoutManagedFields(input.old);
  const ignored = ignoredFieldSet(input);
  const comparison = compare(schema, before, after);
  const changed = comparison.added.union(comparison.modified).recursiveDifference(ignored);
  // Upstream runs the write as a temporary manager, so every stored entry (the writer's too) is "another".
  settleOwnership(managers, comparison, ignored, undefined, true);
  const owned = changed.difference(strippedFields);
  // Upstream strips metadata paths after deciding the write changed something, so a write that
  // only sets e.g. metadata.name (a create with nothing else) still gets an (empty) entry;
  // fields the server itself maintains do not count as the writer's change.
  if (!changed.difference(serverMaintainedFields).isEmpty()) {
    const record: ManagerRecord = { manager: input.manager, operation: "Update", apiVersion: input.apiVersion, set: owned, time: input.now };
    if (input.subresource !== undefined && input.subresource !== "") record.subresource = input.subresource;
    const identifier = managerIdentifier(record);
    const previous = managers.get(identifier);
    if (previous !== undefined) record.set = owned.union(previous.set);
    managers.set(identifier, record);
  }
  capUpdateManagers(managers);
  return withManagedFields(after, managers);
}

const serverMaintainedFields = FieldSet.fromPaths(
  ["resourceVersion", "generation", "uid", "creationTimestamp", "selfLink", "managedFields"].map((name) => [fieldElement("metadata"), fieldElement(name)]),
);

/**
 * decodeLiveOrNew: a request may set managedFields itself ([{}] resets them); otherwise, and
 * always on subresources, the stored object's entries count.
 */
function decodeLiveOrNew(old: Record<string, unknown> | undefined, updated: Record<string, unknown>, isSubresource: boolean): Managers {
  const liveManaged = decodeManagedFields(managedFieldsOf(old));
  if (isSubresource) return liveManaged;
  const requested = managedFieldsOf(updated);
  if (Array.isArray(requested) && requested.length === 1 && isJsonObject(requested[0]) && Object.keys(requested[0]).length === 0) {
    return new Map();
  }
  const fromRequest = decodeManagedFields(requested);
  return fromRequest.size > 0 ? fromRequest : liveManaged;
}


/**
 * What upstream compares a created object against: the kind's zero value, in which (Go) struct
 * fields exist as empty objects while maps, lists and pointers are absent. Structs are told by
 * declared properties without additionalProperties.
 */
function zeroObject(schema: PatchSchema, created: JsonObject): JsonObject {
  return zeroStruct(schema, rootSchema(schema), created);
}

function zeroStruct(schema: PatchSchema, node: SchemaNode | undefined, value: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    const childNode = fieldSchema(schema, node, key);
    if (!isJsonObject(child) || !isStruct(childNode)) continue;
    result[key] = zeroStruct(schema, childNode, child);
  }
  return result;
}

function isStruct(node: SchemaNode | undefined): node is SchemaNode {
  return node?.properties !== undefined && node.additionalProperties === undefined && node["x-kubernetes-map-type"] !== "atomic";
}
