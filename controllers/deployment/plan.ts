// The Deployment controller's decision (syncDeployment of pkg/controller/deployment, Kubernetes
// 1.32: rolling.go, recreate.go, sync.go, progress.go) as a pure function: the Deployment, the
// ReplicaSets and pods of its namespace and the time in; the writes and Events out, in order.
import type { Pod } from "../../client/index.js";
import { claimChildren, controllerOf, selectorMatches, selectsEverything, type ReplicaSet } from "../replicaset/index.js";
import { deploymentComplete, deploymentProgressing, deploymentTimedOut, getCondition, hasProgressDeadline, newCondition, reasons, removeCondition, setCondition } from "./conditions.js";
import { Planner, type DeploymentAction } from "./planner.js";
import { activeReplicaSets, byCreation, byRevision, bySizeNewer, bySizeOlder, findActiveOrLatest, findNewReplicaSet } from "./replica-set-lists.js";
import {
  actualReplicaCount,
  availableReplicaCount,
  desiredReplicas,
  desiredReplicasOf,
  isRollingUpdate,
  maxSurge,
  maxUnavailable,
  newReplicaSetReplicas,
  proportion,
  readyReplicaCount,
  replicaCount,
  specReplicas,
} from "./rollout-math.js";
import type { Deployment, DeploymentCondition, DeploymentStatus } from "./types.js";

export interface DeploymentPlan {
  readonly actions: DeploymentAction[];
  /** Look again after this long: the progress deadline may pass with nothing else happening. */
  readonly requeueAfterMs: number | undefined;
}

interface Sync {
  readonly planner: Planner;
  readonly deployment: Deployment;
  /** Working copies of the ReplicaSets this Deployment owns (after adoption). */
  readonly replicaSets: ReplicaSet[];
  /** The namespace's pods: only Recreate looks at them (it waits for old ones to go). */
  readonly pods: readonly Pod[];
  requeueAfterMs: number | undefined;
}

export function planDeployment(deployment: Deployment, replicaSets: readonly ReplicaSet[], pods: readonly Pod[], nowMs: number): DeploymentPlan {
  const working = structuredClone(deployment);
  const planner = new Planner(working, nowMs);
  if (selectsEverything(working.spec.selector)) {
    planner.event("Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
    if ((working.status?.observedGeneration ?? 0) < (working.metadata.generation ?? 0)) working.status = { ...working.status, observedGeneration: working.metadata.generation ?? 0 };
    return finish(planner, deployment, undefined);
  }
  const claim = claimChildren({ uid: working.metadata.uid ?? "", selector: working.spec.selector, deleting: working.metadata.deletionTimestamp !== undefined }, replicaSets);
  for (const replicaSet of claim.adopt) planner.actions.push({ kind: "adoptReplicaSet", replicaSet });
  for (const replicaSet of claim.release) planner.actions.push({ kind: "releaseReplicaSet", replicaSet });
  const owned = claim.claimed.map((replicaSet) => structuredClone(replicaSet) as ReplicaSet);
  const sync: Sync = { planner, deployment: working, replicaSets: owned, pods, requeueAfterMs: undefined };
  if (working.metadata.deletionTimestamp !== undefined) syncStatusOnly(sync);
  else {
    checkPausedConditions(sync);
    if (working.spec.paused === true || isScalingEvent(sync)) syncScale(sync);
    else if (isRollingUpdate(working)) rolloutRolling(sync);
    else rolloutRecreate(sync);
  }
  return finish(planner, deployment, sync.requeueAfterMs);
}

/** One status write at the end, when the status or the annotations changed. */
function finish(planner: Planner, original: Deployment, requeueAfterMs: number | undefined): DeploymentPlan {
  const working = planner.deployment;
  const annotationsChanged = JSON.stringify(working.metadata.annotations ?? {}) !== JSON.stringify(original.metadata.annotations ?? {});
  if (annotationsChanged || !statusEqual(working.status, original.status)) planner.actions.push({ kind: "updateDeploymentStatus", deployment: working });
  return { actions: planner.actions, requeueAfterMs };
}

/** getPodMapForDeployment: the Deployment's pods by the uid of the ReplicaSet that controls them. */
function podsByReplicaSet(deployment: Deployment, replicaSets: readonly ReplicaSet[], pods: readonly Pod[]): Map<string, Pod[]> {
  const byOwner = new Map<string, Pod[]>(replicaSets.map((replicaSet) => [replicaSet.metadata.uid ?? "", []]));
  for (const pod of pods) {
    const owned = byOwner.get(controllerOf(pod)?.uid ?? "");
    if (owned !== undefined && selectorMatches(deployment.spec.selector, pod.metadata.labels)) owned.push(pod);
  }
  return byOwner;
}

/** getAllReplicaSetsAndSyncRevision. */
function newAndOld(sync: Sync, create: boolean): { newReplicaSet: ReplicaSet | undefined; oldReplicaSets: ReplicaSet[] } {
  const current = findNewReplicaSet(sync.deployment, sync.replicaSets);
  const oldReplicaSets = sync.replicaSets.filter((replicaSet) => replicaSet !== current);
  const newReplicaSet = sync.planner.newReplicaSet(sync.replicaSets, oldReplicaSets, create);
  return { newReplicaSet, oldReplicaSets };
}

// ---------- status ----------

function compactStatus(status: DeploymentStatus): DeploymentStatus {
  const compact: DeploymentStatus = {};
  for (const [key, value] of Object.entries(status) as [keyof DeploymentStatus, unknown][]) {
    if (value === undefined || value === 0 && key !== "collisionCount" || (Array.isArray(value) && value.length === 0)) continue;
    Object.assign(compact, { [key]: value });
  }
  return compact;
}

/** Status equality as Go's typed structs see it: a missing count is 0. */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  const normal = (status: DeploymentStatus | undefined) =>
    JSON.stringify([
      status?.observedGeneration ?? 0,
      status?.replicas ?? 0,
      status?.updatedReplicas ?? 0,
      status?.readyReplicas ?? 0,
      status?.availableReplicas ?? 0,
      status?.unavailableReplicas ?? 0,
      status?.collisionCount ?? null,
      (status?.conditions ?? []).map((c) => [c.type, c.status, c.reason ?? "", c.message ?? "", c.lastUpdateTime ?? "", c.lastTransitionTime ?? ""]),
    ]);
  return normal(a) === normal(b);
}

