import { describe, expect, it } from "vitest";
import { deepFreeze, diffForReplace } from "./informer.js";
import type { KubeObject } from "./types.js";

const object = (name: string, resourceVersion: string, uid = `uid-${name}`): KubeObject => ({ metadata: { name, namespace: "ns", resourceVersion, uid } });

describe("diffForReplace", () => {
  it("adds new objects, updates changed ones, deletes missing ones, and invents nothing", () => {
    const cache = new Map([
      ["ns/same", object("same", "1")],
      ["ns/changed", object("changed", "2")],
      ["ns/gone", object("gone", "3")],
    ]);
    const deltas = diffForReplace(cache, [object("same", "1"), object("changed", "7"), object("new", "8")]);
    expect(deltas.map((d) => `${d.kind} ${d.object.metadata.name} ${d.object.metadata.resourceVersion}`)).toEqual(["update changed 7", "add new 8", "delete gone 3"]);
  });

  it("reports a delete and an add when an object was re-created under the same name", () => {
    const cache = new Map([["ns/web", object("web", "2", "old")]]);
    const deltas = diffForReplace(cache, [object("web", "9", "new")]);
    expect(deltas.map((d) => `${d.kind} ${d.object.metadata.uid}`)).toEqual(["delete old", "add new"]);
  });
});

describe("deepFreeze", () => {
  it("makes nested fields read-only, so a caller's mutation throws", () => {
    const frozen = deepFreeze({ metadata: { labels: { a: "b" } }, spec: { list: [{ x: 1 }] } });
    expect(() => {
      (frozen.metadata.labels as Record<string, string>).a = "c";
    }).toThrow(TypeError);
    expect(() => {
      (frozen.spec.list[0] as { x: number }).x = 2;
    }).toThrow(TypeError);
    const copy = structuredClone(frozen);
    copy.metadata.labels.a = "c";
    expect(frozen.metadata.labels.a).toBe("b");
  });
});
