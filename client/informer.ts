// The informer: a local, indexed, read-only copy of one resource, kept current by list + watch,
// with handlers told of every change (client-go's Reflector + DeltaFIFO + Indexer +
// SharedInformer, folded into one class because kube-lite has no shared factory to feed).
//
// - Start: list (resourceVersion=0, served from the apiserver's watch cache, as client-go does),
//   then watch from the list's resourceVersion with bookmarks.
// - A watch that ends or breaks resumes from the last resourceVersion delivered, on whichever
//   apiserver the client now reaches: every event once, none invented.
// - 410 Gone (that resourceVersion has been compacted): relist with a consistent read and deliver
//   the difference between the cache and the list as add / update / delete events.
// - Every resyncPeriodMs, onUpdate(o, o) for every object, so level-triggered loops re-check.
// - Cached objects are deep-frozen: a caller that wants to change one must structuredClone it.
//   Handlers run synchronously, in event order, after the cache has changed.
import type { Logger } from "pino";
import { isGone } from "./errors.js";
import { objectKey, type ResourceType } from "./resources.js";
import { sleepUnlessAborted } from "./sleep.js";
import type { KubeClient, ListOptions } from "./rest-client.js";
import type { KubeObject, WatchEvent } from "./types.js";

export interface InformerHandler<T extends KubeObject> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, object: T): void;
  onDelete?(object: T): void;
}

export type Indexer<T extends KubeObject> = (object: T) => readonly string[];

export interface InformerOptions<T extends KubeObject> {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** 0 (the default) turns resync off. */
  readonly resyncPeriodMs?: number;
  /** Extra indexes by name; "namespace" always exists. */
  readonly indexers?: Readonly<Record<string, Indexer<T>>>;
  readonly logger?: Logger;
  /** Page size of consistent relists (client-go: 500). */
  readonly pageSize?: number;
  /** Each watch asks the server to end it after a random time in [min, 2·min) (client-go: 5 min). */
  readonly watchTimeoutSecondsMin?: number;
}

/** One change the informer delivers. */
export type InformerDelta<T extends KubeObject> =
  | { readonly kind: "add"; readonly object: T }
  | { readonly kind: "update"; readonly previous: T; readonly object: T }
  | { readonly kind: "delete"; readonly object: T };

export const namespaceIndex = "namespace";

const backoffMinMs = 800; // client-go's reflector back-off manager: 800 ms doubling to 30 s
const backoffMaxMs = 30_000;
const shortWatchMs = 1_000;

/**
 * Whether informers freeze what they cache, so a control loop that mutates a cached object throws
 * instead of corrupting the cache. Like client-go's cache mutation detector it is a check for
 * tests, set by the same environment variable (KUBE_CACHE_MUTATION_DETECTOR=true; `npm test` sets
 * it for every test and the processes they start): freezing every object of every watch event
 * took 3–6 % of the scheduler's and the controller-manager's CPU.
 */
const freezeCache = /^(1|true)$/i.test(process.env.KUBE_CACHE_MUTATION_DETECTOR ?? "");

function cached<T>(value: T): T {
  return freezeCache ? deepFreeze(value) : value;
}

/** Freezes an object and everything inside it, so a caller's mutation throws instead of corrupting the cache. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * The pure part of a relist: given the cache and a fresh list, the events that turn one into the
 * other. Objects whose resourceVersion did not change produce nothing (no invented updates).
 */
export function diffForReplace<T extends KubeObject>(cache: ReadonlyMap<string, T>, listed: readonly T[]): InformerDelta<T>[] {
  const deltas: InformerDelta<T>[] = [];
  const seen = new Set<string>();
  for (const object of listed) {
    const key = objectKey(object);
    seen.add(key);
    const previous = cache.get(key);
    if (previous === undefined) deltas.push({ kind: "add", object });
    else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion || previous.metadata.uid !== object.metadata.uid) {
      if (previous.metadata.uid !== object.metadata.uid) {
        // Deleted and re-created while we were not watching: two events, as they happened.
        deltas.push({ kind: "delete", object: previous }, { kind: "add", object });
      } else deltas.push({ kind: "update", previous, object });
    }
  }
  for (const [key, previous] of cache) {
    if (!seen.has(key)) deltas.push({ kind: "delete", object: previous });
  }
  return deltas;
}


