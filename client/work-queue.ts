// The work queue between informer handlers and reconcile workers, after client-go's
// k8s.io/client-go/util/workqueue (Type + DelayingQueue + RateLimitingQueue in one class).
//
// Rules, as client-go's:
// - A key is queued at most once: adding a key that is already queued changes nothing.
// - A key is handed to one worker at a time: a key added while it is being processed is only
//   marked dirty, and goes back on the queue when the worker calls `done`.
// - Delayed adds (`addAfter`, `addRateLimited`) wait in a heap; an earlier deadline for the same
//   key replaces a later one, a later one is ignored.
// - After `shutDown`, adds are ignored; keys already queued are still handed out, then `get`
//   resolves `undefined`. Keys waiting on a delay are dropped.
//
// Everything runs synchronously on the event loop: each method checks and changes the state with
// no `await` in between, so there is no interleaving to guard against. Time comes from an
// injected Clock so tests drive it by hand.

import assert from "node:assert/strict";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.js";

/** Opaque handle of a pending timer; only the clock that made it knows what it is. */
export type TimerHandle = unknown;

/** Monotonic time and timers, injected so tests use a fake clock and never sleep. */
export interface Clock {
  /** Milliseconds on a monotonic clock (only differences are meaningful). */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The process's real clock: performance.now() because wall-clock steps must not move deadlines. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface WorkQueueOptions {
  readonly clock?: Clock;
  /** Decides `addRateLimited` delays; defaults to client-go's DefaultControllerRateLimiter. */
  readonly rateLimiter?: RateLimiter;
}

/** A FIFO of unique keys with O(1) push and shift (Array.shift is O(n) on long arrays). */
class KeyFifo {
  private keys: string[] = [];
  private head = 0;

  push(key: string): void {
    this.keys.push(key);
  }

  shift(): string | undefined {
    const key = this.keys[this.head];
    if (key === undefined) return undefined;
    this.head += 1;
    // Reclaim the consumed prefix once it is at least half the array, keeping shift amortized O(1).
    if (this.head * 2 >= this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.head = 0;
    }
    return key;
  }

  get length(): number {
    return this.keys.length - this.head;
  }
}

interface Deadline {
  readonly key: string;
  readonly readyAtMs: number;
}

/**
 * A binary min-heap of deadlines. Entries are never removed from the middle: when a key's
 * deadline moves earlier a new entry is pushed and the stale one is skipped when it surfaces
 * (the caller checks it against its map of current deadlines).
 */
class DeadlineHeap {
  private readonly entries: Deadline[] = [];

  push(entry: Deadline): void {
    this.entries.push(entry);
    let index = this.entries.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.swapIfLess(index, parent)) break;
      index = parent;
    }
  }

  peek(): Deadline | undefined {
    return this.entries[0];
  }

  pop(): Deadline | undefined {
    const top = this.entries[0];
    const last = this.entries.pop();
    if (top === undefined || last === undefined || this.entries.length === 0) return top;
    this.entries[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      const smaller = this.isLess(right, left) ? right : left;
      if (!this.swapIfLess(smaller, index)) break;
      index = smaller;
    }
    return top;
  }

  clear(): void {
    this.entries.length = 0;
  }

  private isLess(a: number, b: number): boolean {
    const first = this.entries[a];
    const second = this.entries[b];
    return first !== undefined && (second === undefined || first.readyAtMs < second.readyAtMs);
  }

  /** Swaps child and parent when the child is earlier; says whether it did. */
  private swapIfLess(child: number, parent: number): boolean {
    const childEntry = this.entries[child];
    const parentEntry = this.entries[parent];
    if (childEntry === undefined || parentEntry === undefined) return false;
    if (childEntry.readyAtMs >= parentEntry.readyAtMs) return false;
    this.entries[child] = parentEntry;
    this.entries[parent] = childEntry;
    return true;
  }
}

export class WorkQueue {
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter;

  /** Keys ready for a worker, in order; each is also in `dirty` and never in `processing`. */
  private readonly queue = new KeyFifo();
  /** Keys that need processing: queued, or re-added while a worker holds them. */
  private readonly dirty = new Set<string>();
  /** Keys handed to a worker and not yet `done`. */
  private readonly processing = new Set<string>();
  /** Workers parked in `get()` while the queue is empty, first come first served. */
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  /** Callers of `shutDownWithDrain()` waiting for `processing` to empty. */
  private readonly drainWaiters: Array<() => void> = [];

