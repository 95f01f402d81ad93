// The Deployment controller's shell: handlers enqueue the Deployment a change concerns;
// reconcile reads the caches, asks planDeployment, and carries out its actions in order,
// stopping at the first failure (the key is retried with back-off, and the next plan starts from
// whatever did happen).
import { formatTime, isAlreadyExists, isNotFound, objectKey, resourceTypes, splitObjectKey, WorkQueue } from "../../client/index.js";
import type { EventRecorder, Informer, KubeClient, Pod } from "../../client/index.js";
import { runWorkers, type Controller, type ControllerContext } from "../controller.js";
import { adoptPatch, controllerOf, newControllerRef, patchOwnerReferences, releasePatch, resolveControllerRef, selectorMatches, type ReplicaSet } from "../replicaset/index.js";
import { newCondition, reasons, setCondition } from "./conditions.js";
import { planDeployment } from "./plan.js";
import type { DeploymentAction } from "./planner.js";
import { equalIgnoreHash } from "./pod-template-hash.js";
import type { Deployment } from "./types.js";

export const deploymentComponent = "deployment-controller";

/** The plan was overtaken (our new ReplicaSet exists but the cache has not shown it yet). */
class PlanOvertaken extends Error {}

class DeploymentController implements Controller {
  readonly name = "deployment";
  private readonly queue = new WorkQueue();
  private readonly client: KubeClient;
  private readonly recorder: EventRecorder;
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;

