// One watch on the pods of a namespace, noting when each pod was first seen bound (spec.nodeName
// set) and first seen Running, on the bench's performance.now() clock. Its own connection
// (node:http, no agent), newline-delimited JSON as the apiserver writes it; an ERROR event or a
// closed stream fails the phase loudly rather than leaving pods uncounted.
import http from "node:http";
import { performance } from "node:perf_hooks";
import { LineSplitter } from "./watch-protocol.js";

interface PodEventObject {
  metadata?: { name?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

export interface PodTimes {
  boundAtMs?: number;
  runningAtMs?: number;
  nodeName?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class PodWatch {
  readonly pods = new Map<string, PodTimes>();
  bound = 0;
  running = 0;
  events = 0;
  private failure: Error | undefined;
  private closing = false;
  private readonly request: http.ClientRequest;

  constructor(server: string, namespace: string, resourceVersion: string) {
    const url = new URL(`${server}/api/v1/namespaces/${namespace}/pods?watch=true&resourceVersion=${resourceVersion}&allowWatchBookmarks=false`);
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
    const event = JSON.parse(line) as { type?: string; object?: PodEventObject & { message?: string } };
    this.events++;
    if (event.type === "ERROR") return this.fail(new Error(`watch error: ${event.object?.message ?? line.slice(0, 200)}`));
    if (event.type !== "ADDED" && event.type !== "MODIFIED") return;
    const name = event.object?.metadata?.name;
    if (name === undefined) return;
    let times = this.pods.get(name);
    if (times === undefined) {
      times = {};
      this.pods.set(name, times);
    }
    const nodeName = event.object?.spec?.nodeName;
    if (times.boundAtMs === undefined && nodeName !== undefined && nodeName !== "") {
      times.boundAtMs = atMs;
      times.nodeName = nodeName;
      this.bound++;
    }
    if (times.runningAtMs === undefined && event.object?.status?.phase === "Running") {
      times.runningAtMs = atMs;
      this.running++;
    }
  }

  /** Waits until `done()` holds; throws when the watch failed or `timeoutMs` went by. */
  async until(done: () => boolean, timeoutMs: number, what: string, check: () => void = () => undefined): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (done()) return;
      check();
      if (performance.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs} ms (bound ${this.bound}, running ${this.running})`);
      await sleep(5);
    }
  }

  close(): void {
    this.closing = true;
    this.request.destroy();
  }
}
