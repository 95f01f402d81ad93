// A watch that outlives the member it is connected to.
//
// Each connection is one `POST /v3/watch` whose body is a single create request (ended at once,
// as `curl -d` sends it: etcd's gateway acts on a request object only when the next one or the
// end of the body arrives). The answer streams `{"result": WatchResponse}` lines. When the
// stream breaks (connection reset, member killed, 5xx, an error line, a cancel the client did
// not ask for), the watch reconnects to another member after a jittered back-off and asks for
// `nextRevision`: the revision after the last one it delivered. Revisions below that are
// dropped if a member sends them again, so every event is delivered exactly once, in order,
// one revision per call.
//
// Use:
//   const watch = store.watch({ key: "/registry/pods/", rangeEnd: prefixRangeEnd("/registry/pods/"), startRevision: listRevision + 1 }, {
//     events: ({ revision, events }) => apply(revision, events),
//   });
//   await watch.created;           // the store accepted it
//   watch.done.catch((error) => {  // WatchCompactedError: relist, then watch from the list's revision + 1
//   });
//   watch.close();
//
// Known limit: a member that stays connected but stops receiving the leader's log (partitioned)
// sends nothing, and the watch cannot tell that from a quiet key range (etcd's gateway offers no
// "require leader" option). Ask for progressNotify to see that the watch is alive.
import http from "node:http";
import { encodeBase64, toBytes } from "./bytes.js";
import { classifyErrorAnswer, GrpcCode, grpcCodeOfHttpStatus, StoreError } from "./errors.js";
import { LineSplitter } from "./line-splitter.js";
import { backoffDelayMs, type BackoffPolicy } from "./retry.js";
import { responseBytesMax } from "./transport.js";
import type { WatchBatch, WatchEvent, WatchRequest } from "./types.js";
import { encodeWatchCreateRequest, watchFrameSchema, type WatchResponse } from "./watch-wire.js";
import { errorBodySchema } from "./wire.js";

/** What a watch is told. Calls are synchronous and in order; a throw ends the watch with that error. */
export interface WatchHandler {
  /** Every selected event of one revision; revisions strictly increase across calls. */
  events(batch: WatchBatch): void;
  /** The store reports the watch has seen every change up to `revision` (progress notification). */
  progress?(revision: number): void;
}

export interface Watch {
  /** Resolves with the store's revision when the watch was first created; rejects if it ended first. */
  readonly created: Promise<number>;
  /** Resolves when closed; rejects with WatchCompactedError, WatchCanceledError, StoreError or the handler's error. */
  readonly done: Promise<void>;
  /** The revision of the last batch delivered; 0 before the first. */
  readonly lastDeliveredRevision: number;
  /** Where a new connection would start: 0 while a from-now watch is not yet created. */
  readonly nextRevision: number;
  /** Connections opened after the first. */
  readonly reconnects: number;
  /** Ends the watch: no handler call follows; `done` resolves. */
  close(): void;
}

/**
 * The revision the watch needs was compacted away (etcd cancels it with `compact_revision`):
 * list again (at a revision >= compactRevision) and watch from after the list.
 */
export class WatchCompactedError extends Error {
  override readonly name = "WatchCompactedError";
  constructor(
    /** The store's compaction revision: the oldest revision a new watch may start from. */
    readonly compactRevision: number,
    /** The start revision that was refused. */
    readonly requestedRevision: number,
  ) {
    super(`watch from revision ${requestedRevision} refused: history before revision ${compactRevision} was compacted`);
  }
}

/** The store refused the watch request itself (e.g. an empty range): retrying would not help. */
export class WatchCanceledError extends Error {
  override readonly name = "WatchCanceledError";
  constructor(readonly reason: string) {
    super(`the store canceled the watch: ${reason || "no reason given"}`);
  }
}

/** What a watch needs from its client. */
export interface WatchContext {
  readonly agent: http.Agent;
  /** The endpoint for the next connection. */
  nextEndpoint(): string;
  markFailed(endpoint: string): void;
  markSucceeded(endpoint: string): void;
  /** No created answer within this long: try another member. */
  readonly createTimeoutMs: number;
  readonly backoff: BackoffPolicy;
  readonly random: () => number;
  readonly log: (line: object) => void;
  /** Aborted when the client closes. */
  readonly closed: AbortSignal;
}

/** A connection that delivered events, or lived this long after its created answer, resets the back-off. */
const stableStreamMs = 1_000;

type StreamEnd = { kind: "closed" } | { kind: "broken"; error: Error; healthy: boolean } | { kind: "fatal"; error: Error };

