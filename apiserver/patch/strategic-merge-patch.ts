// Kubernetes' strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch, the apply
// half with MergeParallelList and IgnoreUnmatchedNulls, as the apiserver runs it), reading the
// patch strategy and merge key of each field from the OpenAPI schema. The structure follows
// upstream's mergeMap / mergeSlice closely, because kubectl relies on its exact orderings:
// $setElementOrder > order in the patch > order in the live list.
import { goFormat, goTypeName } from "./go-format.js";
import { fieldSchema, itemSchema, patchStrategies, rootSchema } from "./schema.js";
import { PatchError, cloneJson, isJsonObject, ownMember, setMember, type JsonObject, type JsonValue, type PatchSchema, type SchemaNode } from "./types.js";

const directiveMarker = "$patch";
const deleteDirective = "delete";
const replaceDirective = "replace";
const mergeDirective = "merge";
const retainKeysStrategy = "retainKeys";
const retainKeysDirective = "$retainKeys";
const deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";
const setElementOrderPrefix = "$setElementOrder";

// mergepatch's sentinel errors; the apiserver answers the first group 400, the second 422.
const badRequest = {
  badJsonDoc: "invalid JSON document",
  primitiveList: "invalid patch format of primitive list",
  retainKeys: "invalid patch format of retainKeys",
  setElementOrder: "invalid patch format of setElementOrder list",
} as const;
const listOfLists = "lists of lists are not supported";

function badRequestError(message: string): never {
  throw new PatchError(message, 400);
}

/** Errors upstream returns unwrapped (a 500 there); a request-caused 422 here. */
function invalid(message: string): never {
  throw new PatchError(message, 422);
}

function noMergeKey(map: JsonObject, mergeKey: string): never {
  return invalid(`map: ${goFormat(map)} does not contain declared merge key: ${mergeKey}`);
}

function badArgType(expected: string, actual: JsonValue | undefined): never {
  return invalid(`expected a ${expected}, but received a ${goTypeName(actual)}`);
}

function badPatchType(patchType: JsonValue | undefined, map: JsonObject): never {
  return invalid(`unknown patch type: ${goFormat(patchType)} in map: ${goFormat(map)}`);
}

const mapType = "map[string]interface {}";
const sliceType = "[]interface {}";

/** Patch metadata of one field: the schema below it and its strategy and merge key. */
interface FieldMeta {
  schema: SchemaNode | undefined;
  strategy: string;
  mergeKey: string;
}

/**
 * Applies `patch` to `target` (neither is modified). Lists whose schema declares no merge
 * strategy, and lists the schema does not describe, are replaced whole; maps are merged.
 */
export function applyStrategicMergePatch(target: JsonValue, patch: JsonValue, schema: PatchSchema): JsonValue {
  if (!isJsonObject(patch)) badRequestError(badRequest.badJsonDoc);
  const original = isJsonObject(target) ? cloneJson(target) : {};
  return mergeMap(original, cloneJson(patch), rootSchema(schema), schema);
}

function fieldMeta(schema: PatchSchema, node: SchemaNode | undefined, key: string, forSlice: boolean): FieldMeta {
  const field = fieldSchema(schema, node, key);
  const strategy = extractStrategy(patchStrategies(field));
  return {
    schema: forSlice ? itemSchema(schema, field) : field,
    strategy,
    mergeKey: field?.["x-kubernetes-patch-merge-key"] ?? "",
  };
}

/** extractRetainKeysPatchStrategy: the strategy besides retainKeys. */
function extractStrategy(strategies: string[]): string {
  if (strategies.length === 0) return "";
  if (strategies.length === 1) return strategies[0] === retainKeysStrategy ? "" : (strategies[0] ?? "");
  if (strategies.length === 2) {
    if (strategies[0] === retainKeysStrategy) return strategies[1] ?? "";
    if (strategies[1] === retainKeysStrategy) return strategies[0] ?? "";
  }
  return invalid(`unexpected patch strategy: [${strategies.join(" ")}]`);
}

