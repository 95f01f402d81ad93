// The arithmetic of a rollout (deployment/util: ResolveFenceposts, MaxSurge, MaxUnavailable,
// NewRSNewReplicas, GetProportion) — pure and exactly as upstream rounds: surge rounds up,
// unavailable rounds down, and when both come to 0 unavailable becomes 1.
import type { ReplicaSet } from "../replicaset/index.js";
import type { Deployment, IntOrPercent } from "./types.js";

export const desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
export const maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";

/** intstr.GetScaledValueFromIntOrPercent. Strings must be percentages (validation ensures it). */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const match = /^(-?\d+)%$/.exec(value);
  if (match === null) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage: ${value}`);
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export function desiredReplicas(deployment: Deployment): number {
  return deployment.spec.replicas ?? 1;
}

export function isRollingUpdate(deployment: Deployment): boolean {
  return (deployment.spec.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

/** ResolveFenceposts: [surge, unavailable] for `desired` replicas. */
export function resolveFenceposts(maxSurge: IntOrPercent | undefined, maxUnavailable: IntOrPercent | undefined, desired: number): [number, number] {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  // Rounding down may make both zero, which would block the rollout: allow one unavailable.
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

function fenceposts(deployment: Deployment): [number, number] {
  const rollingUpdate = deployment.spec.strategy?.rollingUpdate;
  return resolveFenceposts(rollingUpdate?.maxSurge ?? "25%", rollingUpdate?.maxUnavailable ?? "25%", desiredReplicas(deployment));
}

export function maxSurge(deployment: Deployment): number {
  if (!isRollingUpdate(deployment)) return 0;
  return fenceposts(deployment)[0];
}

export function maxUnavailable(deployment: Deployment): number {
  const desired = desiredReplicas(deployment);
  if (!isRollingUpdate(deployment) || desired === 0) return 0;
  return Math.min(fenceposts(deployment)[1], desired);
}

export const specReplicas = (replicaSet: ReplicaSet): number => replicaSet.spec.replicas ?? 1;

/** GetReplicaCountForReplicaSets: the sum of spec.replicas. */
export function replicaCount(replicaSets: readonly (ReplicaSet | undefined)[]): number {
  return replicaSets.reduce((sum, replicaSet) => sum + (replicaSet === undefined ? 0 : specReplicas(replicaSet)), 0);
}

/** GetActualReplicaCountForReplicaSets: the sum of status.replicas. */
export function actualReplicaCount(replicaSets: readonly (ReplicaSet | undefined)[]): number {
  return replicaSets.reduce((sum, replicaSet) => sum + (replicaSet?.status?.replicas ?? 0), 0);
}

export function readyReplicaCount(replicaSets: readonly (ReplicaSet | undefined)[]): number {
  return replicaSets.reduce((sum, replicaSet) => sum + (replicaSet?.status?.readyReplicas ?? 0), 0);
}

export function availableReplicaCount(replicaSets: readonly (ReplicaSet | undefined)[]): number {
  return replicaSets.reduce((sum, replicaSet) => sum + (replicaSet?.status?.availableReplicas ?? 0), 0);
}

/**
 * The pods a rollout has to assume exist: a ReplicaSet that was scaled down still runs its
 * surplus until its controller deletes them (status.replicas says how many are still active).
 */
export function podCountForSurge(replicaSets: readonly ReplicaSet[]): number {
  return replicaSets.reduce((sum, replicaSet) => sum + Math.max(specReplicas(replicaSet), replicaSet.status?.replicas ?? 0), 0);
}

/**
 * NewRSNewReplicas: how big the new ReplicaSet may be now. One deliberate difference from
 * upstream (which counts spec.replicas only): pods an old ReplicaSet has not deleted yet count,
 * so a ReplicaSet controller that creates before it deletes never takes the pods past maxSurge.
 */
export function newReplicaSetReplicas(deployment: Deployment, allReplicaSets: readonly ReplicaSet[], newReplicaSet: ReplicaSet): number {
  const desired = desiredReplicas(deployment);
  if (!isRollingUpdate(deployment)) return desired;
  const current = podCountForSurge(allReplicaSets);
  const maxTotal = desired + maxSurge(deployment);
  if (current >= maxTotal) return specReplicas(newReplicaSet);
  const scaleUp = Math.min(maxTotal - current, desired - specReplicas(newReplicaSet));
  return specReplicas(newReplicaSet) + scaleUp;
}

function annotationInt(replicaSet: ReplicaSet, annotation: string): number | undefined {
  const raw = replicaSet.metadata.annotations?.[annotation];
  if (raw === undefined || !/^-?\d+$/.test(raw)) return undefined;
  return Number(raw);
}

export function desiredReplicasOf(replicaSet: ReplicaSet): number | undefined {
  return annotationInt(replicaSet, desiredReplicasAnnotation);
}

/** Go's math.Round: halves away from zero. */
function roundHalfAwayFromZero(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

/** getReplicaSetFraction: this ReplicaSet's share of the change in the deployment's size. */
function replicaSetFraction(replicaSet: ReplicaSet, deployment: Deployment): number {
  const desired = desiredReplicas(deployment);
  if (desired === 0) return -specReplicas(replicaSet);
  const maxReplicas = desired + maxSurge(deployment);
  let before = annotationInt(replicaSet, maxReplicasAnnotation);
  if (before === undefined || before === 0) {
    before = deployment.status?.replicas ?? 0;
    if (before === 0) return 0;
  }
  return roundHalfAwayFromZero((specReplicas(replicaSet) * maxReplicas) / before) - specReplicas(replicaSet);
}

/** GetProportion: how many replicas this ReplicaSet gains (or loses) in a proportional scale. */
export function proportion(replicaSet: ReplicaSet, deployment: Deployment, toAdd: number, added: number): number {
  if (specReplicas(replicaSet) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(replicaSet, deployment);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