export function validateWatchRequest(request: WatchRequest): void {
  const start = request.startRevision ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) throw new TypeError(`watch startRevision must be an integer >= 0, got ${start}`);
  encodeBase64(request.key); // throws on a bad key type
  if (request.rangeEnd !== undefined) {
    const end = toBytes(request.rangeEnd);
    const isFromKey = end.length === 1 && end[0] === 0;
    if (!isFromKey && Buffer.compare(Buffer.from(end), Buffer.from(toBytes(request.key))) <= 0) {
      throw new TypeError("watch rangeEnd must be after key (or \\0 for every key from key on)");
    }
  }
  for (const filter of request.filters ?? []) {
    if (filter !== "NOPUT" && filter !== "NODELETE") throw new TypeError(`watch filter must be NOPUT or NODELETE, got ${String(filter)}`);
  }
}

export class ResumingWatch implements Watch {
  readonly created: Promise<number>;
  readonly done: Promise<void>;
  private resolveCreated!: (revision: number) => void;
  private rejectCreated!: (error: Error) => void;
  private resolveDone!: () => void;
  private rejectDone!: (error: Error) => void;
  private next: number;
  private lastDelivered = 0;
  private reconnectCount = 0;
  private ended = false;
  private wasCreated = false;
  /** Ends the current connection (or back-off sleep) when the watch is closed. */
  private interrupt: (() => void) | undefined;
  private readonly onClientClosed = (): void => this.close();

  constructor(
    private readonly request: WatchRequest,
    private readonly handler: WatchHandler,
    private readonly context: WatchContext,
  ) {
    validateWatchRequest(request);
    this.next = request.startRevision ?? 0;
    this.created = new Promise((resolve, reject) => {
      this.resolveCreated = resolve;
      this.rejectCreated = reject;
    });
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // The caller may watch only one of the two; neither may crash the process unobserved.
    this.created.catch(() => {});
    this.done.catch(() => {});
    if (context.closed.aborted) {
      this.finish(undefined);
      return;
    }
    context.closed.addEventListener("abort", this.onClientClosed, { once: true });
    void this.run();
  }

  get lastDeliveredRevision(): number {
    return this.lastDelivered;
  }

  get nextRevision(): number {
    return this.next;
  }

  get reconnects(): number {
    return this.reconnectCount;
  }

  close(): void {
    this.finish(undefined);
  }

  private finish(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.context.closed.removeEventListener("abort", this.onClientClosed);
    this.interrupt?.();
    this.rejectCreated(error ?? new Error("watch closed before it was created"));
    if (error === undefined) this.resolveDone();
    else this.rejectDone(error);
  }

  private async run(): Promise<void> {
    let failures = 0;
    for (let connection = 0; !this.ended; connection++) {
      if (connection > 0) this.reconnectCount++;
      const endpoint = this.context.nextEndpoint();
      const end = await this.stream(endpoint);
      if (this.ended || end.kind === "closed") break;
      if (end.kind === "fatal") {
        this.finish(end.error);
        return;
      }
      this.context.markFailed(endpoint);
      failures = end.healthy ? 1 : failures + 1;
      const delayMs = backoffDelayMs(failures, this.context.random, this.context.backoff);
      this.context.log({ msg: "store watch broken, reconnecting", endpoint, nextRevision: this.next, delayMs, error: end.error.message });
      await this.sleep(delayMs);
    }
    this.finish(undefined);
  }

