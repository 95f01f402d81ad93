import { describe, expect, it } from "vitest";
import { deletionFinalizers } from "./deletion-finalizers.js";

describe("deletionFinalizers", () => {
  it("removes both garbage collector finalizers, then adds what the policy asks (deletionFinalizersForGarbageCollection)", () => {
    for (const rules of ["object", "namespace"] as const) {
      expect(deletionFinalizers(["orphan", "x.io/keep"], { propagationPolicy: "Foreground" }, rules)).toEqual({ changed: true, finalizers: ["x.io/keep", "foregroundDeletion"] });
      expect(deletionFinalizers(["foregroundDeletion"], { propagationPolicy: "Orphan" }, rules)).toEqual({ changed: true, finalizers: ["orphan"] });
      expect(deletionFinalizers(["orphan", "foregroundDeletion", "x.io/keep"], { propagationPolicy: "Background" }, rules)).toEqual({ changed: true, finalizers: ["x.io/keep"] });
      expect(deletionFinalizers([], { propagationPolicy: "Background" }, rules)).toEqual({ changed: false, finalizers: [] });
      expect(deletionFinalizers(["orphan"], { orphanDependents: true }, rules)).toEqual({ changed: false, finalizers: ["orphan"] });
    }
  });

  it("leaves the list as it was when its set does not change", () => {
    expect(deletionFinalizers(["orphan", "x.io/keep"], { propagationPolicy: "Orphan" }, "object")).toEqual({ changed: false, finalizers: ["orphan", "x.io/keep"] });
    expect(deletionFinalizers(["foregroundDeletion", "x.io/keep"], {}, "namespace")).toEqual({ changed: false, finalizers: ["foregroundDeletion", "x.io/keep"] });
  });

  it("follows each registry on orphanDependents=false and on no options", () => {
    // The generic store: false means Background; the namespace storage: Foreground.
    expect(deletionFinalizers(["orphan"], { orphanDependents: false }, "object")).toEqual({ changed: true, finalizers: [] });
    expect(deletionFinalizers(["orphan"], { orphanDependents: false }, "namespace")).toEqual({ changed: true, finalizers: ["foregroundDeletion"] });
    // No options: the store keeps the first of the two; the namespace storage keeps each.
    expect(deletionFinalizers(["foregroundDeletion", "orphan"], {}, "object")).toEqual({ changed: true, finalizers: ["foregroundDeletion"] });
    expect(deletionFinalizers(["foregroundDeletion", "orphan"], {}, "namespace")).toEqual({ changed: false, finalizers: ["foregroundDeletion", "orphan"] });
    expect(deletionFinalizers(["x.io/keep"], {}, "object")).toEqual({ changed: false, finalizers: ["x.io/keep"] });
  });
});
