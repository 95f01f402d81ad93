// The typed-value operations of structured-merge-diff (typed.TypedValue) over plain JSON and
// an OpenAPI schema: the field set of an object, the comparison of two objects, the merge of an
// applied configuration into the live object, and removal of a set of fields. Where the schema
// says nothing, maps are granular and lists atomic, as upstream deduces them.
import {
  PatchError,
  fieldSchema,
  isDeclaredField,
  isJsonObject,
  itemSchema,
  jsonEqual,
  patchStrategies,
  rootSchema,
  type JsonObject,
  type JsonValue,
  type PatchSchema,
  type SchemaNode,
} from "../patch/index.js";
import { FieldSet, fieldElement, keyElement, pathToString, valueElement, type FieldPath, type PathElement } from "./field-set.js";

type Shape =
  | { kind: "leaf" }
  | { kind: "struct"; node: SchemaNode | undefined }
  | { kind: "list"; listType: "set" | "map"; item: SchemaNode | undefined; keys: string[] };

/** How a value at a schema node is walked; `node` undefined means the schema does not describe it. */
function shapeOf(schema: PatchSchema, node: SchemaNode | undefined, value: JsonValue | undefined): Shape {
  if (node === undefined || (node["x-kubernetes-preserve-unknown-fields"] === true && node.properties === undefined && node.items === undefined)) {
    return isJsonObject(value) ? { kind: "struct", node } : { kind: "leaf" };
  }
  if (node["x-kubernetes-int-or-string"] === true) return { kind: "leaf" };
  if (node.type === "array" || node.items !== undefined) {
    if (!Array.isArray(value)) return { kind: "leaf" };
    return listShape(schema, node);
  }
  if (node.type === "object" || node.properties !== undefined || node.additionalProperties !== undefined) {
    if (!isJsonObject(value) || node["x-kubernetes-map-type"] === "atomic") return { kind: "leaf" };
    return { kind: "struct", node };
  }
  return { kind: "leaf" };
}

/** The list type: declared, else as upstream derives it from the patch strategy (merge → map or set). */
function listShape(schema: PatchSchema, node: SchemaNode): Shape {
  const item = itemSchema(schema, node);
  const mergeKey = node["x-kubernetes-patch-merge-key"];
  let listType = node["x-kubernetes-list-type"];
  if (listType === undefined && patchStrategies(node).includes("merge")) listType = mergeKey === undefined ? "set" : "map";
  if (listType === "set") return { kind: "list", listType, item, keys: [] };
  const keys = node["x-kubernetes-list-map-keys"] ?? (mergeKey === undefined ? [] : [mergeKey]);
  if (listType === "map" && keys.length > 0) return { kind: "list", listType, item, keys };
  return { kind: "leaf" };
}

function childNode(schema: PatchSchema, node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  return fieldSchema(schema, node, key);
}

/**
 * Defaults of list-map key fields that upstream's OpenAPI declares (ContainerPort, ServicePort...
 * protocol: TCP), used when the schema at hand omits them, so a port without a protocol keys
 * as {"containerPort":80,"protocol":"TCP"} as in Kubernetes.
 */
const knownKeyDefaults: Record<string, JsonValue> = { protocol: "TCP" };

/** The path element naming one item of a set or map list. */
function itemElement(schema: PatchSchema, shape: Extract<Shape, { kind: "list" }>, item: JsonValue, path: FieldPath, index: number): PathElement {
  if (shape.listType === "set") return valueElement(item);
  const fields: [string, JsonValue][] = [];
  for (const key of shape.keys) {
    let value = isJsonObject(item) && Object.hasOwn(item, key) ? item[key] : undefined;
    if (value === undefined) value = (childNode(schema, shape.item, key)?.default as JsonValue | undefined) ?? (Object.hasOwn(knownKeyDefaults, key) ? knownKeyDefaults[key] : undefined);
    if (value === undefined) {
      throw new PatchError(
        `${pathToString(path)}: element ${index}: associative list with keys has an element that omits key field ${JSON.stringify(key)} (and doesn't have default value)`,
        422,
      );
    }
    fields.push([key, value]);
  }
  return keyElement(fields);
}

