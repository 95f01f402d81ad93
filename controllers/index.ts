// controllers — the controller-manager: deployment, replicaset, node lifecycle, garbage
// collector, endpoints. Every controller is level-triggered: shared informers feed work queues
// of keys, and reconcile(key) compares desired with actual and acts. (Issue 8.)
import { runControllerManagerWith } from "./cli.js";
import type { ControllerFactory } from "./controller-manager.js";
import { newDeploymentController } from "./deployment/index.js";
import { newEndpointsController } from "./endpoints/index.js";
import { newGarbageCollectorController } from "./garbage-collector/index.js";
import { newNamespaceController } from "./namespace/index.js";
import { newNodeLifecycleController } from "./node-lifecycle/index.js";
import { newReplicaSetController } from "./replicaset/index.js";

/** Every controller `kube-lite controller-manager` runs. */
export const allControllers: readonly ControllerFactory[] = [
  newDeploymentController,
  (context) => newReplicaSetController(context),
  newNodeLifecycleController,
  newGarbageCollectorController,
  newEndpointsController,
  newNamespaceController,
];

/** `kube-lite controller-manager [flags]`. */
export function runControllerManager(argv: readonly string[]): Promise<number> {
  return runControllerManagerWith(argv, allControllers);
}

export { ControllerManager, type ControllerFactory, type ControllerManagerOptions } from "./controller-manager.js";
export { controllerManagerUsage, parseControllerManagerFlags, type ControllerManagerFlags } from "./cli.js";
export {
  defaultControllerManagerSettings,
  recorderFactory,
  RequeueAfter,
  runWorkers,
  type Controller,
  type ControllerContext,
  type ControllerManagerSettings,
} from "./controller.js";
export { SharedInformers } from "./shared-informers.js";
export { newDeploymentController, type Deployment } from "./deployment/index.js";
export { newReplicaSetController, type ReplicaSet } from "./replicaset/index.js";
export { newEndpointsController } from "./endpoints/index.js";
export { newGarbageCollectorController } from "./garbage-collector/index.js";
export { newNamespaceController } from "./namespace/index.js";
export { newNodeLifecycleController } from "./node-lifecycle/index.js";
