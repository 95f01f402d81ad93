import { describe, expect, it } from "vitest";
import { contentOutcome, finalizedSpec, mergedConditions, namespaceStep, type NamespaceCondition, type NamespaceObject, type RemainingContent } from "./namespace-decisions.js";

const terminating = (finalizers: string[] | undefined): NamespaceObject => ({
  metadata: { name: "a", deletionTimestamp: "2026-01-01T00:00:00Z" },
  ...(finalizers === undefined ? {} : { spec: { finalizers } }),
});
const left = (resource: string, count: number, more: Partial<RemainingContent> = {}): RemainingContent => ({
  resource: `${resource}.`,
  groupVersionResource: `/v1, Resource=${resource}`,
  count,
  finalizers: new Map(),
  graceSecondsLeft: 0,
  ...more,
});
const none = (resource: string): RemainingContent => left(resource, 0);
const condition = (conditions: readonly NamespaceCondition[] | undefined, type: string): NamespaceCondition | undefined => conditions?.find((c) => c.type === type);

describe("namespace controller decisions", () => {
  it("works on a Terminating namespace until spec.finalizers is empty, whoever's they are", () => {
    expect(namespaceStep(undefined).kind).toBe("none");
    expect(namespaceStep({ metadata: { name: "a" }, spec: { finalizers: ["kubernetes"] } }).kind).toBe("none");
    expect(namespaceStep(terminating(["kubernetes"])).kind).toBe("deleteContent");
    expect(namespaceStep(terminating(["example.com/other", "kubernetes"])).kind).toBe("deleteContent");
    // Only somebody else's spec finalizer left: the content is still deleted (Kubernetes' `finalized` is "no spec.finalizers").
    expect(namespaceStep(terminating(["example.com/other"])).kind).toBe("deleteContent");
    // Finalized: nothing to do; the apiserver deletes it once its metadata.finalizers are gone too.
    expect(namespaceStep(terminating([])).kind).toBe("none");
    expect(namespaceStep(terminating(undefined)).kind).toBe("none");
  });

  it("finalizes when nothing remains, removing only its own finalizer (as a sorted set)", () => {
    const outcome = contentOutcome("a", [none("pods"), none("configmaps")]);
    expect(outcome.kind).toBe("finalize");
    expect(condition(outcome.conditions, "NamespaceContentRemaining")).toMatchObject({ status: "False", reason: "ContentRemoved" });
    expect(condition(outcome.conditions, "NamespaceFinalizersRemaining")).toMatchObject({ status: "False", reason: "ContentHasNoFinalizers" });
    expect(finalizedSpec(terminating(["example.com/z", "kubernetes", "example.com/a", "example.com/z"]))).toEqual(["example.com/a", "example.com/z"]);
    expect(finalizedSpec(terminating(["example.com/other"]))).toEqual(["example.com/other"]);
  });

  it("waits on pods still terminating for about half their grace period, and says what remains as Kubernetes does", () => {
    const outcome = contentOutcome("a", [left("pods", 2, { graceSecondsLeft: 30 }), left("configmaps", 1, { finalizers: new Map([["example.com/hold", 1]]) })]);
    expect(outcome).toMatchObject({ kind: "wait", retryAfterMs: 16_000 });
    expect(condition(outcome.conditions, "NamespaceContentRemaining")).toEqual({
      type: "NamespaceContentRemaining",
      status: "True",
      reason: "SomeResourcesRemain",
      message: "Some resources are remaining: configmaps. has 1 resource instances, pods. has 2 resource instances",
    });
    expect(contentOutcome("a", [left("pods", 1, { graceSecondsLeft: 1 })])).toMatchObject({ kind: "wait", retryAfterMs: 1_000 });
  });

  it("waits 8 s (a 15 s estimate / 2 + 1, in whole seconds) on content held by finalizers, naming them", () => {
    const held = left("configmaps", 2, { finalizers: new Map([["example.com/hold", 2]]) });
    const outcome = contentOutcome("a", [held, left("secrets", 1, { finalizers: new Map([["example.com/hold", 1], ["a.io/x", 1]]) })]);
    expect(outcome).toMatchObject({ kind: "wait", retryAfterMs: 8_000 });
    expect(condition(outcome.conditions, "NamespaceFinalizersRemaining")?.message).toBe("Some content in the namespace has finalizers remaining: a.io/x in 1 resource instances, example.com/hold in 3 resource instances");
  });

  it("makes content that stays with no grace period or finalizer, and a failed deletion, errors retried with back-off, never a finalize", () => {
    const stuck = contentOutcome("a", [left("pods", 1)]);
    expect(stuck).toMatchObject({ kind: "retry", error: "namespace a: unexpected items still remain in namespace: a for gvr: /v1, Resource=pods" });
    expect(condition(stuck.conditions, "NamespaceDeletionContentFailure")).toEqual({
      type: "NamespaceDeletionContentFailure",
      status: "True",
      reason: "ContentDeletionFailed",
      message: "Failed to delete all resource types, 1 remaining: unexpected items still remain in namespace: a for gvr: /v1, Resource=pods",
    });
    const failed = contentOutcome("a", [{ resource: "pods.", error: "the server is currently unable to handle the request" }, none("configmaps")]);
    expect(failed.kind).toBe("retry");
    expect(condition(failed.conditions, "NamespaceDeletionContentFailure")).toMatchObject({ status: "True", message: "Failed to delete all resource types, 1 remaining: the server is currently unable to handle the request" });
    // An error wins over an estimate, as the worker requeues any error but ResourcesRemainingError with back-off.
    expect(contentOutcome("a", [left("pods", 1, { graceSecondsLeft: 30 }), { resource: "secrets.", error: "quota" }]).kind).toBe("retry");
  });

  it("counts one error per resource that failed (nothing is listed after a failed delete), and still reports the others' content", () => {
    // Pods: the collection delete failed, so they were not listed; configmaps: listed, held by a
    // finalizer; secrets: the list failed. Two errors, not a third "unexpected items" for pods.
    const outcome = contentOutcome("a", [
      { resource: "pods.", error: "the server is currently unable to handle the request" },
      left("configmaps", 1, { finalizers: new Map([["example.com/hold", 1]]) }),
      { resource: "secrets.", error: "etcdserver: request timed out" },
    ]);
    expect(outcome).toMatchObject({ kind: "retry", error: "namespace a: etcdserver: request timed out, the server is currently unable to handle the request" });
    expect(condition(outcome.conditions, "NamespaceDeletionContentFailure")?.message).toBe("Failed to delete all resource types, 2 remaining: etcdserver: request timed out, the server is currently unable to handle the request");
    expect(condition(outcome.conditions, "NamespaceContentRemaining")?.message).toBe("Some resources are remaining: configmaps. has 1 resource instances");
    expect(condition(outcome.conditions, "NamespaceFinalizersRemaining")?.message).toBe("Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances");
    const one = contentOutcome("a", [{ resource: "pods.", error: "quota" }, none("configmaps")]);
    expect(condition(one.conditions, "NamespaceDeletionContentFailure")?.message).toBe("Failed to delete all resource types, 1 remaining: quota");
  });

  it("merges conditions as Kubernetes' updateConditions: lastTransitionTime moves only when a condition's status does", () => {
    const first = contentOutcome("a", [left("pods", 1, { graceSecondsLeft: 10 })]).conditions;
    const written = mergedConditions([{ type: "Other", status: "True", reason: "Theirs", message: "kept" }], first, "2026-01-01T00:00:00Z");
    expect(written?.map((c) => c.type)).toEqual(["Other", "NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure", "NamespaceDeletionContentFailure", "NamespaceContentRemaining", "NamespaceFinalizersRemaining"]);
    expect(written?.slice(1).every((c) => c.lastTransitionTime === "2026-01-01T00:00:00Z")).toBe(true);
    // Nothing changed: no write.
    expect(mergedConditions(written, first, "2026-01-01T00:00:05Z")).toBeUndefined();
    // Same status, another message: the message changes, the time stays.
    const fewer = mergedConditions(written, contentOutcome("a", [left("pods", 1, { graceSecondsLeft: 10 }), left("secrets", 1, { graceSecondsLeft: 0, finalizers: new Map([["x.io/y", 1]]) })]).conditions, "2026-01-01T00:00:07Z");
    expect(condition(fewer, "NamespaceContentRemaining")).toMatchObject({ status: "True", lastTransitionTime: "2026-01-01T00:00:00Z", message: "Some resources are remaining: pods. has 1 resource instances, secrets. has 1 resource instances" });
    // The status flips: a new time, in place.
    const later = mergedConditions(fewer, contentOutcome("a", [none("pods")]).conditions, "2026-01-01T00:00:09Z");
    expect(condition(later, "NamespaceContentRemaining")).toMatchObject({ status: "False", lastTransitionTime: "2026-01-01T00:00:09Z" });
    expect(condition(later, "NamespaceFinalizersRemaining")).toMatchObject({ status: "False", lastTransitionTime: "2026-01-01T00:00:09Z" });
    expect(condition(later, "NamespaceDeletionContentFailure")?.lastTransitionTime).toBe("2026-01-01T00:00:00Z");
    expect(later?.map((c) => c.type)).toEqual(written?.map((c) => c.type));
    expect(later?.[0]).toEqual({ type: "Other", status: "True", reason: "Theirs", message: "kept" });
  });
});
