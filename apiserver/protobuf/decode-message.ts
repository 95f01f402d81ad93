// Table-driven decoding of one message into the JSON the Go type would marshal to. Every field
// number must be in the table (an unknown one is an error, never dropped); wire types are checked
// against the declared type; repeated varints are accepted packed and unpacked (proto2 allows
// both on the wire); a message field seen twice is merged, as proto does, by decoding the
// concatenation of its occurrences.
import { ProtobufDecodeError } from "./errors.js";
import type { JsonObject, JsonValue } from "./json-value.js";
import { isScalarType, isSpecialType, type FieldSpec, type MessageSpec } from "./schema.js";
import { decodeSpecial } from "./special-types.js";
import {
  WireReader,
  int32FromVarint,
  int64FromVarint,
  wireTypeLengthDelimited,
  wireTypeVarint,
} from "./wire-reader.js";

const utf8 = new TextDecoder("utf-8");

/** What arrived on the wire for one field number, before it is interpreted. */
interface FieldOccurrences {
  varints: bigint[];
  chunks: Uint8Array[];
}

export interface DecodeContext {
  specs: ReadonlyMap<string, MessageSpec>;
}

const varintTypes: ReadonlySet<string> = new Set(["bool", "int32", "int64"]);

function locate(error: unknown, path: string): unknown {
  // The innermost frame names the place; outer frames pass the error through unchanged.
  if (error instanceof ProtobufDecodeError && error.path === undefined) {
    return new ProtobufDecodeError(`${error.message} at ${path === "" ? "the object" : path}`, path);
  }
  return error;
}

