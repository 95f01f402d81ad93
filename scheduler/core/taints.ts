// Taints and tolerations, matched exactly as upstream's Toleration.ToleratesTaint.
import type { Taint, Toleration } from "../../client/index.js";

/** The taint a cordoned node behaves as if it had (node.Spec.Unschedulable). */
export const unschedulableTaint: Taint = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

/**
 * An empty effect matches every effect, an empty key matches every key (with Exists: the
 * tolerate-everything toleration), and the operator defaults to Equal, which compares values.
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== "" && toleration.effect !== taint.effect) return false;
  if (toleration.key !== undefined && toleration.key !== "" && toleration.key !== taint.key) return false;
  switch (toleration.operator) {
    case undefined:
    case "Equal":
      return (toleration.value ?? "") === (taint.value ?? "");
    case "Exists":
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((toleration) => toleratesTaint(toleration, taint));
}

/** The first NoSchedule or NoExecute taint no toleration covers (the TaintToleration filter), if any. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  return taints.find((taint) => (taint.effect === "NoSchedule" || taint.effect === "NoExecute") && !tolerationsTolerateTaint(tolerations, taint));
}

/** How many PreferNoSchedule taints the pod does not tolerate (the TaintToleration score, before it is reversed). */
export function countIntolerablePreferNoSchedule(taints: readonly Taint[], tolerations: readonly Toleration[]): number {
  // Upstream considers only tolerations whose effect is empty or PreferNoSchedule here.
  const relevant = tolerations.filter((toleration) => toleration.effect === undefined || toleration.effect === "" || toleration.effect === "PreferNoSchedule");
  let count = 0;
  for (const taint of taints) {
    if (taint.effect === "PreferNoSchedule" && !tolerationsTolerateTaint(relevant, taint)) count++;
  }
  return count;
}

/** The filter message upstream's TaintToleration plugin gives. */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
}
