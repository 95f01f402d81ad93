import { describe, expect, it } from "vitest";
import { decodeManagedFields, encodeManagedFields } from "./managed-fields.js";

describe("managedFields encoding", () => {
  it("sorts entries as upstream and omits a time the entry never had", () => {
    const stored = [
      { manager: "b", operation: "Update", apiVersion: "v1", time: "2026-11-25T18:00:00Z", fieldsType: "FieldsV1", fieldsV1: { "f:a": {} } },
      { manager: "a", operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:b": {} }, subresource: "status" },
    ];
    const encoded = encodeManagedFields(decodeManagedFields(stored));
    expect(encoded).toEqual([stored[1], stored[0]]);
    expect(Object.keys(encoded[0] ?? {})).toEqual(["manager", "operation", "apiVersion", "fieldsType", "fieldsV1", "subresource"]);
    expect(decodeManagedFields([{ manager: "x", operation: "Bogus" }]).size).toBe(0);
  });
});
