import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ItemExponentialFailureRateLimiter, WorkQueue, type Clock } from "../client/index.js";
import { RequeueAfter, runWorkers } from "./controller.js";

/** Timers that fire only when the test moves the time; enough for one queue's delays. */
function manualClock(): Clock & { advance(ms: number): void } {
  let nowMs = 0;
  const timers = new Set<{ readonly atMs: number; readonly callback: () => void }>();
  return {
    now: () => nowMs,
    setTimeout: (callback, delayMs) => {
      const timer = { atMs: nowMs + delayMs, callback };
      timers.add(timer);
      return timer;
    },
    clearTimeout: (handle) => void timers.delete(handle as { atMs: number; callback: () => void }),
    advance(ms) {
      nowMs += ms;
      for (const timer of [...timers].sort((a, b) => a.atMs - b.atMs)) {
        if (timer.atMs > nowMs) break;
        timers.delete(timer);
        timer.callback();
      }
    },
  };
}

/** Lets the worker take what the queue handed it and run its reconcile to the end. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("runWorkers", () => {
  it("adds a key back after RequeueAfter's delay, keeping the back-off a failure started; success forgets it", async () => {
    const clock = manualClock();
    const queue = new WorkQueue({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(20, 1_000) });
    const requeuesSeen: number[] = [];
    const outcomes: Array<() => void> = [
      () => {
        throw new Error("a deletion failed");
      },
      () => {
        throw new RequeueAfter(500, "content remains");
      },
      () => undefined,
    ];
    const stop = new AbortController();
    const running = runWorkers(
      "test",
      queue,
      1,
      async (key) => {
        requeuesSeen.push(queue.numRequeues(key));
        outcomes[requeuesSeen.length - 1]?.();
        await Promise.resolve();
      },
      pino({ level: "silent" }),
      stop.signal,
    );
    queue.add("ns");
    await settle();
    // The failure: back-off of 20 ms, one requeue counted.
    expect(requeuesSeen).toEqual([0]);
    expect(queue.numRequeues("ns")).toBe(1);
    clock.advance(19);
    await settle();
    expect(requeuesSeen).toEqual([0]);
    clock.advance(1);
    await settle();
    // RequeueAfter: the count stays (no forget, no second failure) ...
    expect(requeuesSeen).toEqual([0, 1]);
    expect(queue.numRequeues("ns")).toBe(1);
    // ... and the key comes back after its 500 ms, not the back-off's 40 ms, nor at once.
    clock.advance(499);
    await settle();
    expect(requeuesSeen).toEqual([0, 1]);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    await settle();
    expect(requeuesSeen).toEqual([0, 1, 1]);
    // Success forgets the key's back-off.
    expect(queue.numRequeues("ns")).toBe(0);
    stop.abort();
    await running;
  }, 5_000);
});