function valueKind(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function mergeMap(original: JsonObject, patch: JsonObject, node: SchemaNode | undefined, schema: PatchSchema): JsonObject {
  if (Object.hasOwn(patch, directiveMarker)) return handleDirectiveInMergeMap(patch[directiveMarker], patch);
  applyRetainKeysDirective(original, patch);
  mergePatchIntoOriginal(original, patch, node, schema);

  for (const patchKey of Object.keys(patch)) {
    const patchValue = patch[patchKey] ?? null;
    let key = patchKey;
    let isDeleteList = false;
    if (patchKey.startsWith(deleteFromPrimitiveListPrefix)) {
      key = extractKey(patchKey, deleteFromPrimitiveListPrefix);
      isDeleteList = true;
    }
    if (patchValue === null) {
      delete original[key];
      continue;
    }
    const current = ownMember(original, key);
    if (current === undefined || valueKind(current) !== valueKind(patchValue)) {
      if (!isDeleteList) setNewValue(original, key, patchValue);
      continue;
    }
    if (isJsonObject(current) && isJsonObject(patchValue)) {
      const meta = fieldMeta(schema, node, key, false);
      setMember(original, key, meta.strategy === replaceDirective ? patchValue : mergeMap(current, patchValue, meta.schema, schema));
    } else if (Array.isArray(current) && Array.isArray(patchValue)) {
      const meta = fieldMeta(schema, node, key, true);
      setMember(original, key, mergeSliceHandler(current, patchValue, meta, isDeleteList, schema));
    } else {
      setNewValue(original, key, patchValue);
    }
  }
  return original;
}

/** A value taken from the patch as is: without null members, without directive-marked maps. */
function setNewValue(original: JsonObject, key: string, patchValue: JsonValue): void {
  discardNullValues(patchValue);
  const [value, keep] = removeDirectives(patchValue);
  if (keep) setMember(original, key, value);
  else delete original[key];
}

function discardNullValues(value: JsonValue): void {
  if (Array.isArray(value)) {
    for (const item of value) discardNullValues(item);
  } else if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (item === null) delete value[key];
      else discardNullValues(item);
    }
  }
}

function removeDirectives(value: JsonValue): [JsonValue, boolean] {
  if (Array.isArray(value)) {
    const result: JsonValue[] = [];
    for (const item of value) {
      const [cleaned, keep] = removeDirectives(item);
      if (keep) result.push(cleaned);
    }
    return [result, true];
  }
  if (isJsonObject(value)) {
    if (Object.hasOwn(value, directiveMarker)) return [null, false];
    for (const [key, item] of Object.entries(value)) {
      const [cleaned, keep] = removeDirectives(item);
      if (keep) setMember(value, key, cleaned);
      else delete value[key];
    }
    return [value, true];
  }
  return [value, true];
}

function handleDirectiveInMergeMap(directive: JsonValue | undefined, patch: JsonObject): JsonObject {
  if (directive === replaceDirective) {
    delete patch[directiveMarker];
    return patch;
  }
  if (directive === deleteDirective) return {};
  return badPatchType(directive, patch);
}

function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf("/");
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    badRequestError(prefix === deleteFromPrimitiveListPrefix ? badRequest.primitiveList : badRequest.setElementOrder);
  }
  return key.slice(slash + 1);
}

/** $retainKeys: clears members of `original` not listed; every set member of the patch must be listed. */
function applyRetainKeysDirective(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return;
  const retainKeys = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(retainKeys)) badRequestError(badRequest.retainKeys);
  const retained = new Set(retainKeys.filter((key): key is string => typeof key === "string"));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith(deleteFromPrimitiveListPrefix) || key.startsWith(setElementOrderPrefix)) continue;
    if (!retained.has(key)) badRequestError(badRequest.retainKeys);
  }
  for (const key of Object.keys(original)) {
    if (!retained.has(key)) delete original[key];
  }
}

