// components.schemas generated from the zod schemas with z.toJSONSchema, shaped as
// kube-apiserver's OpenAPI v3 (upstream names, int32/int64 formats, allOf-wrapped references
// with siblings), plus the List kinds and the meta/v1 helpers the paths refer to.
import { z } from "zod";
import { kindEntries } from "./kinds.js";
import { isObject } from "./contract.js";
import type { JsonObject } from "./contract.js";

export const schemaPrefix = "#/components/schemas/";
const metaV1 = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const int32Bounds = [-2147483648, 2147483647];
const int64Bounds = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];

function hasBounds(schema: JsonObject, bounds: number[]): boolean {
  return schema.type === "integer" && schema.minimum === bounds[0] && schema.maximum === bounds[1];
}

/** Rewrites zod's output into upstream's conventions, recursively. */
function upstreamStyle(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(upstreamStyle);
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "$id" || key === "$schema" || (key === "additionalProperties" && item === false)) continue;
    // zod names its definitions section; the documents hold them in components.schemas.
    result[key] = key === "$ref" && typeof item === "string" ? item.replace(/^#\/(definitions|\$defs)\//, schemaPrefix) : upstreamStyle(item);
  }
  for (const [bounds, format] of [[int32Bounds, "int32"], [int64Bounds, "int64"]] as const) {
    if (hasBounds(result, bounds)) {
      delete result.minimum;
      delete result.maximum;
      result.format = format;
    }
  }
  if (typeof result.$ref === "string" && Object.keys(result).length > 1) {
    const { $ref: reference, ...siblings } = result;
    return { allOf: [{ $ref: reference }], ...siblings };
  }
  return result;
}

function listSchema(kindName: string, group: string, version: string, kind: string): JsonObject {
  return {
    description: `${kind}List is a list of ${kind} objects.`,
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { type: "string" },
      items: { type: "array", items: { $ref: `${schemaPrefix}${kindName}` } },
      kind: { type: "string" },
      metadata: { $ref: `${schemaPrefix}${metaV1}ListMeta` },
    },
    "x-kubernetes-group-version-kind": [{ group, version, kind: `${kind}List` }],
  };
}

const listedKinds = new Set(["Namespace", "Node", "Pod", "Service", "Endpoints", "ConfigMap", "Secret", "Event", "Deployment", "ReplicaSet", "Lease"]);

function helperSchemas(): Record<string, JsonObject> {
  return {
    [`${metaV1}Patch`]: { description: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.", type: "object" },
    [`${metaV1}WatchEvent`]: {
      description: "Event represents a single event to a watched resource.",
      type: "object",
      required: ["type", "object"],
      properties: { object: { description: "Object is the object at the event.", type: "object" }, type: { type: "string" } },
    },
  };
}

function generate(): Record<string, JsonObject> {
  const shape: Record<string, z.ZodObject> = {};
  for (const entry of kindEntries) shape[entry.schemaName] = entry.schema;
  const document = z.toJSONSchema(z.object(shape), { target: "openapi-3.0", io: "input" });
  const definitions = (document as JsonObject).definitions ?? (document as JsonObject).$defs;
  const schemas: Record<string, JsonObject> = {};
  for (const [name, schema] of Object.entries(isObject(definitions) ? definitions : {})) {
    const styled = upstreamStyle(schema);
    if (isObject(styled)) schemas[name] = styled;
  }
  for (const entry of kindEntries) {
    if (!listedKinds.has(entry.key.kind)) continue;
    schemas[`${entry.schemaName}List`] = listSchema(entry.schemaName, entry.key.group, entry.key.version, entry.key.kind);
  }
  return { ...schemas, ...helperSchemas() };
}

let cache: Record<string, JsonObject> | undefined;

/** components.schemas of every kind (the same objects as in the documents), for the patch code. */
export function openApiComponents(): Record<string, Record<string, unknown>> {
  cache ??= generate();
  return cache;
}

/** The names of the schemas `roots` refer to, transitively, roots included. */
export function referencedSchemas(roots: readonly string[]): Set<string> {
  const components = openApiComponents();
  const found = new Set<string>();
  const pending = [...roots];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (found.has(name) || components[name] === undefined) continue;
    found.add(name);
    JSON.stringify(components[name], (key, value: unknown) => {
      if (key === "$ref" && typeof value === "string") pending.push(value.slice(schemaPrefix.length));
      return value;
    });
  }
  return found;
}
