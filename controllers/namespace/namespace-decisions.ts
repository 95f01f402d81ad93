// What the namespace controller decides, as Kubernetes' namespaced-resources deleter does. A
// namespace with a deletionTimestamp whose spec.finalizers still name "kubernetes" is ours: its
// content is deleted (every namespaced resource), then counted; while some remains, the
// namespace's status says what and why (NamespaceContentRemaining, NamespaceFinalizersRemaining)
// and the controller looks again later; once nothing remains, "kubernetes" is removed from
// spec.finalizers through the finalize subresource, and the apiserver deletes the namespace. Pure.
import type { KubeObject } from "../../client/index.js";

/** The spec.finalizers entry this controller owns. */
export const kubernetesFinalizer = "kubernetes";
/** Kubernetes' estimate for content held by finalizers (finalizerEstimateSeconds). */
export const finalizerEstimateSeconds = 15;
/** The shortest pause before looking again at content that is still going. */
export const recheckMinMs = 1_000;

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
  /** "pods", "deployments.apps": Kubernetes' "resource.group" (the core group is empty). */
  readonly resource: string;
  readonly count: number;
  /** Finalizer → how many of the remaining objects carry it. */
  readonly finalizers: ReadonlyMap<string, number>;
  /** The longest grace period still running among them, in seconds (pods), else 0. */
  readonly graceSecondsLeft: number;
}

export type NamespaceStep =
  /** Not being deleted, or already gone: nothing to do. */
  | { readonly kind: "none" }
  /** Deleting and finalized (no spec.finalizers): a DELETE finishes it. */
  | { readonly kind: "finish" }
  /** Deleting and ours: delete the content, count what remains. */
  | { readonly kind: "deleteContent" };

export function isTerminating(namespace: KubeObject): boolean {
  return namespace.metadata.deletionTimestamp !== undefined;
}

export function specFinalizers(namespace: NamespaceObject): string[] {
  const finalizers = namespace.spec?.finalizers;
  return Array.isArray(finalizers) ? finalizers.filter((f): f is string => typeof f === "string") : [];
}

export function namespaceStep(namespace: NamespaceObject | undefined): NamespaceStep {
  if (namespace === undefined || !isTerminating(namespace)) return { kind: "none" };
  const finalizers = specFinalizers(namespace);
  if (finalizers.length === 0) return { kind: "finish" };
  // Someone else's spec finalizer: not ours to remove; the namespace waits for its owner.
  return finalizers.includes(kubernetesFinalizer) ? { kind: "deleteContent" } : { kind: "none" };
}

export type ContentOutcome =
  | { readonly kind: "finalize"; readonly conditions: NamespaceCondition[] }
  | { readonly kind: "wait"; readonly conditions: NamespaceCondition[]; readonly retryAfterMs: number };

/**
 * After a deletion pass: finalize when nothing remains and every deletion was accepted; else wait
 * (Kubernetes requeues after estimate/2 + 1 s, the estimate being the longest pod grace period
 * left or 15 s for content held by finalizers). `failures` are the resources whose deletion failed.
 */
export function contentOutcome(remaining: readonly RemainingContent[], failures: readonly string[]): ContentOutcome {
  const left = remaining.filter((r) => r.count > 0).sort((a, b) => a.resource.localeCompare(b.resource));
  const finalizers = new Map<string, number>();
  for (const r of left) for (const [finalizer, n] of r.finalizers) finalizers.set(finalizer, (finalizers.get(finalizer) ?? 0) + n);
  const conditions: NamespaceCondition[] = [
    { type: "NamespaceDeletionDiscoveryFailure", status: "False", reason: "ResourcesDiscovered", message: "All resources successfully discovered" },
    { type: "NamespaceDeletionGroupVersionParsingFailure", status: "False", reason: "ParsedGroupVersions", message: "All legacy kube types successfully parsed" },
    failures.length === 0
      ? { type: "NamespaceDeletionContentFailure", status: "False", reason: "ContentDeleted", message: "All content successfully deleted, may be waiting on finalization" }
      : { type: "NamespaceDeletionContentFailure", status: "True", reason: "ContentDeletionFailed", message: `Failed to delete all resource types, ${failures.length} remaining: ${[...failures].sort().join(", ")}` },
    left.length === 0
      ? { type: "NamespaceContentRemaining", status: "False", reason: "ContentRemoved", message: "All content successfully removed" }
      : { type: "NamespaceContentRemaining", status: "True", reason: "SomeResourcesRemain", message: `Some resources are remaining: ${left.map((r) => `${r.resource} has ${r.count} resource instances`).join(", ")}` },
    finalizers.size === 0
      ? { type: "NamespaceFinalizersRemaining", status: "False", reason: "ContentHasNoFinalizers", message: "All content-preserving finalizers finished" }
      : { type: "NamespaceFinalizersRemaining", status: "True", reason: "SomeFinalizersRemain", message: `Some content in the namespace has finalizers remaining: ${[...finalizers].sort(([a], [b]) => a.localeCompare(b)).map(([f, n]) => `${f} in ${n} resource instances`).join(", ")}` },
  ];
  if (left.length === 0 && failures.length === 0) return { kind: "finalize", conditions };
  let estimateSeconds = Math.max(0, ...left.map((r) => r.graceSecondsLeft));
  if (estimateSeconds === 0 && finalizers.size > 0) estimateSeconds = finalizerEstimateSeconds;
  return { kind: "wait", conditions, retryAfterMs: Math.max(recheckMinMs, (Math.floor(estimateSeconds / 2) + 1) * 1000) };
}

/**
 * The namespace's conditions with `next` merged in: a condition whose status, reason and message
 * are unchanged keeps its lastTransitionTime; undefined when nothing changed (no write needed).
 */
export function mergedConditions(current: readonly NamespaceCondition[] | undefined, next: readonly NamespaceCondition[], nowIso: string): NamespaceCondition[] | undefined {
  const byType = new Map((current ?? []).map((c) => [c.type, c]));
  let changed = false;
  const merged = next.map((c) => {
    const old = byType.get(c.type);
    if (old !== undefined && old.status === c.status && old.reason === c.reason && old.message === c.message) return old;
    changed = true;
    return { ...c, lastTransitionTime: old !== undefined && old.status === c.status ? (old.lastTransitionTime ?? nowIso) : nowIso };
  });
  const kept = (current ?? []).filter((c) => !next.some((n) => n.type === c.type));
  return changed ? [...kept, ...merged] : undefined;
}

/** spec.finalizers without ours: the finalize subresource's body. */
export function finalizedSpec(namespace: NamespaceObject): string[] {
  return specFinalizers(namespace).filter((f) => f !== kubernetesFinalizer);
}