/** $setElementOrder/<list>: merges the list it names and orders the result by it. */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, node: SchemaNode | undefined, schema: PatchSchema): void {
  for (const directiveKey of Object.keys(patch)) {
    if (!directiveKey.startsWith(setElementOrderPrefix)) continue;
    const order = patch[directiveKey];
    delete patch[directiveKey];
    if (!Array.isArray(order)) return badArgType(sliceType, order);
    const key = extractKey(directiveKey, setElementOrderPrefix);
    const originalValue = ownMember(original, key);
    const patchValue = ownMember(patch, key);
    if (originalValue !== undefined && !Array.isArray(originalValue)) return badArgType(sliceType, originalValue);
    if (patchValue !== undefined && !Array.isArray(patchValue)) return badArgType(sliceType, patchValue);
    const meta = fieldMeta(schema, node, key, true);
    validatePatchWithSetOrderList(patchValue ?? [], order, meta.mergeKey);

    let merged: JsonValue[];
    if (originalValue !== undefined && patchValue === undefined) merged = originalValue;
    else if (originalValue === undefined && patchValue !== undefined) merged = removeDirectives(patchValue)[0] as JsonValue[];
    else if (originalValue !== undefined && patchValue !== undefined) merged = mergeSliceHandler(originalValue, patchValue, meta, false, schema);
    else continue;

    const [patchItems, serverOnlyItems] = partitionByPresence(merged, order, meta.mergeKey);
    const kind = sliceElementKind([originalValue ?? [], patchValue ?? []]);
    setMember(original, key, normalizeElementOrder(patchItems, serverOnlyItems, order, originalValue ?? [], meta.mergeKey, kind));
    delete patch[key];
  }
}

