import { describe, expect, it } from "vitest";
import { fieldSchema, itemSchema, resolveSchema, rootSchema } from "./schema.js";
import type { PatchSchema } from "./types.js";

const schema: PatchSchema = {
  root: { $ref: "#/components/schemas/Thing" },
  components: {
    Thing: {
      type: "object",
      properties: {
        nullableList: { anyOf: [{ type: "null" }, { $ref: "#/components/schemas/List" }] },
        wrapped: { allOf: [{ $ref: "#/components/schemas/List" }], "x-kubernetes-patch-strategy": "replace" },
        loop: { $ref: "#/components/schemas/Loop" },
      },
    },
    List: { type: "array", items: { $ref: "#/components/schemas/Item" }, "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge" },
    Item: { type: "object", properties: { name: { type: "string" } } },
    Loop: { $ref: "#/components/schemas/Loop" },
  },
};

describe("schema resolution", () => {
  it("follows $ref, folds nullable anyOf in either order, and lets a wrapper's own extensions win", () => {
    const root = rootSchema(schema);
    const nullable = fieldSchema(schema, root, "nullableList");
    expect(nullable?.type).toBe("array");
    expect(nullable?.["x-kubernetes-patch-merge-key"]).toBe("name");
    expect(itemSchema(schema, nullable)?.properties?.name).toEqual({ type: "string" });
    const wrapped = fieldSchema(schema, root, "wrapped");
    expect(wrapped?.["x-kubernetes-patch-strategy"]).toBe("replace");
    expect(wrapped?.type).toBe("array");
  });

  it("stops on cyclic references and answers undefined for unknown fields", () => {
    const root = rootSchema(schema);
    expect(() => fieldSchema(schema, root, "loop")).not.toThrow();
    expect(fieldSchema(schema, root, "absent")).toBeUndefined();
    expect(resolveSchema(schema, undefined)).toBeUndefined();
  });
});
