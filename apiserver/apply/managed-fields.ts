// metadata.managedFields as the apiserver's fieldmanager keeps it: entries keyed by manager
// identifier (manager, operation, apiVersion for Update entries, subresource), fieldsV1 sets,
// upstream's entry order, and the metadata paths no manager ever owns.
import { isJsonObject, type JsonObject, type JsonValue, type PatchSchema } from "../patch/index.js";
import { FieldSet, fieldElement, type FieldPath } from "./field-set.js";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface ManagerRecord {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** What every managedFields write names: who writes, at which version and time, to which subresource. */
export interface FieldManagerWrite {
  manager: string;
  schema: PatchSchema;
  apiVersion: string;
  /** RFC 3339 seconds, recorded as the entry's time. */
  now: string;
  subresource?: string;
  /**
   * Field paths the strategy resets for this endpoint (upstream's ResetFields), e.g.
   * [["status"]] on a main resource, [["spec"], ["metadata"]] on /status: never owned, never a conflict.
   */
  ignoredFields?: string[][];
}

/** The ignored paths as a set (member paths of field names). */
export function ignoredFieldSet(write: FieldManagerWrite): FieldSet {
  return FieldSet.fromPaths((write.ignoredFields ?? []).map((path) => path.map(fieldElement)));
}

/** The raw metadata.managedFields of an object, if any. */
export function managedFieldsOf(value: Record<string, unknown> | undefined): unknown {
  const metadata = value?.metadata;
  return isJsonObject(metadata) ? metadata.managedFields : undefined;
}

/** Managers by identifier, as upstream's fieldpath.ManagedFields. */
export type Managers = Map<string, ManagerRecord>;

/**
 * BuildManagerIdentifier: the entry without time and fields; appliers without apiVersion, so a
 * manager applying at another version is still the same applier.
 */
export function managerIdentifier(record: Pick<ManagerRecord, "manager" | "operation" | "apiVersion" | "subresource">): string {
  const identity: Record<string, string> = { manager: record.manager, operation: record.operation };
  if (record.operation === "Update" && record.apiVersion !== "") identity.apiVersion = record.apiVersion;
  if (record.subresource !== undefined && record.subresource !== "") identity.subresource = record.subresource;
  return JSON.stringify(identity);
}

/** How upstream names a manager in conflict messages: "kubectl" using apps/v1. */
export function printManager(record: ManagerRecord): string {
  let text = JSON.stringify(record.manager);
  if (record.subresource !== undefined && record.subresource !== "") text += ` with subresource ${JSON.stringify(record.subresource)}`;
  return record.operation === "Update" ? `${text} using ${record.apiVersion}` : text;
}

/** Decodes managedFields; like upstream, any malformed entry makes the whole list unusable (empty). */
export function decodeManagedFields(value: unknown): Managers {
  const managers: Managers = new Map();
  if (!Array.isArray(value)) return managers;
  for (const entry of value as unknown[]) {
    if (!isJsonObject(entry)) return new Map();
    const { manager, operation, apiVersion, time, subresource, fieldsV1 } = entry;
    if (typeof manager !== "string" || (operation !== "Apply" && operation !== "Update")) return new Map();
    const record: ManagerRecord = {
      manager,
      operation,
      apiVersion: typeof apiVersion === "string" ? apiVersion : "",
      set: FieldSet.fromFieldsV1(fieldsV1),
    };
    if (typeof subresource === "string" && subresource !== "") record.subresource = subresource;
    if (typeof time === "string") record.time = time;
    const identifier = managerIdentifier(record);
    const previous = managers.get(identifier);
    if (previous !== undefined) record.set = record.set.union(previous.set);
    managers.set(identifier, record);
  }
  return managers;
}

function seconds(time: string | undefined): number {
  const parsed = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isNaN(parsed) ? 0 : Math.floor(parsed / 1000);
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Encodes managers in upstream's order: Apply before Update, then time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const records = [...managers.values()].sort(
    (left, right) =>
      compareText(left.operation, right.operation) ||
      seconds(left.time) - seconds(right.time) ||
      compareText(left.manager, right.manager) ||
      compareText(left.apiVersion, right.apiVersion) ||
      compareText(left.subresource ?? "", right.subresource ?? ""),
  );
  return records.map((record) => {
    // An entry stored without a time keeps none: "" would not parse as a metav1.Time in clients.
    const entry: Partial<ManagedFieldsEntry> = { manager: record.manager, operation: record.operation, apiVersion: record.apiVersion };
    if (record.time !== undefined) entry.time = record.time;
    Object.assign(entry, { fieldsType: "FieldsV1", fieldsV1: record.set.toFieldsV1() });
    if (record.subresource !== undefined) entry.subresource = record.subresource;
    return entry as ManagedFieldsEntry;
  });
}

const strippedPaths: FieldPath[] = [
  ["apiVersion"],
  ["kind"],
  ["metadata"],
  ["metadata", "name"],
  ["metadata", "namespace"],
  ["metadata", "creationTimestamp"],
  ["metadata", "selfLink"],
  ["metadata", "uid"],
  ["metadata", "clusterName"],
  ["metadata", "generation"],
  ["metadata", "managedFields"],
  ["metadata", "resourceVersion"],
].map((path) => path.map(fieldElement));