/** The items of the patch list (deletions aside) must appear in the $setElementOrder list, in its order. */
function validatePatchWithSetOrderList(patchList: JsonValue[], order: JsonValue[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey === "" ? patchList : extractToDeleteItems(patchList)[0];
  let patchIndex = 0;
  let orderIndex = 0;
  while (patchIndex < nonDelete.length && orderIndex < order.length) {
    const item = nonDelete[patchIndex] ?? null;
    if (isJsonObject(item) && Object.hasOwn(item, directiveMarker)) {
      patchIndex++;
      continue;
    }
    if (mergeKeyValueEqual(item, order[orderIndex] ?? null, mergeKey)) patchIndex++;
    orderIndex++;
  }
  if (patchIndex < nonDelete.length && orderIndex >= order.length) {
    invalid(`the order in patch list:\n${goFormat(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goFormat(order)}`);
  }
}

function mergeKeyValueEqual(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (mergeKey === "") return left === right;
  if (!isJsonObject(left)) return badArgType(mapType, left);
  if (!isJsonObject(right)) return badArgType(mapType, right);
  if (!Object.hasOwn(left, mergeKey)) return noMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) return noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

function mergeSliceHandler(original: JsonValue[], patch: JsonValue[], meta: FieldMeta, isDeleteList: boolean, schema: PatchSchema): JsonValue[] {
  // Deletion lists are handled the same way whatever the field's strategy.
  if (meta.strategy === mergeDirective || isDeleteList) return mergeSlice(original, patch, meta, isDeleteList, schema);
  return patch;
}

type ElementKind = "map" | "scalar";

function mergeSlice(originalIn: JsonValue[], patchIn: JsonValue[], meta: FieldMeta, isDeleteList: boolean, schema: PatchSchema): JsonValue[] {
  let original = originalIn;
  let patch = patchIn;
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind([original, patch]);
  let merged: JsonValue[];
  if (kind !== "map") {
    if (isDeleteList) return deleteFromSlice(original, patch);
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (meta.mergeKey === "") invalid(`cannot merge lists without merge key for ${schemaName(meta.schema)}`);
    [original, patch] = mergeSliceWithSpecialElements(original, patch, meta.mergeKey);
    merged = mergeSliceWithoutSpecialElements(original, patch, meta, schema);
  }
  const [patchItems, serverOnlyItems] = partitionByPresence(merged, patch, meta.mergeKey);
  return normalizeElementOrder(patchItems, serverOnlyItems, patch, original, meta.mergeKey, kind);
}

function schemaName(node: SchemaNode | undefined): string {
  const title = node?.title;
  return typeof title === "string" ? title : "";
}

/** sliceElementType: every element of every list has one type, and lists of lists are refused. */
function sliceElementKind(lists: JsonValue[][]): ElementKind {
  let previous: string | undefined;
  for (const list of lists) {
    for (const item of list) {
      const kind = valueKind(item);
      if (previous === undefined) {
        if (kind === "array") invalid(listOfLists);
        previous = kind;
      } else if (previous !== kind) {
        invalid(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  if (previous === undefined) invalid("no elements in any of the given slices");
  return previous === "object" ? "map" : "scalar";
}

/** Handles `$patch` items: delete removes matching items, replace makes the patch list the result. */
function mergeSliceWithSpecialElements(original: JsonValue[], patch: JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const plain: JsonValue[] = [];
  let result = original;
  let replace = false;
  for (const item of patch) {
    const map = item as JsonObject;
    if (!Object.hasOwn(map, directiveMarker)) {
      plain.push(item);
      continue;
    }
    const directive = map[directiveMarker];
    if (directive === deleteDirective) {
      if (!Object.hasOwn(map, mergeKey)) noMergeKey(map, mergeKey);
      const value = map[mergeKey];
      result = result.filter((candidate) => !(isJsonObject(candidate) && Object.hasOwn(candidate, mergeKey) && candidate[mergeKey] === value));
    } else if (directive === replaceDirective) {
      replace = true;
    } else if (directive === mergeDirective) {
      invalid("merging lists cannot yet be specified in the patch");
    } else {
      badPatchType(directive, map);
    }
  }
  return replace ? [plain, []] : [result, plain];
}

function findByMergeKey(list: JsonValue[], mergeKey: string, value: JsonValue | undefined): number {
  for (const [index, item] of list.entries()) {
    if (!isJsonObject(item)) return invalid(`value for key ${index} is not a map`);
    if (Object.hasOwn(item, mergeKey) && item[mergeKey] === value) return index;
  }
  return -1;
}

function mergeSliceWithoutSpecialElements(originalIn: JsonValue[], patch: JsonValue[], meta: FieldMeta, schema: PatchSchema): JsonValue[] {
  const original = [...originalIn];
  for (const item of patch) {
    const map = item as JsonObject;
    if (!Object.hasOwn(map, meta.mergeKey)) noMergeKey(map, meta.mergeKey);
    const index = findByMergeKey(original, meta.mergeKey, map[meta.mergeKey]);
    if (index >= 0) original[index] = mergeMap(original[index] as JsonObject, map, meta.schema, schema);
    else original.push(item);
  }
  return original;
}

function deleteFromSlice(current: JsonValue[], toDelete: JsonValue[]): JsonValue[] {
  const doomed = new Set(toDelete);
  return current.filter((item) => !doomed.has(item));
}

/** Upstream's in-place deduplication (it swaps the last element into a duplicate's place). */
function deduplicateScalars(list: JsonValue[]): JsonValue[] {
  const result = [...list];
  let last = result.length - 1;
  for (let i = 0; i < last; i++) {
    for (let j = i + 1; j <= last; j++) {
      if (result[i] === result[j]) {
        result[j] = result[last] ?? null;
        result.length = last;
        last--;
        j--;
      }
    }
  }
  return result;
}

/** Splits `list` into the items present in `by` and the others (server-only), keeping order. */
function partitionByPresence(list: JsonValue[], by: JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const present: JsonValue[] = [];
  const absent: JsonValue[] = [];
  if (mergeKey === "") {
    const members = new Set(by);
    for (const item of list) (members.has(item) ? present : absent).push(item);
    return [present, absent];
  }
  const keys = new Set<JsonValue | undefined>();
  for (const [index, candidate] of by.entries()) {
    if (!isJsonObject(candidate)) return invalid(`value for key ${index} is not a map`);
    if (Object.hasOwn(candidate, mergeKey)) keys.add(candidate[mergeKey]);
  }
  for (const item of list) {
    if (!isJsonObject(item)) return badArgType(mapType, item);
    if (!Object.hasOwn(item, mergeKey)) return noMergeKey(item, mergeKey);
    (keys.has(item[mergeKey]) ? present : absent).push(item);
  }
  return [present, absent];
}

function extractToDeleteItems(list: JsonValue[]): [JsonValue[], JsonValue[]] {
  const keep: JsonValue[] = [];
  const remove: JsonValue[] = [];
  for (const item of list) {
    if (!isJsonObject(item)) return badArgType(mapType, item);
    (item[directiveMarker] === deleteDirective ? remove : keep).push(item);
  }
  return [keep, remove];
}

/** Position of each item's identity (merge key value, or the scalar itself) in `list`; first occurrence wins. */
function positions(list: JsonValue[], mergeKey: string, kind: ElementKind): (item: JsonValue) => number {
  const identity = (value: JsonValue | undefined): JsonValue | undefined => (kind === "map" ? (isJsonObject(value) ? value[mergeKey] : undefined) : value);
  const index = new Map<JsonValue | undefined, number>();
  list.forEach((item, position) => {
    const key = identity(item);
    if (!index.has(key)) index.set(key, position);
  });
  return (item) => index.get(identity(item)) ?? -1;
}

/** Sorts the patch items by the patch order and the server-only items by the live order, then interleaves them. */
function normalizeElementOrder(
  patch: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  kind: ElementKind,
): JsonValue[] {
  const sortedPatch = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const sortedServerOnly = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(sortedServerOnly, sortedPatch, serverOrder, mergeKey, kind);
}

function normalizeSliceOrder(toSortIn: JsonValue[], order: JsonValue[], mergeKey: string, kind: ElementKind): JsonValue[] {
  let toSort = toSortIn;
  let toDelete: JsonValue[] = [];
  if (kind === "map") {
    for (const item of [...toSort, ...order]) {
      if (!isJsonObject(item)) return badArgType(mapType, item);
      if (!Object.hasOwn(item, mergeKey)) return noMergeKey(item, mergeKey);
    }
    [toSort, toDelete] = extractToDeleteItems(toSort);
  }
  const position = positions(order, mergeKey, kind);
  // With every item in the order list the comparator is a strict order and any stable sort
  // agrees with Go's; otherwise replay Go's insertion sort, whose result then depends on it.
  if (toSort.every((item) => position(item) >= 0)) return [...[...toSort].sort((left, right) => position(left) - position(right)), ...toDelete];
  const less = (left: JsonValue, right: JsonValue): boolean => {
    const leftIndex = position(left);
    const rightIndex = position(right);
    return leftIndex >= 0 && rightIndex >= 0 ? leftIndex < rightIndex : true;
  };
  return [...goInsertionSort(toSort, less), ...toDelete];
}

/**
 * Go's sort.SliceStable on short slices is an insertion sort; upstream's comparator is not a
 * strict order when an item is missing from the order list, so the algorithm shows through.
 */
function goInsertionSort(list: JsonValue[], less: (left: JsonValue, right: JsonValue) => boolean): JsonValue[] {
  const result = [...list];
  for (let i = 1; i < result.length; i++) {
    for (let j = i; j > 0 && less(result[j] ?? null, result[j - 1] ?? null); j--) {
      const swap = result[j] ?? null;
      result[j] = result[j - 1] ?? null;
      result[j - 1] = swap;
    }
  }
  return result;
}

/** Inserts the server-only items (left) among the patch items (right) where the live order puts them. */
function mergeSortedSlice(left: JsonValue[], right: JsonValue[], serverOrder: JsonValue[], mergeKey: string, kind: ElementKind): JsonValue[] {
  const result: JsonValue[] = [];
  const position = positions(serverOrder, mergeKey, kind);
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const leftItem = left[i] ?? null;
    const rightItem = right[j] ?? null;
    const leftIndex = position(leftItem);
    const rightIndex = position(rightItem);
    if (leftIndex >= 0 && rightIndex >= 0 && leftIndex < rightIndex) {
      result.push(leftItem);
      i++;
    } else {
      result.push(rightItem);
      j++;
    }
  }
  return [...result, ...left.slice(i), ...right.slice(j)];
}
