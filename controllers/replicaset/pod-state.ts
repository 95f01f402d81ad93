// The pod predicates controllers share (k8s.io/kubernetes/pkg/api/v1/pod and controller_utils).
import type { Pod, PodCondition } from "../../client/index.js";

export function readyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((condition) => condition.type === "Ready");
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === "True";
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && pod.metadata.deletionTimestamp === undefined;
}

/** When the pod last became Ready, in ms; undefined when not known. */
export function podReadySinceMs(pod: Pod): number | undefined {
  const since = readyCondition(pod)?.lastTransitionTime;
  if (since === undefined) return undefined;
  const parsed = Date.parse(since);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/**
 * podutil.IsPodAvailable: ready for at least minReadySeconds (strictly longer, as upstream's
 * `LastTransitionTime.Add(minReady).Before(now)`).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadySinceMs(pod);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}