/** The paths upstream's stripMeta manager keeps out of every manager's set. */
export const strippedFields: FieldSet = FieldSet.fromPaths(strippedPaths);

/** A deep copy of the object without metadata.managedFields (the typed operations must not see it). */
export function withoutManagedFields(value: Record<string, unknown>): JsonObject {
  const copy = structuredClone(value) as JsonObject;
  const metadata = copy.metadata;
  if (isJsonObject(metadata)) delete metadata.managedFields;
  return copy;
}

/**
 * The object without metadata.managedFields, sharing everything else with it: for readers that
 * change nothing (the comparison of an update), where a deep copy per write was a visible cost.
 */
export function viewWithoutManagedFields(value: Record<string, unknown>): JsonObject {
  const metadata = value.metadata;
  if (!isJsonObject(metadata) || !Object.hasOwn(metadata, "managedFields")) return value as JsonObject;
  const rest: JsonObject = { ...metadata };
  delete rest.managedFields;
  return { ...(value as JsonObject), metadata: rest };
}

/** The object with managedFields set (or removed when there are none). */
export function withManagedFields(value: JsonObject, managers: Managers): Record<string, unknown> {
  const entries = encodeManagedFields(managers);
  const metadata: JsonObject = isJsonObject(value.metadata) ? { ...value.metadata } : {};
  if (entries.length === 0) delete metadata.managedFields;
  else metadata.managedFields = entries as unknown as JsonValue;
  return { ...value, metadata };
}

/**
 * Upstream's Updater.update: the fields a write added or modified (outside `ignored`) that
 * managers other than `except` own are conflicts; unless there are some and the write is not
 * forced, those managers lose them, everyone loses removed fields, and empty managers go.
 * Returns the conflicts that stopped the write (empty when it went through).
 */
export function settleOwnership(
  managers: Managers,
  comparison: { added: FieldSet; modified: FieldSet; removed: FieldSet },
  ignored: FieldSet,
  except: string | undefined,
  force: boolean,
): Map<string, FieldSet> {
  const changed = comparison.added.union(comparison.modified).recursiveDifference(ignored);
  const conflicts = conflictingFields(managers, changed, except);
  if (!force && conflicts.size > 0) return conflicts;
  dropFields(managers, conflicts, comparison.removed.recursiveDifference(ignored), except);
  return new Map();
}

/** Per manager other than `except`, the fields it owns that the write added or modified. */
function conflictingFields(managers: Managers, changed: FieldSet, except: string | undefined): Map<string, FieldSet> {
  const taken = new Map<string, FieldSet>();
  for (const [identifier, record] of managers) {
    if (identifier === except) continue;
    const conflict = record.set.intersection(changed);
    if (!conflict.isEmpty()) taken.set(identifier, conflict);
  }
  return taken;
}

/** Managers lose the fields taken from them and the removed ones; empty managers go. */
function dropFields(managers: Managers, taken: Map<string, FieldSet>, removed: FieldSet, keep: string | undefined): void {
  for (const [identifier, record] of managers) {
    if (identifier === keep) continue;
    let set = record.set;
    const lost = taken.get(identifier);
    if (lost !== undefined) set = set.difference(lost);
    if (!removed.isEmpty()) set = set.difference(removed);
    record.set = set;
    if (set.isEmpty()) managers.delete(identifier);
  }
}

/** Upstream's DefaultMaxUpdateManagers: beyond it the oldest Update entries fold into a bucket. */
export const updateManagersMax = 10;
const oldUpdatesManager = "ancient-changes";

/**
 * capUpdateManagers: with more than `updateManagersMax` Update entries, the oldest are merged,
 * per apiVersion, into an "ancient-changes" entry (which keeps the newest merged time).
 */
export function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()].filter(([, record]) => record.operation === "Update");
  if (updaters.length <= updateManagersMax) return;
  updaters.sort(([leftId, left], [rightId, right]) => seconds(left.time) - seconds(right.time) || compareText(leftId, rightId));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (const [identifier, record] of updaters) {
    if (length <= updateManagersMax) break;
    const bucketRecord: ManagerRecord = { manager: oldUpdatesManager, operation: "Update", apiVersion: record.apiVersion, set: record.set };
    const bucket = managerIdentifier(bucketRecord);
    const first = firstByVersion.get(record.apiVersion);
    if (first === undefined) {
      firstByVersion.set(record.apiVersion, identifier);
      continue;
    }
    if (!managers.has(bucket)) {
      const firstRecord = managers.get(first) as ManagerRecord;
      managers.delete(first);
      managers.set(bucket, { ...bucketRecord, set: firstRecord.set, ...(firstRecord.time === undefined ? {} : { time: firstRecord.time }) });
    }
    const bucketEntry = managers.get(bucket) as ManagerRecord;
    bucketEntry.set = record.set.union(bucketEntry.set);
    if (record.time === undefined) delete bucketEntry.time;
    else bucketEntry.time = record.time;
    managers.delete(identifier);
    length--;
  }
}
