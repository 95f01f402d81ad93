// What the namespace controller decides. kube-lite's apiserver already does, inside the DELETE
// request, what Kubernetes leaves to this controller: it marks the namespace Terminating, deletes
// everything in it, and removes the namespace once it is empty. What the request cannot finish is
// content held back by finalizers (a foreground or orphan deletion the garbage collector is still
// working on, or any other finalizer): the namespace then stays Terminating until a later DELETE.
// This controller is that later DELETE, repeated with back-off until the namespace is gone. Pure.
import type { KubeObject } from "../../client/index.js";

/** First retry of a namespace still holding content; doubles up to the maximum. */
export const namespaceRetryMinMs = 1_000;
export const namespaceRetryMaxMs = 60_000;

export function isTerminating(namespace: KubeObject): boolean {
  return namespace.metadata.deletionTimestamp !== undefined;
}

/** The pause before the `attempt`-th repeated DELETE (1-based) of a namespace that still has content. */
export function namespaceRetryDelayMs(attempt: number): number {
  return Math.min(namespaceRetryMaxMs, namespaceRetryMinMs * 2 ** Math.max(0, attempt - 1));
}
