// Reading Kubernetes' patch metadata out of an OpenAPI v3 schema. zod-generated schemas wrap
// nodes in $ref, allOf and anyOf (nullable, unions), so every lookup first flattens a node into
// one view. A path the schema does not describe yields `undefined`: callers then treat lists as
// atomic and maps as granular, as upstream does for unknown fields.
import type { PatchSchema, SchemaNode } from "./types.js";

const refPrefix = "#/components/schemas/";
/** Bound on $ref chains and allOf nesting, so a cyclic schema cannot loop forever. */
const resolveDepthMax = 32;

/** Resolved views per schema and node: patches and applies walk the same nodes over and over. */
const resolvedViews = new WeakMap<PatchSchema, WeakMap<SchemaNode, SchemaNode>>();

/** The node with $ref followed and allOf/anyOf/oneOf branches folded in (own keys win). */
export function resolveSchema(schema: PatchSchema, node: SchemaNode | undefined): SchemaNode | undefined {
  if (node === undefined) return undefined;
  let views = resolvedViews.get(schema);
  if (views === undefined) {
    views = new WeakMap();
    resolvedViews.set(schema, views);
  }
  let view = views.get(node);
  if (view === undefined) {
    view = resolveUncached(schema, node, 0);
    if (view !== undefined) views.set(node, view);
  }
  return view;
}

function resolveUncached(schema: PatchSchema, node: SchemaNode | undefined, depth: number): SchemaNode | undefined {
  if (node === undefined || depth > resolveDepthMax) return node;
  let view: SchemaNode = { ...node };
  if (node.$ref !== undefined) {
    const target = node.$ref.startsWith(refPrefix) ? schema.components[node.$ref.slice(refPrefix.length)] : undefined;
    const resolved = resolveUncached(schema, target, depth + 1);
    delete view.$ref;
    if (resolved !== undefined) view = fold(resolved, view);
  }
  for (const branch of [...(node.allOf ?? []), ...(node.anyOf ?? []), ...(node.oneOf ?? [])]) {
    const resolved = resolveUncached(schema, branch, depth + 1);
    if (resolved !== undefined) view = fold(resolved, view);
  }
  delete view.allOf;
  delete view.anyOf;
  delete view.oneOf;
  return view;
}

/** `own` layered over `base`; properties are merged so every branch's fields are known. */
function fold(base: SchemaNode, own: SchemaNode): SchemaNode {
  const properties = base.properties !== undefined || own.properties !== undefined ? { ...base.properties, ...own.properties } : undefined;
  const merged: SchemaNode = { ...base, ...own };
  if (properties !== undefined) merged.properties = properties;
  // A nullable union (anyOf [T, {type: "null"}], in either order) describes T.
  const type = [own.type, base.type].find((candidate) => candidate !== undefined && candidate !== "null") ?? own.type ?? base.type;
  if (type === undefined) delete merged.type;
  else merged.type = type;
  return merged;
}

/** The schema of field `key` of an object node: a declared property, else the map's values. */
export function fieldSchema(schema: PatchSchema, node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (node === undefined) return undefined;
  const declared = node.properties?.[key];
  if (declared !== undefined) return resolveSchema(schema, declared);
  if (typeof node.additionalProperties === "object") return resolveSchema(schema, node.additionalProperties);
  return undefined;
}

/** Whether `key` is a declared field of a struct-like node (not an entry of a map). */
export function isDeclaredField(node: SchemaNode | undefined, key: string): boolean {
  return node?.properties?.[key] !== undefined;
}

export function itemSchema(schema: PatchSchema, node: SchemaNode | undefined): SchemaNode | undefined {
  return node?.items === undefined ? undefined : resolveSchema(schema, node.items);
}

export function rootSchema(schema: PatchSchema): SchemaNode | undefined {
  return resolveSchema(schema, schema.root);
}

/** The comma-separated x-kubernetes-patch-strategy as a list. */
export function patchStrategies(node: SchemaNode | undefined): string[] {
  const strategy = node?.["x-kubernetes-patch-strategy"];
  return strategy === undefined || strategy === "" ? [] : strategy.split(",").map((part) => part.trim());
}
