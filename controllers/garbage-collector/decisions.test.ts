import { describe, expect, it } from "vitest";
import { resourceTypes, type KubeObject, type OwnerReference } from "../../client/index.js";
import { planDependent, planOwner, withUnblockedOwnerReferences, withoutFinalizer, withoutOwnerReferences, type OwnerState } from "./decisions.js";
import { OwnerGraph } from "./owner-graph.js";

function ref(uid: string, blockOwnerDeletion?: boolean): OwnerReference {
  return { apiVersion: "apps/v1", kind: "ReplicaSet", name: `rs-${uid}`, uid, controller: true, ...(blockOwnerDeletion === undefined ? {} : { blockOwnerDeletion }) };
}

function object(uid: string, references: OwnerReference[] = [], extra: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return { metadata: { name: `o-${uid}`, namespace: "default", uid, ownerReferences: references, ...extra } };
}

const noDependents = { hasDependents: false, dependentIsDeletingDependents: false };
const states = (entries: [string, OwnerState][]): Map<string, OwnerState> => new Map(entries);

describe("planDependent (attemptToDeleteItem)", () => {
  it("keeps an object whose owners exist", () => {
    expect(planDependent(object("p", [ref("a")]), states([["a", "solid"]]), noDependents)).toEqual({ kind: "none" });
  });

  it("deletes in the background an object whose only owner is gone", () => {
    expect(planDependent(object("p", [ref("a")]), states([["a", "absent"]]), noDependents)).toEqual({ kind: "delete", policy: "Background", unblockUids: [] });
  });

  it("drops references to gone or waiting owners while another owner is solid", () => {
    const action = planDependent(object("p", [ref("a"), ref("b"), ref("c")]), states([["a", "absent"], ["b", "solid"], ["c", "waiting"]]), noDependents);
    expect(action).toEqual({ kind: "remove-owner-references", uids: ["a", "c"] });
  });

  it("deletes in the foreground an object with dependents whose owner waits for it", () => {
    const action = planDependent(object("rs", [ref("d", true)]), states([["d", "waiting"]]), { hasDependents: true, dependentIsDeletingDependents: false });
    expect(action).toEqual({ kind: "delete", policy: "Foreground", unblockUids: [] });
    // A dependent itself deleting dependents: unblock first, so a cycle cannot deadlock.
    const cycle = planDependent(object("rs", [ref("d", true)]), states([["d", "waiting"]]), { hasDependents: true, dependentIsDeletingDependents: true });
    expect(cycle).toEqual({ kind: "delete", policy: "Foreground", unblockUids: ["d"] });
  });

  it("follows the object's own finalizers for the policy", () => {
    expect(planDependent(object("p", [ref("a")], { finalizers: ["orphan"] }), states([["a", "absent"]]), noDependents)).toMatchObject({ policy: "Orphan" });
  });

  it("leaves alone objects already being deleted, unless they wait for their own dependents", () => {
    const deleting = object("p", [ref("a")], { deletionTimestamp: "2026-01-01T00:00:00Z" });
    expect(planDependent(deleting, states([["a", "absent"]]), noDependents)).toEqual({ kind: "none" });
    const foreground = object("p", [ref("a")], { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["foregroundDeletion"] });
    expect(planDependent(foreground, states([["a", "absent"]]), noDependents)).toMatchObject({ kind: "delete", policy: "Foreground" });
  });

  it("treats references it knows nothing of as solid, and objects without owners as none of its business", () => {
    expect(planDependent(object("p", [ref("a")]), new Map(), noDependents)).toEqual({ kind: "none" });
    expect(planDependent(object("p"), new Map(), noDependents)).toEqual({ kind: "none" });
  });
});

describe("planOwner", () => {
  const deleting = (finalizers: string[]): KubeObject => object("rs", [], { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers });

  it("waits for blocking dependents in the foreground, then drops the finalizer", () => {
    const dependents = [{ uid: "p1", reference: ref("rs", true) }, { uid: "p2", reference: ref("rs") }];
    expect(planOwner(deleting(["foregroundDeletion"]), dependents)).toEqual({ kind: "delete-dependents", dependentUids: ["p1", "p2"], blockingUids: ["p1"] });
    // Only non-blocking dependents left: the owner need not wait for them.
    expect(planOwner(deleting(["foregroundDeletion"]), [{ uid: "p2", reference: ref("rs") }])).toEqual({ kind: "remove-finalizer", finalizer: "foregroundDeletion" });
  });

  it("orphans dependents, then drops the orphan finalizer", () => {
    expect(planOwner(deleting(["orphan"]), [{ uid: "p1", reference: ref("rs", true) }])).toEqual({ kind: "orphan-dependents", dependentUids: ["p1"] });
    expect(planOwner(deleting(["orphan"]), [])).toEqual({ kind: "remove-finalizer", finalizer: "orphan" });
  });

  it("does nothing for owners not being deleted or without a GC finalizer", () => {
    expect(planOwner(object("rs", [], { finalizers: ["foregroundDeletion"] }), [])).toEqual({ kind: "none" });
    expect(planOwner(deleting(["example.com/other"]), [])).toEqual({ kind: "none" });
  });
});

describe("object rewrites", () => {
  it("removes references, unblocks them and drops finalizers without touching the input", () => {
    const original = object("p", [ref("a", true), ref("b", true)], { finalizers: ["orphan", "x"] });
    expect(withoutOwnerReferences(original, ["a"])?.metadata.ownerReferences).toEqual([ref("b", true)]);
    expect(withoutOwnerReferences(original, ["a", "b"])?.metadata.ownerReferences).toBeUndefined();
    expect(withoutOwnerReferences(original, ["z"])).toBeUndefined();
    expect(withUnblockedOwnerReferences(original, ["a"])?.metadata.ownerReferences).toEqual([ref("a", false), ref("b", true)]);
    expect(withoutFinalizer(original, "orphan")?.metadata.finalizers).toEqual(["x"]);
    expect(withoutFinalizer(original, "foregroundDeletion")).toBeUndefined();
    expect(original.metadata.ownerReferences).toHaveLength(2);
  });
});

describe("OwnerGraph", () => {
  it("links dependents to owners by uid, follows reference changes, and forgets removed objects", () => {
    const graph = new OwnerGraph();
    graph.upsert(resourceTypes.replicasets, object("rs"));
    graph.upsert(resourceTypes.pods, object("p1", [ref("rs")]));
    graph.upsert(resourceTypes.pods, object("p2", [ref("rs")]));
    // An owner never seen still lists its dependents (upstream's virtual node).
    graph.upsert(resourceTypes.pods, object("p3", [ref("ghost")]));
    expect(graph.dependentsOf("rs").map((e) => e.object.metadata.uid).sort()).toEqual(["p1", "p2"]);
    expect(graph.dependentsOf("ghost").map((e) => e.object.metadata.uid)).toEqual(["p3"]);
    graph.upsert(resourceTypes.pods, object("p2", []));
    expect(graph.dependentsOf("rs").map((e) => e.object.metadata.uid)).toEqual(["p1"]);
    graph.remove(object("p1"));
    expect(graph.dependentsOf("rs")).toEqual([]);
    expect(graph.get("p1")).toBeUndefined();
    expect(graph.size).toBe(3);
  });
});
