// The scheduler shell's small decisions, kept pure: which pods to schedule, which changes of
// the cluster may make a waiting pod schedulable, how long a failed pod backs off, and whether
// its PodScheduled condition needs writing.
import type { Node, Pod, PodCondition } from "../client/index.js";

export const defaultSchedulerName = "default-scheduler";

/** kube-scheduler's podInitialBackoffSeconds / podMaxBackoffSeconds. */
export const podInitialBackoffMs = 1_000;
export const podMaxBackoffMs = 10_000;
/** An unschedulable pod is retried at least this often even if nothing happens (podMaxInUnschedulablePodsDuration). */
export const podMaxUnschedulableMs = 5 * 60_000;

/** Pods this scheduler should place: not bound yet, not being deleted or finished, and addressed to it. */
export function wantsScheduling(pod: Pod, schedulerName: string): boolean {
  if (pod.spec.nodeName !== undefined && pod.spec.nodeName !== "") return false;
  if (pod.metadata.deletionTimestamp !== undefined) return false;
  if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return false;
  return (pod.spec.schedulerName ?? defaultSchedulerName) === schedulerName;
}

/** An unbound pod's own change that can alter the decision (not the status the scheduler itself writes). */
export function podSchedulingInputChanged(previous: Pod, pod: Pod): boolean {
  return JSON.stringify(previous.spec) !== JSON.stringify(pod.spec) || JSON.stringify(previous.metadata.labels) !== JSON.stringify(pod.metadata.labels);
}

function nodeSchedulingInputs(node: Node): string {
  const ready = node.status?.conditions?.find((condition) => condition.type === "Ready")?.status;
  return JSON.stringify([node.metadata.labels, node.spec?.unschedulable, node.spec?.taints, node.status?.allocatable, ready]);
}

/** A node change that may let a waiting pod fit (heartbeats alone do not). */
export function nodeSchedulingInputChanged(previous: Node, node: Node): boolean {
  return nodeSchedulingInputs(previous) !== nodeSchedulingInputs(node);
}

/** Back-off after the n-th failed attempt (n ≥ 1): 1 s doubling to 10 s. */
export function podBackoffMs(attempts: number): number {
  return Math.min(podMaxBackoffMs, podInitialBackoffMs * 2 ** Math.max(0, attempts - 1));
}

/** How long until a pod that failed at `lastAttemptMs` may be tried again after a cluster event. */
export function remainingBackoffMs(attempts: number, lastAttemptMs: number, nowMs: number): number {
  return Math.max(0, lastAttemptMs + podBackoffMs(attempts) - nowMs);
}

/** The condition an unschedulable pod carries. */
export function unschedulableCondition(message: string, nowIso: string): PodCondition {
  return { type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastProbeTime: null, lastTransitionTime: nowIso };
}

/** Whether the pod's PodScheduled condition differs from what the scheduler would write (times aside), as upstream's podConditionHaveUpdate. */
export function conditionNeedsUpdate(pod: Pod, wanted: PodCondition): boolean {
  const current = pod.status?.conditions?.find((condition) => condition.type === wanted.type);
  return current === undefined || current.status !== wanted.status || current.reason !== wanted.reason || current.message !== wanted.message;
}
