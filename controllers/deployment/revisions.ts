// Revision bookkeeping (deployment/util): every ReplicaSet a Deployment rolls to gets
// deployment.kubernetes.io/revision = max of the others + 1; one reused by a rollback keeps its
// earlier numbers in revision-history. The Deployment carries its new ReplicaSet's revision.
import type { ReplicaSet } from "../replicaset/index.js";
import { desiredReplicasAnnotation, maxReplicasAnnotation } from "./rollout-math.js";
import type { Deployment } from "./types.js";

export const revisionAnnotation = "deployment.kubernetes.io/revision";
export const revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
/** maxRevHistoryLengthInChars in sync.go. */
export const revisionHistoryCharsMax = 2000;

const notCopiedToReplicaSet = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  "deprecated.deployment.rollback.to",
]);

/** The revision number of a ReplicaSet; 0 when absent or not a number. */
export function revisionOf(replicaSet: ReplicaSet): number {
  const raw = replicaSet.metadata.annotations?.[revisionAnnotation];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : 0;
}

export function maxRevision(replicaSets: readonly ReplicaSet[]): number {
  return replicaSets.reduce((max, replicaSet) => Math.max(max, revisionOf(replicaSet)), 0);
}

function annotationsOf(replicaSet: ReplicaSet): Record<string, string> {
  replicaSet.metadata.annotations ??= {};
  return replicaSet.metadata.annotations;
}

/** SetReplicasAnnotations: says whether anything changed. Mutates `replicaSet` (a working copy). */
export function setReplicasAnnotations(replicaSet: ReplicaSet, desired: number, max: number): boolean {
  const annotations = annotationsOf(replicaSet);
  let updated = false;
  if (annotations[desiredReplicasAnnotation] !== String(desired)) {
    annotations[desiredReplicasAnnotation] = String(desired);
    updated = true;
  }
  if (annotations[maxReplicasAnnotation] !== String(max)) {
    annotations[maxReplicasAnnotation] = String(max);
    updated = true;
  }
  return updated;
}

export function replicasAnnotationsNeedUpdate(replicaSet: ReplicaSet, desired: number, max: number): boolean {
  const annotations = replicaSet.metadata.annotations ?? {};
  return annotations[desiredReplicasAnnotation] !== String(desired) || annotations[maxReplicasAnnotation] !== String(max);
}

/**
 * SetNewReplicaSetAnnotations: copies the Deployment's annotations, raises the revision to
 * `newRevision` (keeping the old number in revision-history), and for a ReplicaSet about to be
 * created sets the replicas annotations. Mutates `replicaSet`; says whether anything changed.
 */
export function setNewReplicaSetAnnotations(deployment: Deployment, replicaSet: ReplicaSet, newRevision: number, exists: boolean, desired: number, max: number): boolean {
  const annotations = annotationsOf(replicaSet);
  let changed = false;
  for (const [key, value] of Object.entries(deployment.metadata.annotations ?? {})) {
    if (notCopiedToReplicaSet.has(key) || annotations[key] === value) continue;
    annotations[key] = value;
    changed = true;
  }
  const oldRevisionText = annotations[revisionAnnotation];
  if (oldRevisionText !== undefined && oldRevisionText !== "" && !/^\d+$/.test(oldRevisionText)) return false;
  const oldRevision = oldRevisionText === undefined || oldRevisionText === "" ? 0 : Number(oldRevisionText);
  if (oldRevision < newRevision) {
    annotations[revisionAnnotation] = String(newRevision);
    changed = true;
    // Reused by a rollback: remember the numbers it had before.
    if (oldRevisionText !== undefined) appendRevisionHistory(annotations, oldRevisionText);
  }
  if (!exists && setReplicasAnnotations(replicaSet, desired, max)) changed = true;
  return changed;
}

function appendRevisionHistory(annotations: Record<string, string>, oldRevision: string): void {
  const history = annotations[revisionHistoryAnnotation] ?? "";
  if (history === "") {
    annotations[revisionHistoryAnnotation] = oldRevision;
    return;
  }
  const revisions = history.split(",");
  let totalLength = history.length + oldRevision.length + 1;
  let start = 0;
  while (totalLength > revisionHistoryCharsMax && start < revisions.length) {
    totalLength -= (revisions[start]?.length ?? 0) + 1;
    start += 1;
  }
  if (totalLength <= revisionHistoryCharsMax) annotations[revisionHistoryAnnotation] = [...revisions.slice(start), oldRevision].join(",");
}

/** SetDeploymentRevision. Mutates the working Deployment; says whether it changed. */
export function setDeploymentRevision(deployment: Deployment, revision: string): boolean {
  deployment.metadata.annotations ??= {};
  if (deployment.metadata.annotations[revisionAnnotation] === revision) return false;
  deployment.metadata.annotations[revisionAnnotation] = revision;
  return true;
}
