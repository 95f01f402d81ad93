// What the namespace controller decides, as Kubernetes' namespaced-resources deleter does. A
// namespace with a deletionTimestamp and spec.finalizers left is worked on: its content is deleted
// (every namespaced resource), then counted; while some remains, the namespace's status says what
// and why (NamespaceContentRemaining, NamespaceFinalizersRemaining) and the controller looks again
// later; once nothing remains, "kubernetes" is removed from spec.finalizers through the finalize
// subresource, and the apiserver deletes the namespace when no finalizer is left. Pure.
import type { KubeObject } from "../../client/index.js";

/** The spec.finalizers entry this controller owns. */
export const kubernetesFinalizer = "kubernetes";
/** Kubernetes' estimate for content held by finalizers (finalizerEstimateSeconds). */
export const finalizerEstimateSeconds = 15;

export interface NamespaceObject extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: NamespaceCondition[] };
}

export interface NamespaceCondition {
  type: string;
  status: "True" | "False";
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

/** What is left of one resource in the namespace after the deletion pass. */
export interface RemainingContent {
  /** "pods.", "deployments.apps": Kubernetes' "resource.group" (the core group is empty). */
  readonly resource: string;
  /** "/v1, Resource=pods": the GroupVersionResource as Kubernetes prints it in errors. */
  readonly groupVersionResource: string;
  readonly count: number;
  /** Finalizer → how many of the remaining objects carry it. */
  readonly finalizers: ReadonlyMap<string, number>;
  /** The longest grace period still running among them, in seconds (pods), else 0. */
  readonly graceSecondsLeft: number;
}

/**
 * One resource whose content could not be deleted or listed in a pass (Kubernetes'
 * deleteAllContentForGroupVersionResource returns at the first error: after a failed collection
 * delete nothing is listed, and a failed list counts nothing).
 */
export interface FailedContent {
  readonly resource: string;
  readonly error: string;
}

/** One resource's part of a pass: what remains of it, or the error that stopped it. */
export type ResourcePass = RemainingContent | FailedContent;

function isFailed(pass: ResourcePass): pass is FailedContent {
  return "error" in pass;
}

export type NamespaceStep =
  /** Not being deleted, already finalized (no spec.finalizers left), or gone: nothing to do. */
  | { readonly kind: "none" }
  /** Deleting and not finalized: delete the content, count what remains. */
  | { readonly kind: "deleteContent" };

export function isTerminating(namespace: KubeObject): boolean {
  return namespace.metadata.deletionTimestamp !== undefined;
}

export function specFinalizers(namespace: NamespaceObject): string[] {
  const finalizers = namespace.spec?.finalizers;
  return Array.isArray(finalizers) ? finalizers.filter((f): f is string => typeof f === "string") : [];
}

/**
 * Kubernetes' deleter works on a Terminating namespace until spec.finalizers is empty (its
 * `finalized`), whoever's they are: with only another finalizer left, the content is still deleted
 * and the finalize step removes nothing, and the namespace waits for that finalizer's owner.
 */
export function namespaceStep(namespace: NamespaceObject | undefined): NamespaceStep {
  if (namespace === undefined || !isTerminating(namespace)) return { kind: "none" };
  return specFinalizers(namespace).length === 0 ? { kind: "none" } : { kind: "deleteContent" };
}

export type ContentOutcome =
  /** Nothing remains and every deletion was accepted: remove our spec finalizer. */
  | { readonly kind: "finalize"; readonly conditions: NamespaceCondition[] }
  /**
   * Content is going within an estimate: look again after `retryAfterMs` (Kubernetes'
   * ResourcesRemainingError, requeued after estimate/2 + 1 s).
   */
  | { readonly kind: "wait"; readonly conditions: NamespaceCondition[]; readonly retryAfterMs: number }
  /** A deletion failed, or content stays with no reason to: an error, retried with the queue's back-off. */
  | { readonly kind: "retry"; readonly conditions: NamespaceCondition[]; readonly error: string };

/**
 * How long the remaining content of one resource should take, in seconds: the longest grace
 * period left (pods), else Kubernetes' 15 s when some of it carries finalizers; undefined when
 * items remain that nothing holds (an error in Kubernetes: "unexpected items still remain").
 */
function remainingEstimateSeconds(content: RemainingContent): number | undefined {
  if (content.graceSecondsLeft > 0) return content.graceSecondsLeft;
  return content.finalizers.size > 0 ? finalizerEstimateSeconds : undefined;
}

/**
 * After a deletion pass (deleteAllContent and the worker's choice): any error — a resource whose
 * content could not be deleted or listed (one error each, as Kubernetes collects them per
 * resource and goes on with the others) or content left that nothing holds — is retried with the
 * work queue's rate-limited back-off; else remaining content is looked at again after the
 * estimate (the longest of the resources'); else the namespace is finalized.
 */
export function contentOutcome(namespace: string, passes: readonly ResourcePass[]): ContentOutcome {
  const errors: string[] = [];
  const left: RemainingContent[] = [];
  for (const pass of passes) {
    if (isFailed(pass)) errors.push(pass.error);
    else if (pass.count > 0) left.push(pass);
  }
  left.sort((a, b) => a.resource.localeCompare(b.resource));
  const finalizers = new Map<string, number>();
  for (const r of left) for (const [finalizer, n] of r.finalizers) finalizers.set(finalizer, (finalizers.get(finalizer) ?? 0) + n);
  let estimateSeconds = 0;
  for (const r of left) {
    const estimate = remainingEstimateSeconds(r);
    if (estimate === undefined) errors.push(`unexpected items still remain in namespace: ${namespace} for gvr: ${r.groupVersionResource}`);
    else estimateSeconds = Math.max(estimateSeconds, estimate);
  }
  errors.sort();
  const conditions: NamespaceCondition[] = [
    { type: "NamespaceDeletionDiscoveryFailure", status: "False", reason: "ResourcesDiscovered", message: "All resources successfully discovered" },
    { type: "NamespaceDeletionGroupVersionParsingFailure", status: "False", reason: "ParsedGroupVersions", message: "All legacy kube types successfully parsed" },
    errors.length === 0
      ? { type: "NamespaceDeletionContentFailure", status: "False", reason: "ContentDeleted", message: "All content successfully deleted, may be waiting on finalization" }
      : { type: "NamespaceDeletionContentFailure", status: "True", reason: "ContentDeletionFailed", message: `Failed to delete all resource types, ${errors.length} remaining: ${errors.join(", ")}` },
    left.length === 0
      ? { type: "NamespaceContentRemaining", status: "False", reason: "ContentRemoved", message: "All content successfully removed" }
      : { type: "NamespaceContentRemaining", status: "True", reason: "SomeResourcesRemain", message: `Some resources are remaining: ${left.map((r) => `${r.resource} has ${r.count} resource instances`).join(", ")}` },
    finalizers.size === 0
      ? { type: "NamespaceFinalizersRemaining", status: "False", reason: "ContentHasNoFinalizers", message: "All content-preserving finalizers finished" }
      : { type: "NamespaceFinalizersRemaining", status: "True", reason: "SomeFinalizersRemain", message: `Some content in the namespace has finalizers remaining: ${[...finalizers].sort(([a], [b]) => a.localeCompare(b)).map(([f, n]) => `${f} in ${n} resource instances`).join(", ")}` },
  ];
  if (errors.length > 0) return { kind: "retry", conditions, error: `namespace ${namespace}: ${errors.join(", ")}` };
  if (estimateSeconds > 0) return { kind: "wait", conditions, retryAfterMs: (Math.floor(estimateSeconds / 2) + 1) * 1000 };
  return { kind: "finalize", conditions };
}

/**
 * The namespace's conditions with `next` merged in, as Kubernetes' updateConditions: a condition
 * of a new type is appended with `nowIso`; one whose status, reason or message changed is updated
 * in place, and its lastTransitionTime becomes `nowIso` only if its status changed. Undefined
 * when nothing changed (no write needed).
 */
export function mergedConditions(current: readonly NamespaceCondition[] | undefined, next: readonly NamespaceCondition[], nowIso: string): NamespaceCondition[] | undefined {
  const merged = [...(current ?? [])];
  let changed = false;
  for (const { type, status, reason, message } of next) {
    const index = merged.findIndex((c) => c.type === type);
    const old = index < 0 ? undefined : merged[index];
    if (old !== undefined && old.status === status && old.reason === reason && old.message === message) continue;
    changed = true;
    const lastTransitionTime = old === undefined || old.status !== status ? nowIso : old.lastTransitionTime;
    const condition: NamespaceCondition = { type, status, ...(lastTransitionTime === undefined ? {} : { lastTransitionTime }), reason, message };
    if (index < 0) merged.push(condition);
    else merged[index] = condition;
  }
  return changed ? merged : undefined;
}

/** spec.finalizers without ours, sorted and without repeats (a set's list): the finalize subresource's body. */
export function finalizedSpec(namespace: NamespaceObject): string[] {
  return [...new Set(specFinalizers(namespace).filter((f) => f !== kubernetesFinalizer))].sort();
}
