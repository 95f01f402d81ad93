// ControllerRefManager.ClaimObjects as a pure function: which children an owner keeps, which
// orphans it adopts and which children it releases. Children owned by another controller are
// never touched.
import type { KubeObject, LabelSelector, OwnerReference } from "../../client/index.js";
import { selectorMatches } from "./label-selector.js";

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((reference) => reference.controller === true);
}

export interface Claim<T extends KubeObject> {
  /** Children that belong to the owner after adoption (adopted ones included). */
  readonly claimed: T[];
  readonly adopt: T[];
  readonly release: T[];
}

export interface ClaimOwner {
  readonly uid: string;
  readonly selector: LabelSelector;
  /** An owner being deleted adopts nothing and releases nothing. */
  readonly deleting: boolean;
}

export function claimChildren<T extends KubeObject>(owner: ClaimOwner, children: readonly T[]): Claim<T> {
  const claimed: T[] = [];
  const adopt: T[] = [];
  const release: T[] = [];
  for (const child of children) {
    const matches = selectorMatches(owner.selector, child.metadata.labels);
    const reference = controllerOf(child);
    if (reference !== undefined) {
      if (reference.uid !== owner.uid) continue;
      if (matches) claimed.push(child);
      else if (!owner.deleting) release.push(child);
      continue;
    }
    // An orphan: adopt it when it matches, unless one of us is going away.
    if (!matches || owner.deleting || child.metadata.deletionTimestamp !== undefined) continue;
    adopt.push(child);
    claimed.push(child);
  }
  return { claimed, adopt, release };
}

/** metav1.NewControllerRef. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
}

/** The strategic-merge patch that adopts a child (the uid guards against a re-created child of the same name). */
export function adoptPatch(child: KubeObject, reference: OwnerReference): unknown {
  return { metadata: { ownerReferences: [reference], uid: child.metadata.uid } };
}

/** The strategic-merge patch that releases a child from owner `ownerUid`. */
export function releasePatch(child: KubeObject, ownerUid: string): unknown {
  return { metadata: { ownerReferences: [{ $patch: "delete", uid: ownerUid }], uid: child.metadata.uid } };
}

/** Looks owners up by "namespace/name" (an informer's get). */
export interface OwnerLookup<T extends KubeObject> {
  get(key: string): T | undefined;
}

/**
 * resolveControllerRef: the owner of kind `kind` that `child`'s controller reference names, if
 * the one in the cache is that very object (same uid, not a namesake created since).
 */
export function resolveControllerRef<T extends KubeObject>(owners: OwnerLookup<T>, kind: string, child: KubeObject): T | undefined {
  const reference = controllerOf(child);
  if (reference === undefined || reference.kind !== kind) return undefined;
  const owner = owners.get(`${child.metadata.namespace ?? ""}/${reference.name}`);
  return owner?.metadata.uid === reference.uid ? owner : undefined;
}
