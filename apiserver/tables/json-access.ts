// Typed reads of stored objects (plain JSON, already validated at the edge): a missing or
// mistyped field reads as Go's zero value, which is what upstream's printers see.
export type Json = Record<string, unknown>;

export function record(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

export function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(record) : [];
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

export function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : 0;
}

/** A field at a path of record keys: `at(pod, "status", "phase")`. */
export function at(object: unknown, ...path: string[]): unknown {
  let current: unknown = object;
  for (const key of path) current = record(current)[key];
  return current;
}

/** A metav1.Time / MicroTime in milliseconds, or undefined for Go's zero time (absent or null). */
export function timestampMs(value: unknown): number | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** The number of keys of a map field (len(map) in Go). */
export function size(value: unknown): number {
  return Object.keys(record(value)).length;
}
