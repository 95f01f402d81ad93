// Deployments and their ReplicaSets as kubectl-lite reads them: the fields rollout and describe
// use, the revision annotation, which ReplicaSets a deployment owns, and templates without the
// controller's pod-template-hash label.
import type { Deployment, KubeObject, OwnerReference, PodTemplateSpec, ReplicaSet } from "../client/index.js";

export type { Deployment, ReplicaSet } from "../client/index.js";

/** A pod template as kubectl-lite handles it: possibly without metadata or spec. */
export type PodTemplate = Partial<PodTemplateSpec>;

export const revisionAnnotation = "deployment.kubernetes.io/revision";
const podTemplateHashLabel = "pod-template-hash";

export function revisionOf(object: KubeObject): number {
  const revision = Number(object.metadata.annotations?.[revisionAnnotation] ?? "0");
  return Number.isInteger(revision) ? revision : 0;
}

/** The ReplicaSets a deployment controls (by owner uid), oldest revision first. */
export function ownedReplicaSets(deployment: Deployment, replicaSets: readonly ReplicaSet[]): ReplicaSet[] {
  const ownedBy = (owner: OwnerReference): boolean => owner.controller === true && owner.uid === deployment.metadata.uid;
  return replicaSets.filter((rs) => rs.metadata.ownerReferences?.some(ownedBy) === true).sort((a, b) => revisionOf(a) - revisionOf(b));
}

/** A template without the controller-added pod-template-hash label, for comparing and for rollback. */
export function withoutTemplateHash(template: PodTemplate | undefined): PodTemplate {
  const copy: PodTemplate = structuredClone(template ?? {});
  if (copy.metadata?.labels !== undefined) {
    delete copy.metadata.labels[podTemplateHashLabel];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return copy;
}
