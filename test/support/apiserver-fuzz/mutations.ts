// Ways to break a valid object one place at a time, each certainly wrong for Kubernetes: a value
// of another JSON type, an invalid name, quantity or label. Pure: the arbitraries decide, the
// suite sends.
import fc from "fast-check";
import type { JsonObject } from "./objects.js";

/** Where a value sits in an object: property names and array indices. */
export type FieldPath = readonly (string | number)[];

/** Every place in an object (interior and leaf), except the root; nulls are skipped (Go reads null as "unset"). */
export function fieldPaths(value: unknown, prefix: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (item === null) return;
      out.push([...prefix, index], ...fieldPaths(item, [...prefix, index]));
    });
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (item === null) continue;
      out.push([...prefix, key], ...fieldPaths(item, [...prefix, key]));
    }
  }
  return out;
}

export function valueAt(value: unknown, path: FieldPath): unknown {
  let here: unknown = value;
  for (const step of path) here = (here as Record<string | number, unknown> | undefined)?.[step];
  return here;
}

/** A copy of `object` with `value` at `path` (which must exist up to its parent). */
export function withValueAt(object: JsonObject, path: FieldPath, value: unknown): JsonObject {
  const copy = structuredClone(object);
  let here: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) here = here[step] as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last !== undefined) here[last] = value;
  return copy;
}

/** "spec.containers[0].image", as Kubernetes writes field paths. */
export function fieldPathText(path: FieldPath): string {
  return path.map((step, i) => (typeof step === "number" ? `[${step}]` : i === 0 ? step : `.${step}`)).join("");
}

/** JSON Pointer (RFC 6901) of a path, for JSON patches. */
export function jsonPointer(path: FieldPath): string {
  return path.map((step) => `/${String(step).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

/**
 * Fields whose value is a map from free keys (labels, resource lists, config data): an error
 * inside one may be named by the map (Go: "Go struct field ObjectMeta.metadata.labels").
 */
const mapFields = new Set(["labels", "annotations", "data", "binaryData", "stringData", "limits", "requests", "nodeSelector", "matchLabels", "selector", "capacity", "allocatable"]);

/** Names an error message may use for a fault at `path`: the field itself, or the map holding it. */
export function faultNames(path: FieldPath): string[] {
  const names = path.filter((step): step is string => typeof step === "string");
  const leaf = names.at(-1);
  const parent = names.at(-2);
  const out = leaf === undefined ? [] : [leaf];
  if (parent !== undefined && mapFields.has(parent) && path.at(-1) === leaf) out.push(parent);
  return out;
}

/**
 * A value of another JSON type than `value`. Never a string for a number or a number for a
 * string: int-or-string fields (ports, maxSurge) and quantities rightly take both.
 */
export function wrongType(value: unknown): fc.Arbitrary<unknown> {
  const object = fc.constantFrom<unknown>({}, { a: 1 });
  const array = fc.constantFrom<unknown>([], ["x"], [1, 2]);
  const boolean = fc.boolean();
  const number = fc.oneof(fc.integer(), fc.constantFrom(1.5, -1, 2 ** 53));
  const string = fc.string({ maxLength: 20 });
  if (Array.isArray(value)) return fc.oneof(object, boolean, number, string);
  switch (typeof value) {
    case "string":
      return fc.oneof(object, array, boolean);
    case "number":
      return fc.oneof(object, array, boolean);
    case "boolean":
      return fc.oneof(object, array, number, string);
    default:
      return fc.oneof(array, boolean, number, string);
  }
}

// ---- names ----

/** DNS-1123 subdomain (the loosest object-name rule; namespaces and services are stricter). */
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && dnsSubdomain.test(name);
}

/** Names no kind accepts. */
export const invalidName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("Bad_Name", "UPPER", "-lead", "trail-", "a..b", "a b", ".", "..", "a/b", "a%b", "x\u0000y", "ünïcode", "a.", ".a", "a".repeat(254), `${"a".repeat(250)}.bcd`, "a\nb"),
  fc.string({ maxLength: 30 }).filter((s) => s !== "" && !isDnsSubdomain(s)),
);

// ---- quantities ----

/**
 * Kubernetes' quantity syntax; a string that fails it (after trimming, as UnmarshalJSON does) is
 * certainly invalid. Some that pass it are invalid too ("1.5.5Gi", "1Ki1"): listed by hand.
 */
const quantitySyntax = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

export const invalidQuantity: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("", "abc", "1Qi", "--1", "1 Mi", "0x10", "Mi", "+-1", "١٢", "1/2", "1.5.5Gi", "1Ki1", "1..2", "∞", "NaN", "1_000"),
  fc.string({ maxLength: 12 }).filter((s) => !quantitySyntax.test(s.trim())),
);

/** Places of quantities in the fuzz objects, per kind. */
export const quantityPaths: Readonly<Record<string, readonly FieldPath[]>> = {
  Pod: [
    ["spec", "containers", 0, "resources", "limits", "cpu"],
    ["spec", "containers", 0, "resources", "requests", "memory"],
    ["spec", "containers", 0, "resources", "requests", "ephemeral-storage"],
    ["spec", "volumes", 1, "emptyDir", "sizeLimit"],
    ["spec", "containers", 0, "env", 2, "valueFrom", "resourceFieldRef", "divisor"],
  ],
  Deployment: [
    ["spec", "template", "spec", "containers", 0, "resources", "limits", "memory"],
    ["spec", "template", "spec", "containers", 0, "resources", "requests", "cpu"],
  ],
  ReplicaSet: [["spec", "template", "spec", "containers", 0, "resources", "limits", "cpu"]],
  Node: [
    ["status", "capacity", "memory"],
    ["status", "allocatable", "cpu"],
    ["status", "capacity", "pods"],
  ],
};

// ---- labels ----

const labelValueSyntax = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const invalidLabelKey: fc.Arbitrary<string> = fc.constantFrom(
  "",
  "a b",
  "-a",
  "a-",
  "a/b/c",
  "/a",
  "a/",
  "Example.COM/a",
  "a".repeat(64),
  `${"a".repeat(254)}/b`,
  "a@b",
  "ü",
  "a\u0000",
);

export const invalidLabelValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("a".repeat(64), "a b", "-a", "a-", "a/b", "ü", "a\nb"),
  fc.string({ maxLength: 70 }).filter((s) => s.length > 63 || !labelValueSyntax.test(s)),
);
