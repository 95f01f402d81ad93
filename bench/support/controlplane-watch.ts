// Watches of one resource in one namespace, for the control-plane bench: every event is handed to
// the bench with its receipt time (performance.now()) as soon as its line arrives, and a waiter
// can ask for the first event matching a predicate, so latencies are taken at the event and not
// at the next poll. An ERROR event or a closed stream fails the waits loudly.
import http from "node:http";
import { performance } from "node:perf_hooks";
import { LineSplitter } from "./watch-protocol.js";

/** The fields of a Deployment, ReplicaSet or Pod the bench reads. */
export interface WatchedObject {
  /** Events only: why it was recorded (SuccessfulCreate, Scheduled, Pulled, ...). */
  reason?: string;
  metadata?: {
    name?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: { name?: string; controller?: boolean }[];
  };
  spec?: { replicas?: number; nodeName?: string; template?: { spec?: { containers?: { image?: string }[] } } };
  status?: {
    phase?: string;
    conditions?: { type?: string; status?: string }[];
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    observedGeneration?: number;
  };
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: WatchedObject;
  readonly atMs: number;
}

interface Waiter {
  readonly match: (event: WatchEvent) => boolean;
  readonly resolve: (event: WatchEvent) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const untilPollMs = 50;

export class ObjectWatch {
  /** The latest state of each object, by name (deleted objects leave). */
  readonly latest = new Map<string, WatchedObject>();
  readonly eventsByType: Record<WatchEventType, number> = { ADDED: 0, MODIFIED: 0, DELETED: 0 };
  private waiters: Waiter[] = [];
  private failure: Error | undefined;
  private closing = false;
  private readonly request: http.ClientRequest;

  /** `path` is the collection (e.g. /apis/apps/v1/namespaces/ns/deployments); `onEvent` sees each event first. */
  constructor(
    server: string,
    path: string,
    resourceVersion: string,
    private readonly onEvent: (event: WatchEvent) => void = () => undefined,
  ) {
    const url = new URL(`${server}${path}?watch=true&resourceVersion=${resourceVersion}&allowWatchBookmarks=false`);
    const splitter = new LineSplitter();
    this.request = http.get(url, { agent: false, headers: { accept: "application/json" } }, (response) => {
      if (response.statusCode !== 200) this.fail(new Error(`watch ${url.pathname}: HTTP ${response.statusCode}`));
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        for (const line of splitter.push(chunk)) this.onLine(line);
      });
      response.on("end", () => this.fail(new Error(`watch ${url.pathname} ended`)));
    });
    this.request.on("error", (error) => this.fail(error));
  }

  private fail(error: Error): void {
    if (!this.closing) this.failure ??= error;
  }

  private onLine(line: string): void {
    const atMs = performance.now();
    const parsed = JSON.parse(line) as { type?: string; object?: WatchedObject & { message?: string } };
    if (parsed.type === "ERROR") return this.fail(new Error(`watch error: ${parsed.object?.message ?? line.slice(0, 200)}`));
    if (parsed.type !== "ADDED" && parsed.type !== "MODIFIED" && parsed.type !== "DELETED") return;
    const object = parsed.object ?? {};
    const name = object.metadata?.name ?? "";
    if (parsed.type === "DELETED") this.latest.delete(name);
    else this.latest.set(name, object);
    this.eventsByType[parsed.type]++;
    const event: WatchEvent = { type: parsed.type, object, atMs };
    this.onEvent(event);
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.match(event)) waiter.resolve(event);
      else still.push(waiter);
    }
    this.waiters = still;
  }

  /**
   * The first event from now on that matches (register it before the write that causes it). Its
   * `atMs` is the line's receipt time; the 5 ms poll only decides when this promise resolves.
   */
  async next(match: (event: WatchEvent) => boolean, timeoutMs: number, what: string): Promise<WatchEvent> {
    let found: WatchEvent | undefined;
    const waiter: Waiter = { match, resolve: (event) => (found = event) };
    this.waiters.push(waiter);
    try {
      await this.until(() => found !== undefined, timeoutMs, what);
    } finally {
      this.waiters = this.waiters.filter((w) => w !== waiter);
    }
    if (found === undefined) throw new Error(`${what}: no event`);
    return found;
  }

  /**
   * Waits until `done()` holds; throws when the watch failed or `timeoutMs` went by. Checked
   * every 50 ms: the times the bench reports are the events' receipt times, not when a wait
   * notices them, and a 5 ms poll (each walking every pod) was a quarter of the bench's own CPU,
   * taken from the cluster it measures.
   */
  async until(done: () => boolean, timeoutMs: number, what: string, check: () => void = () => undefined): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (done()) return;
      check();
      if (performance.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs} ms`);
      await sleep(untilPollMs);
    }
  }

  close(): void {
    this.closing = true;
    this.request.destroy();
  }
}