/** calculateStatus (sync.go). */
export function calculateStatus(allReplicaSets: readonly (ReplicaSet | undefined)[], newReplicaSet: ReplicaSet | undefined, deployment: Deployment, nowMs: number): DeploymentStatus {
  const available = availableReplicaCount(allReplicaSets);
  const status: DeploymentStatus = {
    observedGeneration: deployment.metadata.generation ?? 0,
    replicas: actualReplicaCount(allReplicaSets),
    updatedReplicas: actualReplicaCount([newReplicaSet]),
    readyReplicas: readyReplicaCount(allReplicaSets),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicaCount(allReplicaSets) - available),
    conditions: structuredClone(deployment.status?.conditions ?? []),
    ...(deployment.status?.collisionCount === undefined ? {} : { collisionCount: deployment.status.collisionCount }),
  };
  if (available >= desiredReplicas(deployment) - maxUnavailable(deployment)) {
    setCondition(status, newCondition("Available", "True", reasons.minimumReplicasAvailable, "Deployment has minimum availability.", nowMs));
  } else {
    setCondition(status, newCondition("Available", "False", reasons.minimumReplicasUnavailable, "Deployment does not have minimum availability.", nowMs));
  }
  return status;
}

/** syncDeploymentStatus. */
function syncDeploymentStatus(sync: Sync, allReplicaSets: readonly (ReplicaSet | undefined)[], newReplicaSet: ReplicaSet | undefined): void {
  const status = calculateStatus(allReplicaSets, newReplicaSet, sync.deployment, sync.planner.nowMs);
  if (!statusEqual(sync.deployment.status, status)) sync.deployment.status = compactStatus(status);
}

function replicaFailures(allReplicaSets: readonly (ReplicaSet | undefined)[], newReplicaSet: ReplicaSet | undefined): DeploymentCondition[] {
  const failures = (replicaSet: ReplicaSet | undefined): DeploymentCondition[] =>
    (replicaSet?.status?.conditions ?? [])
      .filter((condition) => condition.type === "ReplicaFailure")
      .map((condition) => ({ type: condition.type, status: condition.status, lastUpdateTime: condition.lastTransitionTime, lastTransitionTime: condition.lastTransitionTime, reason: condition.reason, message: condition.message }));
  const fromNew = failures(newReplicaSet);
  return fromNew.length > 0 ? fromNew : allReplicaSets.flatMap(failures);
}

