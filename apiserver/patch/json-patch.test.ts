import { describe, expect, it } from "vitest";
import { applyJsonPatch } from "./json-patch.js";
import { PatchError, type JsonValue } from "./types.js";

function patchError(target: JsonValue, operations: unknown): PatchError {
  try {
    applyJsonPatch(target, operations);
  } catch (error) {
    if (error instanceof PatchError) return error;
    throw error;
  }
  throw new Error("expected a PatchError");
}

const pod = { metadata: { name: "web", labels: { app: "web" } }, spec: { containers: [{ name: "a" }, { name: "b" }] } };

describe("applyJsonPatch", () => {
  it("adds, removes, replaces, moves, copies and tests", () => {
    const result = applyJsonPatch(pod, [
      { op: "test", path: "/metadata/name", value: "web" },
      { op: "add", path: "/metadata/labels/tier", value: "front" },
      { op: "replace", path: "/metadata/labels/app", value: "api" },
      { op: "add", path: "/spec/containers/1", value: { name: "c" } },
      { op: "add", path: "/spec/containers/-", value: { name: "d" } },
      { op: "remove", path: "/spec/containers/0" },
      { op: "copy", from: "/metadata/labels", path: "/metadata/annotations" },
      { op: "move", from: "/metadata/annotations/tier", path: "/metadata/annotations/layer" },
    ]);
    expect(result).toEqual({
      metadata: { name: "web", labels: { app: "api", tier: "front" }, annotations: { app: "api", layer: "front" } },
      spec: { containers: [{ name: "c" }, { name: "b" }, { name: "d" }] },
    });
    expect(pod.metadata.labels).toEqual({ app: "web" });
  });

  it("escapes ~0 and ~1 in pointers, and counts negative indexes from the end", () => {
    const result = applyJsonPatch({ metadata: { annotations: { "a/b": "1", "c~d": "2" } }, list: [1, 2, 3] }, [
      { op: "remove", path: "/metadata/annotations/a~1b" },
      { op: "replace", path: "/metadata/annotations/c~0d", value: "3" },
      { op: "remove", path: "/list/-1" },
    ]);
    expect(result).toEqual({ metadata: { annotations: { "c~d": "3" } }, list: [1, 2] });
  });

  it("answers a failed test with 422 and evanphx's message", () => {
    const error = patchError(pod, [{ op: "test", path: "/metadata/name", value: "other" }]);
    expect(error.status).toBe(422);
    expect(error.message).toBe("testing value /metadata/name failed: test failed");
  });

  it("treats a null test value as equal to a missing member", () => {
    expect(applyJsonPatch(pod, [{ op: "test", path: "/metadata/uid", value: null }])).toEqual(pod);
  });

  it("answers missing paths and members with 422", () => {
    expect(patchError(pod, [{ op: "add", path: "/status/phase", value: "x" }]).message).toBe(
      'add operation does not apply: doc is missing path: "/status/phase": missing value',
    );
    expect(patchError(pod, [{ op: "remove", path: "/metadata/labels/none" }]).message).toBe(
      "error in remove for path: '/metadata/labels/none': Unable to remove nonexistent key: none: missing value",
    );
    expect(patchError(pod, [{ op: "remove", path: "/spec/containers/5" }]).message).toBe(
      "error in remove for path: '/spec/containers/5': Unable to access invalid index: 5: invalid index referenced",
    );
    expect(patchError(pod, [{ op: "replace", path: "/spec/containers/9", value: 1 }]).message).toBe(
      "replace operation does not apply: doc is missing key: /spec/containers/9: missing value",
    );
    expect(patchError(pod, [{ op: "move", from: "/nope/x", path: "/a" }]).message).toBe(
      "move operation does not apply: doc is missing from path: /nope/x: missing value",
    );
    expect(patchError(pod, [{ op: "frobnicate", path: "/a" }]).message).toBe("Unexpected kind: frobnicate");
    expect(patchError(pod, [{ op: "add", path: "/spec/containers/x", value: 1 }]).status).toBe(422);
  });

  it("replacing a missing object member adds it (json-patch v4, which Kubernetes 1.32 uses)", () => {
    expect(applyJsonPatch({ a: {} }, [{ op: "replace", path: "/a/b", value: 1 }])).toEqual({ a: { b: 1 } });
  });

  it("answers a patch that is not a list of operations with 400", () => {
    const error = patchError(pod, { op: "add" });
    expect(error.status).toBe(400);
    expect(error.message).toBe("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    expect(patchError(pod, ["add"]).message).toBe("json: cannot unmarshal string into Go value of type jsonpatch.Operation");
  });

  it("stops at the first failing operation and leaves the input untouched", () => {
    const target = { a: 1 };
    patchError(target, [{ op: "add", path: "/b", value: 2 }, { op: "test", path: "/a", value: 2 }]);
    expect(target).toEqual({ a: 1 });
  });
});

describe("applyJsonPatch on the whole document", () => {
  it("replaces and tests the root with path \"\"", () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: "test", path: "", value: { a: 1 } }, { op: "replace", path: "", value: { b: 2 } }])).toEqual({ b: 2 });
    expect(applyJsonPatch({ a: 1 }, [{ op: "replace", path: "", value: [1] }])).toEqual([1]);
    expect(patchError({ a: 1 }, [{ op: "test", path: "", value: { a: 2 } }]).message).toBe("testing value  failed: test failed");
    expect(patchError({ a: 1 }, [{ op: "replace", path: "", value: 3 }]).message).toBe("replace operation value must be object or array");
  });
});

// evanphx/json-patch v4 (what Kubernetes 1.32 vendors): partialDoc.get of a missing member is
// (nil, nil), so a copy from it adds null; the remove half of a move does fail.
describe("applyJsonPatch: a from path whose last member is missing", () => {
  it("copies null (the apiserver then decodes a null label value as \"\")", () => {
    const result = applyJsonPatch(pod, [{ op: "copy", from: "/metadata/nope", path: "/metadata/labels/x" }]) as typeof pod;
    expect(result.metadata.labels).toEqual({ app: "web", x: null });
  });

  it("refuses a move (422) and leaves the input alone", () => {
    const before = structuredClone(pod);
    const error = patchError(pod, [{ op: "move", from: "/metadata/nope", path: "/metadata/labels/x" }]);
    expect(error.status).toBe(422);
    expect(error.message).toBe("error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value");
    expect(pod).toEqual(before);
  });
});