  constructor(private readonly context: ControllerContext) {
    this.client = context.client;
    this.recorder = context.recorder(deploymentComponent);
    this.deployments = context.informers.informer<Deployment>(resourceTypes.deployments);
    this.replicaSets = context.informers.informer<ReplicaSet>(resourceTypes.replicasets);
    this.pods = context.informers.informer<Pod>(resourceTypes.pods);
    this.deployments.addHandler({
      onAdd: (deployment) => this.queue.add(objectKey(deployment)),
      onUpdate: (_previous, deployment) => this.queue.add(objectKey(deployment)),
      onDelete: (deployment) => this.queue.add(objectKey(deployment)),
    });
    this.replicaSets.addHandler({
      onAdd: (replicaSet) => this.replicaSetChanged(undefined, replicaSet),
      onUpdate: (previous, replicaSet) => this.replicaSetChanged(previous, replicaSet),
      onDelete: (replicaSet) => this.enqueueOwner(replicaSet),
    });
    // Recreate waits for the old pods to be gone: their deletion is the signal to go on.
    this.pods.addHandler({ onDelete: (pod) => this.podDeleted(pod) });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.name, this.queue, this.context.settings.workers, (key) => this.reconcile(key), this.context.logger, signal);
  }

  // ---------- handlers ----------

  private owner(replicaSet: ReplicaSet): Deployment | undefined {
    return resolveControllerRef(this.deployments, "Deployment", replicaSet);
  }

  private enqueueOwner(replicaSet: ReplicaSet): void {
    const owner = this.owner(replicaSet);
    if (owner !== undefined) this.queue.add(objectKey(owner));
  }

  private replicaSetChanged(previous: ReplicaSet | undefined, replicaSet: ReplicaSet): void {
    if (previous !== undefined && previous.metadata.resourceVersion === replicaSet.metadata.resourceVersion) return;
    if (previous !== undefined && controllerOf(previous)?.uid !== controllerOf(replicaSet)?.uid) this.enqueueOwner(previous);
    if (controllerOf(replicaSet) !== undefined) {
      this.enqueueOwner(replicaSet);
      return;
    }
    // An orphan: every Deployment that selects it may adopt it.
    for (const deployment of this.deployments.byIndex("namespace", replicaSet.metadata.namespace ?? "")) {
      if (selectorMatches(deployment.spec.selector, replicaSet.metadata.labels)) this.queue.add(objectKey(deployment));
    }
  }

  private podDeleted(pod: Pod): void {
    const replicaSet = resolveControllerRef(this.replicaSets, "ReplicaSet", pod);
    const owner = replicaSet === undefined ? undefined : this.owner(replicaSet);
    if (owner !== undefined && owner.spec.strategy?.type === "Recreate") this.queue.add(objectKey(owner));
  }

  // ---------- reconcile ----------

  private async reconcile(key: string): Promise<void> {
    const deployment = this.deployments.get(key);
    if (deployment === undefined) return;
    const namespace = splitObjectKey(key).namespace ?? "";
    const plan = planDeployment(deployment, this.replicaSets.byIndex("namespace", namespace), this.pods.byIndex("namespace", namespace), this.context.now());
    const written = new Map<string, string>();
    let ownerChecked = false;
    try {
      for (const action of plan.actions) {
        if (action.kind === "adoptReplicaSet" && !ownerChecked) {
          await this.recheckOwner(deployment);
          ownerChecked = true;
        }
        await this.execute(deployment, action, written);
      }
    } catch (error) {
      if (error instanceof PlanOvertaken) {
        this.queue.addAfter(key, 100);
        return;
      }
      throw error;
    }
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs);
  }

  /** RecheckDeletionTimestamp: adopt only for a Deployment that still exists and is not going. */
  private async recheckOwner(deployment: Deployment): Promise<void> {
    const fresh = await this.client.get<Deployment>(resourceTypes.deployments, deployment.metadata.name ?? "", deployment.metadata.namespace);
    if (fresh.metadata.uid !== deployment.metadata.uid) throw new Error(`original Deployment ${objectKey(deployment)} is gone: got uid ${fresh.metadata.uid ?? ""}, wanted ${deployment.metadata.uid ?? ""}`);
    if (fresh.metadata.deletionTimestamp !== undefined) throw new Error(`Deployment ${objectKey(deployment)} is being deleted; not adopting`);
  }

  private async execute(deployment: Deployment, action: DeploymentAction, written: Map<string, string>): Promise<void> {
    const namespace = deployment.metadata.namespace;
    switch (action.kind) {
      case "event":
        this.recorder.record(deployment, action.type, action.reason, action.message);
        return;
      case "adoptReplicaSet":
        return patchOwnerReferences(this.client, resourceTypes.replicasets, action.replicaSet, adoptPatch(action.replicaSet, newControllerRef(deployment, "apps/v1", "Deployment")));
      case "releaseReplicaSet":
        return patchOwnerReferences(this.client, resourceTypes.replicasets, action.replicaSet, releasePatch(action.replicaSet, deployment.metadata.uid ?? ""));
      case "createReplicaSet":
        return this.createReplicaSet(deployment, action.replicaSet, written);
      case "updateReplicaSet": {
        const name = action.replicaSet.metadata.name ?? "";
        // A second write of the same ReplicaSet in one sync builds on the first one's answer.
        const resourceVersion = written.get(name) ?? action.replicaSet.metadata.resourceVersion;
        const updated = await this.client.update<ReplicaSet>(resourceTypes.replicasets, { ...action.replicaSet, metadata: { ...action.replicaSet.metadata, resourceVersion } });
        written.set(name, updated.metadata.resourceVersion ?? "");
        return;
      }
      case "deleteReplicaSet":
        try {
          await this.client.delete(resourceTypes.replicasets, action.replicaSet.metadata.name ?? "", { namespace, preconditions: { uid: action.replicaSet.metadata.uid } });
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
        return;
      case "updateDeploymentStatus":
        await this.client.update<Deployment>(resourceTypes.deployments, action.deployment, { subresource: "status" });
        return;
    }
  }

  private async createReplicaSet(deployment: Deployment, replicaSet: ReplicaSet, written: Map<string, string>): Promise<void> {
    const name = replicaSet.metadata.name ?? "";
    try {
      const created = await this.client.create<ReplicaSet>(resourceTypes.replicasets, replicaSet);
      written.set(name, created.metadata.resourceVersion ?? "");
      return;
    } catch (error) {
      if (isAlreadyExists(error)) return this.nameTaken(deployment, name);
      const message = `Failed to create new replica set "${name}": ${error instanceof Error ? error.message : String(error)}`;
      this.recorder.record(deployment, "Warning", reasons.failedReplicaSetCreate, message);
      const failed = structuredClone(deployment) as Deployment;
      failed.status ??= {};
      setCondition(failed.status, newCondition("Progressing", "False", reasons.failedReplicaSetCreate, message, this.context.now()));
      await this.client.update<Deployment>(resourceTypes.deployments, failed, { subresource: "status" }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The name is taken. Ours with this template: the cache is behind, try again shortly. Anyone
   * else's: a hash collision — bump status.collisionCount so the next name differs.
   */
  private async nameTaken(deployment: Deployment, name: string): Promise<void> {
    const existing = await this.client.get<ReplicaSet>(resourceTypes.replicasets, name, deployment.metadata.namespace);
    if (controllerOf(existing)?.uid === deployment.metadata.uid && equalIgnoreHash(deployment.spec.template, existing.spec.template)) throw new PlanOvertaken(`replica set ${name} exists already`);
    const bumped = structuredClone(deployment) as Deployment;
    bumped.status = { ...bumped.status, collisionCount: (bumped.status?.collisionCount ?? 0) + 1 };
    await this.client.update<Deployment>(resourceTypes.deployments, bumped, { subresource: "status" });
    throw new Error(`hash collision on replica set ${name} at ${formatTime(this.context.now())}; collisionCount now ${bumped.status.collisionCount ?? 0}`);
  }
}

export function newDeploymentController(context: ControllerContext): Controller {
  return new DeploymentController(context);
}
