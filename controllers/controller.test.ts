import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ItemExponentialFailureRateLimiter, WorkQueue } from "../client/index.js";
import { RequeueAfter, runWorkers } from "./controller.js";

describe("runWorkers", () => {
  it("adds a key back after RequeueAfter's delay without counting a failure; a thrown error counts one and backs off; success forgets it", async () => {
    const queue = new WorkQueue({ rateLimiter: new ItemExponentialFailureRateLimiter(20, 1_000) });
    const requeuesSeen: number[] = [];
    const stop = new AbortController();
    const finished = new Promise<void>((resolve) => {
      const reconcile = async (key: string): Promise<void> => {
        requeuesSeen.push(queue.numRequeues(key));
        if (requeuesSeen.length === 1) throw new RequeueAfter(10, "content remains");
        if (requeuesSeen.length === 2) throw new Error("a deletion failed");
        resolve();
      };
      void runWorkers("test", queue, 1, reconcile, pino({ level: "silent" }), stop.signal);
    });
    queue.add("ns");
    await finished;
    stop.abort();
    expect(requeuesSeen).toEqual([0, 0, 1]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.numRequeues("ns")).toBe(0);
  }, 5_000);
});
