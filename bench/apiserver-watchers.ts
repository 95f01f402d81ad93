// The watchers of the apiserver bench, held by worker processes (apiserver-watch-worker.ts) so that
// reading 1000 chunked streams is spread over processes and cores instead of being the bench's
// own event loop's job. The main process only counts "delivered" notices and merges reports.
import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import type { FromWatchWorker, ToWatchWorker, WatchWorkerReport } from "./apiserver-protocol.js";
import { track } from "./support/processes.js";

const workerScript = path.join(import.meta.dirname, "apiserver-watch-worker.ts");

/** Resolves with the next message of `type` from `child`; rejects on "failed", exit or time-out. */
function awaitMessage<T extends FromWatchWorker["type"]>(child: ChildProcess, type: T, timeoutMs: number): Promise<Extract<FromWatchWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    const settle = (action: () => void) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      action();
    };
    const onMessage = (message: FromWatchWorker) => {
      if (message.type === "failed") settle(() => reject(new Error(`watch worker ${child.pid}: ${message.message}`)));
      else if (message.type === type) settle(() => resolve(message as Extract<FromWatchWorker, { type: T }>));
    };
    const onExit = () => settle(() => reject(new Error(`watch worker ${child.pid} exited while the bench waited for '${type}'`)));
    const timer = setTimeout(() => settle(() => reject(new Error(`watch worker ${child.pid} sent no '${type}' within ${timeoutMs} ms`))), timeoutMs);
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** Watchers per worker: `watchers` spread as evenly as possible over at most `workers` processes. */
export function spreadWatchers(watchers: number, workers: number): number[] {
  const count = Math.max(1, Math.min(workers, watchers));
  return Array.from({ length: count }, (_, w) => Math.floor(watchers / count) + (w < watchers % count ? 1 : 0));
}

export class ApiWatchers {
  /** seq → how many workers have said every one of their watchers has it. */
  private readonly deliveredBy = new Map<number, number>();
  private readonly waiting = new Map<number, () => void>();

  private constructor(
    private readonly children: readonly ChildProcess[],
    readonly watchers: number,
  ) {
    for (const child of children) {
      child.on("message", (message: FromWatchWorker) => {
        if (message.type !== "delivered") return;
        const count = (this.deliveredBy.get(message.seq) ?? 0) + 1;
        this.deliveredBy.set(message.seq, count);
        if (count >= this.children.length) this.waiting.get(message.seq)?.();
      });
    }
  }

  /** Forks the workers and opens `watchers` watches of `watchPath` on `server`; resolves once every stream has answered. */
  static async open(server: string, watchPath: string, watchers: number, workers: number): Promise<ApiWatchers> {
    const children = spreadWatchers(watchers, workers).map((share) => {
      const child = fork(workerScript, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      track(child);
      const message: ToWatchWorker = { type: "open", server, path: watchPath, watchers: share };
      child.send(message);
      return child;
    });
    const pool = new ApiWatchers(children, watchers);
    try {
      await Promise.all(children.map((child) => awaitMessage(child, "opened", 90_000)));
    } catch (error) {
      pool.kill();
      throw error;
    }
    return pool;
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid ?? 0);
  }

  private broadcast(message: ToWatchWorker): void {
    for (const child of this.children) child.send(message);
  }

  /** Zeroes every worker's counters (applied by all of them when this resolves). */
  async reset(notify: boolean): Promise<void> {
    this.deliveredBy.clear();
    this.broadcast({ type: "reset", notify });
    await this.report();
  }

  /** true once every open watcher has write `seq`'s event; false after `timeoutMs`. */
  waitDelivered(seq: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (delivered: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(seq);
        this.deliveredBy.delete(seq);
        resolve(delivered);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      if ((this.deliveredBy.get(seq) ?? 0) >= this.children.length) finish(true);
      else this.waiting.set(seq, () => finish(true));
    });
  }

  async report(): Promise<WatchWorkerReport[]> {
    const answers = this.children.map((child) => awaitMessage(child, "report", 30_000));
    this.broadcast({ type: "report" });
    return (await Promise.all(answers)).map((a) => a.report);
  }

  async close(): Promise<void> {
    const closed = this.children.map((child) => awaitMessage(child, "closed", 10_000).catch(() => undefined));
    this.broadcast({ type: "close" });
    await Promise.all(closed);
    this.kill();
  }

  private kill(): void {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
