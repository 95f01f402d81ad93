import { describe, it, expect } from "vitest";
import { BucketRateLimiter, ItemExponentialFailureRateLimiter } from "./rate-limiter.js";
import { WorkQueue, type Clock, type TimerHandle } from "./work-queue.js";

/** A clock that moves only when the test says so; timers fire in deadline order. */
class FakeClock implements Clock {
  private nowMs = 1000;
  private nextId = 0;
  private readonly timers = new Map<number, { readonly atMs: number; readonly callback: () => void }>();

  now(): number {
    return this.nowMs;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    this.nextId += 1;
    this.timers.set(this.nextId, { atMs: this.nowMs + delayMs, callback });
    return this.nextId;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const targetMs = this.nowMs + ms;
    for (;;) {
      const due = [...this.timers].filter(([, timer]) => timer.atMs <= targetMs).sort(([, a], [, b]) => a.atMs - b.atMs)[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.timers.delete(id);
      this.nowMs = timer.atMs;
      timer.callback();
    }
    this.nowMs = targetMs;
  }
}

const pending = Symbol("pending");

/** The promise's value if it has settled by now, else `pending` (after draining microtasks). */
async function peek<T>(promise: Promise<T>): Promise<T | typeof pending> {
  return Promise.race([promise, new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending)))]);
}

function newQueue(clock = new FakeClock()): { queue: WorkQueue; clock: FakeClock } {
  return { queue: new WorkQueue({ clock }), clock };
}

describe("WorkQueue: de-duplication and ordering", () => {
  it("queues a key added twice once, and hands keys out first in first out", async () => {
    const { queue } = newQueue();
    queue.add("a");
    queue.add("b");
    queue.add("a");
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe("a");
    expect(await queue.get()).toBe("b");
    expect(queue.len()).toBe(0);
  });

  it("re-queues a key added during processing once, after done, not before", async () => {
    const { queue } = newQueue();
    queue.add("a");
    expect(await queue.get()).toBe("a");
    queue.add("a");
    queue.add("a");
    expect(queue.len()).toBe(0);
    queue.done("a");
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe("a");
    queue.done("a");
    expect(queue.len()).toBe(0);
  });

  it("does not re-queue a key on done when nobody added it meanwhile", async () => {
    const { queue } = newQueue();
    queue.add("a");
    queue.done((await queue.get()) ?? "");
    expect(queue.len()).toBe(0);
    expect(await peek(queue.get())).toBe(pending);
  });

  it("refuses done for a key that is not being processed (a caller bug)", async () => {
    const { queue } = newQueue();
    expect(() => queue.done("never-got")).toThrow(/not being processed/);
    queue.add("a");
    queue.done((await queue.get()) ?? "");
    expect(() => queue.done("a")).toThrow(/not being processed/);
  });

  it("keeps its FIFO correct across many keys (the compacting array)", async () => {
    const { queue } = newQueue();
    const keys = Array.from({ length: 1000 }, (_, index) => `k${index}`);
    for (const key of keys.slice(0, 600)) queue.add(key);
    const seen: string[] = [];
    for (let index = 0; index < 400; index += 1) seen.push((await queue.get()) ?? "");
    for (const key of keys.slice(600)) queue.add(key);
    while (queue.len() > 0) seen.push((await queue.get()) ?? "");
    expect(seen).toEqual(keys);
  });
});