/** syncRolloutStatus (progress.go): the status plus the Progressing condition's verdict. */
function syncRolloutStatus(sync: Sync, allReplicaSets: readonly (ReplicaSet | undefined)[], newReplicaSet: ReplicaSet | undefined): void {
  const { deployment, planner } = sync;
  const nowMs = planner.nowMs;
  const status = calculateStatus(allReplicaSets, newReplicaSet, deployment, nowMs);
  if (!hasProgressDeadline(deployment)) removeCondition(status, "Progressing");
  const current = getCondition(deployment.status, "Progressing");
  const complete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === reasons.newReplicaSetAvailable;
  const subject = newReplicaSet === undefined ? `Deployment "${deployment.metadata.name ?? ""}"` : `ReplicaSet "${newReplicaSet.metadata.name ?? ""}"`;
  if (hasProgressDeadline(deployment) && !complete) {
    if (deploymentComplete(deployment, status)) {
      setCondition(status, newCondition("Progressing", "True", reasons.newReplicaSetAvailable, `${subject} has successfully progressed.`, nowMs));
    } else if (deploymentProgressing(deployment, status)) {
      // Progress refreshes lastUpdateTime even with the same reason (the deadline counts from it).
      const condition = newCondition("Progressing", "True", reasons.replicaSetUpdated, `${subject} is progressing.`, nowMs);
      if (current !== undefined) {
        if (current.status === "True") condition.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, "Progressing");
      }
      setCondition(status, condition);
    } else if (deploymentTimedOut(deployment, status, nowMs)) {
      setCondition(status, newCondition("Progressing", "False", reasons.progressDeadlineExceeded, `${subject} has timed out progressing.`, nowMs));
    }
  }
  const failures = replicaFailures(allReplicaSets, newReplicaSet);
  const [failure] = failures;
  if (failure !== undefined) setCondition(status, failure);
  else removeCondition(status, "ReplicaFailure");
  if (statusEqual(deployment.status, status)) {
    sync.requeueAfterMs = stuckRecheckMs(deployment, status, nowMs);
    return;
  }
  deployment.status = compactStatus(status);
}

/** requeueStuckDeployment: when the progress deadline would pass with no event to wake us. */
function stuckRecheckMs(deployment: Deployment, status: DeploymentStatus, nowMs: number): number | undefined {
  const current = getCondition(deployment.status, "Progressing");
  if (!hasProgressDeadline(deployment) || current === undefined) return undefined;
  if (deploymentComplete(deployment, status) || current.reason === reasons.progressDeadlineExceeded) return undefined;
  const after = Date.parse(current.lastUpdateTime ?? "") + (deployment.spec.progressDeadlineSeconds ?? 0) * 1000 - nowMs;
  if (Number.isNaN(after)) return undefined;
  return after < 1000 ? 1000 : after + 1000;
}

// ---------- pause, scaling, deletion ----------

/** checkPausedConditions: Progressing=Unknown while paused, so a long pause never times out. */
function checkPausedConditions(sync: Sync): void {
  const { deployment, planner } = sync;
  if (!hasProgressDeadline(deployment)) return;
  const current = getCondition(deployment.status, "Progressing");
  if (current?.reason === reasons.progressDeadlineExceeded) return;
  const pausedConditionExists = current?.reason === reasons.paused;
  const paused = deployment.spec.paused === true;
  deployment.status ??= {};
  if (paused && !pausedConditionExists) setCondition(deployment.status, newCondition("Progressing", "Unknown", reasons.paused, "Deployment is paused", planner.nowMs));
  else if (!paused && pausedConditionExists) setCondition(deployment.status, newCondition("Progressing", "Unknown", reasons.resumed, "Deployment is resumed", planner.nowMs));
}

function syncStatusOnly(sync: Sync): void {
  const { newReplicaSet, oldReplicaSets } = newAndOld(sync, false);
  syncDeploymentStatus(sync, [...oldReplicaSets, newReplicaSet], newReplicaSet);
}

/** isScalingEvent: an active ReplicaSet was sized for another replica count. */
function isScalingEvent(sync: Sync): boolean {
  const { newReplicaSet, oldReplicaSets } = newAndOld(sync, false);
  const desired = desiredReplicas(sync.deployment);
  return activeReplicaSets([...oldReplicaSets, newReplicaSet]).some((replicaSet) => {
    const annotated = desiredReplicasOf(replicaSet);
    return annotated !== undefined && annotated !== desired;
  });
}