/** Items of a set/map list by path element (the first of duplicates wins, in list order). */
function indexItems(schema: PatchSchema, shape: Extract<Shape, { kind: "list" }>, list: JsonValue[], path: FieldPath): Map<PathElement, JsonValue> {
  const items = new Map<PathElement, JsonValue>();
  for (const [index, item] of list.entries()) {
    const element = itemElement(schema, shape, item, path, index);
    if (!items.has(element)) items.set(element, item);
  }
  return items;
}

/** The fields an object sets (typed.ToFieldSet): leaves, list items, map entries, empty or null fields. */
export function toFieldSet(schema: PatchSchema, value: JsonObject): FieldSet {
  const set = new FieldSet();
  walkFieldSet(schema, rootSchema(schema), value, [], set);
  return set;
}

function walkFieldSet(schema: PatchSchema, node: SchemaNode | undefined, value: JsonValue, path: FieldPath, set: FieldSet): void {
  const shape = shapeOf(schema, node, value);
  if (shape.kind === "leaf") {
    set.insert(path);
    return;
  }
  if (shape.kind === "list") {
    for (const [index, item] of (value as JsonValue[]).entries()) {
      const itemPath = [...path, itemElement(schema, shape, item, path, index)];
      walkFieldSet(schema, shape.item, item, itemPath, set);
      set.insert(itemPath);
    }
    return;
  }
  for (const [key, child] of Object.entries(value as JsonObject)) {
    const childPath = [...path, fieldElement(key)];
    walkFieldSet(schema, childNode(schema, shape.node, key), child, childPath, set);
    const empty = child === null || (isJsonObject(child) && Object.keys(child).length === 0);
    if (empty || !isDeclaredField(shape.node, key)) set.insert(childPath);
  }
}

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/** typed.Compare: leaves that appear, disappear or change, and every container that appears or disappears. */
export function compare(schema: PatchSchema, before: JsonObject, after: JsonObject): Comparison {
  const comparison = { added: new FieldSet(), removed: new FieldSet(), modified: new FieldSet() };
  walkCompare(schema, rootSchema(schema), before, after, [], comparison);
  return comparison;
}

function walkCompare(
  schema: PatchSchema,
  node: SchemaNode | undefined,
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  path: FieldPath,
  comparison: Comparison,
): void {
  const beforeShape = before === undefined ? undefined : shapeOf(schema, node, before);
  const afterShape = after === undefined ? undefined : shapeOf(schema, node, after);
  const shape = afterShape ?? beforeShape;
  const sameShape = beforeShape === undefined || afterShape === undefined || beforeShape.kind === afterShape.kind;
  if (shape === undefined) return;
  if (shape.kind === "leaf" || !sameShape) {
    if (before === undefined) comparison.added.insert(path);
    else if (after === undefined) comparison.removed.insert(path);
    else if (!jsonEqual(before, after)) comparison.modified.insert(path);
    return;
  }
  if (shape.kind === "list") {
    const beforeItems = before === undefined ? new Map<PathElement, JsonValue>() : indexItems(schema, shape, before as JsonValue[], path);
    const afterItems = after === undefined ? new Map<PathElement, JsonValue>() : indexItems(schema, shape, after as JsonValue[], path);
    for (const element of new Set([...beforeItems.keys(), ...afterItems.keys()])) {
      walkCompare(schema, shape.item, beforeItems.get(element), afterItems.get(element), [...path, element], comparison);
    }
  } else {
    const beforeObject = (before ?? {}) as JsonObject;
    const afterObject = (after ?? {}) as JsonObject;
    for (const key of new Set([...Object.keys(beforeObject), ...Object.keys(afterObject)])) {
      const beforeChild = Object.hasOwn(beforeObject, key) ? beforeObject[key] : undefined;
      const afterChild = Object.hasOwn(afterObject, key) ? afterObject[key] : undefined;
      walkCompare(schema, childNode(schema, shape.node, key), beforeChild, afterChild, [...path, fieldElement(key)], comparison);
    }
  }
  // The container itself (upstream's postItemHook).
  if (path.length > 0 && before === undefined) comparison.added.insert(path);
  else if (path.length > 0 && after === undefined) comparison.removed.insert(path);
}

/** typed.Merge: the applied configuration over the live object; leaves and atomic values are replaced. */
export function merge(schema: PatchSchema, live: JsonObject, applied: JsonObject): JsonObject {
  return walkMerge(schema, rootSchema(schema), live, applied, []) as JsonObject;
}

