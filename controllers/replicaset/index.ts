// controllers/replicaset — the ReplicaSet controller (kube-controller-manager's replicaset
// controller): keeps spec.replicas pods of the template running, adopting orphans that match and
// releasing pods that stop matching, guarded by expectations against a stale cache. The pure
// decision is planReplicaSet; the Deployment controller reuses the ReplicaSet types and helpers.
export { newReplicaSetController, replicaSetComponent, type ReplicaSetControllerOptions } from "./controller.js";
export { planReplicaSet, replicaSetStatus, slowStartBatches, burstReplicasMax, type ReplicaSetPlan } from "./plan.js";
export { ControllerExpectations, expectationsTimeoutMs } from "./expectations.js";
export { claimChildren, controllerOf, newControllerRef, adoptPatch, releasePatch, resolveControllerRef, type Claim, type ClaimOwner, type OwnerLookup } from "./controller-ref.js";
export { patchOwnerReferences } from "./owner-patch.js";
export { selectorMatches, selectsEverything } from "./label-selector.js";
export { isPodActive, isPodAvailable, isPodReady } from "./pod-state.js";
export { compareForDeletion, podsToDelete, podDeletionCostAnnotation } from "./pod-ranking.js";
export type { PodTemplateSpec, ReplicaSet, ReplicaSetCondition, ReplicaSetSpec, ReplicaSetStatus } from "./types.js";
