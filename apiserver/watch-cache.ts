// The watch cache (Kubernetes' cacher, in small): one store watch per resource, the current
// objects and a bounded window of recent events, fanned out to every client watch. The store
// pays for one watcher per resource per apiserver, however many clients watch.
import { prefixRangeEnd, bytesToText, WatchCompactedError, type StoreClient, type Watch, type WatchBatch } from "../store/client/index.js";
import { matchesFilter, type ObjectFilter } from "./list.js";
import { registryPrefix, type ResourceInfo } from "./resources.js";
import { decodeKeyValue, withResourceVersion, type KubeObject } from "./storage.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change in the store, as the cache keeps it. */
export interface CacheEvent {
  readonly revision: number;
  readonly key: string;
  /** The object after the change; undefined for a delete. */
  readonly object: KubeObject | undefined;
  /** The object before; undefined for a create. */
  readonly previous: KubeObject | undefined;
}

export interface ClientEvent {
  readonly type: WatchEventType;
  readonly object: KubeObject;
}

/** What a subscription is told; `close` comes when the cache resets (the client must re-watch). */
export interface CacheSink {
  events(events: readonly ClientEvent[], revision: number): void;
  close(reason: string): void;
}

export interface Subscription {
  /** The revision the subscriber has been brought up to. */
  readonly revision: number;
  cancel(): void;
}

export class TooOldError extends Error {}

export interface WatchCacheOptions {
  /** Events kept for watchers that resume from an older resourceVersion. */
  readonly eventsWindowMax: number;
  readonly log?: (line: object, message: string) => void;
}

interface Subscriber {
  readonly filter: ObjectFilter;
  readonly sink: CacheSink;
  /** Events at or below this revision were already covered (the client's resourceVersion). */
  afterRevision: number;
}

export class WatchCache {
  private readonly objects = new Map<string, KubeObject>();
  private readonly window: CacheEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private storeWatch: Watch | undefined;
  private starting: Promise<void> | undefined;
  /** Everything up to this revision is reflected in `objects`. */
  private currentRevision = 0;
  /** A watch may resume from any revision >= this one. */
  private oldestResumable = 0;
  private closed = false;

  constructor(
    private readonly store: StoreClient,
    readonly info: ResourceInfo,
    private readonly options: WatchCacheOptions,
  ) {}

  get revision(): number {
    return this.currentRevision;
  }

  /** ready(), but gives up after `timeoutMs` (the store is unreachable): the caller answers 503. */
  async readyWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.ready().then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Lists the resource and starts the store watch; resolves when the cache is usable. */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the watch cache is closed"));
    this.starting ??= this.start().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /**
   * Starts now and keeps trying until the store answers, so that the cache's window begins
   * when the apiserver does (as Kubernetes' cacher): clients that listed through any replica
   * can then watch through this one from their list's resourceVersion.
   */
  startInBackground(retryDelayMs = 500): void {
    const attempt = (): void => {
      if (this.closed) return;
      this.ready().catch(() => {
        if (!this.closed) setTimeout(attempt, retryDelayMs).unref();
      });
    };
    attempt();
  }

  private async start(): Promise<void> {
    const prefix = registryPrefix(this.info);
    const rangeEnd = prefixRangeEnd(prefix);
    const listing = await this.store.range({ key: prefix, rangeEnd });
    this.objects.clear();
    this.window.length = 0;
    for (const kv of listing.kvs) {
      const stored = decodeKeyValue(kv);
      this.objects.set(stored.key, stored.object);
    }
    this.currentRevision = listing.header.revision;
    this.oldestResumable = listing.header.revision;
    const watch = this.store.watch(
      { key: prefix, rangeEnd, startRevision: listing.header.revision + 1, progressNotify: true },
      {
        events: (batch) => this.apply(batch),
        progress: (revision) => {
          if (revision > this.currentRevision) this.currentRevision = revision;
        },
      },
    );
    this.storeWatch = watch;
    watch.done.then(
      () => undefined,
      (error: unknown) => this.reset(error),
    );
    await watch.created;
  }

  /** The store watch ended (compacted past us, or failed): drop everything and start over. */
  private reset(error: unknown): void {
    if (this.closed) return;
    this.options.log?.({ resource: this.info.resource, error: String(error) }, "watch cache resets");
    this.storeWatch = undefined;
    this.starting = undefined;
    for (const subscriber of this.subscribers) subscriber.sink.close(error instanceof WatchCompactedError ? "the store compacted past the watch cache" : "the watch cache restarted");
    this.subscribers.clear();
    void this.ready().catch(() => undefined);
  }

  private apply(batch: WatchBatch): void {
    const events: CacheEvent[] = [];
    for (const event of batch.events) {
      const key = bytesToText(event.kv.key);
      const previous = this.objects.get(key);
      if (event.type === "PUT") {
        const stored = decodeKeyValue(event.kv);
        this.objects.set(key, stored.object);
        events.push({ revision: batch.revision, key, object: stored.object, previous });
      } else {
        this.objects.delete(key);
        events.push({ revision: batch.revision, key, object: undefined, previous });
      }
    }
    this.currentRevision = Math.max(this.currentRevision, batch.revision);
    for (const event of events) this.window.push(event);
    while (this.window.length > this.options.eventsWindowMax) {
      const evicted = this.window.shift();
      if (evicted !== undefined) this.oldestResumable = evicted.revision;
    }
    for (const subscriber of this.subscribers) this.deliver(subscriber, events, batch.revision);
  }

