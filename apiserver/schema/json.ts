// Small helpers for walking decoded JSON objects in defaulting and validation.
import type { JsonObject } from "./contract.js";
import { isObject } from "./contract.js";

/** The object at `key`, or undefined when absent or not an object. */
export function objectAt(parent: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = parent?.[key];
  return isObject(value) ? value : undefined;
}

/** The object at `key`, created empty when absent (for defaulting into nested structs). */
export function ensureObject(parent: JsonObject, key: string): JsonObject {
  const existing = objectAt(parent, key);
  if (existing !== undefined) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

/** The object elements of the list at `key` (decoded lists of structs hold only objects). */
export function objectsAt(parent: JsonObject | undefined, key: string): JsonObject[] {
  const value = parent?.[key];
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export function stringAt(parent: JsonObject | undefined, key: string): string | undefined {
  const value = parent?.[key];
  return typeof value === "string" ? value : undefined;
}

export function numberAt(parent: JsonObject | undefined, key: string): number | undefined {
  const value = parent?.[key];
  return typeof value === "number" ? value : undefined;
}

export function stringsAt(parent: JsonObject | undefined, key: string): string[] {
  const value = parent?.[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** Sets `key` when absent (Go's `if x == nil` / `if x == ""` defaulting). */
export function setDefault(target: JsonObject, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === "") target[key] = value;
}

/** A string map (labels, selector) or an empty one. */
export function stringMapAt(parent: JsonObject | undefined, key: string): Record<string, string> {
  const value = objectAt(parent, key);
  const result: Record<string, string> = {};
  for (const [name, item] of Object.entries(value ?? {})) if (typeof item === "string") result[name] = item;
  return result;
}
