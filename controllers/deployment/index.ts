// controllers/deployment — the Deployment controller (kube-controller-manager's deployment
// controller): rolls a Deployment's pod template out through ReplicaSets named
// <deployment>-<pod-template-hash>, RollingUpdate within maxSurge/maxUnavailable or Recreate,
// scales proportionally mid-rollout, keeps revisions for rollback and prunes old ReplicaSets, and
// reports the status `kubectl rollout status` reads. The pure decision is planDeployment.
export { newDeploymentController, deploymentComponent } from "./controller.js";
export { planDeployment, calculateStatus, statusEqual, type DeploymentPlan } from "./plan.js";
export type { DeploymentAction } from "./planner.js";
export { computeHash, equalIgnoreHash, podTemplateHashLabel, safeEncodeString, fnv32a } from "./pod-template-hash.js";
export { maxSurge, maxUnavailable, resolveFenceposts, scaledValue } from "./rollout-math.js";
export { revisionAnnotation, revisionHistoryAnnotation } from "./revisions.js";
export type { Deployment, DeploymentCondition, DeploymentSpec, DeploymentStatus, DeploymentStrategy, IntOrPercent, RollingUpdateDeployment } from "./types.js";