  private deliver(subscriber: Subscriber, events: readonly CacheEvent[], revision: number): void {
    if (revision <= subscriber.afterRevision) return;
    const out: ClientEvent[] = [];
    for (const event of events) {
      const clientEvent = toClientEvent(event, subscriber.filter);
      if (clientEvent !== undefined) out.push(clientEvent);
    }
    subscriber.afterRevision = revision;
    if (out.length > 0) subscriber.sink.events(out, revision);
  }

  /**
   * Subscribes from `fromRevision` (events after it), or, when undefined, from the current
   * state: an ADDED event per object first, as Kubernetes does for a watch without a
   * resourceVersion. Throws TooOldError when the window no longer reaches back that far.
   */
  subscribe(fromRevision: number | undefined, filter: ObjectFilter, sink: CacheSink): Subscription {
    const subscriber: Subscriber = { filter, sink, afterRevision: fromRevision ?? this.currentRevision };
    if (fromRevision === undefined) {
      const initial: ClientEvent[] = [];
      for (const object of this.objects.values()) {
        if (matchesFilter(filter, object)) initial.push({ type: "ADDED", object });
      }
      if (initial.length > 0) sink.events(initial, this.currentRevision);
    } else {
      if (fromRevision < this.oldestResumable) {
        throw new TooOldError(`too old resource version: ${fromRevision} (${this.oldestResumable})`);
      }
      // Replay the window after fromRevision, one revision at a time.
      let index = 0;
      while (index < this.window.length) {
        const revision = this.window[index]?.revision ?? 0;
        const group: CacheEvent[] = [];
        while (index < this.window.length && this.window[index]?.revision === revision) group.push(this.window[index++] as CacheEvent);
        this.deliver(subscriber, group, revision);
      }
    }
    this.subscribers.add(subscriber);
    return {
      get revision() {
        return subscriber.afterRevision;
      },
      cancel: () => {
        this.subscribers.delete(subscriber);
      },
    };
  }

  /**
   * The cached objects the filter selects, in key order, and the revision they are current to:
   * what a LIST with resourceVersion=0 ("any version") gets, as Kubernetes serves it from its
   * watch cache. Undefined while the cache is not started.
   */
  list(filter: ObjectFilter): { items: { key: string; object: KubeObject }[]; revision: number } | undefined {
    if (this.storeWatch === undefined) return undefined;
    const keys = [...this.objects.keys()].sort();
    const items: { key: string; object: KubeObject }[] = [];
    for (const key of keys) {
      const object = this.objects.get(key);
      if (object !== undefined && matchesFilter(filter, object)) items.push({ key, object });
    }
    return { items, revision: this.currentRevision };
  }

  /**
   * The cached object at `key` as of `revision`, or null when the cache cannot say (not started,
   * or not yet caught up to `revision`); undefined when the cache is current and has no such key.
   */
  peek(key: string, revision: number): KubeObject | undefined | null {
    if (this.storeWatch === undefined || this.currentRevision < revision) return null;
    return this.objects.get(key);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  close(): void {
    this.closed = true;
    this.storeWatch?.close();
    for (const subscriber of this.subscribers) subscriber.sink.close("the apiserver is shutting down");
    this.subscribers.clear();
  }
}

const deletedStates = new WeakMap<CacheEvent, KubeObject>();

/** What one subscriber sees of a change, given its filter (Kubernetes' cacher rules). */
function toClientEvent(event: CacheEvent, filter: ObjectFilter): ClientEvent | undefined {
  const nowMatches = event.object !== undefined && matchesFilter(filter, event.object);
  const beforeMatched = event.previous !== undefined && matchesFilter(filter, event.previous);
  if (event.object !== undefined && nowMatches) return { type: beforeMatched ? "MODIFIED" : "ADDED", object: event.object };
  if (beforeMatched && event.previous !== undefined) {
    // Deleted, or no longer selected: the last state the client saw, at this event's revision
    // (made once per event, shared by every watcher: serialized once too).
    let object = deletedStates.get(event);
    if (object === undefined) {
      object = withResourceVersion(structuredClone(event.previous), event.revision);
      deletedStates.set(event, object);
    }
    return { type: "DELETED", object };
  }
  return undefined;
}

export class WatchCaches {
  private readonly caches = new Map<string, WatchCache>();

  constructor(
    private readonly store: StoreClient,
    private readonly options: WatchCacheOptions,
  ) {}

  for(info: ResourceInfo): WatchCache {
    const name = `${info.group}/${info.resource}`;
    let cache = this.caches.get(name);
    if (cache === undefined) {
      cache = new WatchCache(this.store, info, this.options);
      this.caches.set(name, cache);
    }
    return cache;
  }

  /** Starts the cache of every watchable resource now (see WatchCache.startInBackground). */
  startAll(infos: readonly ResourceInfo[]): void {
    for (const info of infos) if (info.verbs.includes("watch")) this.for(info).startInBackground();
  }

  close(): void {
    for (const cache of this.caches.values()) cache.close();
  }
}

