// Server-side apply as structured-merge-diff's Updater.Apply inside the apiserver's fieldmanager:
// merge the applied configuration into the live object, remove what this manager applied last
// time and no longer applies (unless someone else owns it), refuse changes to fields other
// managers own (409) unless forced, in which case ownership moves to the applier.
import { PatchError, isJsonObject, jsonEqual, type JsonObject, type JsonValue, type PatchSchema } from "../patch/index.js";
import { pathToString, type FieldSet } from "./field-set.js";
import { capUpdateManagers, ignoredFieldSet, managedFieldsOf, decodeManagedFields, managerIdentifier, settleOwnership, printManager, strippedFields, withManagedFields, withoutManagedFields } from "./managed-fields.js";
import type { FieldManagerWrite, ManagerRecord, Managers } from "./managed-fields.js";
import { compare, merge, removeItems, toFieldSet } from "./typed.js";

export interface FieldConflict {
  manager: string;
  /** The field as upstream prints it, e.g. ".spec.replicas". */
  field: string;
  /** The Status cause message upstream gives, e.g. `conflict with "kubectl" using apps/v1`. */
  message: string;
}

export interface ServerSideApplyInput extends FieldManagerWrite {
  /** The stored object; undefined on create. */
  live: Record<string, unknown> | undefined;
  /** The request body: an object with apiVersion, kind and metadata. */
  applied: Record<string, unknown>;
  force: boolean;
}

export type ServerSideApplyResult = { ok: true; object: Record<string, unknown> } | { ok: false; conflicts: FieldConflict[]; message: string };

export function serverSideApply(input: ServerSideApplyInput): ServerSideApplyResult {
  const appliedMetadata = input.applied.metadata;
  if (isJsonObject(appliedMetadata) && appliedMetadata.managedFields !== undefined && appliedMetadata.managedFields !== null) {
    throw new PatchError("metadata.managedFields must be nil", 400);
  }
  const live = input.live === undefined ? {} : withoutManagedFields(input.live);
  const config = withoutManagedFields(input.applied);
  let outcome = applyOnce(input, live, config, input.force);
  if (!outcome.ok && input.manager === kubectlManager) {
    // lastAppliedManager: kubectl moving from client-side to server-side apply may take over
    // the fields its last-applied annotation still describes as they are.
    const allowed = allowedConflictsFromLastApplied(input.schema, live, input.apiVersion);
    if (allowed !== undefined) {
      const remaining = new Map<string, FieldSet>();
      for (const [identifier, fields] of outcome.conflicts) {
        const rest = fields.difference(allowed);
        if (!rest.isEmpty()) remaining.set(identifier, rest);
      }
      outcome = remaining.size === 0 ? applyOnce(input, live, config, true) : { ok: false, conflicts: remaining, managers: outcome.managers };
    }
  }
  if (!outcome.ok) return conflictResult(outcome.managers, outcome.conflicts);
  let object = withoutNullMembers(outcome.merged) as JsonObject;
  if (input.manager === kubectlManager) object = syncLastApplied(object, config);
  return { ok: true, object: withManagedFields(object, outcome.managers) };
}

/** The manager name kubectl uses for server-side apply, which upstream treats specially. */
const kubectlManager = "kubectl";
export const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";
/** TotalAnnotationSizeLimitB: a last-applied annotation that would exceed it is dropped. */
const annotationsBytesMax = 256 * 1024;

type Outcome = { ok: true; merged: JsonObject; managers: Managers } | { ok: false; conflicts: Map<string, FieldSet>; managers: Managers };

function applyOnce(input: ServerSideApplyInput, live: JsonObject, config: JsonObject, force: boolean): Outcome {
  const { schema } = input;
  const managers = input.live === undefined ? new Map() : decodeManagedFields(managedFieldsOf(input.live));
  const ignored = ignoredFieldSet(input);
  const appliedSet = toFieldSet(schema, config).recursiveDifference(ignored).difference(strippedFields);
  const record: ManagerRecord = { manager: input.manager, operation: "Apply", apiVersion: input.apiVersion, set: appliedSet };
  if (input.subresource !== undefined && input.subresource !== "") record.subresource = input.subresource;
  const identifier = managerIdentifier(record);
  const previous = managers.get(identifier);
  managers.set(identifier, record);

  const merged = prune(schema, merge(schema, live, config), managers, previous?.set);
  const comparison = compare(schema, live, merged);
  const conflicts = settleOwnership(managers, comparison, ignored, identifier, force);
  if (conflicts.size > 0) return { ok: false, conflicts, managers };
  capUpdateManagers(managers);

  // The entry's time moves when the apply changed the object or what the manager owns.
  const objectOrSetChanged = !jsonEqual(live, merged) || previous === undefined || !jsonEqual(previous.set.toFieldsV1(), record.set.toFieldsV1());
  if (objectOrSetChanged) record.time = input.now;
  else if (previous.time !== undefined) record.time = previous.time;
  return { ok: true, merged, managers };
}