function walkMerge(schema: PatchSchema, node: SchemaNode | undefined, live: JsonValue | undefined, applied: JsonValue | undefined, path: FieldPath): JsonValue {
  if (applied === undefined) return live ?? null;
  if (live === undefined) return applied;
  const liveShape = shapeOf(schema, node, live);
  const shape = shapeOf(schema, node, applied);
  if (shape.kind === "leaf" || liveShape.kind !== shape.kind) return applied;
  if (shape.kind === "struct") {
    const result: JsonObject = { ...(live as JsonObject) };
    for (const [key, value] of Object.entries(applied as JsonObject)) {
      const current = Object.hasOwn(result, key) ? result[key] : undefined;
      Object.defineProperty(result, key, {
        value: walkMerge(schema, childNode(schema, shape.node, key), current, value, [...path, fieldElement(key)]),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
    return result;
  }
  return mergeList(schema, shape, live as JsonValue[], applied as JsonValue[], path);
}

/**
 * Upstream's list merge order: live-only items keep their place, items of the applied list
 * come in its order, shared items where the applied list puts them.
 */
function mergeList(schema: PatchSchema, shape: Extract<Shape, { kind: "list" }>, live: JsonValue[], applied: JsonValue[], path: FieldPath): JsonValue[] {
  const liveElements = live.map((item, index) => itemElement(schema, shape, item, path, index));
  const appliedElements = applied.map((item, index) => itemElement(schema, shape, item, path, index));
  const liveItems = indexItems(schema, shape, live, path);
  const appliedItems = indexItems(schema, shape, applied, path);
  const sharedOrder = appliedElements.filter((element) => liveItems.has(element));
  let nextShared = sharedOrder.shift();
  const merged = new Set<PathElement>();
  const result: JsonValue[] = [];
  const mergeItem = (element: PathElement): JsonValue => walkMerge(schema, shape.item, liveItems.get(element), appliedItems.get(element), [...path, element]);
  let liveIndex = 0;
  let appliedIndex = 0;
  while (liveIndex < live.length || appliedIndex < applied.length) {
    const liveElement = liveElements[liveIndex];
    const appliedElement = appliedElements[appliedIndex];
    if (liveElement !== undefined && appliedElement !== undefined) {
      if (liveElement === appliedElement) {
        merged.add(liveElement);
        result.push(mergeItem(liveElement));
        liveIndex++;
        appliedIndex++;
        nextShared = sharedOrder.shift();
        continue;
      }
      if (appliedItems.has(liveElement) && nextShared !== undefined && nextShared !== liveElement) {
        liveIndex++;
        continue;
      }
    }
    if (liveElement !== undefined) {
      if (!appliedItems.has(liveElement)) {
        result.push(live[liveIndex] ?? null);
        liveIndex++;
        continue;
      }
      if (merged.has(liveElement)) {
        liveIndex++;
        continue;
      }
    }
    if (appliedElement !== undefined) {
      merged.add(appliedElement);
      result.push(mergeItem(appliedElement));
      appliedIndex++;
      if (nextShared === appliedElement) nextShared = sharedOrder.shift();
    }
  }
  return result;
}

/** typed.RemoveItems: drops every member of `set` (with everything below it) from the value. */
export function removeItems(schema: PatchSchema, value: JsonObject, set: FieldSet): JsonObject {
  return walkRemove(schema, rootSchema(schema), value, set, []) as JsonObject;
}

function walkRemove(schema: PatchSchema, node: SchemaNode | undefined, value: JsonValue, set: FieldSet, path: FieldPath): JsonValue {
  const shape = shapeOf(schema, node, value);
  if (shape.kind === "leaf") return value;
  if (shape.kind === "list") {
    const result: JsonValue[] = [];
    for (const [index, item] of (value as JsonValue[]).entries()) {
      const element = itemElement(schema, shape, item, path, index);
      if (set.members.has(element)) continue;
      const below = set.children.get(element);
      result.push(below === undefined ? item : walkRemove(schema, shape.item, item, below, [...path, element]));
    }
    return result;
  }
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value as JsonObject)) {
    const element = fieldElement(key);
    if (set.members.has(element)) continue;
    const below = set.children.get(element);
    const kept = below === undefined ? child : walkRemove(schema, childNode(schema, shape.node, key), child, below, [...path, element]);
    Object.defineProperty(result, key, { value: kept, enumerable: true, configurable: true, writable: true });
  }
  return result;
}
