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
  type FailedContent,
  type NamespaceObject,
  type RemainingContent,
  type ResourcePass,
} from "./namespace-decisions.js";

/**
 * How long after a namespace event its namespace is worked on (Kubernetes'
 * namespaceDeletionGracePeriod): the other apiservers' NamespaceLifecycle admission sees the
 * deletion meanwhile, and a create one of them accepted just before is in the store by the time
 * the content is listed, so the namespace is not finalized with it left behind. Status writes of
 * a pass come back as update events, so this also spaces the passes out.
 */
const namespaceDeletionGracePeriodMs = 5_000;

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
      if (isTerminating(namespace)) this.queue.addAfter(namespace.metadata.name ?? "", namespaceDeletionGracePeriodMs);
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
    const passes: ResourcePass[] = [];
    for (const type of namespacedTypes) passes.push(await this.deleteContent(type, name));
    const outcome = contentOutcome(name, passes);
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

  /**
   * Deletes one resource's content in the namespace and says what is left of it
   * (deleteAllContentForGroupVersionResource): a failed collection delete is that resource's
   * error and nothing is listed; a failed list is its error too, and the pass goes on with the
   * other resources either way.
   */
  private async deleteContent(type: ResourceType, namespace: string): Promise<ResourcePass> {
    const resource = resourceName(type);
    try {
      await this.ctx.client.request({ method: "DELETE", path: collectionPath(type, namespace), body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" } });
    } catch (error) {
      if (!isNotFound(error)) return this.failed(namespace, resource, "deleting a namespace's content failed", error);
    }
    let items: readonly KubeObject[] = [];
    try {
      items = (await this.ctx.client.list<KubeObject>(type, { namespace })).items;
    } catch (error) {
      if (!isNotFound(error)) return this.failed(namespace, resource, "listing a namespace's content failed", error);
    }
    return this.remaining(type, items);
  }

  private failed(namespace: string, resource: string, what: string, error: unknown): FailedContent {
    const message = (error as Error).message;
    this.ctx.logger.warn({ namespace, resource, error: message }, what);
    return { resource, error: message };
  }

  /** What is left of one resource in the namespace: its `items` as listed. */
  private remaining(type: ResourceType, items: readonly KubeObject[]): RemainingContent {
    const finalizers = new Map<string, number>();
    let graceSecondsLeft = 0;
    for (const item of items) {
      for (const finalizer of item.metadata.finalizers ?? []) finalizers.set(finalizer, (finalizers.get(finalizer) ?? 0) + 1);
      const deletionAt = item.metadata.deletionTimestamp === undefined ? Number.NaN : Date.parse(item.metadata.deletionTimestamp);
      if (type === resourceTypes.pods && Number.isFinite(deletionAt)) graceSecondsLeft = Math.max(graceSecondsLeft, Math.ceil((deletionAt - this.ctx.now()) / 1000));
    }
    return { resource: resourceName(type), groupVersionResource: groupVersionResource(type), count: items.length, finalizers, graceSecondsLeft };
  }
}

/** Kubernetes' namespace controller: empties Terminating namespaces, then lets them go. */
export function newNamespaceController(ctx: ControllerContext): Controller {
  return new NamespaceController(ctx);
}
