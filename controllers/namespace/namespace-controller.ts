// The namespace controller's shell: a Terminating namespace is deleted again (the apiserver
// deletes what content it can and removes the namespace once it is empty), then checked again
// after a growing pause, until the informer reports it gone.
import { WorkQueue, isNotFound, resourceTypes, type Informer, type KubeObject } from "../../client/index.js";
import { runWorkers, type Controller, type ControllerContext } from "../controller.js";
import { isTerminating, namespaceRetryDelayMs } from "./namespace-decisions.js";

class NamespaceController implements Controller {
  readonly name = "namespace-controller";
  private readonly namespaces: Informer<KubeObject>;
  private readonly queue = new WorkQueue();
  /** Repeated DELETEs per namespace still Terminating, for the back-off. */
  private readonly attempts = new Map<string, number>();

  constructor(private readonly ctx: ControllerContext) {
    this.namespaces = ctx.informers.informer<KubeObject>(resourceTypes.namespaces);
    const enqueue = (namespace: KubeObject): void => {
      if (isTerminating(namespace)) this.queue.add(namespace.metadata.name ?? "");
    };
    this.namespaces.addHandler({
      onAdd: enqueue,
      onUpdate: (_previous, namespace) => enqueue(namespace),
      onDelete: (namespace) => this.attempts.delete(namespace.metadata.name ?? ""),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.name, this.queue, this.ctx.settings.workers, (name) => this.reconcile(name), this.ctx.logger, signal);
  }

  private async reconcile(name: string): Promise<void> {
    const namespace = this.namespaces.get(name);
    if (namespace === undefined || !isTerminating(namespace)) {
      this.attempts.delete(name);
      return;
    }
    try {
      await this.ctx.client.delete(resourceTypes.namespaces, name, { preconditions: { uid: namespace.metadata.uid ?? "" } });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    // Gone now, or content still held by finalizers: look again later either way; the informer's
    // delete event ends the loop.
    const attempt = (this.attempts.get(name) ?? 0) + 1;
    this.attempts.set(name, attempt);
    this.queue.addAfter(name, namespaceRetryDelayMs(attempt));
  }
}

/**
 * Finishes Terminating namespaces the apiserver's DELETE could not empty at once (content with
 * finalizers). Everything else of Kubernetes' namespace controller happens inside the request.
 */
export function newNamespaceController(ctx: ControllerContext): Controller {
  return new NamespaceController(ctx);
}