describe("WorkQueue: concurrent workers", () => {
  it("gives parked workers distinct keys in the order they asked", async () => {
    const { queue } = newQueue();
    const first = queue.get();
    const second = queue.get();
    const third = queue.get();
    expect(await peek(first)).toBe(pending);
    queue.add("a");
    queue.add("b");
    expect(await peek(first)).toBe("a");
    expect(await peek(second)).toBe("b");
    expect(await peek(third)).toBe(pending);
  });

  it("never hands one key to two workers: a re-add during processing waits for done", async () => {
    const { queue } = newQueue();
    const first = queue.get();
    const second = queue.get();
    queue.add("a");
    expect(await first).toBe("a");
    queue.add("a");
    // The second worker is idle and the key is dirty, yet it must not get "a" while the first holds it.
    expect(await peek(second)).toBe(pending);
    queue.done("a");
    expect(await peek(second)).toBe("a");
  });

  it("hands a key re-added during processing to exactly one of several waiting workers", async () => {
    const { queue } = newQueue();
    queue.add("a");
    expect(await queue.get()).toBe("a");
    const waiting = [queue.get(), queue.get(), queue.get()];
    queue.add("a");
    queue.done("a");
    const results = await Promise.all(waiting.map((promise) => peek(promise)));
    expect(results.filter((result) => result === "a")).toHaveLength(1);
    expect(results.filter((result) => result === pending)).toHaveLength(2);
  });

  it("processes keys one worker at a time with several async workers, re-adds included", async () => {
    const { queue } = newQueue();
    const inFlight = new Set<string>();
    const processed: string[] = [];
    let overlap = false;
    let allProcessed = (): void => {};
    const eightProcessed = new Promise<void>((resolve) => (allProcessed = resolve));
    const worker = async (): Promise<void> => {
      for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
        if (inFlight.has(key)) overlap = true;
        inFlight.add(key);
        // The first time a key is seen it is re-added mid-flight, as an informer event would.
        if (!processed.includes(key)) queue.add(key);
        // Yield so the other workers run while this key is held.
        await new Promise((resolve) => setImmediate(resolve));
        inFlight.delete(key);
        processed.push(key);
        queue.done(key);
        if (processed.length === 8) allProcessed();
      }
    };
    const workers = [worker(), worker(), worker()];
    for (const key of ["a", "b", "c", "d"]) queue.add(key);
    await eightProcessed;
    await queue.shutDownWithDrain();
    await Promise.all(workers);
    expect(overlap).toBe(false);
    // Each key twice: once for the add, once (not more) for the re-add during processing.
    expect([...processed].sort()).toEqual(["a", "a", "b", "b", "c", "c", "d", "d"]);
  });
});

describe("WorkQueue: shutdown", () => {
  it("releases workers waiting in get() with undefined and ignores later adds", async () => {
    const { queue } = newQueue();
    const workers = [queue.get(), queue.get()];
    queue.shutDown();
    expect(await Promise.all(workers)).toEqual([undefined, undefined]);
    expect(queue.shuttingDown()).toBe(true);
    queue.add("a");
    expect(queue.len()).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });

  it("still hands out keys queued before shutdown, then undefined (as client-go)", async () => {
    const { queue } = newQueue();
    queue.add("a");
    queue.shutDown();
    expect(await queue.get()).toBe("a");
    expect(await queue.get()).toBeUndefined();
  });

  it("shutDownWithDrain resolves only when every handed-out key is done", async () => {
    const { queue } = newQueue();
    queue.add("a");
    queue.add("b");
    const a = await queue.get();
    const b = await queue.get();
    const drained = queue.shutDownWithDrain();
    expect(await peek(drained)).toBe(pending);
    queue.done(a ?? "");
    expect(await peek(drained)).toBe(pending);
    queue.done(b ?? "");
    expect(await peek(drained)).toBeUndefined();
  });

  it("shutDownWithDrain with nothing in flight resolves at once", async () => {
    const { queue } = newQueue();
    expect(await peek(queue.shutDownWithDrain())).toBeUndefined();
  });

  it("a key dirtied before the drain is processed again before the drain resolves", async () => {
    const { queue } = newQueue();
    queue.add("a");
    expect(await queue.get()).toBe("a");
    queue.add("a");
    const drained = queue.shutDownWithDrain();
    queue.done("a");
    expect(await peek(drained)).toBe(pending);
    expect(await queue.get()).toBe("a");
    queue.done("a");
    expect(await peek(drained)).toBeUndefined();
  });

  it("drops keys waiting on a delay and cancels the timer", async () => {
    const { queue, clock } = newQueue();
    queue.addAfter("later", 50);
    expect(clock.pendingTimers()).toBe(1);
    queue.shutDown();
    expect(clock.pendingTimers()).toBe(0);
    queue.addAfter("after-shutdown", 10);
    clock.advance(100);
    expect(queue.len()).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });
});

