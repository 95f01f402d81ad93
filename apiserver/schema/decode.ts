// Decoding a JSON body against a kind's zod schema the way Kubernetes' JSON decoder does: known
// fields kept exactly as given, in struct order; null means absent; unknown fields dropped and
// reported (for fieldValidation); a wrong type is an error naming the Go struct field.
import type { DecodeResult, FieldCause, KindKey } from "./contract.js";
import { isObject } from "./contract.js";
import { jsonCopy, setOwn } from "./json.js";
import { quantityPattern } from "./dsl.js";
import { findKind } from "./kinds.js";
import { keysInStructOrder, planOf } from "./decode-plan.js";
import { parseQuantity } from "./quantity.js";
import type { LeafKind, PlanNode } from "./decode-plan.js";

interface Walk {
  unknownFields: string[];
  causes: FieldCause[];
}

/** Where a value sits, as a chain rendered only when an error or unknown field needs it. */
interface Place {
  parent: Place | undefined;
  segment: string;
  type: "field" | "index" | "key";
  /** The Go struct holding the nearest field (for "Go struct field PodSpec.spec.containers"). */
  goStruct: string;
}

function pathOf(place: Place | undefined): string {
  if (place === undefined) return "";
  const parent = pathOf(place.parent);
  if (place.type !== "field") return `${parent}[${place.segment}]`;
  return parent === "" ? place.segment : `${parent}.${place.segment}`;
}

/** Go's decoder names struct fields by their JSON keys from the root, without indexes. */
function goFieldOf(place: Place | undefined): string {
  if (place === undefined) return "";
  const parent = goFieldOf(place.parent);
  if (place.type !== "field") return parent;
  return parent === "" ? place.segment : `${parent}.${place.segment}`;
}

const invalid = Symbol("invalid");
type Decoded = unknown;

function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "boolean") return "bool";
  return typeof value;
}

const numericLeaves = new Set<LeafKind>(["int32", "int64", "float64", "intOrString"]);

function typeError(walk: Walk, place: Place | undefined, value: unknown, plan: PlanNode): typeof invalid {
  const goField = goFieldOf(place);
  const where = goField === "" ? "Go value" : `Go struct field ${place?.goStruct ?? ""}.${goField}`;
  // Go names the literal only when a number does not fit a numeric field ("number 1.5").
  const numericField = plan.kind === "leaf" && numericLeaves.has(plan.leaf);
  const shown = typeof value === "number" && numericField ? `number ${String(value)}` : jsonTypeName(value);
  walk.causes.push({ field: pathOf(place), reason: "FieldValueTypeInvalid", message: `json: cannot unmarshal ${shown} into ${where} of type ${plan.goType}` });
  return invalid;
}

function formatError(walk: Walk, place: Place | undefined, message: string): typeof invalid {
  const path = pathOf(place);
  walk.causes.push({ field: path, reason: "FieldValueInvalid", message: `${path}: ${message}` });
  return invalid;
}

function zeroOf(plan: PlanNode): unknown {
  if (plan.kind === "struct" || plan.kind === "map" || (plan.kind === "leaf" && plan.leaf === "freeForm")) return {};
  if (plan.kind !== "leaf") return null;
  if (plan.leaf === "string" || plan.leaf === "bytes") return "";
  if (plan.leaf === "int32" || plan.leaf === "int64" || plan.leaf === "float64") return 0;
  return plan.leaf === "boolean" ? false : null;
}

/** The common case of a leaf of the right type, checked without building its Place. */
function isPlainLeaf(plan: PlanNode, value: unknown): boolean {
  if (plan.kind !== "leaf") return false;
  switch (plan.leaf) {
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "int32":
      return isInteger(value, int32Range);
    case "int64":
      return isInteger(value, int64Range);
    case "intOrString":
      return typeof value === "string" || isInteger(value, int32Range);
    default:
      return false;
  }
}

function decodeStruct(plan: Extract<PlanNode, { kind: "struct" }>, value: unknown, place: Place | undefined, walk: Walk): Decoded {
  if (!isObject(value)) return typeError(walk, place, value, plan);
  // Document order, as the decoder meets errors and unknown fields; struct order on output.
  let output: Record<string, unknown> = {};
  let ordered = true;
  let lastIndex = -1;
  for (const key of Object.keys(value)) {
    const field = plan.fields.get(key);
    if (field === undefined) {
      walk.unknownFields.push(pathOf({ parent: place, segment: key, type: "field", goStruct: plan.goStruct }));
      continue;
    }
    const fieldValue = value[key];
    if (fieldValue === null || fieldValue === undefined) continue;
    const decoded = isPlainLeaf(field.plan, fieldValue)
      ? fieldValue
      : decodeValue(field.plan, fieldValue, { parent: place, segment: key, type: "field", goStruct: plan.goStruct }, walk);
    if (decoded === invalid) continue;
    output[key] = decoded;
    if (field.index < lastIndex) ordered = false;
    lastIndex = field.index;
  }
  if (!ordered) {
    const sorted: Record<string, unknown> = {};
    for (const key of keysInStructOrder(plan, Object.keys(output))) sorted[key] = output[key];
    output = sorted;
  }
  return output;
}

function decodeList(plan: Extract<PlanNode, { kind: "list" }>, value: unknown, place: Place | undefined, walk: Walk): Decoded {
  if (!Array.isArray(value)) return typeError(walk, place, value, plan);
  const output: unknown[] = [];
  const goStruct = place?.goStruct ?? "";
  value.forEach((item: unknown, index) => {
    if (isPlainLeaf(plan.element, item)) {
      output.push(item);
      return;
    }
    const decoded = item === null ? zeroOf(plan.element) : decodeValue(plan.element, item, { parent: place, segment: String(index), type: "index", goStruct }, walk);
    if (decoded !== invalid) output.push(decoded);
  });
  return output;
}

