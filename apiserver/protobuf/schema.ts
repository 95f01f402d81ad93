// The field tables: each message of upstream's generated.proto as a list of
// "<field number> <JSON name> <type> [flags]" lines, parsed once into lookup maps.
//
// Types: string, bytes, bool, int32, int64, a message name, `[]T` (repeated) or `map<T>` (a proto
// map with string keys, sent as repeated entries key=1 value=2).
// Flags carry what generated.proto cannot say but the JSON encoding needs (from the Go types):
//   ptr     the Go field is a pointer: present means set, even when zero (replicas: 0).
//   req     the JSON tag has no omitempty: an unset value is still written (zero value or null).
//   ptr req both: a pointer written as null when unset (GRPCAction.service, DeploymentSpec.selector).
// A message-typed `req` field is a non-pointer struct: when unset it is written as its zero value.
//   inline  an embedded struct (`json:",inline"`): its fields are written into the parent.
// Without a flag a field is `omitempty`: zero scalars and empty lists or maps are left out.
import assert from "node:assert/strict";

export type ScalarType = "string" | "bytes" | "bool" | "int32" | "int64";
/** Messages with their own JSON form (metav1.Time, resource.Quantity, intstr.IntOrString, metav1.FieldsV1). */
export type SpecialType = "Time" | "Quantity" | "IntOrString" | "FieldsV1";
export type Presence = "omitempty" | "pointer" | "required" | "nullablePointer";
export type FieldShape = "single" | "repeated" | "map";

export interface FieldSpec {
  number: number;
  jsonName: string;
  type: string;
  shape: FieldShape;
  presence: Presence;
  inline: boolean;
}

export interface MessageSpec {
  name: string;
  /** In declaration order, which is the order of the Go struct and so of its JSON. */
  fields: readonly FieldSpec[];
  byNumber: ReadonlyMap<number, FieldSpec>;
}

export type MessageTable = Readonly<Record<string, readonly string[]>>;

const scalarTypes: ReadonlySet<string> = new Set<ScalarType>(["string", "bytes", "bool", "int32", "int64"]);
const specialTypes: ReadonlySet<string> = new Set<SpecialType>(["Time", "Quantity", "IntOrString", "FieldsV1"]);

export function isScalarType(type: string): type is ScalarType {
  return scalarTypes.has(type);
}

export function isSpecialType(type: string): type is SpecialType {
  return specialTypes.has(type);
}

function parseFieldLine(messageName: string, line: string): FieldSpec {
  const [numberText, jsonName, typeText, ...flags] = line.split(" ");
  assert.ok(numberText !== undefined && jsonName !== undefined && typeText !== undefined, `${messageName}: "${line}"`);
  const number = Number(numberText);
  assert.ok(Number.isInteger(number) && number > 0, `${messageName}: bad field number in "${line}"`);
  let shape: FieldShape = "single";
  let type = typeText;
  if (type.startsWith("[]")) {
    shape = "repeated";
    type = type.slice(2);
  } else if (type.startsWith("map<") && type.endsWith(">")) {
    shape = "map";
    type = type.slice(4, -1);
  }
  for (const flag of flags) assert.ok(["ptr", "req", "inline"].includes(flag), `${messageName}: unknown flag ${flag}`);
  const pointer = flags.includes("ptr");
  const required = flags.includes("req");
  const presence: Presence = pointer ? (required ? "nullablePointer" : "pointer") : required ? "required" : "omitempty";
  return { number, jsonName, type, shape, presence, inline: flags.includes("inline") };
}

/** Parses and cross-checks the tables: a table naming an unknown type is a bug, caught at load. */
export function buildMessageSpecs(tables: readonly MessageTable[]): ReadonlyMap<string, MessageSpec> {
  const specs = new Map<string, MessageSpec>();
  for (const table of tables) {
    for (const [name, lines] of Object.entries(table)) {
      assert.ok(!specs.has(name), `message ${name} is defined twice`);
      const fields = lines.map((line) => parseFieldLine(name, line));
      const byNumber = new Map<number, FieldSpec>();
      for (const field of fields) {
        assert.ok(!byNumber.has(field.number), `${name}: field number ${field.number} used twice`);
        byNumber.set(field.number, field);
      }
      specs.set(name, { name, fields, byNumber });
    }
  }
  for (const spec of specs.values()) {
    for (const field of spec.fields) {
      const known = isScalarType(field.type) || isSpecialType(field.type) || specs.has(field.type);
      assert.ok(known, `${spec.name}.${field.jsonName}: unknown type ${field.type}`);
      assert.ok(!field.inline || specs.has(field.type), `${spec.name}.${field.jsonName}: only messages inline`);
    }
  }
  return specs;
}
