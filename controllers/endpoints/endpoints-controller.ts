// The endpoints controller's shell: services, pods and endpoints informers; a work queue of
// service keys; reconcile computes the Endpoints with planEndpoints and writes only a change.
// A Service that is gone takes its Endpoints with it; at start every stored Endpoints is checked
// once, so leftovers of Services deleted while no controller ran are removed too.
import {
  WorkQueue,
  isNotFound,
  objectKey,
  resourceTypes,
  splitObjectKey,
  type EventRecorder,
  type Informer,
  type Pod,
} from "../../client/index.js";
import { runWorkers, type Controller, type ControllerContext } from "../controller.js";
import { leaderElectionAnnotation, managesEndpoints, planEndpoints, selectorMatches, type Endpoints, type Service } from "./endpoints.js";

class EndpointsController implements Controller {
  readonly name = "endpoint-controller";
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly endpoints: Informer<Endpoints>;
  private readonly queue = new WorkQueue();
  private readonly recorder: EventRecorder;
  /**
   * What we last wrote per key, until the informer catches up: the next sync compares with (and
   * updates from) the newer of the two, instead of losing a resourceVersion race to its own write.
   */
  private readonly written = new Map<string, Endpoints>();

  constructor(private readonly ctx: ControllerContext) {
    this.recorder = ctx.recorder("endpoint-controller");
    this.services = ctx.informers.informer<Service>(resourceTypes.services);
    this.pods = ctx.informers.informer<Pod>(resourceTypes.pods);
    this.endpoints = ctx.informers.informer<Endpoints>(resourceTypes.endpoints);
    const enqueue = (object: Service | Endpoints): void => this.queue.add(objectKey(object));
    this.services.addHandler({ onAdd: enqueue, onUpdate: (_previous, service) => enqueue(service), onDelete: enqueue });
    this.endpoints.addHandler({
      onDelete: (endpoints) => {
        this.written.delete(objectKey(endpoints));
        enqueue(endpoints);
      },
    });
    this.pods.addHandler({
      onAdd: (pod) => this.enqueueServicesOf(pod),
      onUpdate: (previous, pod) => {
        // The services it left and the ones it joined (the queue drops duplicates).
        this.enqueueServicesOf(previous);
        this.enqueueServicesOf(pod);
      },
      onDelete: (pod) => this.enqueueServicesOf(pod),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    // checkLeftoverEndpoints: Endpoints whose Service went away while no controller watched.
    for (const endpoints of this.endpoints.list()) {
      if (endpoints.metadata.annotations?.[leaderElectionAnnotation] === undefined) this.queue.add(objectKey(endpoints));
    }
    await runWorkers(this.name, this.queue, this.ctx.settings.workers, (key) => this.syncService(key), this.ctx.logger, signal);
  }

  private enqueueServicesOf(pod: Pod): void {
    for (const service of this.services.byIndex("namespace", pod.metadata.namespace ?? "")) {
      const selector = service.spec?.selector;
      if (selector !== undefined && managesEndpoints(service) && selectorMatches(selector, pod.metadata.labels)) this.queue.add(objectKey(service));
    }
  }

  /** The newer of the cached Endpoints and the one we last wrote (resourceVersions are store revisions). */
  private current(key: string): Endpoints | undefined {
    const cached = this.endpoints.get(key);
    const written = this.written.get(key);
    if (written === undefined) return cached;
    if (cached !== undefined && Number(cached.metadata.resourceVersion) >= Number(written.metadata.resourceVersion)) {
      this.written.delete(key);
      return cached;
    }
    return written;
  }

  private async syncService(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const service = this.services.get(key);
    if (service === undefined) {
      this.written.delete(key);
      try {
        await this.ctx.client.delete(resourceTypes.endpoints, name, { ...(namespace === undefined ? {} : { namespace }) });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      return;
    }
    const selector = service.spec?.selector;
    if (selector === undefined || !managesEndpoints(service)) return;
    const pods = this.pods.byIndex("namespace", namespace ?? "").filter((pod) => selectorMatches(selector, pod.metadata.labels));
    const plan = planEndpoints(service, pods, this.current(key));
    if (plan.kind === "none") return;
    try {
      const stored = plan.kind === "create" ? await this.ctx.client.create(resourceTypes.endpoints, plan.endpoints) : await this.ctx.client.update(resourceTypes.endpoints, plan.endpoints);
      this.written.set(key, stored);
    } catch (error) {
      this.written.delete(key);
      const verb = plan.kind === "create" ? "FailedToCreateEndpoint" : "FailedToUpdateEndpoint";
      const message = plan.kind === "create" ? `Failed to create endpoint for service ${key}: ${(error as Error).message}` : `Failed to update endpoint ${key}: ${(error as Error).message}`;
      this.recorder.record(plan.endpoints, "Warning", verb, message);
      throw error;
    }
  }
}

/** Endpoints for every Service with a selector (kube-controller-manager's endpoint controller). */
export function newEndpointsController(ctx: ControllerContext): Controller {
  return new EndpointsController(ctx);
}
