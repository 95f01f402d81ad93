// The REST client every kube-lite component uses to reach the API server (client-go's rest +
// typed clients in one small class).
//
// Several apiserver URLs may be given (`--server URL,URL`); the client sticks to the one that
// last answered and moves to the next when it cannot be reached. Retries follow client-go:
// - a request that never left (connection refused) is retried on the next server, whatever its verb;
// - an answer carrying Retry-After (429, or a 5xx such as the apiserver's 503 while the store is
//   unavailable) is retried after the pause the server asked for: the server says it did nothing;
// - a read that failed mid-way (reset, timeout) is retried; a write that failed mid-way is NOT,
//   because it may have been applied: the caller gets KubeUnavailableError with outcomeUnknown.
// Every retry stays within an overall deadline (`retryBudgetMs`).
import http from "node:http";
import https from "node:https";
import type { Logger } from "pino";
import { Http1Pools, type Http1Pool } from "../http1/index.js";
import { KubeApiError, KubeUnavailableError } from "./errors.js";
import { collectionPath, objectPath, type ResourceType } from "./resources.js";
import type { KubeList, KubeObject, Status, WatchEvent } from "./types.js";

export interface KubeClientOptions {
  /** apiserver base URLs, e.g. ["http://127.0.0.1:8080", "http://127.0.0.1:8081"]. */
  readonly servers: readonly string[];
  readonly userAgent?: string;
  /** One attempt's limit (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** All attempts of one request together (default 30 s). */
  readonly retryBudgetMs?: number;
  readonly logger?: Logger;
  /** The Accept header of every request (default application/json; kubectl-lite asks for Tables with it). */
  readonly accept?: string;
  /** For tests: a replacement for the global fetch. */
  readonly fetch?: typeof fetch;
}

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: "Exact" | "NotOlderThan";
  readonly limit?: number;
  readonly continue?: string;
}

export interface WatchOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly resourceVersion: string;
  readonly allowWatchBookmarks?: boolean;
  readonly timeoutSeconds?: number;
}

export type PatchType = "merge" | "strategic" | "json" | "apply";

export interface PatchOptions {
  readonly namespace?: string;
  readonly patchType?: PatchType;
  readonly subresource?: string;
  /** Server-side apply: the manager's name, and whether to take over conflicting fields. */
  readonly fieldManager?: string;
  readonly force?: boolean;
}

