// The namespace controller's shell (Kubernetes' namespace controller): a Terminating namespace
// is read live, its content deleted resource by resource (DELETE on each collection, Background
// propagation; pods get their grace period and the kubelets finish them), what remains counted
// into the namespace's status conditions, and, once nothing remains, "kubernetes" removed from
// spec.finalizers through the finalize subresource: the apiserver then deletes the namespace.
// The decisions are in namespace-decisions.ts.
import { collectionPath, formatTime, isNotFound, resourceTypes, WorkQueue, type Informer, type KubeObject, type ResourceType } from "../../client/index.js";
import { runWorkers, type Controller, type ControllerContext } from "../controller.js";
import {
  contentOutcome,
  finalizedSpec,
  isTerminating,
  mergedConditions,
  namespaceStep,
  type NamespaceObject,
  type RemainingContent,
} from "./namespace-decisions.js";

/** Every namespaced resource the apiserver serves that can be listed and deleted. */
const namespacedTypes: readonly ResourceType[] = Object.values(resourceTypes).filter((t) => t.namespaced);

function resourceName(type: ResourceType): string {
  const slash = type.apiVersion.indexOf("/");
  return `${type.resource}.${slash < 0 ? "" : type.apiVersion.slice(0, slash)}`;
}

class NamespaceController implements Controller {
  readonly name = "namespace-controller";
  private readonly namespaces: Informer<KubeObject>;
  private readonly queue = new WorkQueue();

  constructor(private readonly ctx: ControllerContext) {
    this.namespaces = ctx.informers.informer<KubeObject>(resourceTypes.namespaces);
    const enqueue = (namespace: KubeObject): void => {
      if (isTerminating(namespace)) this.queue.add(namespace.metadata.name ?? "");
    };
    this.namespaces.addHandler({ onAdd: enqueue, onUpdate: (_previous, namespace) => enqueue(namespace) });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.name, this.queue, this.ctx.settings.workers, (name) => this.reconcile(name), this.ctx.logger, signal);
  }

  private async reconcile(name: string): Promise<void> {
    // A live read, as Kubernetes' deleter does: the cache may be behind our own last write.
    let namespace: NamespaceObject | undefined;
    try {
      namespace = await this.ctx.client.get<NamespaceObject>(resourceTypes.namespaces, name);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    const step = namespaceStep(namespace);
    if (step.kind === "none") return;
    if (step.kind === "finish") {
      await this.finish(namespace);
      return;
    }
    const failures: string[] = [];
    for (const type of namespacedTypes) {
      try {
        await this.ctx.client.request({ method: "DELETE", path: collectionPath(type, name), body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" } });
      } catch (error) {
        if (isNotFound(error)) continue;
        this.ctx.logger.warn({ namespace: name, resource: type.resource, error: (error as Error).message }, "deleting a namespace's content failed");
        failures.push(resourceName(type));
      }
    }
    const remaining: RemainingContent[] = [];
    for (const type of namespacedTypes) remaining.push(await this.remaining(type, name));
    const outcome = contentOutcome(remaining, failures);
    const conditions = mergedConditions(namespace.status?.conditions, outcome.conditions, formatTime(this.ctx.now()));
    if (conditions !== undefined) {
      namespace = await this.ctx.client.update<NamespaceObject>(resourceTypes.namespaces, { ...namespace, status: { ...namespace.status, conditions } }, { subresource: "status" });
    }
    if (outcome.kind === "wait") {
      this.queue.addAfter(name, outcome.retryAfterMs);
      return;
    }
    // The apiserver deletes the namespace when this empties spec.finalizers (and no metadata
    // finalizers are left); a conflict comes back to the queue and is tried again.
    const finalized = await this.ctx.client.update<NamespaceObject>(resourceTypes.namespaces, { ...namespace, spec: { ...namespace.spec, finalizers: finalizedSpec(namespace) } }, { subresource: "finalize" });
    if (namespaceStep(finalized).kind === "finish") await this.finish(finalized);
  }

  /** What is left of one resource in the namespace. */
  private async remaining(type: ResourceType, namespace: string): Promise<RemainingContent> {
    const list = await this.ctx.client.list<KubeObject>(type, { namespace });
    const finalizers = new Map<string, number>();
    let graceSecondsLeft = 0;
    for (const item of list.items) {
      for (const finalizer of item.metadata.finalizers ?? []) finalizers.set(finalizer, (finalizers.get(finalizer) ?? 0) + 1);
      const deletionAt = item.metadata.deletionTimestamp === undefined ? Number.NaN : Date.parse(item.metadata.deletionTimestamp);
      if (type === resourceTypes.pods && Number.isFinite(deletionAt)) graceSecondsLeft = Math.max(graceSecondsLeft, Math.ceil((deletionAt - this.ctx.now()) / 1000));
    }
    return { resource: resourceName(type), count: list.items.length, finalizers, graceSecondsLeft };
  }

  /** A finalized namespace still here (someone emptied spec.finalizers another way): delete it. */
  private async finish(namespace: NamespaceObject): Promise<void> {
    try {
      await this.ctx.client.delete(resourceTypes.namespaces, namespace.metadata.name ?? "", { preconditions: { uid: namespace.metadata.uid ?? "" } });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }
}

/** Kubernetes' namespace controller: empties Terminating namespaces, then lets them go. */
export function newNamespaceController(ctx: ControllerContext): Controller {
  return new NamespaceController(ctx);
}
