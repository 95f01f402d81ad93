// Messages whose JSON form is not their fields: metav1.Time (RFC 3339 string, null when zero),
// resource.Quantity (its string), intstr.IntOrString (a number or a string) and metav1.FieldsV1
// (raw JSON). Each mirrors the Go type's Unmarshal (protobuf) followed by its MarshalJSON.
import { ProtobufDecodeError } from "./errors.js";
import type { JsonValue } from "./json-value.js";
import type { SpecialType } from "./schema.js";
import { WireReader, int32FromVarint, int64FromVarint, wireTypeLengthDelimited, wireTypeVarint } from "./wire-reader.js";

const utf8 = new TextDecoder("utf-8");
// Go's time.Time formats years 0..9999 in RFC 3339; outside that no JSON timestamp is valid.
const unixSecondsMin = -62_167_219_200; // 0000-01-01T00:00:00Z
const unixSecondsMax = 253_402_300_799; // 9999-12-31T23:59:59Z
// resource.ParseQuantity's grammar: signed decimal number and an optional binary-SI, decimal-SI or exponent suffix.
const quantityPattern = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

type FieldValues = Map<number, { wireType: number; value: bigint | Uint8Array }>;

/** Reads a small flat message whose fields are all known scalars; anything else is an error. */
function readFlatMessage(bytes: Uint8Array, typeName: string, wireTypes: ReadonlyMap<number, number>): FieldValues {
  const reader = new WireReader(bytes);
  const values: FieldValues = new Map();
  while (!reader.done()) {
    const { fieldNumber, wireType } = reader.readTag();
    const expected = wireTypes.get(fieldNumber);
    if (expected === undefined) throw new ProtobufDecodeError(`unknown field number ${fieldNumber} in ${typeName}`);
    if (wireType !== expected) {
      throw new ProtobufDecodeError(`field ${fieldNumber} of ${typeName} has wire type ${wireType}, expected ${expected}`);
    }
    const value = wireType === wireTypeVarint ? reader.readVarint() : reader.readLengthDelimited();
    values.set(fieldNumber, { wireType, value });
  }
  return values;
}

function varintOf(values: FieldValues, fieldNumber: number): bigint {
  const found = values.get(fieldNumber)?.value;
  return typeof found === "bigint" ? found : 0n;
}

function stringOf(values: FieldValues, fieldNumber: number): string {
  const found = values.get(fieldNumber)?.value;
  return found instanceof Uint8Array ? utf8.decode(found) : "";
}

function decodeTime(bytes: Uint8Array): JsonValue {
  // metav1.Time.Unmarshal: no bytes is the zero time, which MarshalJSON writes as null.
  if (bytes.length === 0) return null;
  const values = readFlatMessage(bytes, "Time", new Map([[1, wireTypeVarint], [2, wireTypeVarint]]));
  const seconds = int64FromVarint(varintOf(values, 1));
  const nanos = int32FromVarint(varintOf(values, 2));
  // time.Unix(seconds, nanos) normalises nanos outside [0, 1e9) into the seconds.
  const totalSeconds = seconds + Math.floor(nanos / 1_000_000_000);
  if (totalSeconds < unixSecondsMin || totalSeconds > unixSecondsMax) {
    throw new ProtobufDecodeError(`time ${seconds}s is outside the years 0 to 9999`);
  }
  // RFC 3339 at second precision, as metav1.Time writes it (fractions are dropped).
  return new Date(totalSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function decodeQuantity(bytes: Uint8Array): JsonValue {
  const text = stringOf(readFlatMessage(bytes, "Quantity", new Map([[1, wireTypeLengthDelimited]])), 1);
  // The zero Quantity serialises as "0".
  if (text === "") return "0";
  if (!quantityPattern.test(text)) throw new ProtobufDecodeError(`quantity "${text}" is not a valid quantity`);
  return text;
}

function decodeIntOrString(bytes: Uint8Array): JsonValue {
  const wireTypes = new Map([[1, wireTypeVarint], [2, wireTypeVarint], [3, wireTypeLengthDelimited]]);
  const values = readFlatMessage(bytes, "IntOrString", wireTypes);
  const type = BigInt.asIntN(64, varintOf(values, 1));
  if (type === 0n) return int32FromVarint(varintOf(values, 2));
  if (type === 1n) return stringOf(values, 3);
  throw new ProtobufDecodeError(`IntOrString type ${type} is neither 0 (int) nor 1 (string)`);
}

function decodeFieldsV1(bytes: Uint8Array): JsonValue {
  const raw = readFlatMessage(bytes, "FieldsV1", new Map([[1, wireTypeLengthDelimited]])).get(1)?.value;
  if (!(raw instanceof Uint8Array)) return null;
  try {
    return JSON.parse(utf8.decode(raw)) as JsonValue;
  } catch {
    throw new ProtobufDecodeError("FieldsV1 does not hold valid JSON");
  }
}

export function decodeSpecial(type: SpecialType, bytes: Uint8Array): JsonValue {
  switch (type) {
    case "Time":
      return decodeTime(bytes);
    case "Quantity":
      return decodeQuantity(bytes);
    case "IntOrString":
      return decodeIntOrString(bytes);
    case "FieldsV1":
      return decodeFieldsV1(bytes);
  }
}