export interface DeleteOptions {
  readonly namespace?: string;
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: "Foreground" | "Background" | "Orphan";
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

const patchContentTypes: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

interface RequestSpec {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Streams (watch) have no per-attempt timeout once the answer has started. */
  readonly streaming?: boolean;
}

/**
 * An apiserver's answer as the client uses it: status, headers, and either the whole body
 * (buffered) or a stream of chunks (watch). Not fetch's Response: building one costs a request
 * two web-stream reads and loads undici in every process that makes one.
 */
interface Answer {
  readonly status: number;
  header(name: string): string | undefined;
  /** The whole body, for a buffered answer. */
  readonly text: string;
  /** The body's chunks, for a streaming answer (null for a buffered one). */
  readonly stream: AsyncIterable<Uint8Array> | null;
  /** Ends a streaming answer early and frees its connection. */
  cancel(): void;
}

/** What a request needs of the transport; tests replace it with a fake fetch (see `fetchTransport`). */
type Transport = (url: URL, init: { method: string; headers: Record<string, string>; body?: string | undefined; signal: AbortSignal }) => Promise<Answer>;

/** For a streaming answer: drops the caller-signal link once the stream is finished. */
const streamReleases = new WeakMap<Answer, () => void>();

/**
 * Requests on node:http. Node's own fetch (undici) costs every process about 0.25 s of CPU the
 * first time it is used (it compiles its WebAssembly HTTP parser), and `kube-lite up` starts
 * nine processes that talk to the apiserver at once on two CPUs. Without `keepAlive` each
 * request has a connection of its own: watch streams. Undici, when a body is cancelled part-way, may keep
 * the socket to drain the rest for reuse — and a watch has no rest: the connection stayed open
 * and the apiserver could not shut down; here an abort destroys the request and its socket.
 * Errors look like fetch's ("fetch failed", cause = the socket error) so the retry rules treat
 * both alike. A buffered answer (`stream` false) is read whole before it resolves.
 */
function nodeTransport(keepAlive: boolean, stream: boolean): Transport {
  // Idle connections close after 4 s (as undici's), well before the server would close them.
  const agents = keepAlive ? { http: new http.Agent({ keepAlive, timeout: 4_000 }), https: new https.Agent({ keepAlive, timeout: 4_000 }) } : undefined;
  return (url, init) =>
    new Promise((resolve, reject) => {
      const headers = init.body === undefined ? init.headers : { ...init.headers, "content-length": String(Buffer.byteLength(init.body)) };
      const secure = url.protocol === "https:";
      const agent = agents === undefined ? false : secure ? agents.https : agents.http;
      const request = (secure ? https : http).request(url, { method: init.method, headers, agent });
      const onAbort = (): void => {
        request.destroy(init.signal.reason instanceof Error ? init.signal.reason : new Error("aborted"));
      };
      init.signal.addEventListener("abort", onAbort, { once: true });
      const fail = (error: Error): void => {
        init.signal.removeEventListener("abort", onAbort);
        reject(init.signal.aborted ? (init.signal.reason as Error) : new TypeError("fetch failed", { cause: error }));
      };
      request.on("error", fail);
      request.on("response", (message) => {
        const status = message.statusCode ?? 500;
        const header = (name: string): string | undefined => {
          const value = message.headers[name.toLowerCase()];
          return Array.isArray(value) ? value.join(", ") : value;
        };
        if (stream) {
          message.on("close", () => init.signal.removeEventListener("abort", onAbort));
          resolve({ status, header, text: "", stream: message, cancel: () => message.destroy() });
          return;
        }
        const chunks: Buffer[] = [];
        message.on("data", (chunk: Buffer) => chunks.push(chunk));
        message.on("error", fail);
        message.on("end", () => {
          init.signal.removeEventListener("abort", onAbort);
          const text = chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8");
          resolve({ status, header, text, stream: null, cancel: () => undefined });
        });
      });
      if (init.signal.aborted) onAbort();
      request.end(init.body);
    });
}

/** Connections per apiserver for answers read whole: more requests than this wait their turn in the client. */
const socketsPerServerMax = 64;
/** Largest whole answer (a LIST of many objects); streams have no such limit. */
const answerBytesMax = 512 * 1024 * 1024;

/** A request for a lean transport: the pool keeps the time limit, so no AbortController per request. */
type LeanTransport = (url: URL, init: { method: string; headers: Record<string, string>; body?: string | undefined; signal: AbortSignal | undefined; timeoutMs: number }) => Promise<Answer>;

/**
 * Plain-http requests answered whole, over lean keep-alive pools (http1: a third of node:http's
 * CPU per request), one pool per apiserver. Failures look like fetch's, as nodeTransport's: the
 * caller's abort reason, "no answer within" on the time limit, else "fetch failed" with the
 * socket error as its cause.
 */
function leanTransport(): LeanTransport {
  const pools = new Http1Pools({ maxSockets: socketsPerServerMax, idleTimeoutMs: 4_000, maxResponseBytes: answerBytesMax });
  return async (url, init) => {
    const pool = pools.for(url) as Http1Pool; // never destroyed: it lives as long as the client
    const body = init.body === undefined ? {} : { body: init.body };
    const signal = init.signal === undefined ? {} : { signal: init.signal };
    const outcome = await pool.send({ method: init.method, path: `${url.pathname}${url.search}`, headers: init.headers, ...body, ...signal, timeoutMs: init.timeoutMs });
    if (outcome.kind === "failure") {
      if (init.signal?.aborted === true) throw init.signal.reason as Error;
      const error = outcome.reason === "timeout" ? new Error(`no answer within ${Math.round(init.timeoutMs)} ms`) : new TypeError("fetch failed", { cause: outcome.error });
      // Still waiting for a connection, or refused: the apiserver never saw it, so a write may be retried.
      if (!outcome.sent) neverSentErrors.add(error);
      throw error;
    }
    const headers = outcome.headers;
    const text = outcome.body.toString("utf8");
    return { status: outcome.status, header: (name: string) => headers[name.toLowerCase()], text, stream: null, cancel: () => undefined };
  };
}

/** A fetch (a test's fake, or the real one) as a Transport. */
function fetchTransport(fetchFn: typeof fetch, stream: boolean): Transport {
  return async (url, init) => {
    const response = await fetchFn(url, init);
    const header = (name: string): string | undefined => response.headers.get(name) ?? undefined;
    if (!stream) return { status: response.status, header, text: await response.text(), stream: null, cancel: () => undefined };
    const body = response.body;
    return {
      status: response.status,
      header,
      text: "",
      stream: body === null ? (async function* () {})() : (body as unknown as AsyncIterable<Uint8Array>),
      cancel: () => void body?.cancel().catch(() => undefined),
    };
  };
}

const retryBackoffMinMs = 100;
// Local apiservers come back in well under a second; a long back-off only delays the first request after one starts.
const retryBackoffMaxMs = 250;
/** A watch line longer than this is a broken stream, not an object (objects are ≤ 1.5 MiB). */
const watchLineBytesMax = 8 * 1024 * 1024;

/** Failures of requests that certainly never reached the apiserver whole (the lean transport knows). */
const neverSentErrors = new WeakSet<object>();

/** Refused connections (fetch wraps socket errors: "fetch failed", the system error as cause), and what the lean transport knows it never sent. */
function certainlyNotSent(error: unknown): boolean {
  if (typeof error === "object" && error !== null && neverSentErrors.has(error)) return true;
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code === "ECONNREFUSED" || cause?.code === "ENOTFOUND" || cause?.code === "EADDRNOTAVAIL";
}

function retryAfterSeconds(response: Answer): number | undefined {
  const header = response.header("retry-after");
  if (header === undefined) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function toStatus(body: unknown, code: number, fallback: string): Status {
  if (typeof body === "object" && body !== null && (body as { kind?: unknown }).kind === "Status") return body as Status;
  return { kind: "Status", status: "Failure", code, message: fallback || `the server answered ${code}`, reason: code === 404 ? "NotFound" : "" };
}

export class KubeClient {
  readonly servers: readonly string[];
  /** HTTP requests sent (attempts, not calls): for "requests per second" reports. */
  requestCount = 0;
  private current = 0;
  private readonly userAgent: string;
  private readonly requestTimeoutMs: number;
  private readonly retryBudgetMs: number;
  private readonly logger: Logger | undefined;
  private readonly accept: string;
  private readonly transport: Transport;
  /** Watch streams: a connection each (or the test's fetch, when one replaces it). */
  private readonly streamTransport: Transport;
  /** Plain-http answers read whole (undefined with a test's fetch). */
  private readonly leanTransport: LeanTransport | undefined;

  constructor(options: KubeClientOptions) {
    const servers = options.servers.map((s) => s.replace(/\/+$/, "")).filter((s) => s !== "");
    if (servers.length === 0) throw new Error("KubeClient needs at least one apiserver URL");
    this.servers = servers;
    this.userAgent = options.userAgent ?? "kube-lite";
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.retryBudgetMs = options.retryBudgetMs ?? 30_000;
    this.logger = options.logger;
    this.accept = options.accept ?? "application/json";
    this.transport = options.fetch === undefined ? nodeTransport(true, false) : fetchTransport(options.fetch, false);
    this.streamTransport = options.fetch === undefined ? nodeTransport(false, true) : fetchTransport(options.fetch, true);
    this.leanTransport = options.fetch === undefined ? leanTransport() : undefined;
  }

  /** The apiserver requests go to now. */
  get currentServer(): string {
    return this.servers[this.current] as string;
  }

  async get<T extends KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T> {
    return (await this.request({ method: "GET", path: objectPath(type, name, namespace) })) as T;
  }

  async list<T extends KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<KubeList<T>> {
    const { namespace, limit, ...rest } = options;
    const query = { ...rest, limit: limit === undefined ? undefined : String(limit) };
    return (await this.request({ method: "GET", path: collectionPath(type, namespace), query })) as KubeList<T>;
  }

  async create<T extends KubeObject>(type: ResourceType, object: T, options: { namespace?: string } = {}): Promise<T> {
    const namespace = options.namespace ?? object.metadata.namespace;
    const body = { apiVersion: type.apiVersion, kind: type.kind, ...object };
    return (await this.request({ method: "POST", path: collectionPath(type, type.namespaced ? (namespace ?? "default") : undefined), body })) as T;
  }

  /** PUT: the object's metadata.resourceVersion is the precondition (409 when stale). */
  async update<T extends KubeObject>(type: ResourceType, object: T, options: { subresource?: string } = {}): Promise<T> {
    const { name, namespace } = object.metadata;
    if (name === undefined) throw new Error(`update of a ${type.kind} needs metadata.name`);
    const body = { apiVersion: type.apiVersion, kind: type.kind, ...object };
    return (await this.request({ method: "PUT", path: objectPath(type, name, namespace, options.subresource), body })) as T;
  }

  async patch<T extends KubeObject>(type: ResourceType, name: string, patch: unknown, options: PatchOptions = {}): Promise<T> {
    const patchType = options.patchType ?? "merge";
    const query = {
      fieldManager: options.fieldManager,
      force: options.force === undefined ? undefined : String(options.force),
    };
    const path = objectPath(type, name, options.namespace, options.subresource);
    return (await this.request({ method: "PATCH", path, query, body: patch, contentType: patchContentTypes[patchType] })) as T;
  }

  /** Resolves with the server's answer: the object (still present with finalizers) or a Status. */
  async delete(type: ResourceType, name: string, options: DeleteOptions = {}): Promise<unknown> {
    const { namespace, ...deleteOptions } = options;
    const body = { kind: "DeleteOptions", apiVersion: "v1", ...deleteOptions };
    return this.request({ method: "DELETE", path: objectPath(type, name, namespace), body });
  }

  /** POST pods/<name>/binding: assigns the pod to a node (409 when it is already bound). */
  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    const body = {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: podName, namespace, ...(podUid === undefined ? {} : { uid: podUid }) },
      target: { apiVersion: "v1", kind: "Node", name: nodeName },
    };
    await this.request({ method: "POST", path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}/binding`, body });
  }

  /**
   * A watch stream: yields events until the server ends it (timeoutSeconds), `signal` aborts, or
   * an ERROR event arrives (thrown as KubeApiError: 410 Gone means relist). Connection failures
   * are thrown; resuming is the caller's (the informer's) job.
   */
  async *watch<T extends KubeObject>(type: ResourceType, options: WatchOptions, signal: AbortSignal): AsyncGenerator<WatchEvent<T>> {
    const { namespace, timeoutSeconds, allowWatchBookmarks, ...rest } = options;
    const query = {
      ...rest,
      watch: "true",
      allowWatchBookmarks: allowWatchBookmarks === undefined ? undefined : String(allowWatchBookmarks),
      timeoutSeconds: timeoutSeconds === undefined ? undefined : String(timeoutSeconds),
    };
    const response = await this.send({ method: "GET", path: collectionPath(type, namespace), query, signal, streaming: true });
    const body = response.stream;
    if (body === null) return;
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for await (const chunk of body) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf("\n");
          if (line === "") continue;
          const event = JSON.parse(line) as WatchEvent<T>;
          if (event.type === "ERROR") {
            const status = event.object as unknown as Status;
            throw new KubeApiError(status, status.code ?? 500);
          }
          yield event;
        }
        if (buffered.length > watchLineBytesMax) throw new Error("watch stream line too long: broken stream");
      }
    } finally {
      response.cancel();
      streamReleases.get(response)?.();
    }
  }

  /** Any request; resolves with the decoded JSON answer, or throws KubeApiError / KubeUnavailableError. */
  async request(spec: RequestSpec): Promise<unknown> {
    const { text } = await this.send(spec);
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  }

  /** Sends with fail-over and retries; resolves with a 2xx response, throws otherwise. */
  private async send(spec: RequestSpec): Promise<Answer> {
    const deadline = performance.now() + this.retryBudgetMs;
    const idempotent = spec.method === "GET";
    let failuresInRound = 0;
    let backoffMs = retryBackoffMinMs;
    let lastProblem = "";
    for (;;) {
      const server = this.currentServer;
      let response: Answer;
      try {
        response = await this.attempt(server, spec, deadline);
      } catch (error) {
        if (spec.signal?.aborted === true) throw error;
        const neverSent = certainlyNotSent(error);
        lastProblem = `${server}: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`;
        if (!neverSent && !idempotent) {
          throw new KubeUnavailableError(`${spec.method} ${spec.path} failed after it was sent (${lastProblem}); it may or may not have been applied`, true, { cause: error });
        }
        this.logger?.debug({ server, error: lastProblem }, "apiserver unreachable; trying the next");
        this.rotate();
        failuresInRound += 1;
        if (failuresInRound >= this.servers.length) {
          failuresInRound = 0;
          backoffMs = await this.pause(backoffMs, deadline, spec, lastProblem);
        }
        continue;
      }
      if (response.status >= 200 && response.status < 300) return response;
      const waitSeconds = retryAfterSeconds(response);
      // An error answer is short and whole (a Status), a watch's too: read it.
      const text = await readAll(response);
      let body: unknown;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      const status = toStatus(body, response.status, text.slice(0, 200));
      const retryable = waitSeconds !== undefined && (response.status === 429 || response.status >= 500);
      if (!retryable) throw new KubeApiError(status, response.status, waitSeconds);
      lastProblem = `${server}: ${response.status} ${status.message ?? ""}`;
      if (response.status >= 500) this.rotate();
      const pauseMs = Math.max(waitSeconds * 1000, retryBackoffMinMs);
      if (performance.now() + pauseMs > deadline) throw new KubeApiError(status, response.status, waitSeconds);
      await sleep(pauseMs, spec.signal);
    }
  }

  private async attempt(server: string, spec: RequestSpec, deadline: number): Promise<Answer> {
    const url = new URL(server + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined && value !== "") url.searchParams.set(key, value);
    }
    const headers: Record<string, string> = { accept: this.accept, "user-agent": this.userAgent };
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers["content-type"] = spec.contentType ?? "application/json";
    }
    const limitMs = Math.max(1, Math.min(this.requestTimeoutMs, deadline - performance.now()));
    if (spec.streaming !== true && this.leanTransport !== undefined && url.protocol === "http:") {
      this.requestCount += 1;
      return this.leanTransport(url, { method: spec.method, headers, body, signal: spec.signal, timeoutMs: limitMs });
    }
    // One controller per attempt, aborted by the timeout or by the caller's signal. Not
    // AbortSignal.any: on Node 20 its combined signal can be garbage-collected while fetch still
    // needs it, and then a caller's abort never reaches the socket (a watch stays open forever).
    const controller = new AbortController();
    const onCallerAbort = (): void => controller.abort(spec.signal?.reason);
    spec.signal?.addEventListener("abort", onCallerAbort, { once: true });
    if (spec.signal?.aborted === true) onCallerAbort();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${Math.round(limitMs)} ms`)), limitMs);
    const release = (): void => spec.signal?.removeEventListener("abort", onCallerAbort);
    this.requestCount += 1;
    try {
      // A buffered answer is read whole under the same timeout.
      const response = await (spec.streaming === true ? this.streamTransport : this.transport)(url, { method: spec.method, headers, body, signal: controller.signal });
      if (!spec.streaming) {
        release();
        return response;
      }
      // A stream, once answered, lives until the server ends it or the caller aborts: the
      // listener (and with it the controller) stays until the body is done.
      streamReleases.set(response, release);
      return response;
    } catch (error) {
      release();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private rotate(): void {
    this.current = (this.current + 1) % this.servers.length;
  }

  /** Waits `backoffMs` (within the deadline) and returns the next back-off; throws when out of time. */
  private async pause(backoffMs: number, deadline: number, spec: RequestSpec, lastProblem: string): Promise<number> {
    if (performance.now() + backoffMs > deadline) {
      throw new KubeUnavailableError(`no apiserver answered ${spec.method} ${spec.path} within ${this.retryBudgetMs} ms (last: ${lastProblem})`, false);
    }
    await sleep(backoffMs, spec.signal);
    return Math.min(backoffMs * 2, retryBackoffMaxMs);
  }
}

/** A buffered answer's body, or a streaming one's read to its end. */
async function readAll(answer: Answer): Promise<string> {
  if (answer.stream === null) return answer.text;
  const decoder = new TextDecoder();
  let text = "";
  try {
    for await (const chunk of answer.stream) text += decoder.decode(chunk, { stream: true });
  } finally {
    answer.cancel();
  }
  return text + decoder.decode();
}
