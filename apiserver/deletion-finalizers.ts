// The garbage collector's finalizers on an object a DELETE marks for deletion, as the request's
// DeleteOptions ask (Kubernetes' deletionFinalizersForGarbageCollection): `orphan` and
// `foregroundDeletion` are both removed, then added back as wanted. Which are wanted is decided
// as the registry does: the generic store (shouldOrphanDependents, shouldDeleteDependents) or the
// namespace storage (shouldHaveOrphanFinalizer, shouldHaveDeleteDependentsFinalizer), which
// differ on orphanDependents=false and on an object already carrying both. Pure.

export const orphanFinalizer = "orphan";
export const foregroundDeletionFinalizer = "foregroundDeletion";

export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

/** The DeleteOptions fields that choose the finalizers (at most one of them is set: validated). */
export interface PropagationOptions {
  /** Deprecated: true orphans the dependents; false does not (what else, the registry decides). */
  readonly orphanDependents?: boolean;
  readonly propagationPolicy?: PropagationPolicy;
}

/** Whose rules decide: any object's store, or the namespace storage. */
export type FinalizerRules = "object" | "namespace";

interface Wanted {
  readonly orphan: boolean;
  readonly foreground: boolean;
}

/**
 * The generic store: orphanDependents=false asks for neither finalizer (Background); without
 * options, the first of the two the object carries stays; else neither (every resource served
 * here defaults to DeleteDependents, i.e. Background).
 */
function objectWants(finalizers: readonly string[], options: PropagationOptions): Wanted {
  if (options.orphanDependents !== undefined) return { orphan: options.orphanDependents, foreground: false };
  if (options.propagationPolicy !== undefined) return { orphan: options.propagationPolicy === "Orphan", foreground: options.propagationPolicy === "Foreground" };
  const first = finalizers.find((f) => f === orphanFinalizer || f === foregroundDeletionFinalizer);
  return { orphan: first === orphanFinalizer, foreground: first === foregroundDeletionFinalizer };
}

/** The namespace storage: orphanDependents=false asks for foregroundDeletion; without options, each stays as it is. */
function namespaceWants(finalizers: readonly string[], options: PropagationOptions): Wanted {
  if (options.orphanDependents !== undefined) return { orphan: options.orphanDependents, foreground: !options.orphanDependents };
  if (options.propagationPolicy !== undefined) return { orphan: options.propagationPolicy === "Orphan", foreground: options.propagationPolicy === "Foreground" };
  return { orphan: finalizers.includes(orphanFinalizer), foreground: finalizers.includes(foregroundDeletionFinalizer) };
}

/**
 * metadata.finalizers for the object being deleted, and whether that is a change: when the set
 * stays the same, the list is returned as it was (Kubernetes leaves it untouched).
 */
export function deletionFinalizers(finalizers: readonly string[], options: PropagationOptions, rules: FinalizerRules): { readonly changed: boolean; readonly finalizers: string[] } {
  const wanted = rules === "namespace" ? namespaceWants(finalizers, options) : objectWants(finalizers, options);
  const next = finalizers.filter((f) => f !== orphanFinalizer && f !== foregroundDeletionFinalizer);
  if (wanted.orphan) next.push(orphanFinalizer);
  if (wanted.foreground) next.push(foregroundDeletionFinalizer);
  const before = new Set(finalizers);
  const after = new Set(next);
  const changed = before.size !== after.size || [...after].some((f) => !before.has(f));
  return changed ? { changed, finalizers: next } : { changed, finalizers: [...finalizers] };
}