function concatenate(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

function collectOccurrences(spec: MessageSpec, bytes: Uint8Array): Map<number, FieldOccurrences> {
  const reader = new WireReader(bytes);
  const occurrences = new Map<number, FieldOccurrences>();
  while (!reader.done()) {
    const { fieldNumber, wireType } = reader.readTag();
    const field = spec.byNumber.get(fieldNumber);
    if (field === undefined) {
      throw new ProtobufDecodeError(`unknown field number ${fieldNumber} (wire type ${wireType}) in ${spec.name}`);
    }
    const isVarint = field.shape !== "map" && varintTypes.has(field.type);
    const packedAllowed = isVarint && field.shape === "repeated";
    const expected = isVarint ? wireTypeVarint : wireTypeLengthDelimited;
    if (wireType !== expected && !(packedAllowed && wireType === wireTypeLengthDelimited)) {
      throw new ProtobufDecodeError(
        `field ${field.jsonName} (${fieldNumber}) of ${spec.name} has wire type ${wireType}, expected ${expected}`,
      );
    }
    let entry = occurrences.get(fieldNumber);
    if (entry === undefined) {
      entry = { varints: [], chunks: [] };
      occurrences.set(fieldNumber, entry);
    }
    if (wireType === wireTypeVarint) {
      entry.varints.push(reader.readVarint());
    } else if (isVarint) {
      const packed = new WireReader(reader.readLengthDelimited());
      while (!packed.done()) entry.varints.push(packed.readVarint());
    } else {
      entry.chunks.push(reader.readLengthDelimited());
    }
  }
  return occurrences;
}

function decodeVarint(type: string, value: bigint): JsonValue {
  if (type === "bool") return value !== 0n;
  if (type === "int32") return int32FromVarint(value);
  return int64FromVarint(value);
}

function decodeChunk(context: DecodeContext, type: string, chunk: Uint8Array, path: string): JsonValue {
  if (type === "string") return utf8.decode(chunk);
  if (type === "bytes") return Buffer.from(chunk).toString("base64");
  if (isSpecialType(type)) return decodeSpecial(type, chunk);
  return decodeMessage(context, type, chunk, path);
}

function isZero(value: JsonValue): boolean {
  return value === "" || value === 0 || value === false;
}

function zeroOf(type: string): JsonValue {
  if (type === "string" || type === "bytes") return "";
  if (type === "bool") return false;
  return 0;
}

function decodeMapEntry(context: DecodeContext, field: FieldSpec, chunk: Uint8Array, path: string): [string, JsonValue] {
  const reader = new WireReader(chunk);
  let key = "";
  let valueBytes: Uint8Array | undefined;
  while (!reader.done()) {
    const { fieldNumber, wireType } = reader.readTag();
    if ((fieldNumber !== 1 && fieldNumber !== 2) || wireType !== wireTypeLengthDelimited) {
      throw new ProtobufDecodeError(`map entry field ${fieldNumber} (wire type ${wireType}) is not key=1 or value=2`);
    }
    const bytes = reader.readLengthDelimited();
    if (fieldNumber === 1) key = utf8.decode(bytes);
    else valueBytes = bytes;
  }
  const entryPath = `${path}[${JSON.stringify(key)}]`;
  const value = decodeChunk(context, field.type, valueBytes ?? new Uint8Array(0), entryPath);
  return [key, value];
}

function decodeMap(context: DecodeContext, field: FieldSpec, chunks: readonly Uint8Array[], path: string): JsonObject {
  const entries = chunks.map((chunk) => decodeMapEntry(context, field, chunk, path));
  // encoding/json writes map keys sorted; a repeated key keeps its last value, as proto does.
  const merged = new Map(entries);
  const result: JsonObject = {};
  for (const key of [...merged.keys()].sort()) result[key] = merged.get(key) ?? null;
  return result;
}

function decodeRepeated(context: DecodeContext, field: FieldSpec, found: FieldOccurrences, path: string): JsonValue[] {
  if (varintTypes.has(field.type)) return found.varints.map((value) => decodeVarint(field.type, value));
  return found.chunks.map((chunk, index) => decodeChunk(context, field.type, chunk, `${path}[${index}]`));
}

/** The JSON value of one field, or undefined when the Go JSON encoding would leave it out. */
function decodeField(
  context: DecodeContext,
  field: FieldSpec,
  found: FieldOccurrences | undefined,
  path: string,
): JsonValue | undefined {
  if (field.shape === "map") {
    if (found === undefined || found.chunks.length === 0) return unsetValue(field);
    return decodeMap(context, field, found.chunks, path);
  }
  if (field.shape === "repeated") {
    const values = found === undefined ? [] : decodeRepeated(context, field, found, path);
    if (values.length === 0) return unsetValue(field);
    return values;
  }
  if (isScalarType(field.type) && varintTypes.has(field.type)) {
    const last = found?.varints.at(-1);
    return presentScalar(field, last === undefined ? undefined : decodeVarint(field.type, last));
  }
  if (isScalarType(field.type)) {
    const last = found?.chunks.at(-1);
    return presentScalar(field, last === undefined ? undefined : decodeChunk(context, field.type, last, path));
  }
  // A message: present on the wire means a non-nil pointer or a struct Go always writes. An
  // absent non-pointer struct without omitempty is still written, as its zero value (Time: null).
  if (found === undefined || found.chunks.length === 0) {
    if (field.presence === "required") return decodeChunk(context, field.type, new Uint8Array(0), path);
    return unsetValue(field);
  }
  return decodeChunk(context, field.type, concatenate(found.chunks), path);
}

/** A list, map or message that is not on the wire: null when the JSON tag has no omitempty. */
function unsetValue(field: FieldSpec): null | undefined {
  return field.presence === "required" || field.presence === "nullablePointer" ? null : undefined;
}

function presentScalar(field: FieldSpec, value: JsonValue | undefined): JsonValue | undefined {
  if (field.presence === "pointer") return value;
  if (field.presence === "nullablePointer") return value ?? null;
  if (field.presence === "required") return value ?? zeroOf(field.type);
  return value === undefined || isZero(value) ? undefined : value;
}

export function decodeMessage(context: DecodeContext, typeName: string, bytes: Uint8Array, path: string): JsonObject {
  const spec = context.specs.get(typeName);
  if (spec === undefined) throw new ProtobufDecodeError(`no table for message ${typeName}`, path);
  let occurrences: Map<number, FieldOccurrences>;
  try {
    occurrences = collectOccurrences(spec, bytes);
  } catch (error) {
    throw locate(error, path);
  }
  const result: JsonObject = {};
  for (const field of spec.fields) {
    const fieldPath = path === "" ? field.jsonName : `${path}.${field.jsonName}`;
    const found = occurrences.get(field.number);
    if (field.inline) {
      // An embedded struct is always there in Go; its own fields decide what is written.
      Object.assign(result, decodeMessage(context, field.type, concatenate(found?.chunks ?? []), path));
      continue;
    }
    let value: JsonValue | undefined;
    try {
      value = decodeField(context, field, found, fieldPath);
    } catch (error) {
      throw locate(error, fieldPath);
    }
    if (value !== undefined) result[field.jsonName] = value;
  }
  return result;
}
