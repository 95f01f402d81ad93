// The garbage collector's decisions (kube-controller-manager 1.32, pkg/controller/garbagecollector:
// attemptToDeleteItem, processDeletingDependentsItem, orphanDependents). Pure: an object, what is
// known of its owners and dependents in, one action out.
import type { KubeObject, OwnerReference } from "../../client/index.js";

export const foregroundDeletionFinalizer = "foregroundDeletion";
export const orphanFinalizer = "orphan";

/**
 * What an owner reference points at:
 * - absent: no object with that uid exists (verified with a live read before acting);
 * - waiting: the owner is being deleted in the foreground and waits for its dependents;
 * - solid: the owner exists and is not waiting.
 */
export type OwnerState = "absent" | "waiting" | "solid";

export function hasFinalizer(object: KubeObject, finalizer: string): boolean {
  return object.metadata.finalizers?.includes(finalizer) ?? false;
}

export function isBeingDeleted(object: KubeObject): boolean {
  return object.metadata.deletionTimestamp !== undefined;
}

/** The owner is being deleted and holds the foregroundDeletion finalizer: it waits for dependents. */
export function isDeletingDependents(object: KubeObject): boolean {
  return isBeingDeleted(object) && hasFinalizer(object, foregroundDeletionFinalizer);
}

export function ownerStateOf(owner: KubeObject): OwnerState {
  return isDeletingDependents(owner) ? "waiting" : "solid";
}

export type DependentAction =
  | { readonly kind: "none" }
  /** Some owners are solid: keep the object, drop the references to absent and waiting owners. */
  | { readonly kind: "remove-owner-references"; readonly uids: readonly string[] }
  /**
   * Delete the object. `unblockUids`: before a Foreground delete, references to these waiting
   * owners become non-blocking, so that a cycle of foreground deletions cannot deadlock.
   */
  | { readonly kind: "delete"; readonly policy: "Background" | "Foreground" | "Orphan"; readonly unblockUids: readonly string[] };

export interface DependentFacts {
  /** The object has dependents of its own in the graph. */
  readonly hasDependents: boolean;
  /** One of its dependents is itself waiting for its dependents (a possible cycle). */
  readonly dependentIsDeletingDependents: boolean;
}

/**
 * attemptToDeleteItem for an object with owner references. `owners` gives each reference's state
 * (by uid); a reference missing from it counts as solid (unknown kinds are never collected).
 */
export function planDependent(object: KubeObject, owners: ReadonlyMap<string, OwnerState>, facts: DependentFacts): DependentAction {
  // Being deleted already, and not waiting for dependents of its own: nothing to add.
  if (isBeingDeleted(object) && !hasFinalizer(object, foregroundDeletionFinalizer)) return { kind: "none" };
  const references = object.metadata.ownerReferences ?? [];
  if (references.length === 0) return { kind: "none" };
  const stateOf = (reference: OwnerReference): OwnerState => owners.get(reference.uid) ?? "solid";
  const solid = references.filter((reference) => stateOf(reference) === "solid");
  const dangling = references.filter((reference) => stateOf(reference) === "absent");
  const waiting = references.filter((reference) => stateOf(reference) === "waiting");
  if (solid.length > 0) {
    if (dangling.length === 0 && waiting.length === 0) return { kind: "none" };
    return { kind: "remove-owner-references", uids: [...dangling, ...waiting].map((reference) => reference.uid) };
  }
  if (waiting.length > 0 && facts.hasDependents) {
    const unblockUids = facts.dependentIsDeletingDependents ? waiting.filter((reference) => reference.blockOwnerDeletion === true).map((reference) => reference.uid) : [];
    return { kind: "delete", policy: "Foreground", unblockUids };
  }
  // Every owner is absent or waiting: the object goes, with the policy its own finalizers ask for.
  const policy = hasFinalizer(object, foregroundDeletionFinalizer) ? "Foreground" : hasFinalizer(object, orphanFinalizer) ? "Orphan" : "Background";
  return { kind: "delete", policy, unblockUids: [] };
}

/** A dependent as an owner sees it: its reference to the owner. */
export interface DependentLink {
  readonly uid: string;
  readonly reference: OwnerReference;
}

export type OwnerAction =
  | { readonly kind: "none" }
  /** Orphan: drop the owner's reference from every dependent, then the orphan finalizer. */
  | { readonly kind: "orphan-dependents"; readonly dependentUids: readonly string[] }
  /** Foreground: dependents must go first; those blocking keep the owner waiting. */
  | { readonly kind: "delete-dependents"; readonly dependentUids: readonly string[]; readonly blockingUids: readonly string[] }
  /** Foreground with no blocking dependent left: the finalizer goes, and with it the owner. */
  | { readonly kind: "remove-finalizer"; readonly finalizer: string };

/** processDeletingDependentsItem / attemptToOrphan for an owner being deleted with a finalizer. */
export function planOwner(owner: KubeObject, dependents: readonly DependentLink[]): OwnerAction {
  if (!isBeingDeleted(owner)) return { kind: "none" };
  if (hasFinalizer(owner, orphanFinalizer)) {
    return dependents.length === 0 ? { kind: "remove-finalizer", finalizer: orphanFinalizer } : { kind: "orphan-dependents", dependentUids: dependents.map((d) => d.uid) };
  }
  if (hasFinalizer(owner, foregroundDeletionFinalizer)) {
    const blocking = dependents.filter((dependent) => dependent.reference.blockOwnerDeletion === true);
    if (blocking.length === 0) return { kind: "remove-finalizer", finalizer: foregroundDeletionFinalizer };
    return { kind: "delete-dependents", dependentUids: dependents.map((d) => d.uid), blockingUids: blocking.map((d) => d.uid) };
  }
  return { kind: "none" };
}

/** The object without its references to `uids` (undefined when it has none of them). */
export function withoutOwnerReferences<T extends KubeObject>(object: T, uids: readonly string[]): T | undefined {
  const references = object.metadata.ownerReferences ?? [];
  const kept = references.filter((reference) => !uids.includes(reference.uid));
  if (kept.length === references.length) return undefined;
  const updated = structuredClone(object);
  if (kept.length === 0) delete updated.metadata.ownerReferences;
  else updated.metadata.ownerReferences = kept;
  return updated;
}

/** The object with its references to `uids` made non-blocking (undefined when none blocks). */
export function withUnblockedOwnerReferences<T extends KubeObject>(object: T, uids: readonly string[]): T | undefined {
  const references = object.metadata.ownerReferences ?? [];
  if (!references.some((reference) => uids.includes(reference.uid) && reference.blockOwnerDeletion === true)) return undefined;
  const updated = structuredClone(object);
  updated.metadata.ownerReferences = references.map((reference) => (uids.includes(reference.uid) ? { ...reference, blockOwnerDeletion: false } : { ...reference }));
  return updated;
}

/** The object without `finalizer` (undefined when it does not hold it). */
export function withoutFinalizer<T extends KubeObject>(object: T, finalizer: string): T | undefined {
  if (!hasFinalizer(object, finalizer)) return undefined;
  const updated = structuredClone(object);
  updated.metadata.finalizers = (object.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  return updated;
}
