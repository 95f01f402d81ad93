import { compareBytes, keySpan } from "./bytes.js";
import type { KeySpan } from "./bytes.js";
import type { MvccStore } from "./mvcc-store.js";
import type { WatchEvent } from "./types.js";
import { MvccError } from "./types.js";

/** Events read from history per step while a watcher catches up. */
export const watchCatchUpEventsMax = 1000;

export interface WatchOptions {
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array;
  /** 0: from now on. Otherwise the first revision to deliver. */
  readonly startRevision: number;
  readonly prevKv: boolean;
  readonly noPut: boolean;
  readonly noDelete: boolean;
}

export interface WatchSink {
  /** Events of whole revisions, in order; `revision` is the store's revision when sent. */
  events(events: readonly WatchEvent[], revision: number): void;
  /** The watch ended on the store's side: history it needs was compacted (compactRevision) or it fell behind. */
  canceled(reason: string, compactRevision: number): void;
}

interface Watcher {
  readonly id: number;
  readonly span: KeySpan;
  readonly options: WatchOptions;
  readonly sink: WatchSink;
  /** The next revision this watcher needs. */
  nextRevision: number;
  synced: boolean;
}

/**
 * One event feed per member, fanned out to every watcher (no per-watcher scan of the store on
 * a write). A watcher from an old revision first replays history in bounded steps, then joins
 * the live feed at exactly the next revision: no gap, no duplicate. The caller delivers each
 * applied revision's events with `publish`, synchronously after applying, so that a watcher
 * checking "caught up?" and joining the feed cannot miss a revision in between.
 */
export class WatchHub {
  private readonly watchers = new Map<number, Watcher>();
  private readonly catchingUp = new Set<number>();
  private nextId = 1;
  private catchUpScheduled = false;
  private closed = false;

  constructor(
    private readonly store: MvccStore,
    /** Runs a catch-up step later (setImmediate in the member), so replay never blocks applies. */
    private readonly defer: (step: () => void) => void,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Starts a watch; returns its id, or throws the compacted MvccError if its start is gone. */
  add(options: WatchOptions, sink: WatchSink): number {
    // A closed hub (the member stopped; its connections are about to be cut) delivers nothing.
    if (this.closed) return this.nextId++;
    const current = this.store.currentRevision();
    const start = options.startRevision > 0 ? options.startRevision : current + 1;
    // As etcd: a watch may start at the compact revision itself, not before it.
    if (start < this.store.compactRevision()) throw new MvccError(11, "etcdserver: mvcc: required revision has been compacted");
    const watcher: Watcher = { id: this.nextId++, span: keySpan(options.key, options.rangeEnd), options, sink, nextRevision: start, synced: start > current };
    this.watchers.set(watcher.id, watcher);
    if (!watcher.synced) {
      this.catchingUp.add(watcher.id);
      this.scheduleCatchUp();
    }
    return watcher.id;
  }

  cancel(id: number): boolean {
    this.catchingUp.delete(id);
    return this.watchers.delete(id);
  }

  /** The store is closing: every watcher is dropped and no catch-up step runs again. */
  close(): void {
    this.closed = true;
    this.watchers.clear();
    this.catchingUp.clear();
  }

  /** The events of applied revisions, in order (call right after the apply, before any await). */
  publish(events: readonly WatchEvent[]): void {
    if (events.length === 0 || this.watchers.size === 0) return;
    const revision = this.store.currentRevision();
    for (const watcher of this.watchers.values()) {
      if (!watcher.synced) continue;
      // A watch asked to start past the current revision hears nothing before its start (etcd's
      // minRev): its nextRevision stays ahead until the store gets there.
      const matching = this.select(watcher, watcher.nextRevision > (events[0]?.kv.modRevision ?? 0) ? events.filter((e) => e.kv.modRevision >= watcher.nextRevision) : events);
      watcher.nextRevision = Math.max(watcher.nextRevision, revision + 1);
      // Live events go out one revision per answer, as etcd sends them.
      for (const group of byRevision(matching)) watcher.sink.events(group, group[0]?.kv.modRevision ?? revision);
    }
  }

  /** The store was replaced by a snapshot: every watcher catches up again from where it was. */
  restored(): void {
    for (const watcher of this.watchers.values()) {
      watcher.synced = false;
      this.catchingUp.add(watcher.id);
    }
    if (this.catchingUp.size > 0) this.scheduleCatchUp();
  }

  /** Whether a watcher has caught up with the live feed (only those get progress notifications). */
  isSynced(id: number): boolean {
    return this.watchers.get(id)?.synced === true;
  }

  /** The events a watcher wants, without prevKv unless it asked for it. */
  private select(watcher: Watcher, events: readonly WatchEvent[]): WatchEvent[] {
    const selected: WatchEvent[] = [];
    for (const event of events) {
      if (!this.wants(watcher, event)) continue;
      selected.push(watcher.options.prevKv || event.prevKv === undefined ? event : { type: event.type, kv: event.kv });
    }
    return selected;
  }

  private wants(watcher: Watcher, event: WatchEvent): boolean {
    if (event.type === "PUT" ? watcher.options.noPut : watcher.options.noDelete) return false;
    return inSpan(watcher.span, event.kv.key);
  }

  private scheduleCatchUp(): void {
    if (this.catchUpScheduled) return;
    this.catchUpScheduled = true;
    this.defer(() => {
      this.catchUpScheduled = false;
      this.catchUpStep();
    });
  }

  /** One bounded step of history replay for every watcher behind the live feed. */
  private catchUpStep(): void {
    for (const id of [...this.catchingUp]) {
      const watcher = this.watchers.get(id);
      if (watcher === undefined) {
        this.catchingUp.delete(id);
        continue;
      }
      let result: { events: WatchEvent[]; lastRevision: number };
      try {
        const { key, rangeEnd, prevKv } = watcher.options;
        result = this.store.eventsSince(watcher.nextRevision, key, rangeEnd, prevKv, watchCatchUpEventsMax);
      } catch (error) {
        // Compacted while catching up: the watcher must relist.
        this.cancel(id);
        watcher.sink.canceled(error instanceof Error ? error.message : "compacted", this.store.compactRevision());
        continue;
      }
      const matching = this.select(watcher, result.events);
      watcher.nextRevision = result.lastRevision + 1;
      if (watcher.nextRevision > this.store.currentRevision()) {
        // Caught up, in the same turn as the check: the next publish is its next revision.
        watcher.synced = true;
        this.catchingUp.delete(id);
      }
      if (matching.length > 0) watcher.sink.events(matching, this.store.currentRevision());
    }
    if (this.catchingUp.size > 0) this.scheduleCatchUp();
  }
}

function byRevision(events: readonly WatchEvent[]): WatchEvent[][] {
  const groups: WatchEvent[][] = [];
  for (const event of events) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0]?.kv.modRevision === event.kv.modRevision) last.push(event);
    else groups.push([event]);
  }
  return groups;
}

function inSpan(span: KeySpan, key: Uint8Array): boolean {
  switch (span.kind) {
    case "single":
      return compareBytes(key, span.key) === 0;
    case "from":
      return compareBytes(key, span.key) >= 0;
    case "between":
      return compareBytes(key, span.key) >= 0 && compareBytes(key, span.end) < 0;
  }
}