/** The fields of the last-applied annotation whose values the live object still has. */
function allowedConflictsFromLastApplied(schema: PatchSchema, live: JsonObject, apiVersion: string): FieldSet | undefined {
  const annotations = isJsonObject(live.metadata) ? live.metadata.annotations : undefined;
  const text = isJsonObject(annotations) ? annotations[lastAppliedAnnotation] : undefined;
  if (typeof text !== "string" || text === "") return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(lastApplied) || lastApplied.apiVersion !== apiVersion) return undefined;
  try {
    const comparison = compare(schema, lastApplied, live);
    return toFieldSet(schema, lastApplied).difference(comparison.modified).difference(comparison.added).difference(comparison.removed);
  } catch {
    return undefined;
  }
}

/** lastAppliedUpdater: kubectl's server-side apply keeps an existing last-applied annotation current. */
function syncLastApplied(object: JsonObject, config: JsonObject): JsonObject {
  const metadata = isJsonObject(object.metadata) ? object.metadata : undefined;
  const annotations = metadata !== undefined && isJsonObject(metadata.annotations) ? metadata.annotations : undefined;
  if (annotations === undefined || !Object.hasOwn(annotations, lastAppliedAnnotation)) return object;
  const source = structuredClone(config);
  if (isJsonObject(source.metadata) && isJsonObject(source.metadata.annotations)) delete source.metadata.annotations[lastAppliedAnnotation];
  const updated: JsonObject = { ...annotations, [lastAppliedAnnotation]: `${goJson(sortKeys(source))}\n` };
  const bytes = Object.entries(updated).reduce((total, [key, value]) => total + Buffer.byteLength(key) + Buffer.byteLength(String(value)), 0);
  if (bytes > annotationsBytesMax) delete updated[lastAppliedAnnotation];
  return { ...object, metadata: { ...metadata, annotations: updated } };
}

/** JSON as Go's encoding/json writes it: HTML-sensitive characters escaped. */
function goJson(value: JsonValue): string {
  const escapes: Record<string, string> = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029" };
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => escapes[character] ?? character);
}

/** Go's encoding/json writes map keys sorted. */
function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isJsonObject(value)) return value;
  const result: JsonObject = {};
  for (const key of Object.keys(value).sort()) {
    Object.defineProperty(result, key, { value: sortKeys(value[key] ?? null), enumerable: true, configurable: true, writable: true });
  }
  return result;
}


/**
 * Updater.prune: removes the fields in `lastApplied` that nobody owns any more, with
 * addBackOwnedItems and addBackDanglingItems' set algebra. The paths no manager may own
 * (apiVersion, kind, metadata.name...) count as owned, so they are never pruned.
 */
function prune(schema: PatchSchema, merged: JsonObject, managers: Managers, lastApplied: FieldSet | undefined): JsonObject {
  if (lastApplied === undefined || lastApplied.isEmpty()) return merged;
  let owned = strippedFields;
  for (const manager of managers.values()) owned = owned.union(manager.set);
  owned = owned.withNamedFieldsAsMembers();
  const last = lastApplied.withNamedFieldsAsMembers();
  const mergedSet = toFieldSet(schema, merged).withNamedFieldsAsMembers();
  const withoutLast = toFieldSet(schema, removeItems(schema, merged, last)).withNamedFieldsAsMembers();
  const pruned = removeItems(schema, merged, mergedSet.difference(withoutLast.union(owned)));
  const prunedSet = toFieldSet(schema, pruned).withNamedFieldsAsMembers();
  return removeItems(schema, merged, mergedSet.difference(prunedSet).intersection(last));
}

function conflictResult(managers: Managers, conflicts: Map<string, FieldSet>): ServerSideApplyResult {
  const list: FieldConflict[] = [];
  const byManager: [string, string[]][] = [];
  for (const identifier of [...conflicts.keys()].sort()) {
    const record = managers.get(identifier) as ManagerRecord;
    const fields = (conflicts.get(identifier) as FieldSet).paths().map(pathToString);
    byManager.push([printManager(record), fields]);
    for (const field of fields) list.push({ manager: record.manager, field, message: `conflict with ${printManager(record)}` });
  }
  let message: string;
  if (list.length === 1) {
    const only = list[0] as FieldConflict;
    message = `Apply failed with 1 conflict: ${only.message}: ${only.field}`;
  } else {
    const lines = byManager.flatMap(([manager, fields]) => [`conflicts with ${manager}:`, ...fields.map((field) => `- ${field}`)]);
    message = `Apply failed with ${list.length} conflicts: ${lines.join("\n")}`;
  }
  return { ok: false, conflicts: list, message };
}

/** Null members mean "unset" once the object is stored (Go decodes them to zero values). */
function withoutNullMembers(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutNullMembers);
  if (!isJsonObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== null) Object.defineProperty(result, key, { value: withoutNullMembers(item), enumerable: true, configurable: true, writable: true });
  }
  return result;
}
