// The watchers of the watch bench, held by worker processes (watch-worker.ts) so that reading
// many streams does not saturate the bench's own event loop: watcher i of the pool goes to
// worker i mod w and connects to member i mod n, as clients spread over the members would.
import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import { track } from "./processes.js";
import type { FromWorker, ToWorker, WorkerReport } from "./watch-protocol.js";

const workerScript = path.join(import.meta.dirname, "watch-worker.ts");

interface Worker {
  readonly child: ChildProcess;
  readonly watchers: number;
}

/** The first message of `type` a worker sends from now on (rejects if it fails, exits or times out). */
function next<T extends FromWorker["type"]>(child: ChildProcess, type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    const onMessage = (message: FromWorker) => {
      if (message.type === "failed") {
        done();
        reject(new Error(`watch worker: ${message.message}`));
      } else if (message.type === type) {
        done();
        resolve(message as Extract<FromWorker, { type: T }>);
      }
    };
    const onExit = () => {
      done();
      reject(new Error(`watch worker ${child.pid} exited while waiting for '${type}'`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`watch worker ${child.pid}: no '${type}' within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

export class WatcherPool {
  /** put seq → workers that have said "delivered" for it. */
  private readonly delivered = new Map<number, number>();
  private readonly waiters = new Map<number, () => void>();

  private constructor(private readonly workers: readonly Worker[]) {
    for (const worker of workers) {
      worker.child.on("message", (message: FromWorker) => {
        if (message.type !== "delivered") return;
        const count = (this.delivered.get(message.seq) ?? 0) + 1;
        this.delivered.set(message.seq, count);
        if (count >= this.workers.length) this.waiters.get(message.seq)?.();
      });
    }
  }

  /** Forks `workerCount` workers (at most one per watcher) and opens `watchers` watches on keys under `prefix`; resolves once every watch is created. */
  static async open(endpoints: readonly string[], watchers: number, workerCount: number, prefix: string): Promise<WatcherPool> {
    const count = Math.max(1, Math.min(workerCount, watchers));
    const workers: Worker[] = [];
    for (let w = 0; w < count; w += 1) {
      const indices = Array.from({ length: watchers }, (_, i) => i).filter((i) => i % count === w);
      const child = fork(workerScript, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      track(child);
      workers.push({ child, watchers: indices.length });
      const message: ToWorker = { type: "open", endpoints, watcherIndices: indices, prefix };
      child.send(message);
    }
    const pool = new WatcherPool(workers);
    try {
      await Promise.all(workers.map((w) => next(w.child, "opened", 90_000)));
    } catch (error) {
      pool.kill();
      throw error;
    }
    return pool;
  }

  get watchers(): number {
    return this.workers.reduce((a, w) => a + w.watchers, 0);
  }

  get pids(): number[] {
    return this.workers.map((w) => w.child.pid ?? 0);
  }

  private broadcast(message: ToWorker): void {
    for (const worker of this.workers) worker.child.send(message);
  }

  /** Zeroes every worker's counters; with notify, workers say when they have each put's event. */
  async reset(notify: boolean): Promise<void> {
    this.delivered.clear();
    this.broadcast({ type: "reset", notify });
    // A report round trip: the reset has been applied by every worker when it answers.
    await this.report();
  }

  /** Resolves true once every open watcher has put `seq`'s event, false after `timeoutMs`. */
  waitDelivered(seq: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(seq);
        this.delivered.delete(seq);
        resolve(false);
      }, timeoutMs);
      const onDelivered = () => {
        clearTimeout(timer);
        this.waiters.delete(seq);
        this.delivered.delete(seq);
        resolve(true);
      };
      // The answers may have come before the wait began.
      if ((this.delivered.get(seq) ?? 0) >= this.workers.length) onDelivered();
      else this.waiters.set(seq, onDelivered);
    });
  }

  async report(): Promise<WorkerReport[]> {
    const answers = this.workers.map((w) => next(w.child, "report", 30_000));
    this.broadcast({ type: "report" });
    return (await Promise.all(answers)).map((a) => a.report);
  }

  async close(): Promise<void> {
    const closed = this.workers.map((w) => next(w.child, "closed", 10_000).catch(() => undefined));
    this.broadcast({ type: "close" });
    await Promise.all(closed);
    this.kill();
  }

  private kill(): void {
    for (const w of this.workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
  }
}
