// The NoExecute taints the node lifecycle controller owns, and the taint-eviction decisions
// (kube-controller-manager 1.32: nodelifecycle's taint templates, tainteviction's
// processPodOnNode). Pure: objects and a time in, decisions out.
import type { Node, NodeCondition, Pod, PodCondition, Taint, Toleration } from "../../client/index.js";

export const unreachableTaintKey = "node.kubernetes.io/unreachable";
export const notReadyTaintKey = "node.kubernetes.io/not-ready";

export function hasTaint(node: Node, key: string, effect: Taint["effect"] = "NoExecute"): boolean {
  return (node.spec?.taints ?? []).some((taint) => taint.key === key && taint.effect === effect);
}

/**
 * The node's taints after adding `add` (NoExecute, stamped with timeAdded) and removing `remove`;
 * undefined when nothing would change. A taint already present keeps its original timeAdded.
 */
export function swapNoExecuteTaints(node: Node, add: readonly string[], remove: readonly string[], timeAdded: string): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const kept = current.filter((taint) => !(taint.effect === "NoExecute" && remove.includes(taint.key)));
  const added = add
    .filter((key) => !kept.some((taint) => taint.key === key && taint.effect === "NoExecute"))
    .map((key): Taint => ({ key, effect: "NoExecute", timeAdded }));
  if (kept.length === current.length && added.length === 0) return undefined;
  return [...structuredClone(kept), ...added];
}

/** Condition → status → the NoSchedule taint it calls for (TaintNodesByCondition). */
const conditionTaintKeys: Readonly<Record<string, Readonly<Partial<Record<string, string>>>>> = {
  Ready: { False: notReadyTaintKey, Unknown: unreachableTaintKey },
  MemoryPressure: { True: "node.kubernetes.io/memory-pressure" },
  DiskPressure: { True: "node.kubernetes.io/disk-pressure" },
  NetworkUnavailable: { True: "node.kubernetes.io/network-unavailable" },
  PIDPressure: { True: "node.kubernetes.io/pid-pressure" },
};
export const unschedulableTaintKey = "node.kubernetes.io/unschedulable";
const managedNoScheduleKeys = new Set([unschedulableTaintKey, ...Object.values(conditionTaintKeys).flatMap((byStatus) => Object.values(byStatus))]);

/**
 * doNoScheduleTaintingPass: the NoSchedule taints the node's conditions and spec.unschedulable
 * call for, replacing the controller-managed ones it has; undefined when they already match.
 */
export function noScheduleTaintsFor(node: Node, timeAdded: string): Taint[] | undefined {
  const wanted = new Set<string>();
  for (const condition of node.status?.conditions ?? []) {
    const key = conditionTaintKeys[condition.type]?.[condition.status];
    if (key !== undefined) wanted.add(key);
  }
  if (node.spec?.unschedulable === true) wanted.add(unschedulableTaintKey);
  const current = node.spec?.taints ?? [];
  const managed = current.filter((taint) => taint.effect === "NoSchedule" && managedNoScheduleKeys.has(taint.key));
  const stale = managed.filter((taint) => !wanted.has(taint.key));
  const missing = [...wanted].filter((key) => !managed.some((taint) => taint.key === key));
  if (stale.length === 0 && missing.length === 0) return undefined;
  const kept = current.filter((taint) => !stale.includes(taint));
  return [...structuredClone(kept), ...missing.map((key): Taint => ({ key, effect: "NoSchedule", timeAdded }))];
}

/** What processTaintBaseEviction does with a node, given its Ready condition as observed. */
export type TaintAction =
  /** Swap the opposite taint at once (not rate-limited: the node is already tainted). */
  | { readonly kind: "swap"; readonly add: string; readonly remove: string }
  /** Queue the node for tainting, at the zone's rate. */
  | { readonly kind: "queue"; readonly add: string; readonly remove: string }
  /** Ready again: remove both taints, drop it from the queue. */
  | { readonly kind: "untaint" };

export function taintActionFor(node: Node, observedReady: NodeCondition | undefined): TaintAction {
  const status = observedReady?.status ?? "Unknown";
  if (status === "True") return { kind: "untaint" };
  const { add, remove } = noExecuteTaintSwapFor(status);
  return hasTaint(node, remove) ? { kind: "swap", add, remove } : { kind: "queue", add, remove };
}

/** The NoExecute taint a not-Ready status calls for, and the one it replaces: False is not-ready, anything else unreachable. */
function noExecuteTaintSwapFor(status: string): { readonly add: string; readonly remove: string } {
  return status === "False" ? { add: notReadyTaintKey, remove: unreachableTaintKey } : { add: unreachableTaintKey, remove: notReadyTaintKey };
}

/** What the rate-limited tainting pass does with a node taken from its zone's queue (doNoExecuteTaintingPass). */
export type TaintingPassAction =
  /** No Ready condition yet: try again shortly. */
  | { readonly kind: "retry" }
  /** Ready again by now: nothing to taint. */
  | { readonly kind: "skip" }
  | { readonly kind: "swap"; readonly add: string; readonly remove: string };

export function taintingPassActionFor(ready: NodeCondition | undefined): TaintingPassAction {
  if (ready === undefined) return { kind: "retry" };
  if (ready.status === "True") return { kind: "skip" };
  return { kind: "swap", ...noExecuteTaintSwapFor(ready.status) };
}

