// Decoding a JSON body against a kind's zod schema the way Kubernetes' JSON decoder does: known
// fields kept exactly as given, in struct order; null means absent; unknown fields dropped and
// reported (for fieldValidation); a wrong type is an error naming the Go struct field.
import { z } from "zod";
import type { DecodeResult, FieldCause, KindKey } from "./contract.js";
import { isObject } from "./contract.js";
import { intOrStringId, microTimeId, quantityId, quantityPattern, timeId } from "./dsl.js";
import type { Schema } from "./dsl.js";
import { findKind } from "./kinds.js";

interface Walk {
  unknownFields: string[];
  causes: FieldCause[];
}

/** Where a value sits: the Kubernetes field path and what Go's decoder would call it. */
interface Place {
  path: string;
  goStruct: string;
  goField: string;
}

const invalid = Symbol("invalid");
type Decoded = unknown;

function idOf(schema: Schema): string | undefined {
  const id = z.globalRegistry.get(schema)?.id;
  return typeof id === "string" ? id : undefined;
}

function defOf(schema: Schema): z.core.$ZodTypeDef {
  return schema._zod.def;
}

/** "io.k8s.api.core.v1.PodSpec" → "v1.PodSpec", as Go prints a named type. */
function goNamed(id: string): string {
  const parts = id.split(".");
  return parts.slice(-2).join(".");
}

export function goTypeOf(schema: Schema): string {
  const id = idOf(schema);
  if (id !== undefined) return goNamed(id);
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
      return goTypeOf((def as z.core.$ZodOptionalDef).innerType as Schema);
    case "array":
      return `[]${goTypeOf((def as z.core.$ZodArrayDef).element as Schema)}`;
    case "record":
      return `map[string]${goTypeOf((def as z.core.$ZodRecordDef).valueType as Schema)}`;
    case "number":
      return numberFormat(schema) === "int32" ? "int32" : numberFormat(schema) === "safeint" ? "int64" : "float64";
    case "boolean":
      return "bool";
    case "unknown":
      return "interface {}";
    default:
      return def.type;
  }
}

function numberFormat(schema: Schema): string | undefined {
  const def = defOf(schema) as z.core.$ZodTypeDef & { format?: unknown };
  return typeof def.format === "string" ? def.format : undefined;
}

function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "boolean") return "bool";
  return typeof value;
}

function child(place: Place, key: string, goStruct: string): Place {
  return { path: place.path === "" ? key : `${place.path}.${key}`, goStruct, goField: place.goField === "" ? key : `${place.goField}.${key}` };
}

function typeError(walk: Walk, place: Place, value: unknown, schema: Schema): typeof invalid {
  const where = place.goField === "" ? "Go value" : `Go struct field ${place.goStruct}.${place.goField}`;
  // Go names the literal only when a number does not fit a numeric field ("number 1.5").
  const numericField = defOf(schema).type === "number" || idOf(schema) === intOrStringId;
  const shown = typeof value === "number" && numericField ? `number ${String(value)}` : jsonTypeName(value);
  walk.causes.push({
    field: place.path,
    reason: "FieldValueTypeInvalid",
    message: `json: cannot unmarshal ${shown} into ${where} of type ${goTypeOf(schema)}`,
  });
  return invalid;
}

function formatError(walk: Walk, place: Place, message: string): typeof invalid {
  walk.causes.push({ field: place.path, reason: "FieldValueInvalid", message: `${place.path}: ${message}` });
  return invalid;
}

function zeroOf(schema: Schema): unknown {
  const def = defOf(schema);
  if (def.type === "object" || def.type === "record") return {};
  if (def.type === "string") return "";
  if (def.type === "number") return 0;
  if (def.type === "boolean") return false;
  return null;
}

function decodeStruct(schema: z.ZodObject, value: unknown, place: Place, walk: Walk): Decoded {
  if (!isObject(value)) return typeError(walk, place, value, schema);
  const goStruct = goNamed(idOf(schema) ?? "struct").split(".").pop() ?? "struct";
  const shape = schema.shape as Record<string, Schema>;
  // Walk in document order (errors and unknown fields come out as the decoder meets them),
  // then emit in struct order.
  const decodedFields = new Map<string, unknown>();
  for (const [key, fieldValue] of Object.entries(value)) {
    const fieldSchema = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (fieldSchema === undefined) {
      walk.unknownFields.push(child(place, key, goStruct).path);
      continue;
    }
    if (fieldValue === null) continue;
    const decoded = decodeValue(fieldSchema, fieldValue, child(place, key, goStruct), walk);
    if (decoded !== invalid) decodedFields.set(key, decoded);
  }
  const output: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    if (decodedFields.has(key)) output[key] = decodedFields.get(key);
  }
  return output;
}

function decodeArray(schema: Schema, element: Schema, value: unknown, place: Place, walk: Walk): Decoded {
  if (!Array.isArray(value)) return typeError(walk, place, value, schema);
  const output: unknown[] = [];
  value.forEach((item: unknown, index) => {
    const itemPlace = { ...place, path: `${place.path}[${index}]` };
    const decoded = item === null ? zeroOf(element) : decodeValue(element, item, itemPlace, walk);
    if (decoded !== invalid) output.push(decoded);
  });
  return output;
}