/** sync (sync.go): scaling events and paused Deployments — resize, no rollout. */
function syncScale(sync: Sync): void {
  const { newReplicaSet, oldReplicaSets } = newAndOld(sync, false);
  scale(sync, newReplicaSet, oldReplicaSets);
  if (sync.deployment.spec.paused === true) cleanupDeployment(sync, oldReplicaSets);
  syncDeploymentStatus(sync, [...oldReplicaSets, newReplicaSet], newReplicaSet);
}

/** scale: one active ReplicaSet takes the whole size; otherwise proportional scaling. */
function scale(sync: Sync, newReplicaSet: ReplicaSet | undefined, oldReplicaSets: readonly ReplicaSet[]): void {
  const { deployment, planner } = sync;
  const desired = desiredReplicas(deployment);
  const activeOrLatest = findActiveOrLatest(newReplicaSet, oldReplicaSets);
  if (activeOrLatest !== undefined) {
    if (specReplicas(activeOrLatest) !== desired) planner.scaleAndRecord(activeOrLatest, desired);
    return;
  }
  if (isSaturated(deployment, newReplicaSet)) {
    for (const old of activeReplicaSets(oldReplicaSets)) planner.scaleAndRecord(old, 0);
    return;
  }
  if (!isRollingUpdate(deployment)) return;
  const active = activeReplicaSets([...oldReplicaSets, newReplicaSet]);
  const allowedSize = desired > 0 ? desired + maxSurge(deployment) : 0;
  const toAdd = allowedSize - replicaCount(active);
  const operation = toAdd > 0 ? "up" : toAdd < 0 ? "down" : "";
  if (toAdd > 0) active.sort(bySizeNewer);
  else if (toAdd < 0) active.sort(bySizeOlder);
  let added = 0;
  const sizes = active.map((replicaSet) => {
    if (toAdd === 0) return specReplicas(replicaSet);
    const share = proportion(replicaSet, deployment, toAdd, added);
    added += share;
    return specReplicas(replicaSet) + share;
  });
  active.forEach((replicaSet, index) => {
    let size = sizes[index] ?? specReplicas(replicaSet);
    // Leftovers go to the largest ReplicaSet.
    if (index === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    planner.scaleReplicaSet(replicaSet, size, operation);
  });
}

/** IsSaturated: the new ReplicaSet runs the full size, annotated so, all available. */
function isSaturated(deployment: Deployment, replicaSet: ReplicaSet | undefined): boolean {
  if (replicaSet === undefined) return false;
  const desired = desiredReplicas(deployment);
  return specReplicas(replicaSet) === desired && desiredReplicasOf(replicaSet) === desired && (replicaSet.status?.availableReplicas ?? 0) === desired;
}

/** cleanupDeployment: delete the oldest scaled-down ReplicaSets beyond revisionHistoryLimit. */
function cleanupDeployment(sync: Sync, oldReplicaSets: readonly ReplicaSet[]): void {
  const limit = sync.deployment.spec.revisionHistoryLimit;
  if (limit === undefined || limit === 2 ** 31 - 1) return;
  const cleanable = oldReplicaSets.filter((replicaSet) => replicaSet.metadata.deletionTimestamp === undefined).sort(byRevision);
  const surplus = cleanable.length - limit;
  for (const replicaSet of cleanable.slice(0, Math.max(0, surplus))) {
    const settled = (replicaSet.status?.replicas ?? 0) === 0 && specReplicas(replicaSet) === 0 && (replicaSet.metadata.generation ?? 0) <= (replicaSet.status?.observedGeneration ?? 0);
    if (settled) sync.planner.deleteReplicaSet(replicaSet);
  }
}

// ---------- RollingUpdate ----------

function rolloutRolling(sync: Sync): void {
  const { newReplicaSet, oldReplicaSets } = newAndOld(sync, true);
  if (newReplicaSet === undefined) return;
  const all = [...oldReplicaSets, newReplicaSet];
  if (reconcileNewReplicaSet(sync, all, newReplicaSet) || reconcileOldReplicaSets(sync, all, activeReplicaSets(oldReplicaSets), newReplicaSet)) {
    syncRolloutStatus(sync, all, newReplicaSet);
    return;
  }
  if (deploymentComplete(sync.deployment, sync.deployment.status ?? {})) cleanupDeployment(sync, oldReplicaSets);
  syncRolloutStatus(sync, all, newReplicaSet);
}

function reconcileNewReplicaSet(sync: Sync, all: readonly ReplicaSet[], newReplicaSet: ReplicaSet): boolean {
  const desired = desiredReplicas(sync.deployment);
  if (specReplicas(newReplicaSet) === desired) return false;
  if (specReplicas(newReplicaSet) > desired) return sync.planner.scaleAndRecord(newReplicaSet, desired);
  return sync.planner.scaleAndRecord(newReplicaSet, newReplicaSetReplicas(sync.deployment, all, newReplicaSet));
}

function reconcileOldReplicaSets(sync: Sync, all: readonly ReplicaSet[], oldActive: ReplicaSet[], newReplicaSet: ReplicaSet): boolean {
  const { deployment } = sync;
  if (replicaCount(oldActive) === 0) return false;
  const minAvailable = desiredReplicas(deployment) - maxUnavailable(deployment);
  const newUnavailable = specReplicas(newReplicaSet) - (newReplicaSet.status?.availableReplicas ?? 0);
  const maxScaledDown = replicaCount(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = cleanupUnhealthyReplicas(sync, oldActive, maxScaledDown);
  const scaledDown = scaleDownOldForRollingUpdate(sync, [...oldActive, newReplicaSet], oldActive);
  return cleaned + scaledDown > 0;
}

/** Old replicas that are not available go first: removing them costs no availability. */
function cleanupUnhealthyReplicas(sync: Sync, oldActive: ReplicaSet[], maxCleanup: number): number {
  let total = 0;
  for (const replicaSet of [...oldActive].sort(byCreation)) {
    if (total >= maxCleanup) break;
    const replicas = specReplicas(replicaSet);
    const available = replicaSet.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const count = Math.min(maxCleanup - total, replicas - available);
    sync.planner.scaleAndRecord(replicaSet, replicas - count);
    total += count;
  }
  return total;
}

/**
 * scaleDownOldReplicaSetsForRollingUpdate. One deliberate difference from upstream: a
 * ReplicaSet counts at most spec.replicas available pods, so a status not yet updated after an
 * earlier scale-down cannot make this scale down past maxUnavailable.
 */
function scaleDownOldForRollingUpdate(sync: Sync, all: readonly ReplicaSet[], oldActive: readonly ReplicaSet[]): number {
  const { deployment, planner } = sync;
  const minAvailable = desiredReplicas(deployment) - maxUnavailable(deployment);
  const available = all.reduce((sum, replicaSet) => sum + Math.min(replicaSet.status?.availableReplicas ?? 0, specReplicas(replicaSet)), 0);
  if (available <= minAvailable) return 0;
  const wanted = available - minAvailable;
  let total = 0;
  for (const replicaSet of [...oldActive].sort(byCreation)) {
    if (total >= wanted) break;
    if (specReplicas(replicaSet) === 0) continue;
    const count = Math.min(specReplicas(replicaSet), wanted - total);
    planner.scaleAndRecord(replicaSet, specReplicas(replicaSet) - count);
    total += count;
  }
  return total;
}

// ---------- Recreate ----------

function rolloutRecreate(sync: Sync): void {
  let { newReplicaSet, oldReplicaSets } = newAndOld(sync, false);
  let all = [...oldReplicaSets, newReplicaSet];
  let scaledDown = false;
  for (const old of activeReplicaSets(oldReplicaSets)) if (sync.planner.scaleAndRecord(old, 0)) scaledDown = true;
  if (scaledDown || oldPodsRunning(sync, newReplicaSet, oldReplicaSets)) {
    syncRolloutStatus(sync, all, newReplicaSet);
    return;
  }
  if (newReplicaSet === undefined) {
    ({ newReplicaSet, oldReplicaSets } = newAndOld(sync, true));
    all = [...oldReplicaSets, newReplicaSet];
  }
  if (newReplicaSet !== undefined) sync.planner.scaleAndRecord(newReplicaSet, desiredReplicas(sync.deployment));
  if (deploymentComplete(sync.deployment, sync.deployment.status ?? {})) cleanupDeployment(sync, oldReplicaSets);
  syncRolloutStatus(sync, all, newReplicaSet);
}

/** oldPodsRunning: any old pod not finished (terminating ones included) blocks Recreate. */
function oldPodsRunning(sync: Sync, newReplicaSet: ReplicaSet | undefined, oldReplicaSets: readonly ReplicaSet[]): boolean {
  if (actualReplicaCount(oldReplicaSets) > 0) return true;
  for (const [uid, pods] of podsByReplicaSet(sync.deployment, sync.replicaSets, sync.pods)) {
    if (newReplicaSet !== undefined && uid === newReplicaSet.metadata.uid) continue;
    if (pods.some((pod) => pod.status?.phase !== "Failed" && pod.status?.phase !== "Succeeded")) return true;
  }
  return false;
}
