// The namespace controller's shell (Kubernetes' namespace controller): a Terminating namespace
// is read live, its content deleted resource by resource (DELETE on each collection, Background
// propagation; pods get their grace period and the kubelets finish them), what remains counted
// into the namespace's status conditions, and, once nothing remains, "kubernetes" removed from
// spec.finalizers through the finalize subresource: the apiserver then deletes the namespace
// (once its metadata.finalizers are gone too). A failed pass is retried with the work queue's
// per-namespace back-off; content that is going is looked at again after the estimate.
// The decisions are in namespace-decisions.ts.
import {
  BucketRateLimiter,
  collectionPath,
  formatTime,
  isNotFound,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  resourceTypes,
  retryOnConflict,
  WorkQueue,
  type Informer,
  type KubeObject,
  type ResourceType,
} from "../../client/index.js";
import { RequeueAfter, runWorkers, type Controller, type ControllerContext } from "../controller.js";
import {
  contentOutcome,
  finalizedSpec,
  isTerminating,
  mergedConditions,
  namespaceStep,
  type NamespaceCondition,
  type NamespaceObject,
  type RemainingContent,
} from "./namespace-decisions.js";

/** Every namespaced resource the apiserver serves that can be listed and deleted. */
const namespacedTypes: readonly ResourceType[] = Object.values(resourceTypes).filter((t) => t.namespaced);

/** kube-controller-manager's nsControllerRateLimiter: the per-namespace back-off doubles from 5 ms to at most 60 s. */
const retryBaseMs = 5;
const retryMaxMs = 60_000;

/** ..., and all namespaces' retries together go at 10 per second (bursts of 100): client-go's bucket defaults. */
function namespaceRateLimiter(): MaxOfRateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(retryBaseMs, retryMaxMs), new BucketRateLimiter());
}

function resourceName(type: ResourceType): string {
  const slash = type.apiVersion.indexOf("/");
  return `${type.resource}.${slash < 0 ? "" : type.apiVersion.slice(0, slash)}`;
}

/** "/v1, Resource=pods", "apps/v1, Resource=deployments" (GroupVersionResource.String). */
function groupVersionResource(type: ResourceType): string {
  const groupVersion = type.apiVersion.includes("/") ? type.apiVersion : `/${type.apiVersion}`;
  return `${groupVersion}, Resource=${type.resource}`;
}

class NamespaceController implements Controller {
  readonly name = "namespace-controller";
  private readonly namespaces: Informer<KubeObject>;
  private readonly queue = new WorkQueue({ rateLimiter: namespaceRateLimiter() });

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

  /**
   * One pass of Kubernetes' deleter. Throws to be retried with back-off (a deletion failed, or
   * content stays that nothing holds), or RequeueAfter while content is going within an estimate.
   */
  private async reconcile(name: string): Promise<void> {
    // A live read, as Kubernetes' deleter does: the cache may be behind our own last write.
    let namespace: NamespaceObject | undefined;
    try {
      namespace = await this.ctx.client.get<NamespaceObject>(resourceTypes.namespaces, name);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    if (namespaceStep(namespace).kind === "none") return;
    const failures: string[] = [];
    for (const type of namespacedTypes) {
      try {
        await this.ctx.client.request({ method: "DELETE", path: collectionPath(type, name), body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" } });
      } catch (error) {
        if (isNotFound(error)) continue;
        this.ctx.logger.warn({ namespace: name, resource: type.resource, error: (error as Error).message }, "deleting a namespace's content failed");
        failures.push((error as Error).message);
      }
    }
    const remaining: RemainingContent[] = [];
    for (const type of namespacedTypes) remaining.push(await this.remaining(type, name));
    const outcome = contentOutcome(name, remaining, failures);
    namespace = await this.writeConditions(namespace, outcome.conditions);
    if (outcome.kind === "retry") throw new Error(outcome.error);
    if (outcome.kind === "wait") throw new RequeueAfter(outcome.retryAfterMs, `content remains in namespace ${name}`);
    await this.finalize(namespace);
  }

  /**
   * The status with the pass's conditions, when they changed. As in Kubernetes, a failed write is
   * only logged: the pass goes on with the namespace as it was read.
   */
  private async writeConditions(namespace: NamespaceObject, next: readonly NamespaceCondition[]): Promise<NamespaceObject> {
    const conditions = mergedConditions(namespace.status?.conditions, next, formatTime(this.ctx.now()));
    if (conditions === undefined) return namespace;
    try {
      return await this.ctx.client.update<NamespaceObject>(resourceTypes.namespaces, { ...namespace, status: { ...namespace.status, conditions } }, { subresource: "status" });
    } catch (error) {
      this.ctx.logger.warn({ namespace: namespace.metadata.name, error: (error as Error).message }, "writing a namespace's conditions failed");
      return namespace;
    }
  }

  /**
   * Removes "kubernetes" from spec.finalizers (finalizeNamespace); the apiserver deletes the
   * namespace when no finalizer is left. A conflict is tried again on the namespace read anew,
   * as long as it is the same namespace (retryOnConflictError).
   */
  private async finalize(read: NamespaceObject): Promise<void> {
    let namespace = read;
    let attempts = 0;
    try {
      await retryOnConflict(async () => {
        if (attempts++ > 0) {
          namespace = await this.ctx.client.get<NamespaceObject>(resourceTypes.namespaces, read.metadata.name ?? "");
          if (namespace.metadata.uid !== read.metadata.uid) throw new Error(`namespace ${read.metadata.name ?? ""}: uid has changed across retries`);
        }
        await this.ctx.client.update<NamespaceObject>(resourceTypes.namespaces, { ...namespace, spec: { ...namespace.spec, finalizers: finalizedSpec(namespace) } }, { subresource: "finalize" });
      });
    } catch (error) {
      // Gone already: another deleter finished it.
      if (!isNotFound(error)) throw error;
    }
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
    return { resource: resourceName(type), groupVersionResource: groupVersionResource(type), count: list.items.length, finalizers, graceSecondsLeft };
  }
}

/** Kubernetes' namespace controller: empties Terminating namespaces, then lets them go. */
export function newNamespaceController(ctx: ControllerContext): Controller {
  return new NamespaceController(ctx);
}
