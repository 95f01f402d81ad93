// A watcher worker process of the watch bench (forked by watch-pool.ts): holds some of the
// watchers, each its own HTTP stream to POST /v3/watch on one member (etcd's gateway and
// kube-lite serve the same path the same way), and records for every event the delay from the
// put's send (carried in its key) to this process reading the line. Several workers share the
// watchers so that reading 1000 streams is not one core's job.
import http from "node:http";
import { type FromWorker, LatencyHistogram, LineSplitter, type ToWorker, type WorkerReport, monotonicUs, parseWatchKey, readWatchLine } from "./watch-protocol.js";

/** How long a watcher may take to be created (all of them are opened at once). */
const createTimeoutMs = 60_000;

interface Watcher {
  readonly request: http.ClientRequest;
  open: boolean;
  lastSeq: number;
}

const send = (message: FromWorker): void => {
  process.send?.(message);
};

const b64 = (text: string): string => Buffer.from(text, "latin1").toString("base64");

/** etcd's prefix range end: the prefix with its last byte incremented. */
function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

class WorkerState {
  private watchers: Watcher[] = [];
  private histogram = new LatencyHistogram();
  private events = 0;
  private canceled = 0;
  private streamErrors = 0;
  private firstProblem: string | undefined;
  private cpuAtReset = process.cpuUsage();
  private notify = false;
  /** put seq → how many watchers have its event (only while notifying). */
  private readonly arrivals = new Map<number, number>();
  private prefixLength = 0;
  private openWatchers = 0;

  open(endpoints: readonly string[], watcherIndices: readonly number[], prefix: string): void {
    this.prefixLength = prefix.length;
    const body = JSON.stringify({ create_request: { key: b64(prefix), range_end: b64(prefixEnd(prefix)) } });
    let created = 0;
    const timer = setTimeout(() => send({ type: "failed", message: `only ${created} of ${watcherIndices.length} watchers created within ${createTimeoutMs} ms` }), createTimeoutMs);
    const onCreated = () => {
      created += 1;
      if (created === watcherIndices.length) {
        clearTimeout(timer);
        send({ type: "opened", watchers: created });
      }
    };
    this.watchers = watcherIndices.map((index) => this.openOne(new URL(endpoints[index % endpoints.length] as string), body, onCreated));
    this.openWatchers = this.watchers.length;
  }

  private openOne(url: URL, body: string, onCreated: () => void): Watcher {
    // One connection per watcher (agent: false), as separate clients would have.
    const request = http.request({ agent: false, hostname: url.hostname, port: Number(url.port), method: "POST", path: "/v3/watch", headers: { "content-type": "application/json" } });
    const watcher: Watcher = { request, open: true, lastSeq: -1 };
    const splitter = new LineSplitter();
    let isCreated = false;
    request.on("response", (response) => {
      response.setEncoding("latin1");
      response.on("data", (chunk: string) => {
        const now = monotonicUs();
        for (const line of splitter.push(chunk)) {
          const read = readWatchLine(line);
          if (read.created && !isCreated) {
            isCreated = true;
            onCreated();
          }
          if (read.canceled) this.problem(watcher, `canceled: ${line.slice(0, 300)}`, "canceled");
          for (const keyB64 of read.keysB64) this.onEvent(watcher, keyB64, now);
        }
      });
      response.on("end", () => this.problem(watcher, "stream ended", "error"));
      response.on("error", (error) => this.problem(watcher, error.message, "error"));
    });
    request.on("error", (error) => this.problem(watcher, error.message, "error"));
    // The request side may end at once: both servers keep the watch going.
    request.end(body);
    return watcher;
  }

  private onEvent(watcher: Watcher, keyB64: string, nowUs: number): void {
    const parsed = parseWatchKey(Buffer.from(keyB64, "base64").toString("latin1"), this.prefixLength);
    if (parsed === undefined) return;
    this.events += 1;
    this.histogram.record(nowUs - parsed.sentUs);
    if (parsed.seq > watcher.lastSeq) watcher.lastSeq = parsed.seq;
    if (!this.notify) return;
    const arrived = (this.arrivals.get(parsed.seq) ?? 0) + 1;
    if (arrived >= this.openWatchers) {
      this.arrivals.delete(parsed.seq);
      send({ type: "delivered", seq: parsed.seq });
    } else {
      this.arrivals.set(parsed.seq, arrived);
    }
  }

  private problem(watcher: Watcher, message: string, kind: "canceled" | "error"): void {
    if (!watcher.open) return;
    watcher.open = false;
    this.openWatchers -= 1;
    if (kind === "canceled") this.canceled += 1;
    else this.streamErrors += 1;
    this.firstProblem ??= message;
    watcher.request.destroy();
  }

  reset(notify: boolean): void {
    this.histogram = new LatencyHistogram();
    this.events = 0;
    this.cpuAtReset = process.cpuUsage();
    this.notify = notify;
    this.arrivals.clear();
  }

  report(): WorkerReport {
    const cpu = process.cpuUsage(this.cpuAtReset);
    let deliveredSeq = Number.POSITIVE_INFINITY;
    for (const w of this.watchers) if (w.open) deliveredSeq = Math.min(deliveredSeq, w.lastSeq);
    return {
      events: this.events,
      canceled: this.canceled,
      streamErrors: this.streamErrors,
      firstProblem: this.firstProblem,
      deliveredSeq: Number.isFinite(deliveredSeq) ? deliveredSeq : -1,
      histogram: this.histogram.toJson(),
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  }

  close(): void {
    for (const w of this.watchers) {
      w.open = false;
      w.request.destroy();
    }
    this.watchers = [];
    this.openWatchers = 0;
  }
}

const state = new WorkerState();
process.on("message", (message: ToWorker) => {
  if (message.type === "open") state.open(message.endpoints, message.watcherIndices, message.prefix);
  else if (message.type === "reset") state.reset(message.notify);
  else if (message.type === "report") send({ type: "report", report: state.report() });
  else {
    state.close();
    send({ type: "closed" });
  }
});
// The bench gone (IPC closed) means this worker has nothing left to do.
process.on("disconnect", () => process.exit(0));
