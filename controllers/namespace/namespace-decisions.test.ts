import { describe, expect, it } from "vitest";
import { contentOutcome, finalizedSpec, mergedConditions, namespaceStep, type NamespaceObject, type RemainingContent } from "./namespace-decisions.js";

const terminating = (finalizers: string[] | undefined): NamespaceObject => ({
  metadata: { name: "a", deletionTimestamp: "2026-01-01T00:00:00Z" },
  ...(finalizers === undefined ? {} : { spec: { finalizers } }),
});
const none = (resource: string): RemainingContent => ({ resource, count: 0, finalizers: new Map(), graceSecondsLeft: 0 });

describe("namespace controller decisions", () => {
  it("acts only on Terminating namespaces, and only while they carry its finalizer", () => {
    expect(namespaceStep(undefined).kind).toBe("none");
    expect(namespaceStep({ metadata: { name: "a" }, spec: { finalizers: ["kubernetes"] } }).kind).toBe("none");
    expect(namespaceStep(terminating(["kubernetes"])).kind).toBe("deleteContent");
    expect(namespaceStep(terminating(["example.com/other", "kubernetes"])).kind).toBe("deleteContent");
    // Somebody else's spec finalizer only: theirs to remove.
    expect(namespaceStep(terminating(["example.com/other"])).kind).toBe("none");
    // Finalized but still here: a DELETE finishes it.
    expect(namespaceStep(terminating([])).kind).toBe("finish");
    expect(namespaceStep(terminating(undefined)).kind).toBe("finish");
  });

  it("finalizes when nothing remains, removing only its own finalizer", () => {
    const outcome = contentOutcome([none("pods."), none("deployments.apps")], []);
    expect(outcome.kind).toBe("finalize");
    expect(outcome.conditions.find((c) => c.type === "NamespaceContentRemaining")).toMatchObject({ status: "False", reason: "ContentRemoved" });
    expect(outcome.conditions.find((c) => c.type === "NamespaceFinalizersRemaining")).toMatchObject({ status: "False", reason: "ContentHasNoFinalizers" });
    expect(finalizedSpec(terminating(["example.com/other", "kubernetes"]))).toEqual(["example.com/other"]);
  });

  it("waits on pods still terminating for about half their grace period, and says what remains as Kubernetes does", () => {
    const outcome = contentOutcome([{ resource: "pods.", count: 2, finalizers: new Map(), graceSecondsLeft: 30 }, { resource: "configmaps.", count: 1, finalizers: new Map(), graceSecondsLeft: 0 }], []);
    expect(outcome).toMatchObject({ kind: "wait", retryAfterMs: 16_000 });
    expect(outcome.conditions.find((c) => c.type === "NamespaceContentRemaining")).toEqual({
      type: "NamespaceContentRemaining",
      status: "True",
      reason: "SomeResourcesRemain",
      message: "Some resources are remaining: configmaps. has 1 resource instances, pods. has 2 resource instances",
    });
  });

  it("waits 8 s (a 15 s estimate / 2 + 1, in whole seconds) on content held by finalizers, naming them", () => {
    const held: RemainingContent = { resource: "configmaps.", count: 2, finalizers: new Map([["example.com/hold", 2]]), graceSecondsLeft: 0 };
    const outcome = contentOutcome([held, { resource: "secrets.", count: 1, finalizers: new Map([["example.com/hold", 1], ["a.io/x", 1]]), graceSecondsLeft: 0 }], []);
    expect(outcome).toMatchObject({ kind: "wait", retryAfterMs: 8_000 });
    expect(outcome.conditions.find((c) => c.type === "NamespaceFinalizersRemaining")?.message).toBe("Some content in the namespace has finalizers remaining: a.io/x in 1 resource instances, example.com/hold in 3 resource instances");
  });

  it("looks again after a second when content is going without an estimate, and never finalizes after a failed deletion", () => {
    expect(contentOutcome([{ resource: "pods.", count: 1, finalizers: new Map(), graceSecondsLeft: 0 }], [])).toMatchObject({ kind: "wait", retryAfterMs: 1_000 });
    const failed = contentOutcome([none("pods.")], ["secrets."]);
    expect(failed.kind).toBe("wait");
    expect(failed.conditions.find((c) => c.type === "NamespaceDeletionContentFailure")).toMatchObject({ status: "True", reason: "ContentDeletionFailed" });
  });

  it("merges conditions: unchanged ones keep their time and need no write; changed ones get a new time", () => {
    const first = contentOutcome([{ resource: "pods.", count: 1, finalizers: new Map(), graceSecondsLeft: 0 }], []).conditions;
    const written = mergedConditions(undefined, first, "2026-01-01T00:00:00Z");
    expect(written?.every((c) => c.lastTransitionTime === "2026-01-01T00:00:00Z")).toBe(true);
    expect(mergedConditions(written, first, "2026-01-01T00:00:05Z")).toBeUndefined();
    const later = mergedConditions(written, contentOutcome([none("pods.")], []).conditions, "2026-01-01T00:00:09Z");
    expect(later?.find((c) => c.type === "NamespaceContentRemaining")).toMatchObject({ status: "False", lastTransitionTime: "2026-01-01T00:00:09Z" });
    expect(later?.find((c) => c.type === "NamespaceDeletionContentFailure")?.lastTransitionTime).toBe("2026-01-01T00:00:00Z");
  });
});