function decodeRecord(schema: Schema, valueType: Schema, value: unknown, place: Place, walk: Walk): Decoded {
  if (!isObject(value)) return typeError(walk, place, value, schema);
  const output: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const itemPlace = { ...place, path: `${place.path}[${key}]` };
    const decoded = item === null ? zeroOf(valueType) : decodeValue(valueType, item, itemPlace, walk);
    if (decoded !== invalid) output[key] = decoded;
  }
  return output;
}

/** Leaves with their own JSON decoding upstream: Quantity, Time, IntOrString. */
function decodeNamedLeaf(id: string, schema: Schema, value: unknown, place: Place, walk: Walk): Decoded {
  if (id === quantityId) {
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value !== "string") return typeError(walk, place, value, schema);
    if (!quantityPattern.test(value.trim())) {
      return formatError(walk, place, `quantities must match the regular expression '${quantityPattern.source}'`);
    }
    return value;
  }
  if (id === timeId || id === microTimeId) {
    if (typeof value !== "string") return typeError(walk, place, value, schema);
    if (!schema.safeParse(value).success || Number.isNaN(Date.parse(value))) {
      return formatError(walk, place, `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00": not an RFC 3339 time`);
    }
    return value;
  }
  // IntOrString
  if (typeof value === "string") return value;
  if (typeof value === "number" && schema.safeParse(value).success) return value;
  return typeError(walk, place, value, schema);
}

function isBytes(schema: Schema): boolean {
  return z.globalRegistry.get(schema)?.format === "byte";
}

/** []byte fields (Secret data) are base64 in JSON; Go's decoder refuses anything else. */
function decodeBase64(value: string, place: Place, walk: Walk): Decoded {
  const compact = value.replace(/[\r\n]/g, "");
  const bad = /[^A-Za-z0-9+/=]/.exec(compact)?.index ?? (/=[^=]/.exec(compact)?.index ?? (compact.length % 4 === 0 ? -1 : compact.length - (compact.length % 4)));
  return bad < 0 ? value : formatError(walk, place, `illegal base64 data at input byte ${bad}`);
}

function decodeValue(schema: Schema, value: unknown, place: Place, walk: Walk): Decoded {
  const id = idOf(schema);
  if (id === quantityId || id === timeId || id === microTimeId || id === intOrStringId) {
    return decodeNamedLeaf(id, schema, value, place, walk);
  }
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
      return decodeValue((def as z.core.$ZodOptionalDef).innerType as Schema, value, place, walk);
    case "object":
      return decodeStruct(schema as z.ZodObject, value, place, walk);
    case "array":
      return decodeArray(schema, (def as z.core.$ZodArrayDef).element as Schema, value, place, walk);
    case "record": {
      const valueType = (def as z.core.$ZodRecordDef).valueType as Schema;
      // Free-form JSON (FieldsV1, RawExtension) is kept as given.
      if (defOf(valueType).type === "unknown") return isObject(value) ? structuredClone(value) : typeError(walk, place, value, schema);
      return decodeRecord(schema, valueType, value, place, walk);
    }
    case "string":
      if (typeof value === "string" && isBytes(schema)) return decodeBase64(value, place, walk);
      return typeof value === "string" ? value : typeError(walk, place, value, schema);
    case "boolean":
      return typeof value === "boolean" ? value : typeError(walk, place, value, schema);
    case "number":
      return typeof value === "number" && schema.safeParse(value).success ? value : typeError(walk, place, value, schema);
    default:
      return structuredClone(value);
  }
}

function versionOf(kind: KindKey): string {
  return kind.version;
}

export function decodeObject(kind: KindKey, body: unknown): DecodeResult {
  const prefix = `${kind.kind} in version ${JSON.stringify(versionOf(kind))} cannot be handled as a ${kind.kind}`;
  const entry = findKind(kind);
  if (entry === undefined) {
    return { ok: false, message: `no kind ${JSON.stringify(kind.kind)} is registered for version ${JSON.stringify(kind.version)}`, causes: [] };
  }
  const walk: Walk = { unknownFields: [], causes: [] };
  try {
    const object = decodeValue(entry.schema, body, { path: "", goStruct: kind.kind, goField: "" }, walk);
    const first = walk.causes[0];
    if (first !== undefined || !isObject(object)) {
      return { ok: false, message: `${prefix}: ${first?.message ?? "not a JSON object"}`, causes: walk.causes };
    }
    return { ok: true, object, unknownFields: walk.unknownFields };
  } catch (error) {
    // Only a pathological input (e.g. nesting deeper than the stack in a free-form field) gets here.
    return { ok: false, message: `${prefix}: ${error instanceof Error ? error.message : String(error)}`, causes: walk.causes };
  }
}

/** The object with its keys in struct order again (after defaulting or preparing appended some). */
export function inStructOrder(kind: KindKey, object: Record<string, unknown>): Record<string, unknown> {
  const ordered = decodeObject(kind, object);
  return ordered.ok ? ordered.object : object;
}
