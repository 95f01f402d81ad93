// Records core/v1 Events about objects, as client-go's record.EventRecorder + EventCorrelator do:
// a repeat of the same event (same object, type, reason, message, source) bumps `count` and
// `lastTimestamp` of the Event already written instead of writing a new one, so `kubectl
// describe` shows "x5 over 2m" rather than five lines.
//
// Recording never blocks or fails the caller: writes go out in the background, a bounded number
// at a time; when the backlog is full new events are dropped (client-go's broadcaster drops
// too), with a log line.
import type { Logger } from "pino";
import { isNotFound } from "./errors.js";
import { resourceTypes } from "./resources.js";
import type { KubeClient } from "./rest-client.js";
import type { CoreEvent, KubeObject, ObjectReference } from "./types.js";

export type EventType = "Normal" | "Warning";

export interface EventRecorderOptions {
  /** source.component, e.g. "default-scheduler", "kubelet", "deployment-controller". */
  readonly component: string;
  /** source.host, e.g. the node name of a kubelet. */
  readonly host?: string;
  readonly logger?: Logger;
  /** Wall-clock milliseconds (injected in tests). */
  readonly now?: () => number;
  /** How many distinct events are remembered for aggregation (client-go: 4096). */
  readonly aggregateCacheMax?: number;
  /** Writes queued beyond this are dropped (client-go's queue: 1000). */
  readonly backlogMax?: number;
  /** Writes in flight at once. */
  readonly concurrency?: number;
}

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  /** The write that creates the Event: repeats wait for it. */
  written: Promise<boolean>;
}

/** metav1.Time: RFC 3339, whole seconds. */
export function formatTime(timeMs: number): string {
  return `${new Date(Math.floor(timeMs / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** The reference an Event names its object by. */
export function objectReference(object: KubeObject): ObjectReference {
  const { name, namespace, uid, resourceVersion } = object.metadata;
  return { apiVersion: object.apiVersion, kind: object.kind, name, namespace, uid, resourceVersion };
}

export class EventRecorder {
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly backlog: (() => Promise<void>)[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;
  private dropped = 0;
  /** Keeps names unique among events recorded in the same millisecond. */
  private sequence = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly options: EventRecorderOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Events dropped because the backlog was full. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** `fieldPath` names a part of the object, e.g. "spec.containers{web}" for a container's events. */
  record(object: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const involved = { ...objectReference(object), ...(fieldPath === undefined ? {} : { fieldPath }) };
    const namespace = involved.namespace === undefined || involved.namespace === "" ? "default" : involved.namespace;
    // The aggregation key, as client-go's getEventKey (without resourceVersion, which changes).
    const key = JSON.stringify([involved.kind, namespace, involved.name, involved.uid, involved.fieldPath, type, reason, message, this.options.component, this.options.host ?? ""]);
    const timestamp = formatTime(this.now());
    const existing = this.aggregates.get(key);
    if (existing !== undefined) {
      existing.count += 1;
      const count = existing.count;
      // Refresh its place in the LRU order.
      this.aggregates.delete(key);
      this.aggregates.set(key, existing);
      this.enqueue(async () => {
        if (!(await existing.written)) return;
        try {
          await this.client.patch(resourceTypes.events, existing.name, { count, lastTimestamp: timestamp }, { namespace: existing.namespace });
        } catch (error) {
          if (!isNotFound(error)) throw error;
          // Expired (events live for --event-ttl): start a new one.
          this.aggregates.delete(key);
          this.record(object, type, reason, message, fieldPath);
        }
      });
      return;
    }
    const name = `${involved.name ?? "unknown"}.${(BigInt(this.now()) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16)}`;
    const event: CoreEvent = {
      metadata: { name, namespace },
      involvedObject: { ...involved, namespace: involved.namespace },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      source: { component: this.options.component, ...(this.options.host === undefined ? {} : { host: this.options.host }) },
      reportingComponent: this.options.component,
      reportingInstance: this.options.host ?? "",
    };
    let settle: (written: boolean) => void = () => undefined;
    const aggregate: Aggregate = { name, namespace, count: 1, firstTimestamp: timestamp, written: new Promise((resolve) => (settle = resolve)) };
    this.aggregates.set(key, aggregate);
    this.evictOldest();
    const accepted = this.enqueue(async () => {
      try {
        await this.client.create(resourceTypes.events, event, { namespace });
        settle(true);
      } catch (error) {
        settle(false);
        this.aggregates.delete(key);
        throw error;
      }
    });
    if (!accepted) {
      settle(false);
      this.aggregates.delete(key);
    }
  }

  /** Resolves once every event recorded so far has been written (or has failed). */
  flush(): Promise<void> {
    if (this.inFlight === 0 && this.backlog.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private evictOldest(): void {
    const max = this.options.aggregateCacheMax ?? 4096;
    while (this.aggregates.size > max) {
      const oldest = this.aggregates.keys().next().value as string;
      this.aggregates.delete(oldest);
    }
  }

  private enqueue(write: () => Promise<void>): boolean {
    if (this.backlog.length >= (this.options.backlogMax ?? 1000)) {
      this.dropped += 1;
      if (this.dropped === 1 || this.dropped % 100 === 0) this.options.logger?.warn({ dropped: this.dropped }, "event backlog full; dropping events");
      return false;
    }
    this.backlog.push(write);
    this.pump();
    return true;
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 4;
    while (this.inFlight < concurrency && this.backlog.length > 0) {
      const write = this.backlog.shift() as () => Promise<void>;
      this.inFlight += 1;
      void write()
        .catch((error: unknown) => this.options.logger?.warn({ error: (error as Error).message }, "could not write event"))
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
          if (this.inFlight === 0 && this.backlog.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }
  }
}
