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

/**
 * A deep copy of JSON data (much cheaper than structuredClone on every write). Keys named
 * "__proto__" are kept as keys.
 */
export function jsonCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => jsonCopy(item)) as T;
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    setOwn(copy, key, jsonCopy(item));
  }
  return copy as T;
}

/** Sets a key on a fresh object; a key named "__proto__" stays a key and never becomes a prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
