// Which pods a ReplicaSet deletes first when it scales down: controller.ActivePodsWithRanks
// (Kubernetes 1.32, with PodDeletionCost and LogarithmicScaleDown on, their defaults). The pod
// sorted first is deleted first.
import type { Pod } from "../../client/index.js";
import { isPodActive, isPodReady, podReadySinceMs } from "./pod-state.js";

export const podDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

const phaseOrdinal: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

export interface RankedPod {
  readonly pod: Pod;
  /** Active pods of the same owner family on this pod's node ("doubled up" pods go first). */
  readonly rank: number;
}

function deletionCost(pod: Pod): number {
  const raw = pod.metadata.annotations?.[podDeletionCostAnnotation];
  if (raw === undefined || !/^-?\d+$/.test(raw)) return 0;
  return Number(raw);
}

function timestampMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** afterOrZero: a missing time sorts first, then the later time. */
function compareAfterOrZero(first: number | undefined, second: number | undefined): number {
  if (first === undefined || second === undefined) {
    if (first === undefined && second === undefined) return 0;
    return first === undefined ? -1 : 1;
  }
  return second - first;
}

/** logarithmicRankDiff: durations bucketed by powers of two (in ns, as Go's time.Duration). */
function logarithmicBucket(sinceMs: number, nowMs: number): number {
  const durationNs = (nowMs - sinceMs) * 1e6;
  return durationNs > 0 ? Math.floor(Math.log2(durationNs)) : -1;
}

function compareTimes(first: number | undefined, second: number | undefined, firstUid: string, secondUid: string, nowMs: number): number {
  if (first === undefined || second === undefined) return compareAfterOrZero(first, second);
  const difference = logarithmicBucket(first, nowMs) - logarithmicBucket(second, nowMs);
  if (difference !== 0) return difference;
  return firstUid < secondUid ? -1 : firstUid > secondUid ? 1 : 0;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((status) => status.restartCount));
}

/** Negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: RankedPod, b: RankedPod, nowMs: number): number {
  const [first, second] = [a.pod, b.pod];
  const [firstNode, secondNode] = [first.spec.nodeName ?? "", second.spec.nodeName ?? ""];
  // 1. Unassigned < assigned.
  if (firstNode !== secondNode && (firstNode === "" || secondNode === "")) return firstNode === "" ? -1 : 1;
  // 2. Pending < Unknown < Running.
  const phaseDifference = (phaseOrdinal[first.status?.phase ?? ""] ?? 0) - (phaseOrdinal[second.status?.phase ?? ""] ?? 0);
  if (phaseDifference !== 0) return phaseDifference;
  // 3. Not ready < ready.
  const [firstReady, secondReady] = [isPodReady(first), isPodReady(second)];
  if (firstReady !== secondReady) return firstReady ? 1 : -1;
  // 4. Lower pod-deletion-cost < higher.
  const costDifference = deletionCost(first) - deletionCost(second);
  if (costDifference !== 0) return costDifference;
  // 5. Doubled up (more related pods on the node) < not.
  if (a.rank !== b.rank) return b.rank - a.rank;
  const [firstUid, secondUid] = [first.metadata.uid ?? "", second.metadata.uid ?? ""];
  // 6. Ready for less time < more time.
  if (firstReady && secondReady) {
    const [firstSince, secondSince] = [podReadySinceMs(first), podReadySinceMs(second)];
    if (firstSince !== secondSince) {
      const order = compareTimes(firstSince, secondSince, firstUid, secondUid, nowMs);
      if (order !== 0) return order;
    }
  }
  // 7. More container restarts < fewer.
  const restartDifference = maxRestarts(second) - maxRestarts(first);
  if (restartDifference !== 0) return restartDifference;
  // 8. Newer < older (no creation time first).
  const [firstCreated, secondCreated] = [timestampMs(first.metadata.creationTimestamp), timestampMs(second.metadata.creationTimestamp)];
  if (firstCreated !== secondCreated) return compareTimes(firstCreated, secondCreated, firstUid, secondUid, nowMs);
  return 0;
}

/**
 * getPodsToDelete: the `count` pods of `pods` to delete, ranked against `relatedPods` (the active
 * pods of every ReplicaSet with the same controller, so a Deployment's pods spread evenly).
 */
export function podsToDelete(pods: readonly Pod[], relatedPods: readonly Pod[], count: number, nowMs: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const pod of relatedPods) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec.nodeName ?? "";
    perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: perNode.get(pod.spec.nodeName ?? "") ?? 0 }));
  ranked.sort((a, b) => compareForDeletion(a, b, nowMs));
  return ranked.slice(0, count).map((entry) => entry.pod);
}