describe("WorkQueue: delayed adds", () => {
  it("adds a key only once its delay has passed", () => {
    const { queue, clock } = newQueue();
    queue.addAfter("a", 100);
    clock.advance(99);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
  });

  it("adds at once for a zero or negative delay", () => {
    const { queue, clock } = newQueue();
    queue.addAfter("a", 0);
    queue.addAfter("b", -5);
    expect(queue.len()).toBe(2);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("keeps the earliest deadline of a key and adds it once", async () => {
    const { queue, clock } = newQueue();
    queue.addAfter("a", 100);
    queue.addAfter("a", 30);
    queue.addAfter("a", 200);
    clock.advance(30);
    expect(queue.len()).toBe(1);
    // Process it, so a second add from the superseded 100 ms deadline would show in len().
    queue.done((await queue.get()) ?? "");
    clock.advance(500);
    expect(queue.len()).toBe(0);
  });

  it("fires keys in deadline order whatever order they were added in, with one timer", async () => {
    const { queue, clock } = newQueue();
    queue.addAfter("c", 30);
    queue.addAfter("a", 10);
    queue.addAfter("b", 20);
    queue.addAfter("d", 40);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(25);
    expect(queue.len()).toBe(2);
    clock.advance(100);
    const order = [await queue.get(), await queue.get(), await queue.get(), await queue.get()];
    expect(order).toEqual(["a", "b", "c", "d"]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("de-duplicates a delayed key against the same key already queued", () => {
    const { queue, clock } = newQueue();
    queue.add("a");
    queue.addAfter("a", 10);
    clock.advance(10);
    expect(queue.len()).toBe(1);
  });

  it("wakes a parked worker when a delayed key comes due", async () => {
    const { queue, clock } = newQueue();
    const worker = queue.get();
    queue.addAfter("a", 10);
    expect(await peek(worker)).toBe(pending);
    clock.advance(10);
    expect(await peek(worker)).toBe("a");
  });
});

describe("WorkQueue: rate-limited retries", () => {
  it("backs off 5, 10, 20 ms per failure by default, and forget resets it", async () => {
    const { queue, clock } = newQueue();
    const readyAfter = async (): Promise<number> => {
      queue.addRateLimited("a");
      let elapsedMs = 0;
      // Bounded so that a broken timer fails the test instead of spinning forever.
      while (queue.len() === 0 && elapsedMs < 10_000) {
        clock.advance(1);
        elapsedMs += 1;
      }
      queue.done((await queue.get()) ?? "");
      return elapsedMs;
    };
    expect([await readyAfter(), await readyAfter(), await readyAfter()]).toEqual([5, 10, 20]);
    expect(queue.numRequeues("a")).toBe(3);
    queue.forget("a");
    expect(queue.numRequeues("a")).toBe(0);
    expect(await readyAfter()).toBe(5);
  });

  it("delays by the overall bucket when many keys fail at once (max of both)", () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    // The default bucket lets 100 through; the 101st distinct key waits 1/10 s, not 5 ms.
    for (let index = 0; index < 100; index += 1) queue.addRateLimited(`k${index}`);
    queue.addRateLimited("late");
    clock.advance(5);
    expect(queue.len()).toBe(100);
    clock.advance(94);
    expect(queue.len()).toBe(100);
    clock.advance(1);
    expect(queue.len()).toBe(101);
  });

  it("uses an injected rate limiter and the clock's time for its bucket", () => {
    const clock = new FakeClock();
    const rateLimiter = new BucketRateLimiter(1, 1);
    const queue = new WorkQueue({ clock, rateLimiter });
    queue.addRateLimited("a");
    queue.addRateLimited("b");
    expect(queue.len()).toBe(1);
    clock.advance(1000);
    expect(queue.len()).toBe(2);
    // "b" borrowed a token, paid back by t+1 s; one more second refills the bucket.
    queue.addRateLimited("c");
    expect(queue.len()).toBe(2);
    clock.advance(1000);
    expect(queue.len()).toBe(3);
    clock.advance(1000);
    queue.addRateLimited("d");
    expect(queue.len()).toBe(4);
  });

  it("keeps back-off per key", () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(10, 1000) });
    queue.addRateLimited("a");
    queue.addRateLimited("a");
    queue.addRateLimited("b");
    expect(queue.numRequeues("a")).toBe(2);
    expect(queue.numRequeues("b")).toBe(1);
    clock.advance(10);
    // "a" kept its earlier 10 ms deadline (the 20 ms one is later); "b" is due too.
    expect(queue.len()).toBe(2);
  });
});
