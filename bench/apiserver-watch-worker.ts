// A watcher worker process of the apiserver bench (forked by apiserver-watchers.ts): holds some of
// the watchers, each its own HTTP connection with a chunked `?watch=true` stream, as separate
// kubectl/informer clients would have, and records for every event the delay from the write's send
// (an annotation of the pod) to this process reading the line.
import http from "node:http";
import { type FromWatchWorker, type ToWatchWorker, type WatchWorkerReport, readPodEventLine } from "./apiserver-protocol.js";
import { LatencyHistogram, LineSplitter, monotonicUs } from "./support/watch-protocol.js";

/** How long all watchers together may take to get their response headers. */
const openTimeoutMs = 60_000;

/** What one measured window counted; a reset starts a fresh one. */
class WindowCounts {
  readonly histogram = new LatencyHistogram();
  events = 0;
  otherLines = 0;
  readonly cpuAtStart = process.cpuUsage();
}

interface Watcher {
  readonly request: http.ClientRequest;
  open: boolean;
  lastSeq: number;
}

const send = (message: FromWatchWorker): void => {
  process.send?.(message);
};

class WatchWorker {
  private watchers: Watcher[] = [];
  private openCount = 0;
  private counts = new WindowCounts();
  private closedStreams = 0;
  private firstProblem: string | undefined;
  private notify = false;
  /** seq → how many of this worker's watchers have its event (only while notifying). */
  private readonly arrivals = new Map<number, number>();

  open(server: string, path: string, count: number): void {
    const url = new URL(path, server);
    let started = 0;
    const timer = setTimeout(() => send({ type: "failed", message: `only ${started} of ${count} watches answered within ${openTimeoutMs} ms` }), openTimeoutMs);
    const onStarted = () => {
      started += 1;
      if (started === count) {
        clearTimeout(timer);
        send({ type: "opened", watchers: count });
      }
    };
    this.watchers = Array.from({ length: count }, () => this.openOne(url, onStarted));
    this.openCount = count;
  }

  private openOne(url: URL, onStarted: () => void): Watcher {
    // agent: false gives each watcher its own connection.
    const request = http.request({ agent: false, hostname: url.hostname, port: Number(url.port), method: "GET", path: `${url.pathname}${url.search}`, headers: { accept: "application/json" } });
    const watcher: Watcher = { request, open: true, lastSeq: -1 };
    const splitter = new LineSplitter();
    request.on("response", (response) => {
      if (response.statusCode !== 200) {
        this.problem(watcher, `watch answered ${response.statusCode}`);
        return;
      }
      onStarted();
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        const now = monotonicUs();
        for (const line of splitter.push(chunk)) this.onLine(watcher, line, now);
      });
      response.on("end", () => this.problem(watcher, "stream ended"));
      response.on("error", (error) => this.problem(watcher, error.message));
    });
    request.on("error", (error) => this.problem(watcher, error.message));
    request.end();
    return watcher;
  }

  private onLine(watcher: Watcher, line: string, nowUs: number): void {
    const event = readPodEventLine(line);
    if (event.seq === undefined || event.sentUs === undefined || event.type === "ERROR" || event.type === "BOOKMARK") {
      this.counts.otherLines += 1;
      if (event.type === "ERROR") this.firstProblem ??= line.slice(0, 300);
      return;
    }
    this.counts.events += 1;
    this.counts.histogram.record(nowUs - event.sentUs);
    if (event.seq > watcher.lastSeq) watcher.lastSeq = event.seq;
    if (!this.notify) return;
    const arrived = (this.arrivals.get(event.seq) ?? 0) + 1;
    if (arrived >= this.openCount) {
      this.arrivals.delete(event.seq);
      send({ type: "delivered", seq: event.seq });
    } else {
      this.arrivals.set(event.seq, arrived);
    }
  }

  private problem(watcher: Watcher, message: string): void {
    if (!watcher.open) return;
    watcher.open = false;
    this.openCount -= 1;
    this.closedStreams += 1;
    this.firstProblem ??= message;
    watcher.request.destroy();
  }

  reset(notify: boolean): void {
    this.counts = new WindowCounts();
    this.notify = notify;
    this.arrivals.clear();
  }

  report(): WatchWorkerReport {
    const { events, otherLines, histogram, cpuAtStart } = this.counts;
    const cpu = process.cpuUsage(cpuAtStart);
    const open = this.watchers.filter((w) => w.open);
    return {
      events,
      otherLines,
      closedStreams: this.closedStreams,
      firstProblem: this.firstProblem,
      deliveredSeq: open.length === 0 ? -1 : Math.min(...open.map((w) => w.lastSeq)),
      histogram: histogram.toJson(),
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  }

  /** Destroys every stream; problem() then ignores their errors, since they are no longer open. */
  close(): void {
    const closing = this.watchers;
    this.watchers = [];
    this.openCount = 0;
    closing.forEach((w) => {
      w.open = false;
      w.request.destroy();
    });
  }
}

const worker = new WatchWorker();
process.on("message", (message: ToWatchWorker) => {
  switch (message.type) {
    case "open":
      worker.open(message.server, message.path, message.watchers);
      break;
    case "reset":
      worker.reset(message.notify);
      break;
    case "report":
      send({ type: "report", report: worker.report() });
      break;
    case "close":
      worker.close();
      send({ type: "closed" });
      break;
  }
});
// The bench gone (IPC closed) means this worker has nothing left to do.
process.on("disconnect", () => process.exit(0));