  /** One connection, until it ends. */
  private stream(endpoint: string): Promise<StreamEnd> {
    return new Promise((resolve) => {
      const url = new URL("/v3/watch", endpoint);
      const body = Buffer.from(JSON.stringify(encodeWatchCreateRequest(this.request, this.next)), "utf8");
      const openedAtMs = Date.now();
      let createdAtMs: number | undefined;
      let delivered = false;
      let settled = false;
      const healthy = (): boolean => createdAtMs !== undefined && (delivered || Date.now() - createdAtMs >= stableStreamMs);

      const request = http.request({
        agent: this.context.agent,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(body.byteLength) },
      });
      const settle = (end: StreamEnd): void => {
        if (settled) return;
        settled = true;
        clearTimeout(createTimer);
        this.interrupt = undefined;
        request.destroy();
        resolve(end);
      };
      const broken = (error: Error): void => settle({ kind: "broken", error, healthy: healthy() });
      const fatal = (error: Error): void => settle({ kind: "fatal", error });
      this.interrupt = () => settle({ kind: "closed" });
      const createTimer = setTimeout(() => {
        broken(new Error(`no created answer from ${endpoint} within ${this.context.createTimeoutMs} ms`));
      }, this.context.createTimeoutMs);

      request.on("error", (error) => broken(error));
      request.on("response", (response) => {
        const status = response.statusCode ?? 0;
        response.setEncoding("utf8");
        if (status !== 200) {
          let text = "";
          response.on("data", (chunk: string) => {
            if (text.length < 64 * 1024) text += chunk;
          });
          response.on("end", () => {
            const error = errorAnswer(status, text, endpoint);
            if (status >= 500 || status === 429 || classifyErrorAnswer(status, error.code, error.message) === "retry") broken(error);
            else fatal(error);
          });
          response.on("error", (error) => broken(error));
          response.on("close", () => broken(new Error(`error answer from ${endpoint} cut off`)));
          return;
        }
        const splitter = new LineSplitter(responseBytesMax);
        response.on("data", (chunk: string) => {
          if (settled) return;
          let lines: string[];
          try {
            lines = splitter.push(chunk);
          } catch (error) {
            fatal(protocolFault(endpoint, error));
            return;
          }
          for (const line of lines) {
            if (settled) return;
            const outcome = this.handleLine(line, endpoint);
            if (outcome === "created") {
              createdAtMs = Date.now();
              clearTimeout(createTimer);
              this.context.markSucceeded(endpoint);
            } else if (outcome === "delivered") {
              delivered = true;
            } else if (typeof outcome === "object") {
              settle(outcome);
            }
          }
        });
        response.on("error", (error) => broken(error));
        response.on("end", () => broken(new Error(`watch stream from ${endpoint} ended`)));
        response.on("close", () => broken(new Error(`watch stream from ${endpoint} cut off after ${Date.now() - openedAtMs} ms`)));
      });
      request.end(body);
    });
  }

  /** Acts on one line of the stream. */
  private handleLine(line: string, endpoint: string): "created" | "delivered" | "ignored" | StreamEnd {
    let frame;
    try {
      frame = watchFrameSchema.parse(JSON.parse(line) as unknown);
    } catch (error) {
      return { kind: "fatal", error: protocolFault(endpoint, error) };
    }
    if (frame.result === undefined) {
      const e = frame.error;
      const code = e?.grpc_code ?? e?.code ?? GrpcCode.unknown;
      const error = new StoreError(e?.message || "watch stream failed", code, e?.http_code ?? 200, endpoint);
      // A malformed request stays malformed; anything else is the member's trouble.
      return code === GrpcCode.invalidArgument ? { kind: "fatal", error } : { kind: "broken", error, healthy: false };
    }
    return this.handleResponse(frame.result, endpoint);
  }

  private handleResponse(response: WatchResponse, endpoint: string): "created" | "delivered" | "ignored" | StreamEnd {
    if (response.watchId === -1 && !response.created) return "ignored"; // a progress_request answer; never asked for
    if (response.canceled) {
      if (response.compactRevision > 0) return { kind: "fatal", error: new WatchCompactedError(response.compactRevision, this.next) };
      if (response.created) return { kind: "fatal", error: new WatchCanceledError(response.cancelReason) };
      // Canceled by the member (too slow, shutting down): resume elsewhere.
      return { kind: "broken", error: new WatchCanceledError(response.cancelReason), healthy: false };
    }
    if (response.created) {
      // "From now" is the revision the store stood at: after a reconnect, resume right after it.
      if (this.next === 0) this.next = response.header.revision + 1;
      if (!this.wasCreated) {
        this.wasCreated = true;
        this.resolveCreated(response.header.revision);
      }
      return "created";
    }
    if (response.events.length === 0) {
      // A progress notification: every change up to the header's revision has been sent.
      if (!this.wasCreated) return "ignored";
      const revision = response.header.revision;
      if (revision + 1 > this.next) this.next = revision + 1;
      return this.callHandler(() => this.handler.progress?.(revision), endpoint) ?? "ignored";
    }
    return this.deliver(response.events, endpoint) ?? "delivered";
  }

  /** Hands over the events one revision at a time, dropping revisions already delivered. */
  private deliver(events: readonly WatchEvent[], endpoint: string): StreamEnd | undefined {
    let i = 0;
    while (i < events.length) {
      const revision = events[i]?.kv.modRevision ?? 0;
      let j = i + 1;
      while (j < events.length && events[j]?.kv.modRevision === revision) j++;
      const batch = events.slice(i, j);
      i = j;
      if (revision < this.next) continue; // sent again after a reconnect: already delivered
      this.lastDelivered = revision;
      this.next = revision + 1;
      const failure = this.callHandler(() => this.handler.events({ revision, events: batch }), endpoint);
      if (failure !== undefined || this.ended) return failure ?? { kind: "closed" };
    }
    return undefined;
  }

  private callHandler(call: () => void, endpoint: string): StreamEnd | undefined {
    try {
      call();
      return this.ended ? { kind: "closed" } : undefined;
    } catch (error) {
      this.context.log({ msg: "store watch handler threw; closing the watch", endpoint });
      return { kind: "fatal", error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = done;
    });
  }
}

function errorAnswer(status: number, text: string, endpoint: string): StoreError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = errorBodySchema.safeParse(json);
  const message = (parsed.success ? (parsed.data.message ?? parsed.data.error) : undefined) ?? (text.trim().slice(0, 500) || `HTTP ${status}`);
  const code = (parsed.success ? parsed.data.code : undefined) ?? grpcCodeOfHttpStatus(status);
  return new StoreError(message, code, status, endpoint);
}

function protocolFault(endpoint: string, error: unknown): StoreError {
  const why = error instanceof Error ? error.message : String(error);
  return new StoreError(`malformed watch stream from ${endpoint}: ${why.slice(0, 500)}`, GrpcCode.internal, 200, endpoint);
}
