// Records core/v1 Events about objects, as client-go's record.EventRecorder does, with its
// EventCorrelator deciding (event-correlator.ts): a repeat of the same event bumps `count` and
// `lastTimestamp` of the Event already written (`kubectl describe` shows "x5 over 2m"), similar
// events are combined, and a source writes at most 25 events about one object at once.
//
// Recording never blocks or fails the caller: writes go out in the background, a bounded number
// at a time; when the backlog is full new events are dropped (client-go's broadcaster drops
// too), with a log line.
import type { Logger } from "pino";
import { isAlreadyExists, isNotFound } from "./errors.js";
import { EventCorrelator } from "./event-correlator.js";
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
  /** The spam filter's burst per source + object (client-go: 25). */
  readonly spamBurst?: number;
  /** Writes queued beyond this are dropped (client-go's queue: 1000). */
  readonly backlogMax?: number;
  /** Writes in flight at once. */
  readonly concurrency?: number;
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
  private readonly correlator: EventCorrelator;
  /**
   * The last write queued for each correlation key, settled with whether the Event exists: a
   * repeat's patch waits for the write before it (its create, or the previous patch), so counts
   * land in order, as client-go's one-at-a-time sink writes them.
   */
  private readonly lastWrite = new Map<string, Promise<boolean>>();
  private readonly backlog: (() => Promise<void>)[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;
  private dropped = 0;
  private skipped = 0;
  /** Keeps names unique among events recorded in the same millisecond. */
  private sequence = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly options: EventRecorderOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.correlator = new EventCorrelator({ cacheSize: options.aggregateCacheMax, spamBurst: options.spamBurst });
  }

  /** Events dropped because the backlog was full. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Events the spam filter skipped. */
  get skippedCount(): number {
    return this.skipped;
  }

  /** `fieldPath` names a part of the object, e.g. "spec.containers{web}" for a container's events. */
  record(object: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const involved = { ...objectReference(object), ...(fieldPath === undefined ? {} : { fieldPath }) };
    const namespace = involved.namespace === undefined || involved.namespace === "" ? "default" : involved.namespace;
    const { component } = this.options;
    const host = this.options.host ?? "";
    const nowMs = this.now();
    const decision = this.correlator.correlate(
      { component, host, kind: involved.kind ?? "", namespace, name: involved.name ?? "", uid: involved.uid ?? "", apiVersion: involved.apiVersion ?? "", fieldPath: fieldPath ?? "", type, reason, message },
      nowMs,
      () => `${involved.name ?? "unknown"}.${(BigInt(nowMs) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16)}`,
    );
    if (decision.action === "skip") {
      this.skipped += 1;
      return;
    }
    const timestamp = formatTime(nowMs);
    // The whole Event, with this decision's name, count and message.
    const create = async (): Promise<boolean> => {
      const event: CoreEvent = {
        metadata: { name: decision.name, namespace },
        involvedObject: { ...involved, namespace: involved.namespace },
        reason,
        message: decision.message,
        type,
        count: decision.count,
        firstTimestamp: formatTime(decision.firstTimestampMs),
        lastTimestamp: timestamp,
        source: { component, ...(this.options.host === undefined ? {} : { host: this.options.host }) },
        reportingComponent: component,
        reportingInstance: host,
      };
      try {
        await this.client.create(resourceTypes.events, event, { namespace });
        return true;
      } catch (error) {
        if (isAlreadyExists(error)) return true;
        this.correlator.forget(decision.key);
        throw error;
      }
    };
    const previous = decision.action === "patch" ? this.lastWrite.get(decision.key) : undefined;
    let settle: (exists: boolean) => void = () => undefined;
    const written = new Promise<boolean>((resolve) => (settle = resolve));
    this.lastWrite.set(decision.key, written);
    const done = (exists: boolean): void => {
      settle(exists);
      if (this.lastWrite.get(decision.key) === written) this.lastWrite.delete(decision.key);
    };
    const write = async (): Promise<boolean> => {
      if (decision.action === "create") return create();
      if (previous !== undefined && !(await previous)) return false;
      try {
        await this.client.patch(resourceTypes.events, decision.name, { count: decision.count, lastTimestamp: timestamp, message: decision.message }, { namespace });
        return true;
      } catch (error) {
        if (!isNotFound(error)) throw error;
        // Never written (the spam filter skipped its first occurrence) or expired (events live
        // for --event-ttl): write it whole, as client-go does when its patch finds nothing.
        return create();
      }
    };
    const accepted = this.enqueue(async () => {
      try {
        done(await write());
      } catch (error) {
        // A failed create leaves no Event; after a failed patch the Event is most likely there.
        done(decision.action === "patch");
        throw error;
      }
    });
    if (!accepted) {
      done(false);
      if (decision.action === "create") this.correlator.forget(decision.key);
    }
  }

  /** Resolves once every event recorded so far has been written (or has failed). */
  flush(): Promise<void> {
    if (this.inFlight === 0 && this.backlog.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
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
