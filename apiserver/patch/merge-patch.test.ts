import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { applyMergePatch } from "./merge-patch.js";
import { PatchError, type JsonValue } from "./types.js";

const json = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>;
const object = fc.dictionary(fc.string({ maxLength: 3 }), json, { maxKeys: 4 });
/** Drops every null member of every object (array items stay): what a merge patch can produce. */
function withoutNullMembers(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutNullMembers);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).flatMap(([key, item]) => (item === null ? [] : [[key, withoutNullMembers(item)]])));
}
const cleanObject = object.map(withoutNullMembers);

describe("applyMergePatch", () => {
  it("follows the RFC 7386 appendix examples", () => {
    const cases: [JsonValue, JsonValue, JsonValue][] = [
      [{ a: "b" }, { a: "c" }, { a: "c" }],
      [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
      [{ a: "b" }, { a: null }, {}],
      [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
      [{ a: ["b"] }, { a: "c" }, { a: "c" }],
      [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
      [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
      [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
      [["a", "b"], ["c", "d"], ["c", "d"]],
      [{ a: "b" }, ["c"], ["c"]],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, expected] of cases) expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it("refuses a null or scalar patch with evanphx's 400", () => {
    for (const patch of [null, 5, "x", true]) {
      try {
        applyMergePatch({ a: 1 }, patch);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(PatchError);
        expect((error as PatchError).status).toBe(400);
        expect((error as PatchError).message).toBe("Invalid JSON Patch");
      }
    }
  });

  it("prunes nulls inside objects nested in added arrays, as evanphx does", () => {
    expect(applyMergePatch({}, { list: [{ a: null, b: 1 }, null] })).toEqual({ list: [{ b: 1 }, null] });
  });

  it("does not mutate its inputs", () => {
    const target = { a: { b: 1 } };
    const patch = { a: { c: 2 } };
    applyMergePatch(target, patch);
    expect(target).toEqual({ a: { b: 1 } });
    expect(patch).toEqual({ a: { c: 2 } });
  });

  it("is idempotent: applying a patch twice equals applying it once", () => {
    // evanphx leaves nulls inside arrays unpruned when the array replaces an object (then prunes
    // them on the next apply), so the law holds for patches without null members inside arrays.
    const hasNullInArray = (value: JsonValue, inArray: boolean): boolean =>
      Array.isArray(value)
        ? value.some((item) => hasNullInArray(item, true))
        : value !== null && typeof value === "object" && Object.values(value).some((item) => (inArray && item === null) || hasNullInArray(item, inArray));
    fc.assert(
      fc.property(object, object.filter((patch) => !hasNullInArray(patch, false)), (target, patch) => {
        const once = applyMergePatch(target, patch);
        expect(applyMergePatch(once, patch)).toEqual(once);
      }),
    );
  });

  it("an empty patch leaves the document alone; a document patched onto {} yields itself when it has no nulls", () => {
    fc.assert(
      fc.property(object, cleanObject, (target, clean) => {
        expect(applyMergePatch(target, {})).toEqual(target);
        expect(applyMergePatch({}, clean)).toEqual(clean);
      }),
    );
  });
});

describe("applyMergePatch with hostile keys", () => {
  it("treats __proto__ as an ordinary member", () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as JsonValue;
    const result = applyMergePatch({}, patch) as Record<string, unknown>;
    expect(Object.hasOwn(result, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    applyMergePatch({ a: 1 }, patch);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