function decodeMap(plan: Extract<PlanNode, { kind: "map" }>, value: unknown, place: Place | undefined, walk: Walk): Decoded {
  if (!isObject(value)) return typeError(walk, place, value, plan);
  const output: Record<string, unknown> = {};
  const goStruct = place?.goStruct ?? "";
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (isPlainLeaf(plan.value, item)) {
      setOwn(output, key, item);
      continue;
    }
    const decoded = item === null ? zeroOf(plan.value) : decodeValue(plan.value, item, { parent: place, segment: key, type: "key", goStruct }, walk);
    if (decoded !== invalid) setOwn(output, key, decoded);
  }
  return output;
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const int32Range = 2 ** 31;
const int64Range = 2 ** 63;

function isInteger(value: unknown, range: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= -range && value < range;
}

/** []byte fields (Secret data) are base64 in JSON; Go's decoder refuses anything else. */
function decodeBase64(value: string, place: Place | undefined, walk: Walk): Decoded {
  const compact = value.replace(/[\r\n]/g, "");
  const bad = /[^A-Za-z0-9+/=]/.exec(compact)?.index ?? (/=[^=]/.exec(compact)?.index ?? (compact.length % 4 === 0 ? -1 : compact.length - (compact.length % 4)));
  return bad < 0 ? value : formatError(walk, place, `illegal base64 data at input byte ${bad}`);
}

function decodeLeaf(plan: Extract<PlanNode, { kind: "leaf" }>, value: unknown, place: Place | undefined, walk: Walk): Decoded {
  switch (plan.leaf) {
    case "string":
      return typeof value === "string" ? value : typeError(walk, place, value, plan);
    case "bytes":
      return typeof value === "string" ? decodeBase64(value, place, walk) : typeError(walk, place, value, plan);
    case "boolean":
      return typeof value === "boolean" ? value : typeError(walk, place, value, plan);
    case "int32":
      return isInteger(value, int32Range) ? value : typeError(walk, place, value, plan);
    case "int64":
      return isInteger(value, int64Range) ? value : typeError(walk, place, value, plan);
    case "float64":
      return typeof value === "number" && Number.isFinite(value) ? value : typeError(walk, place, value, plan);
    case "intOrString":
      return typeof value === "string" || isInteger(value, int32Range) ? value : typeError(walk, place, value, plan);
    case "quantity":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      if (typeof value !== "string") return typeError(walk, place, value, plan);
      if (!quantityPattern.test(value.trim()) || !/^[+-]?(\d+\.?\d*|\.\d+)/.test(value.trim())) {
        return formatError(walk, place, `quantities must match the regular expression '${quantityPattern.source}'`);
      }
      return parseQuantity(value) === undefined ? formatError(walk, place, "unable to parse quantity's suffix") : value;
    case "time":
      if (typeof value !== "string") return typeError(walk, place, value, plan);
      if (rfc3339.test(value) && !Number.isNaN(Date.parse(value))) return value;
      return formatError(walk, place, `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00": not an RFC 3339 time`);
    case "freeForm":
      // Free-form JSON (FieldsV1, RawExtension) is kept as given.
      return isObject(value) ? jsonCopy(value) : typeError(walk, place, value, plan);
    case "any":
      return jsonCopy(value);
  }
}

function decodeValue(plan: PlanNode, value: unknown, place: Place | undefined, walk: Walk): Decoded {
  switch (plan.kind) {
    case "struct":
      return decodeStruct(plan, value, place, walk);
    case "list":
      return decodeList(plan, value, place, walk);
    case "map":
      return decodeMap(plan, value, place, walk);
    case "leaf":
      return decodeLeaf(plan, value, place, walk);
  }
}

export function decodeObject(kind: KindKey, body: unknown): DecodeResult {
  const prefix = `${kind.kind} in version ${JSON.stringify(kind.version)} cannot be handled as a ${kind.kind}`;
  const entry = findKind(kind);
  if (entry === undefined) {
    return { ok: false, message: `no kind ${JSON.stringify(kind.kind)} is registered for version ${JSON.stringify(kind.version)}`, causes: [] };
  }
  const walk: Walk = { unknownFields: [], causes: [] };
  try {
    const object = decodeValue(planOf(entry.schema), body, undefined, walk);
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

/** Rebuilds objects with their keys in struct order (after defaulting or preparing appended some). */
function reorder(plan: PlanNode, value: unknown): unknown {
  if (plan.kind === "struct" && isObject(value)) {
    const output: Record<string, unknown> = {};
    for (const key of keysInStructOrder(plan, Object.keys(value))) {
      const fieldPlan = plan.fields.get(key)?.plan;
      if (fieldPlan !== undefined && value[key] !== undefined) output[key] = reorder(fieldPlan, value[key]);
    }
    return output;
  }
  if (plan.kind === "list" && Array.isArray(value)) return value.map((item: unknown) => reorder(plan.element, item));
  if (plan.kind === "map" && isObject(value)) {
    const output: Record<string, unknown> = {};
    for (const key of Object.keys(value)) setOwn(output, key, reorder(plan.value, value[key]));
    return output;
  }
  return value;
}

/** The object with its keys in struct order again; fields the schema does not know are dropped. */
export function inStructOrder(kind: KindKey, object: Record<string, unknown>): Record<string, unknown> {
  const entry = findKind(kind);
  if (entry === undefined) return object;
  const ordered = reorder(planOf(entry.schema), object);
  return isObject(ordered) ? ordered : object;
}
