// Go's fmt "%v" rendering of decoded JSON, so error messages read exactly as upstream's
// (e.g. "map: map[image:nginx] does not contain declared merge key: name").
import { isJsonObject, type JsonValue } from "./types.js";

export function goFormat(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goFormat).join(" ")}]`;
  if (isJsonObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${key}:${goFormat(value[key])}`);
    return `map[${entries.join(" ")}]`;
  }
  if (typeof value === "number") return goFormatNumber(value);
  return String(value);
}

/** Go prints float64 with %v as the shortest repr, switching to exponent form at 1e21. */
function goFormatNumber(value: number): string {
  const text = String(value);
  return text.replace(/e\+?(-?)(\d)$/, (_match, sign: string, digit: string) => `e${sign === "-" ? "-" : "+"}0${digit}`);
}

/** Go's reflect.TypeOf(x).String() for decoded JSON, used in "expected a ..., but received a ..." errors. */
export function goTypeName(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "%!s(<nil>)";
  if (Array.isArray(value)) return "[]interface {}";
  if (isJsonObject(value)) return "map[string]interface {}";
  if (typeof value === "number") return Number.isInteger(value) ? "int64" : "float64";
  return typeof value === "boolean" ? "bool" : "string";
}
