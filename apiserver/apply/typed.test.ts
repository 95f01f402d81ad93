import { describe, expect, it } from "vitest";
import { emptySchema, podSchema } from "../patch/schema-fixtures.js";
import { compare, merge, removeItems, toFieldSet } from "./typed.js";
import { FieldSet } from "./field-set.js";
import type { JsonObject } from "../patch/index.js";

type Json = Record<string, unknown>;

function containers(names: string[]): JsonObject {
  return { spec: { containers: names.map((name) => ({ name })) } };
}

function names(object: Json): unknown[] {
  return ((object.spec as Json).containers as Json[]).map((container) => container.name);
}

describe("typed values", () => {
  it("merges list-map items in upstream's order: live-only items stay, shared ones follow the applied order", () => {
    expect(names(merge(podSchema, containers(["a", "b", "c"]), containers(["c", "a"])))).toEqual(["b", "c", "a"]);
    expect(names(merge(podSchema, containers(["a", "b"]), containers(["c"])))).toEqual(["a", "b", "c"]);
    expect(names(merge(podSchema, containers(["a", "b"]), containers(["x", "b", "y"])))).toEqual(["a", "x", "b", "y"]);
  });

  it("replaces atomic lists and maps, merges granular maps", () => {
    const live = { metadata: { labels: { a: "1" } }, spec: { tolerations: [{ key: "t" }], nodeSelector: { disk: "ssd", zone: "a" } } };
    const applied = { metadata: { labels: { b: "2" } }, spec: { tolerations: [{ key: "u" }], nodeSelector: { zone: "b" } } };
    expect(merge(podSchema, live, applied)).toEqual({
      metadata: { labels: { a: "1", b: "2" } },
      spec: { tolerations: [{ key: "u" }], nodeSelector: { zone: "b" } },
    });
  });

  it("owns set items by value, map entries by key, atomic lists whole", () => {
    const object = { metadata: { finalizers: ["x"], annotations: { note: "n" } }, spec: { tolerations: [{ key: "t" }] } };
    expect(toFieldSet(podSchema, object).toFieldsV1()).toEqual({
      "f:metadata": { "f:annotations": { "f:note": {} }, "f:finalizers": { 'v:"x"': {} } },
      "f:spec": { "f:tolerations": {} },
    });
  });

  it("treats what the schema does not describe as granular maps and atomic lists", () => {
    const object = { data: { nested: { list: [1, 2] } } };
    expect(toFieldSet(emptySchema, object).toFieldsV1()).toEqual({ "f:data": { ".": {}, "f:nested": { ".": {}, "f:list": {} } } });
  });

  it("compares: changed leaves are modified, new containers are added with their leaves", () => {
    const before = { spec: { containers: [{ name: "a", image: "1" }] } };
    const after = { spec: { containers: [{ name: "a", image: "2" }, { name: "b", image: "1" }] } };
    const comparison = compare(podSchema, before, after);
    expect(comparison.modified.toFieldsV1()).toEqual({ "f:spec": { "f:containers": { 'k:{"name":"a"}': { "f:image": {} } } } });
    expect(comparison.added.toFieldsV1()).toEqual({ "f:spec": { "f:containers": { 'k:{"name":"b"}': { ".": {}, "f:image": {}, "f:name": {} } } } });
    expect(compare(podSchema, after, before).removed.toFieldsV1()).toEqual(comparison.added.toFieldsV1());
  });

  it("removes members with everything below them", () => {
    const object: JsonObject = { metadata: { labels: { a: "1", b: "2" } }, spec: { containers: [{ name: "a", image: "1" }, { name: "b" }] } };
    const set = FieldSet.fromPaths([
      ["f:metadata", "f:labels", "f:a"],
      ["f:spec", "f:containers", 'k:{"name":"b"}'],
      ["f:spec", "f:containers", 'k:{"name":"a"}', "f:image"],
    ]);
    expect(removeItems(podSchema, object, set)).toEqual({ metadata: { labels: { b: "2" } }, spec: { containers: [{ name: "a" }] } });
  });
});

describe("list-map keys with defaults", () => {
  it("keys a port without protocol as TCP even when the schema omits upstream's default", () => {
    const components = structuredClone(podSchema.components);
    const port = components.ContainerPort as { properties: Record<string, unknown> };
    port.properties.protocol = { type: "string" };
    const schema = { root: podSchema.root, components };
    const object: JsonObject = { spec: { containers: [{ name: "a", ports: [{ containerPort: 80 }] }] } };
    expect(toFieldSet(schema, object).toFieldsV1()).toEqual({
      "f:spec": { "f:containers": { 'k:{"name":"a"}': { ".": {}, "f:name": {}, "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } } } } },
    });
  });

  it("names the list and element of an item missing a key without default", () => {
    expect(() => toFieldSet(podSchema, { spec: { containers: [{ name: "a" }, { image: "x" }] } })).toThrow(
      '.spec.containers: element 1: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    );
  });
});
