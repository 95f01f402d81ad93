import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { applyDefaults, decodeObject, knownKinds, validateObject } from "./index.js";
import { manifestsByKind } from "./fixtures/kinds.js";

/** The manifest without its null fields, which Kubernetes decodes as absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== null).map(([key, item]) => [key, withoutNulls(item)]));
}

describe("every kind", () => {
  it("has a realistic manifest here", () => {
    const covered = new Set(manifestsByKind.map(([kind]) => `${kind.group}/${kind.kind}`));
    expect(knownKinds.filter((kind) => !covered.has(`${kind.group}/${kind.kind}`)).map((kind) => kind.kind)).toEqual(["DeleteOptions", "Status"]);
  });

  it.each(manifestsByKind.map(([kind, manifest]) => [kind.kind, kind, manifest] as const))("decodes a %s unchanged", (_name, kind, manifest) => {
    expect(decodeObject(kind, manifest)).toEqual({ ok: true, object: withoutNulls(manifest), unknownFields: [] });
  });

  it.each(manifestsByKind.map(([kind, manifest]) => [kind.kind, kind, manifest] as const))("defaults a %s idempotently, still decodable", (_name, kind, manifest) => {
    const decoded = decodeObject(kind, manifest);
    if (!decoded.ok) throw new Error(decoded.message);
    const defaulted = applyDefaults(kind, decoded.object);
    expect(applyDefaults(kind, defaulted)).toEqual(defaulted);
    expect(decodeObject(kind, defaulted)).toEqual({ ok: true, object: defaulted, unknownFields: [] });
  });
});

describe("decodeObject never throws", () => {
  const kinds = fc.constantFrom(...knownKinds);

  it("on any value", () => {
    fc.assert(fc.property(kinds, fc.anything(), (kind, body) => {
      const result = decodeObject(kind, body);
      expect(typeof result.ok).toBe("boolean");
    }), { numRuns: 300 });
  });

  it("on manifests with any value put anywhere, and defaults and validation take what it accepts", () => {
    const paths = manifestsByKind.flatMap(([kind, manifest]) => leafPaths(manifest).map((path) => ({ kind, manifest, path })));
    fc.assert(fc.property(fc.constantFrom(...paths), fc.jsonValue(), ({ kind, manifest, path }, value) => {
      const body = structuredClone(manifest);
      setAt(body, path, value);
      const result = decodeObject(kind, body);
      if (!result.ok) {
        expect(result.causes.length).toBeGreaterThan(0);
        return;
      }
      const defaulted = applyDefaults(kind, result.object);
      expect(Array.isArray(validateObject(kind, defaulted, { operation: "create" }))).toBe(true);
      expect(Array.isArray(validateObject(kind, defaulted, { operation: "update", old: defaulted }))).toBe(true);
    }), { numRuns: 500 });
  });

  it("on nesting deeper than the stack in a free-form field", () => {
    let deep: Record<string, unknown> = {};
    for (let depth = 0; depth < 100_000; depth += 1) deep = { f: deep };
    const result = decodeObject({ group: "", version: "v1", kind: "Pod" }, { metadata: { managedFields: [{ fieldsV1: deep }] } });
    expect(typeof result.ok).toBe("boolean");
  });
});

function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((item, index) => leafPaths(item, [...prefix, index]))];
  if (typeof value === "object" && value !== null) {
    return [prefix, ...Object.entries(value).flatMap(([key, item]) => leafPaths(item, [...prefix, key]))];
  }
  return [prefix];
}

function setAt(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  if (path.length === 0) return;
  let current: unknown = target;
  for (const step of path.slice(0, -1)) current = (current as Record<string | number, unknown>)[step];
  (current as Record<string | number, unknown>)[path[path.length - 1] ?? ""] = value;
}