export class Informer<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  /** index name → index value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly indexers: Record<string, Indexer<T>>;
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly abort = new AbortController();
  private resourceVersion = "";
  private synced = false;
  private started = false;
  private readonly syncWaiters: (() => void)[] = [];
  private resyncTimer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly type: ResourceType,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.indexers = { [namespaceIndex]: (o) => [o.metadata.namespace ?? ""], ...options.indexers };
    for (const name of Object.keys(this.indexers)) this.indices.set(name, new Map());
  }

  /** More indexes, before start (several users of one shared informer each bring theirs). */
  addIndexers(indexers: Readonly<Record<string, Indexer<T>>>): void {
    if (this.started) throw new Error(`indexes on ${this.type.resource} must be added before the informer starts`);
    for (const [name, indexer] of Object.entries(indexers)) {
      if (name in this.indexers) throw new Error(`informer for ${this.type.resource} already has an index '${name}'`);
      this.indexers[name] = indexer;
      this.indices.set(name, new Map());
    }
  }

  /** Handlers added after the first sync are told of every cached object as an add, as in client-go. */
  addHandler(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
    if (this.synced) for (const object of this.items.values()) this.call(handler, { kind: "add", object });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.running = this.run();
    const period = this.options.resyncPeriodMs ?? 0;
    if (period > 0) {
      this.resyncTimer = setInterval(() => this.resync(), period);
      this.resyncTimer.unref();
    }
  }

  /** Stops watching; resolves when the watch loop has ended. The cache stays readable. */
  async stop(): Promise<void> {
    this.abort.abort(new Error("informer stopped"));
    if (this.resyncTimer !== undefined) clearInterval(this.resyncTimer);
    for (const wake of this.syncWaiters.splice(0)) wake();
    await this.running;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache (or the informer is stopped). */
  waitForSync(): Promise<void> {
    if (this.synced || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** The resourceVersion the cache is current to. */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  get size(): number {
    return this.items.size;
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (index === undefined) throw new Error(`informer for ${this.type.resource} has no index '${indexName}'`);
    const keys = index.get(value);
    if (keys === undefined) return [];
    const found: T[] = [];
    for (const key of keys) {
      const object = this.items.get(key);
      if (object !== undefined) found.push(object);
    }
    return found;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let needList = true;
    let listResourceVersion = "0";
    let backoffMs = backoffMinMs;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.listAndReplace(listResourceVersion);
          needList = false;
        }
        const { events, durationMs } = await this.watchOnce(signal);
        if (events > 0 || durationMs >= shortWatchMs) backoffMs = backoffMinMs;
        else {
          // Ended at once with nothing: do not spin against a server that closes every watch.
          await sleepUnlessAborted(backoffMs, signal);
          backoffMs = Math.min(backoffMs * 2, backoffMaxMs);
        }
      } catch (error) {
        if (signal.aborted) break;
        if (isGone(error)) {
          // The resourceVersion we hold is compacted away: only a consistent relist can catch up.
          this.options.logger?.info({ resource: this.type.resource, resourceVersion: this.resourceVersion }, "watch expired (410); relisting");
          needList = true;
          listResourceVersion = "";
          continue;
        }
        this.options.logger?.warn({ resource: this.type.resource, error: (error as Error).message }, needList ? "list failed; retrying" : "watch broke; resuming");
        await sleepUnlessAborted(backoffMs, signal);
        backoffMs = Math.min(backoffMs * 2, backoffMaxMs);
      }
    }
  }

  private selectors(): Pick<ListOptions, "namespace" | "labelSelector" | "fieldSelector"> {
    const { namespace, labelSelector, fieldSelector } = this.options;
    return { namespace, labelSelector, fieldSelector };
  }

  private async listAndReplace(resourceVersion: string): Promise<void> {
    const listed: T[] = [];
    let continueToken: string | undefined;
    let listVersion = "";
    do {
      const page = await this.client.list<T>(this.type, {
        ...this.selectors(),
        resourceVersion: continueToken === undefined ? resourceVersion : undefined,
        limit: resourceVersion === "0" ? undefined : (this.options.pageSize ?? 500),
        continue: continueToken,
      });
      // A list's items carry no apiVersion/kind; give them the type's, as client-go's decoder does.
      for (const item of page.items) listed.push(cached({ ...item, apiVersion: this.type.apiVersion, kind: this.type.kind }));
      listVersion = page.metadata.resourceVersion ?? listVersion;
      continueToken = page.metadata.continue === "" ? undefined : page.metadata.continue;
    } while (continueToken !== undefined && !this.abort.signal.aborted);
    if (this.abort.signal.aborted) return;
    for (const delta of diffForReplace(this.items, listed)) this.apply(delta);
    this.resourceVersion = listVersion;
    if (!this.synced) {
      this.synced = true;
      for (const wake of this.syncWaiters.splice(0)) wake();
    }
  }

  private async watchOnce(signal: AbortSignal): Promise<{ events: number; durationMs: number }> {
    const startedMs = performance.now();
    const minSeconds = this.options.watchTimeoutSecondsMin ?? 300;
    const timeoutSeconds = Math.floor(minSeconds * (1 + Math.random()));
    const stream = this.client.watch<T>(this.type, { ...this.selectors(), resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds }, signal);
    let events = 0;
    for await (const event of stream) {
      events += 1;
      this.handleWatchEvent(event);
    }
    return { events, durationMs: performance.now() - startedMs };
  }

  private handleWatchEvent(event: WatchEvent<T>): void {
    const version = event.object.metadata.resourceVersion;
    if (event.type === "BOOKMARK") {
      if (version !== undefined) this.resourceVersion = version;
      return;
    }
    const object = cached({ ...event.object, apiVersion: event.object.apiVersion ?? this.type.apiVersion, kind: event.object.kind ?? this.type.kind });
    const key = objectKey(object);
    const previous = this.items.get(key);
    if (event.type === "DELETED") {
      if (previous !== undefined) this.apply({ kind: "delete", object });
    } else if (previous === undefined) this.apply({ kind: "add", object });
    else this.apply({ kind: "update", previous, object });
    if (version !== undefined) this.resourceVersion = version;
  }

  /** Changes the cache and indexes, then tells the handlers. */
  private apply(delta: InformerDelta<T>): void {
    const key = objectKey(delta.object);
    if (delta.kind !== "add") this.unindex(key, delta.kind === "update" ? delta.previous : (this.items.get(key) ?? delta.object));
    if (delta.kind === "delete") this.items.delete(key);
    else {
      this.items.set(key, delta.object);
      this.index(key, delta.object);
    }
    for (const handler of this.handlers) this.call(handler, delta);
  }

  private index(key: string, object: T): void {
    for (const [name, indexer] of Object.entries(this.indexers)) {
      const index = this.indices.get(name) as Map<string, Set<string>>;
      for (const value of indexer(object)) {
        let keys = index.get(value);
        if (keys === undefined) index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private unindex(key: string, object: T): void {
    for (const [name, indexer] of Object.entries(this.indexers)) {
      const index = this.indices.get(name) as Map<string, Set<string>>;
      for (const value of indexer(object)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }

  private call(handler: InformerHandler<T>, delta: InformerDelta<T>): void {
    try {
      if (delta.kind === "add") handler.onAdd?.(delta.object);
      else if (delta.kind === "update") handler.onUpdate?.(delta.previous, delta.object);
      else handler.onDelete?.(delta.object);
    } catch (error) {
      // A handler's bug must not stop the informer or the other handlers.
      this.options.logger?.error({ resource: this.type.resource, error: (error as Error).stack }, "informer handler threw");
    }
  }

  private resync(): void {
    if (!this.synced || this.abort.signal.aborted) return;
    for (const object of this.items.values()) {
      for (const handler of this.handlers) this.call(handler, { kind: "update", previous: object, object });
    }
  }
}