/**
 * When each NoExecute taint of a node was first seen (keyed by taintIdentity), after its taints
 * went from `before` to `after`: taints that went are forgotten, new ones are seen at `nowMs`,
 * the others keep their time (a toleration's seconds count from then).
 */
export function taintFirstSeenAfter(firstSeen: ReadonlyMap<string, number>, nodeName: string, before: readonly Taint[], after: readonly Taint[], nowMs: number): Map<string, number> {
  const next = new Map(firstSeen);
  const current = new Set(after.map((taint) => taintIdentity(nodeName, taint)));
  for (const taint of before) {
    const id = taintIdentity(nodeName, taint);
    if (!current.has(id)) next.delete(id);
  }
  for (const id of current) if (!next.has(id)) next.set(id, nowMs);
  return next;
}

/** processPod: a pod first seen on (or moved to) a node that is not Ready is marked NotReady too. */
export function markNotReadyOnArrival(pod: Pod, nodeReadyStatus: string | undefined): boolean {
  return (nodeReadyStatus === "False" || nodeReadyStatus === "Unknown") && isEvictable(pod);
}

/** Toleration.ToleratesTaint: effect and key must match when given; Equal compares values. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== "" && toleration.effect !== taint.effect) return false;
  if (toleration.key !== undefined && toleration.key !== "" && toleration.key !== taint.key) return false;
  const operator = toleration.operator ?? "Equal";
  if (operator === "Exists") return true;
  if (operator === "Equal") return (toleration.value ?? "") === (taint.value ?? "");
  return false;
}

export type EvictionDecision =
  /** No NoExecute taint, or every one tolerated forever. */
  | { readonly kind: "keep" }
  /** A taint is not tolerated, or a toleration ran out: delete the pod now. */
  | { readonly kind: "evict" }
  /** Tolerated until `atMs`. */
  | { readonly kind: "evict-at"; readonly atMs: number };

/**
 * When the pod must leave a node with these taints. Each NoExecute taint needs a toleration (the
 * first matching one counts, as GetMatchingTolerations); the earliest deadline wins;
 * tolerationSeconds <= 0 means at once.
 *
 * A toleration's time runs from when the taint was added, which we bound from above two ways:
 * when this controller first saw it (`firstSeenMs`, as upstream's taint manager counts), and the
 * end of the second its timeAdded names (timeAdded has whole seconds). The earlier bound wins, so
 * a pod is never evicted early, and a controller that took over (and saw the taint late) still
 * counts from about when the taint was added rather than starting the toleration over.
 */
/** Identifies one NoExecute taint on one node; a taint removed and added again is another one. */
export function taintIdentity(nodeName: string, taint: Taint): string {
  return JSON.stringify([nodeName, taint.key, taint.value ?? "", taint.effect, taint.timeAdded ?? ""]);
}

export function evictionDecision(pod: Pod, taints: readonly Taint[], firstSeenMs: (taint: Taint) => number): EvictionDecision {
  const noExecute = taints.filter((taint) => taint.effect === "NoExecute");
  if (noExecute.length === 0) return { kind: "keep" };
  const tolerations = pod.spec.tolerations ?? [];
  let deadlineMs = Number.POSITIVE_INFINITY;
  for (const taint of noExecute) {
    const toleration = tolerations.find((candidate) => toleratesTaint(candidate, taint));
    if (toleration === undefined) return { kind: "evict" };
    if (toleration.tolerationSeconds === undefined) continue;
    if (toleration.tolerationSeconds <= 0) return { kind: "evict" };
    const addedBoundMs = taint.timeAdded === undefined ? Number.POSITIVE_INFINITY : Date.parse(taint.timeAdded) + 999;
    const startMs = Math.min(firstSeenMs(taint), addedBoundMs);
    deadlineMs = Math.min(deadlineMs, startMs + toleration.tolerationSeconds * 1000);
  }
  return deadlineMs === Number.POSITIVE_INFINITY ? { kind: "keep" } : { kind: "evict-at", atMs: deadlineMs };
}

/** Pods that have finished or are already going are not evicted again. */
export function isEvictable(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp === undefined && pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
}

/**
 * MarkPodsNotReady for one pod: its Ready condition set False (transition time now), or
 * undefined when it has none or it is already False.
 */
export function podMarkedNotReady(pod: Pod, now: string): Pod | undefined {
  const conditions = pod.status?.conditions ?? [];
  const index = conditions.findIndex((condition) => condition.type === "Ready");
  const ready = conditions[index];
  if (ready === undefined || ready.status === "False") return undefined;
  const updated = structuredClone(pod);
  const updatedConditions = updated.status?.conditions as PodCondition[];
  updatedConditions[index] = { ...ready, status: "False", lastTransitionTime: now };
  return updated;
}

/** The taint manager marks the pod before deleting it (PodDisruptionConditions, GA in 1.31). */
export function podWithDisruptionTarget(pod: Pod, now: string): Pod | undefined {
  const conditions = pod.status?.conditions ?? [];
  const existing = conditions.find((condition) => condition.type === "DisruptionTarget");
  if (existing?.status === "True" && existing.reason === "DeletionByTaintManager") return undefined;
  const updated = structuredClone(pod);
  const condition: PodCondition = {
    type: "DisruptionTarget",
    status: "True",
    reason: "DeletionByTaintManager",
    message: "Taint manager: deleting due to NoExecute taint",
    lastTransitionTime: now,
  };
  const status = (updated.status ??= {});
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== "DisruptionTarget"), condition];
  return updated;
}