  /** The current deadline of each delayed key; authoritative over `deadlines` entries. */
  private readonly waiting = new Map<string, number>();
  private readonly deadlines = new DeadlineHeap();
  private timer: { readonly handle: TimerHandle; readonly atMs: number } | undefined;

  private shuttingDownFlag = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter();
  }

  /** Marks `key` as needing processing. */
  add(key: string): void {
    if (this.shuttingDownFlag || this.dirty.has(key)) return;
    this.dirty.add(key);
    // A worker holds it: `done` re-queues it, so that no two workers ever hold one key.
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.dispatch();
  }

  /** Adds `key` after `delayMs`; zero or negative adds now. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDownFlag) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAtMs = this.clock.now() + delayMs;
    const current = this.waiting.get(key);
    // One pending add per key; the earliest deadline wins, as client-go's waitingForQueue.
    if (current !== undefined && current <= readyAtMs) return;
    this.waiting.set(key, readyAtMs);
    this.deadlines.push({ key, readyAtMs });
    this.armTimer();
  }

  /** Adds `key` after the rate limiter's delay; call on a failed reconcile. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.rateLimiter.when(key, this.clock.now()));
  }

  /** Resets `key`'s back-off; call when it reconciled successfully. Does not dequeue it. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  /** How many times `key` was rate-limited since it was last forgotten. */
  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /**
   * The next key to process, which the caller owns until it calls `done(key)`; waits while the
   * queue is empty. `undefined` means the queue is shut down and empty: the worker should exit.
   */
  get(): Promise<string | undefined> {
    const key = this.take();
    if (key !== undefined || this.shuttingDownFlag) return Promise.resolve(key);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends processing of `key`; if it was added meanwhile, queues it again. */
  done(key: string): void {
    // Calling done for a key this worker does not hold is a bug in the caller.
    assert.ok(this.processing.has(key), `work queue: done(${key}) for a key not being processed`);
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.dispatch();
    } else if (this.processing.size === 0) {
      this.settleDrain();
    }
  }

  /** Ignores further adds, drops delayed keys, and releases waiting workers with `undefined`. */
  shutDown(): void {
    if (this.shuttingDownFlag) return;
    this.shuttingDownFlag = true;
    this.stopDelays();
    // Parked workers exist only while the queue is empty, so nothing is left to hand them.
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
    this.settleDrain();
  }

  /** Shuts down, then resolves once every key handed out has been `done`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.shuttingDownFlag;
  }

  /** Keys ready for a worker (not those being processed or waiting on a delay). */
  len(): number {
    return this.queue.length;
  }

  /** Moves the next queued key to `processing`, or says there is none. */
  private take(): string | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  /** Hands queued keys to parked workers, synchronously, so no other caller can take them first. */
  private dispatch(): void {
    while (this.waiters.length > 0 && this.queue.length > 0) {
      const resolve = this.waiters.shift();
      const key = this.take();
      if (resolve !== undefined && key !== undefined) resolve(key);
    }
  }

  private settleDrain(): void {
    if (!this.shuttingDownFlag || this.processing.size > 0) return;
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** Keeps one timer, set for the earliest deadline. */
  private armTimer(): void {
    const next = this.deadlines.peek();
    if (next === undefined) return;
    if (this.timer !== undefined) {
      if (this.timer.atMs <= next.readyAtMs) return;
      this.clock.clearTimeout(this.timer.handle);
    }
    const delayMs = Math.max(0, next.readyAtMs - this.clock.now());
    const handle = this.clock.setTimeout(() => this.onTimer(), delayMs);
    this.timer = { handle, atMs: next.readyAtMs };
  }

  private onTimer(): void {
    this.timer = undefined;
    const nowMs = this.clock.now();
    for (let next = this.deadlines.peek(); next !== undefined && next.readyAtMs <= nowMs; next = this.deadlines.peek()) {
      this.deadlines.pop();
      // A stale entry: the key's deadline moved earlier and that entry already fired.
      if (this.waiting.get(next.key) !== next.readyAtMs) continue;
      this.waiting.delete(next.key);
      this.add(next.key);
    }
    this.armTimer();
  }

  private stopDelays(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
    this.waiting.clear();
    this.deadlines.clear();
  }
}
