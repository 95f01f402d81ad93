// Finding and ordering a Deployment's ReplicaSets (deployment/util and controller_utils).
import type { ReplicaSet } from "../replicaset/index.js";
import { equalIgnoreHash } from "./pod-template-hash.js";
import { revisionOf } from "./revisions.js";
import { specReplicas } from "./rollout-math.js";
import type { Deployment } from "./types.js";

function createdMs(replicaSet: ReplicaSet): number {
  const parsed = Date.parse(replicaSet.metadata.creationTimestamp ?? "");
  return Number.isNaN(parsed) ? 0 : parsed;
}

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const difference = createdMs(a) - createdMs(b);
  if (difference !== 0) return difference;
  const [first, second] = [a.metadata.name ?? "", b.metadata.name ?? ""];
  return first < second ? -1 : first > second ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: larger first, older first among equals (scaling down). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreation(a, b);
}

/** ReplicaSetsBySizeNewer: larger first, newer first among equals (scaling up). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreation(b, a);
}

/** ReplicaSetsByRevision: lowest revision first, creation order among equals. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const [first, second] = [revisionOf(a), revisionOf(b)];
  return first === second ? byCreation(a, b) : first - second;
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet(deployment: Deployment, replicaSets: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...replicaSets].sort(byCreation).find((replicaSet) => equalIgnoreHash(replicaSet.spec.template, deployment.spec.template));
}

/** FilterActiveReplicaSets: those with replicas to run. */
export function activeReplicaSets(replicaSets: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return replicaSets.filter((replicaSet): replicaSet is ReplicaSet => replicaSet !== undefined && specReplicas(replicaSet) > 0);
}

/** FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active. */
export function findActiveOrLatest(newReplicaSet: ReplicaSet | undefined, oldReplicaSets: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (newReplicaSet === undefined && oldReplicaSets.length === 0) return undefined;
  const newestFirst = [...oldReplicaSets].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newReplicaSet]);
  if (active.length === 0) return newReplicaSet ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}
