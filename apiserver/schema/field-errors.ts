// Kubernetes field.Error constructors (apimachinery/pkg/util/validation/field), as StatusCauses.
import type { FieldCause } from "./contract.js";

/** Go's %#v-ish rendering of a bad value in messages. */
function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "null";
}

export function required(field: string, detail = ""): FieldCause {
  return { field, reason: "FieldValueRequired", message: detail === "" ? "Required value" : `Required value: ${detail}` };
}

export function invalid(field: string, value: unknown, detail: string): FieldCause {
  return { field, reason: "FieldValueInvalid", message: `Invalid value: ${shown(value)}: ${detail}` };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldCause {
  return {
    field,
    reason: "FieldValueNotSupported",
    message: `Unsupported value: ${shown(value)}: supported values: ${supported.map((item) => JSON.stringify(item)).join(", ")}`,
  };
}

export function duplicate(field: string, value: unknown): FieldCause {
  return { field, reason: "FieldValueDuplicate", message: `Duplicate value: ${shown(value)}` };
}

export function forbidden(field: string, detail: string): FieldCause {
  return { field, reason: "FieldValueForbidden", message: `Forbidden: ${detail}` };
}

export function tooLong(field: string, maxLength: number): FieldCause {
  return { field, reason: "FieldValueTooLong", message: `Too long: may not be more than ${maxLength} bytes` };
}

export function tooMany(field: string, actual: number, max: number): FieldCause {
  return { field, reason: "FieldValueTooMany", message: `Too many: ${actual}: must have at most ${max} items` };
}

/** NotFound has no reason of its own in the contract: it is an invalid value. */
export function notFound(field: string, value: unknown): FieldCause {
  return { field, reason: "FieldValueInvalid", message: `Not found: ${shown(value)}` };
}

export function immutable(field: string, value: unknown): FieldCause {
  return invalid(field, value, "field is immutable");
}

const nonNegative = "must be greater than or equal to 0";

/** Checks an optional number: present and negative is invalid. */
export function checkNonNegative(field: string, value: unknown): FieldCause[] {
  return typeof value === "number" && value < 0 ? [invalid(field, value, nonNegative)] : [];
}

export function checkEnum(field: string, value: unknown, supported: readonly string[], isRequired = false): FieldCause[] {
  if (value === undefined || value === "") return isRequired ? [required(field)] : [];
  return typeof value === "string" && supported.includes(value) ? [] : [notSupported(field, value, supported)];
}

export function checkPortNumber(field: string, value: unknown): FieldCause[] {
  return typeof value === "number" && (value < 1 || value > 65535) ? [invalid(field, value, "must be between 1 and 65535, inclusive")] : [];
}

/** Reports each repeated value of `values` (with its index) as Duplicate. */
export function checkUnique(values: readonly { field: string; value: unknown }[]): FieldCause[] {
  const seen = new Set<string>();
  const causes: FieldCause[] = [];
  for (const { field, value } of values) {
    const key = JSON.stringify(value);
    if (seen.has(key)) causes.push(duplicate(field, value));
    seen.add(key);
  }
  return causes;
}
