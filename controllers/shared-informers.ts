// One informer per resource, shared by every controller in the controller-manager (client-go's
// SharedInformerFactory): the apiserver pays one list + watch per resource, not one per
// controller. Controllers ask for informers and add handlers while being constructed; the
// manager starts them all afterwards and waits for their first sync before any worker runs.
import type { Logger } from "pino";
import { Informer, type Indexer, type KubeClient, type KubeObject, type ResourceType } from "../client/index.js";

export class SharedInformers {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(
    private readonly client: KubeClient,
    private readonly logger: Logger,
    private readonly resyncPeriodMs = 0,
  ) {}

  /**
   * The informer for `type` (created on first use). Each caller may bring indexes; all must be
   * asked for before start(), and two callers may not use one index name.
   */
  informer<T extends KubeObject>(type: ResourceType, indexers: Record<string, Indexer<T>> = {}): Informer<T> {
    if (this.started) throw new Error(`informer for ${type.resource} asked for after start`);
    const key = `${type.apiPath}/${type.resource}`;
    let informer = this.informers.get(key) as unknown as Informer<T> | undefined;
    if (informer === undefined) {
      informer = new Informer<T>(this.client, type, { resyncPeriodMs: this.resyncPeriodMs, logger: this.logger });
      this.informers.set(key, informer as unknown as Informer<KubeObject>);
    }
    informer.addIndexers(indexers);
    return informer;
  }

  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((informer) => informer.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
  }
}
