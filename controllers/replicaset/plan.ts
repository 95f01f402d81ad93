// The ReplicaSet controller's decision (syncReplicaSet + manageReplicas + calculateStatus of
// pkg/controller/replicaset, Kubernetes 1.32) as a pure function: the ReplicaSet and the pods of
// its namespace in, what to adopt, release, create and delete and the status to write out.
import type { Pod } from "../../client/index.js";
import { claimChildren } from "./controller-ref.js";
import { selectorMatches } from "./label-selector.js";
import { podsToDelete } from "./pod-ranking.js";
import { isPodActive, isPodAvailable, isPodReady, podReadySinceMs } from "./pod-state.js";
import type { ReplicaSet, ReplicaSetStatus } from "./types.js";

/** burstReplicas in kube-controller-manager: at most this many creates or deletes per sync. */
export const burstReplicasMax = 500;

export interface ReplicaSetPlan {
  readonly adopt: Pod[];
  readonly release: Pod[];
  /** How many pods to create from the template. */
  readonly create: number;
  readonly delete: Pod[];
  /** The status the pods seen now give (observedGeneration set), before any action takes effect. */
  readonly status: ReplicaSetStatus;
  /** Check again after this long: a ready pod becomes available once minReadySeconds pass. */
  readonly requeueAfterMs: number | undefined;
}

/**
 * `pods` are the pods of the ReplicaSet's namespace; `relatedPods` those of every ReplicaSet with
 * the same controller (they decide which node is "doubled up"); by default the claimed pods.
 */
export function planReplicaSet(replicaSet: ReplicaSet, pods: readonly Pod[], expectationsSatisfied: boolean, nowMs: number, relatedPods?: readonly Pod[]): ReplicaSetPlan {
  const deleting = replicaSet.metadata.deletionTimestamp !== undefined;
  const claim = claimChildren({ uid: replicaSet.metadata.uid ?? "", selector: replicaSet.spec.selector, deleting }, pods.filter(isPodActive));
  const active = claim.claimed;
  const desired = replicaSet.spec.replicas ?? 1;
  let create = 0;
  let toDelete: Pod[] = [];
  if (expectationsSatisfied && !deleting) {
    const difference = active.length - desired;
    if (difference < 0) create = Math.min(-difference, burstReplicasMax);
    else if (difference > 0) toDelete = podsToDelete(active, relatedPods ?? active, Math.min(difference, burstReplicasMax), nowMs);
  }
  const status = replicaSetStatus(replicaSet, active, nowMs);
  return { adopt: claim.adopt, release: claim.release, create, delete: toDelete, status, requeueAfterMs: availabilityRecheckMs(replicaSet, active, nowMs) };
}

/** calculateStatus: counts over the active claimed pods; conditions are kept as they are. */
export function replicaSetStatus(replicaSet: ReplicaSet, activePods: readonly Pod[], nowMs: number): ReplicaSetStatus {
  const minReadySeconds = replicaSet.spec.minReadySeconds ?? 0;
  const templateLabels = replicaSet.spec.template.metadata?.labels ?? {};
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    if (selectorMatches({ matchLabels: templateLabels }, pod.metadata.labels)) fullyLabeled += 1;
    if (isPodReady(pod)) {
      ready += 1;
      if (isPodAvailable(pod, minReadySeconds, nowMs)) available += 1;
    }
  }
  const conditions = replicaSet.status?.conditions;
  return {
    replicas: activePods.length,
    ...(fullyLabeled > 0 ? { fullyLabeledReplicas: fullyLabeled } : {}),
    ...(ready > 0 ? { readyReplicas: ready } : {}),
    ...(available > 0 ? { availableReplicas: available } : {}),
    ...(replicaSet.metadata.generation === undefined ? {} : { observedGeneration: replicaSet.metadata.generation }),
    ...(conditions === undefined || conditions.length === 0 ? {} : { conditions: structuredClone(conditions) }),
  };
}

/** When the next ready-but-not-yet-available pod turns available (plus a second, as upstream). */
function availabilityRecheckMs(replicaSet: ReplicaSet, activePods: readonly Pod[], nowMs: number): number | undefined {
  const minReadySeconds = replicaSet.spec.minReadySeconds ?? 0;
  if (minReadySeconds <= 0) return undefined;
  let soonest: number | undefined;
  for (const pod of activePods) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReadySeconds, nowMs)) continue;
    const since = podReadySinceMs(pod) ?? nowMs;
    const wait = Math.max(0, since + minReadySeconds * 1000 - nowMs) + 1000;
    soonest = soonest === undefined ? wait : Math.min(soonest, wait);
  }
  return soonest;
}

/** The ReplicaFailure condition after a failed (or successful) manageReplicas. */
export function withReplicaFailure(status: ReplicaSetStatus, desired: number, error: Error | undefined, nowIso: string): ReplicaSetStatus {
  const existing = status.conditions?.find((condition) => condition.type === "ReplicaFailure");
  if (error !== undefined && existing === undefined) {
    const reason = status.replicas < desired ? "FailedCreate" : status.replicas > desired ? "FailedDelete" : "";
    return { ...status, conditions: [...(status.conditions ?? []), { type: "ReplicaFailure", status: "True", lastTransitionTime: nowIso, reason, message: error.message }] };
  }
  if (error === undefined && existing !== undefined) {
    const rest = (status.conditions ?? []).filter((condition) => condition.type !== "ReplicaFailure");
    const { conditions: _dropped, ...withoutConditions } = status;
    return rest.length === 0 ? withoutConditions : { ...withoutConditions, conditions: rest };
  }
  return status;
}

/** updateReplicaSetStatus skips the write when nothing it owns changed. */
export function replicaSetStatusChanged(replicaSet: ReplicaSet, next: ReplicaSetStatus): boolean {
  const current = replicaSet.status;
  return (
    (current?.replicas ?? 0) !== next.replicas ||
    (current?.fullyLabeledReplicas ?? 0) !== (next.fullyLabeledReplicas ?? 0) ||
    (current?.readyReplicas ?? 0) !== (next.readyReplicas ?? 0) ||
    (current?.availableReplicas ?? 0) !== (next.availableReplicas ?? 0) ||
    (replicaSet.metadata.generation ?? 0) !== (current?.observedGeneration ?? 0) ||
    JSON.stringify(current?.conditions ?? []) !== JSON.stringify(next.conditions ?? [])
  );
}

/** slowStartBatch's batch sizes: 1, 2, 4, ... until `count` (controller.SlowStartInitialBatchSize = 1). */
export function slowStartBatches(count: number, initialBatchSize = 1): number[] {
  const batches: number[] = [];
  let remaining = count;
  for (let size = Math.min(remaining, initialBatchSize); size > 0; size = Math.min(2 * size, remaining)) {
    batches.push(size);
    remaining -= size;
  }
  return batches;
}
