// The store client: etcd v3 JSON gateway calls over keep-alive HTTP, with leader preference,
// retries on another member, and a strict line between "not applied" and "outcome unknown".
import { setMaxListeners } from "node:events";
import http from "node:http";
import type { z } from "zod";
import type { BytesInput } from "./bytes.js";
import { EndpointSet } from "./endpoints.js";
import {
  classifyErrorAnswer,
  EtcdErrorMessage,
  GrpcCode,
  grpcCodeOfHttpStatus,
  OutcomeUnknownError,
  StoreError,
  UnavailableError,
} from "./errors.js";
import { RenewingLeaseKeeper, type LeaseKeeper, type LeaseKeeperOptions } from "./lease-keeper.js";
import { backoffDelayMs, defaultBackoffPolicy, parseRetryAfterMs, type BackoffPolicy } from "./retry.js";
import { AttemptSender, responseBytesMax, type AttemptOutcome } from "./transport.js";
import type {
  CompactResult,
  DeleteRangeRequest,
  DeleteRangeResult,
  HealthResult,
  KeyValue,
  LeaseGrantResult,
  LeaseIdInput,
  LeaseKeepAliveResult,
  LeaseLeasesResult,
  LeaseRevokeResult,
  LeaseTimeToLiveResult,
  Member,
  PutRequest,
  PutResult,
  RangeRequest,
  RangeResult,
  StatusResult,
  TxnRequest,
  TxnResult,
  WatchRequest,
} from "./types.js";
import { ResumingWatch, type Watch, type WatchHandler } from "./watch.js";
import {
  compactResponseSchema,
  decodeTxnResponse,
  deleteRangeResponseSchema,
  encodeDeleteRangeRequest,
  encodeLeaseId,
  encodePutRequest,
  encodeRangeRequest,
  encodeTxnRequest,
  errorBodySchema,
  healthResponseSchema,
  isReadOnlyTxn,
  leaseGrantResponseSchema,
  leaseKeepAliveResponseSchema,
  leaseLeasesResponseSchema,
  leaseRevokeResponseSchema,
  leaseTimeToLiveResponseSchema,
  memberListResponseSchema,
  putResponseSchema,
  rangeResponseSchema,
  statusResponseSchema,
  streamFrameSchema,
} from "./wire.js";

export interface StoreClientOptions {
  endpoints: string[];
  /** One attempt's limit. Default 5000. */
  requestTimeoutMs?: number;
  /** A call's limit, retries and back-off included. Default 10000. */
  deadlineMs?: number;
  /** Receives one structured object per notable event (retries, leader changes). */
  logger?: (line: object) => void;
  backoff?: Partial<BackoffPolicy>;
  /** Jitter source, [0, 1). Default Math.random. */
  random?: () => number;
  /** How long a learned leader is trusted before it is looked up again. Default 30000. */
  leaderRefreshMs?: number;
}

/** Sockets per endpoint: enough for 256 requests in flight at once. */
const socketsPerEndpointMax = 256;
/**
 * Idle keep-alive sockets kept per endpoint: as many as may be open, so a burst's sockets serve
 * the next burst instead of being closed and dialled again (an apiserver under a 1,000-pod
 * Deployment had more than 64 requests in flight, and each new connection costs both sides a
 * TCP handshake, an HTTP parser and a dozen system calls).
 */
const idleSocketsPerEndpointMax = socketsPerEndpointMax;
/**
 * Idle sockets are closed by the client after this long, before a server's own idle timeout
 * (Node's default is 5 s) can close one just as a request is written to it: a write lost in
 * that race could not be told apart from one the server received.
 */
const idleSocketTimeoutMs = 4_000;
/** Least time between two leader look-ups. */
const leaderLookupIntervalMinMs = 1_000;

interface CallSpec {
  path: string;
  method?: "GET" | "POST";
  body?: unknown;
  /** A write may not be resent once it may have reached a member. */
  write: boolean;
  /** Ask this endpoint only, once. */
  endpoint?: string;
  /** This call's limit instead of the client's deadlineMs. */
  deadlineMs?: number;
}

export class StoreClient {
  private readonly endpointSet: EndpointSet;
  private readonly sender: AttemptSender;
  /** Watch streams hold their connection for their whole life: never pooled with short calls. */
  private readonly watchAgent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  private readonly requestTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly log: (line: object) => void;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly leaderRefreshMs: number;
  private readonly closer = new AbortController();
  private leaderLookup: Promise<string | undefined> | undefined;
  private leaderLookupStartedAtMs = Number.NEGATIVE_INFINITY;

  constructor(options: StoreClientOptions) {
    // Every request in flight listens for close(): hundreds at once is normal, not a leak.
    setMaxListeners(0, this.closer.signal);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.endpointSet = new EndpointSet(options.endpoints, Math.max(1_000, this.requestTimeoutMs));
    this.log = options.logger ?? (() => {});
    this.backoff = { ...defaultBackoffPolicy, ...options.backoff };
    this.random = options.random ?? Math.random;
    this.leaderRefreshMs = options.leaderRefreshMs ?? 30_000;
    this.sender = new AttemptSender({
      maxSockets: socketsPerEndpointMax,
      maxIdleSockets: idleSocketsPerEndpointMax,
      idleTimeoutMs: idleSocketTimeoutMs,
      maxResponseBytes: responseBytesMax,
    });
  }

  get endpoints(): readonly string[] {
    return this.endpointSet.endpoints;
  }

  /** The endpoint writes go to first, once learned. */
  get leaderEndpoint(): string | undefined {
    return this.endpointSet.leaderEndpoint;
  }

  // ---------- KV ----------

  async range(request: RangeRequest): Promise<RangeResult> {
    return this.call({ path: "/v3/kv/range", body: encodeRangeRequest(request), write: false }, (text) =>
      parseWith(rangeResponseSchema, text),
    );
  }

  async get(key: BytesInput, options: { revision?: number; serializable?: boolean } = {}): Promise<KeyValue | undefined> {
    const result = await this.range({ key, ...options });
    return result.kvs[0];
  }

  async put(request: PutRequest): Promise<PutResult> {
    return this.call({ path: "/v3/kv/put", body: encodePutRequest(request), write: true }, (text) =>
      parseWith(putResponseSchema, text),
    );
  }

  async deleteRange(request: DeleteRangeRequest): Promise<DeleteRangeResult> {
    return this.call({ path: "/v3/kv/deleterange", body: encodeDeleteRangeRequest(request), write: true }, (text) =>
      parseWith(deleteRangeResponseSchema, text),
    );
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    return this.call({ path: "/v3/kv/txn", body: encodeTxnRequest(request), write: !isReadOnlyTxn(request) }, (text) =>
      decodeTxnResponse(parseJson(text)),
    );
  }

  /** Discards history before `revision`. `physical`: answer only once the space is reclaimed. */
  async compact(revision: number, physical = false): Promise<CompactResult> {
    if (!Number.isSafeInteger(revision) || revision < 0) throw new TypeError(`compact revision must be an integer >= 0, got ${revision}`);
    const body: Record<string, unknown> = { revision: String(revision) };
    if (physical) body.physical = true;
    return this.call({ path: "/v3/kv/compaction", body, write: true }, (text) => parseWith(compactResponseSchema, text));
  }

  // ---------- leases ----------

  /** Grants a lease; `id` picks its id (else the store does). */
  async leaseGrant(ttlSeconds: number, id?: LeaseIdInput): Promise<LeaseGrantResult> {
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 0) throw new TypeError(`lease TTL must be an integer >= 0, got ${ttlSeconds}`);
    const body: Record<string, unknown> = { TTL: String(ttlSeconds) };
    if (id !== undefined) body.ID = encodeLeaseId(id, "lease id");
    return this.call({ path: "/v3/lease/grant", body, write: true }, (text) => parseWith(leaseGrantResponseSchema, text));
  }

  /** Revokes a lease, deleting its keys in one revision. */
  async leaseRevoke(id: LeaseIdInput): Promise<LeaseRevokeResult> {
    return this.call({ path: "/v3/lease/revoke", body: { ID: encodeLeaseId(id, "lease id") }, write: true }, (text) =>
      parseWith(leaseRevokeResponseSchema, text),
    );
  }

  /**
   * Renews a lease once. Retried like a read: renewing twice does no harm. A lease that does
   * not exist answers TTL 0 on the wire; that is thrown as StoreError NotFound (as etcdctl does).
   */
  async leaseKeepAliveOnce(id: LeaseIdInput): Promise<LeaseKeepAliveResult> {
    const leaseId = encodeLeaseId(id, "lease id");
    const result = await this.call({ path: "/v3/lease/keepalive", body: { ID: leaseId }, write: false }, decodeKeepAlive);
    if (result.ttlSeconds <= 0) {
      throw new StoreError(EtcdErrorMessage.leaseNotFound, GrpcCode.notFound, 404);
    }
    return result;
  }

  async leaseTimeToLive(id: LeaseIdInput, keys = false): Promise<LeaseTimeToLiveResult> {
    const body: Record<string, unknown> = { ID: encodeLeaseId(id, "lease id") };
    if (keys) body.keys = true;
    return this.call({ path: "/v3/lease/timetolive", body, write: false }, (text) =>
      parseWith(leaseTimeToLiveResponseSchema, text),
    );
  }

  async leases(): Promise<LeaseLeasesResult> {
    return this.call({ path: "/v3/lease/leases", body: {}, write: false }, (text) => parseWith(leaseLeasesResponseSchema, text));
  }

  /**
   * Keeps lease `id` alive until stop(): renews at once, then every TTL/3 on any member, and
   * reports loss through `lost` / `options.onLost`: the store answered without a TTL (expired or
   * revoked), or no renewal succeeded within the TTL counted from the last one that did. Call it
   * right after the grant (or a renewal): the lease is taken to live `ttlSeconds` from now.
   */
  keepLease(id: LeaseIdInput, ttlSeconds: number, options: LeaseKeeperOptions = {}): LeaseKeeper {
    const leaseId = encodeLeaseId(id, "lease id");
    return new RenewingLeaseKeeper(
      leaseId,
      ttlSeconds,
      {
        renew: (lease, deadlineMs) =>
          this.call({ path: "/v3/lease/keepalive", body: { ID: lease }, write: false, deadlineMs: Math.max(1, deadlineMs) }, decodeKeepAlive),
        backoff: this.backoff,
        random: this.random,
        log: this.log,
        closed: this.closer.signal,
      },
      options,
    );
  }

  // ---------- watch ----------

  /**
   * Watches a key or range: `handler.events` receives every selected event once, one revision
   * per call, revisions strictly increasing, from `startRevision` (history, then live) or, when
   * 0/absent, from the store's revision at creation on. A broken connection (member killed,
   * reset, 5xx) is replaced by one to another member, resuming after the last delivered revision.
   * The watch ends by close() (done resolves), or with an error `done` rejects with:
   * WatchCompactedError (relist from compactRevision on), WatchCanceledError (request refused),
   * StoreError (bad request or protocol fault), or what the handler threw.
   */
  watch(request: WatchRequest, handler: WatchHandler): Watch {
    return new ResumingWatch(request, handler, {
      agent: this.watchAgent,
      nextEndpoint: () => {
        const endpoint = this.endpointSet.order("read", Date.now())[0];
        if (endpoint === undefined) throw new Error("unreachable: empty endpoint order");
        return endpoint;
      },
      markFailed: (endpoint) => this.endpointSet.markFailed(endpoint, Date.now()),
      markSucceeded: (endpoint) => this.endpointSet.markSucceeded(endpoint),
      createTimeoutMs: this.requestTimeoutMs,
      backoff: this.backoff,
      random: this.random,
      log: this.log,
      closed: this.closer.signal,
    });
  }

  // ---------- cluster ----------

  /** Status of one member: `endpoint` asks that one once; without it, any member answers. */
  async status(endpoint?: string): Promise<StatusResult> {
    const spec: CallSpec = { path: "/v3/maintenance/status", body: {}, write: false };
    if (endpoint !== undefined) spec.endpoint = new URL(endpoint).origin;
    return this.callWithEndpoint(spec, (text, answeredBy) => {
      const s = parseWith(statusResponseSchema, text);
      return { ...s, endpoint: answeredBy, memberId: s.header.memberId };
    });
  }

  async memberList(endpoint?: string): Promise<Member[]> {
    const spec: CallSpec = { path: "/v3/cluster/member/list", body: {}, write: false };
    if (endpoint !== undefined) spec.endpoint = new URL(endpoint).origin;
    const result = await this.call(spec, (text) => parseWith(memberListResponseSchema, text));
    return result.members;
  }

  /** GET /health of one member (default: the next one in turn). Unhealthy members answer 503 with a body; that is not an error. */
  async health(endpoint?: string): Promise<HealthResult> {
    const target = endpoint === undefined ? this.endpointSet.order("read", Date.now())[0] : new URL(endpoint).origin;
    if (target === undefined) throw new UnavailableError("no store endpoint", 0);
    const outcome = await this.sender.send(
      { endpoint: target, method: "GET", path: "/health", timeoutMs: Math.min(this.requestTimeoutMs, this.deadlineMs) },
      this.closer.signal,
    );
    if (outcome.kind === "failure") throw new UnavailableError(`GET /health on ${target}: ${outcome.error.message}`, 1, { cause: outcome.error });
    const parsed = healthResponseSchema.safeParse(safeJson(outcome.body));
    if (!parsed.success) {
      throw new StoreError(`GET /health on ${target} answered ${outcome.status}: ${outcome.body.slice(0, 200)}`, grpcCodeOfHttpStatus(outcome.status), outcome.status, target);
    }
    return { endpoint: target, health: parsed.data.health && outcome.status === 200 };
  }

  /** Looks the leader up now; resolves to its endpoint, or undefined if none is known. */
  refreshLeader(): Promise<string | undefined> {
    if (this.leaderLookup === undefined) {
      this.leaderLookupStartedAtMs = Date.now();
      this.leaderLookup = this.lookUpLeader().finally(() => {
        this.leaderLookup = undefined;
      });
    }
    return this.leaderLookup;
  }

  /** Closes idle and in-flight connections, watches and lease keepers; later calls fail with UnavailableError. */
  close(): void {
    this.closer.abort();
    this.sender.close();
    this.watchAgent.destroy();
  }

  // ---------- the call loop ----------

  private call<T>(spec: CallSpec, decode: (text: string) => T): Promise<T> {
    return this.callWithEndpoint(spec, (text) => decode(text));
  }

  private async callWithEndpoint<T>(spec: CallSpec, decode: (text: string, endpoint: string) => T): Promise<T> {
    const startMs = Date.now();
    const deadlineMs = spec.deadlineMs ?? this.deadlineMs;
    const deadlineAtMs = startMs + deadlineMs;
    const order = spec.endpoint !== undefined ? [spec.endpoint] : this.endpointSet.order(spec.write ? "write" : "read", startMs);
    if (spec.write && spec.endpoint === undefined) this.refreshLeaderIfStale(startMs);
    const attemptsMax = spec.endpoint !== undefined ? 1 : Number.POSITIVE_INFINITY;
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    let lastFailure: Error | undefined;
    let retryAfterMs: number | undefined;

    for (let attempt = 0; ; attempt++) {
      if (this.closer.signal.aborted) throw new UnavailableError("store client closed", attempt, { cause: lastFailure });
      if (attempt > 0) {
        const unavailable = (why: string): UnavailableError =>
          new UnavailableError(`${spec.path}: no store endpoint could serve it (${why}, ${attempt} attempts): ${lastFailure?.message ?? ""}`, attempt, {
            cause: lastFailure,
          });
        if (attempt >= attemptsMax) throw unavailable("one attempt allowed");
        const wrapped = attempt % order.length === 0;
        let delayMs = wrapped ? backoffDelayMs(attempt / order.length, this.random, this.backoff) : 0;
        if (retryAfterMs !== undefined) delayMs = Math.max(delayMs, retryAfterMs);
        if (Date.now() + delayMs >= deadlineAtMs) throw unavailable(`deadline ${deadlineMs} ms`);
        if (delayMs > 0) await this.sleep(delayMs);
      }
      const endpoint = order[attempt % order.length];
      if (endpoint === undefined) throw new Error("unreachable: empty endpoint order");
      const remainingMs = deadlineAtMs - Date.now();
      if (remainingMs <= 0) {
        throw new UnavailableError(`${spec.path}: deadline ${deadlineMs} ms passed after ${attempt} attempts`, attempt, { cause: lastFailure });
      }
      const outcome = await this.sender.send(
        { endpoint, method: spec.method ?? "POST", path: spec.path, body, timeoutMs: Math.min(this.requestTimeoutMs, remainingMs) },
        this.closer.signal,
      );
      if (outcome.kind === "answer" && outcome.status === 200) {
        this.endpointSet.markSucceeded(endpoint);
        return decodeAnswer(outcome.body, endpoint, spec.path, decode);
      }
      const failure = this.judge(spec, endpoint, outcome);
      if (failure.final) throw failure.error;
      lastFailure = failure.error;
      retryAfterMs = failure.retryAfterMs;
      this.log({ msg: "store request failed, will retry", path: spec.path, endpoint, attempt, error: failure.error.message });
    }
  }

  /** Turns a failed attempt into a final error, or a cause to retry. */
  private judge(spec: CallSpec, endpoint: string, outcome: AttemptOutcome): { final: boolean; error: Error; retryAfterMs?: number } {
    const nowMs = Date.now();
    if (outcome.kind === "failure") {
      this.endpointSet.markFailed(endpoint, nowMs);
      this.forgetLeader(endpoint);
      if (spec.write && outcome.sent) {
        const what = outcome.reason === "timeout" ? "no answer came" : `the connection failed (${outcome.error.message})`;
        return {
          final: true,
          error: new OutcomeUnknownError(`${spec.path} was sent to ${endpoint} and ${what}: it may or may not have been applied`, endpoint, {
            cause: outcome.error,
          }),
        };
      }
      if (outcome.reason === "closed") return { final: true, error: new UnavailableError("store client closed", 0, { cause: outcome.error }) };
      return { final: false, error: outcome.error };
    }
    const { code, message } = decodeErrorBody(outcome.status, outcome.body);
    const error = new StoreError(message, code, outcome.status, endpoint);
    const verdict = classifyErrorAnswer(outcome.status, code, message);
    if (verdict === "fail") return { final: true, error };
    if (verdict === "ambiguous" && spec.write) {
      return { final: true, error: new OutcomeUnknownError(`${spec.path} on ${endpoint}: ${message}: it may or may not have been applied`, endpoint, { cause: error }) };
    }
    // A member that cannot serve now (no leader, leader changed) goes to the back of the line.
    this.endpointSet.markFailed(endpoint, nowMs);
    if (code === GrpcCode.unavailable) this.forgetLeader(endpoint);
    const retryAfterMs = parseRetryAfterMs(outcome.headers["retry-after"], nowMs);
    return retryAfterMs === undefined ? { final: false, error } : { final: false, error, retryAfterMs };
  }

  // ---------- leader ----------

  private forgetLeader(endpoint: string): void {
    if (this.endpointSet.leaderEndpoint !== endpoint) return;
    this.endpointSet.forgetLeader(endpoint);
    this.log({ msg: "store leader forgotten", endpoint });
  }

  /** Starts a background look-up when the leader is unknown or old; writes never wait for it. */
  private refreshLeaderIfStale(nowMs: number): void {
    const known = this.endpointSet.leaderEndpoint !== undefined && this.endpointSet.leaderAgeMs(nowMs) < this.leaderRefreshMs;
    if (known || nowMs - this.leaderLookupStartedAtMs < leaderLookupIntervalMinMs) return;
    this.refreshLeader().catch(() => {});
  }

  /** Status from members in turn until one names a leader, then its client URL from the member list. */
  private async lookUpLeader(): Promise<string | undefined> {
    for (const endpoint of this.endpointSet.byHealth(Date.now())) {
      if (this.closer.signal.aborted) return undefined;
      try {
        const status = await this.status(endpoint);
        if (status.leader === "0") continue;
        let leaderEndpoint = status.memberId === status.leader ? endpoint : undefined;
        if (leaderEndpoint === undefined) {
          const members = await this.memberList(endpoint);
          const leader = members.find((m) => m.id === status.leader);
          leaderEndpoint = leader === undefined ? undefined : this.endpointSet.match(leader.clientURLs);
        }
        if (leaderEndpoint !== this.endpointSet.leaderEndpoint) {
          this.log({ msg: "store leader learned", leader: status.leader, endpoint: leaderEndpoint ?? null });
        }
        this.endpointSet.setLeader(leaderEndpoint, Date.now());
        return leaderEndpoint;
      } catch (error) {
        this.log({ msg: "store leader look-up failed", endpoint, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.closer.signal;
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

// ---------- decoding helpers ----------

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  return JSON.parse(text);
}

function parseWith<S extends z.ZodType>(schema: S, text: string): z.output<S> {
  return schema.parse(parseJson(text));
}

/** A 200 answer that does not decode is a protocol fault, not a reason to retry. */
function decodeAnswer<T>(text: string, endpoint: string, path: string, decode: (text: string, endpoint: string) => T): T {
  try {
    return decode(text, endpoint);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new StoreError(`malformed answer to ${path} from ${endpoint}: ${why}`, GrpcCode.internal, 200, endpoint);
  }
}

/** The gateway's {"error","message","code"}; anything else keeps its text and the status's code. */
function decodeErrorBody(status: number, body: string): { code: number; message: string } {
  const parsed = errorBodySchema.safeParse(safeJson(body));
  const fallbackMessage = body.trim().slice(0, 500) || `HTTP ${status}`;
  if (!parsed.success) return { code: grpcCodeOfHttpStatus(status), message: fallbackMessage };
  return {
    code: parsed.data.code ?? grpcCodeOfHttpStatus(status),
    message: parsed.data.message ?? parsed.data.error ?? fallbackMessage,
  };
}

/** Keep-alive is a stream on the gateway: newline-separated {"result": ...} or {"error": ...} frames. */
function decodeKeepAlive(text: string): LeaseKeepAliveResult {
  const line = text.split("\n").find((l) => l.trim() !== "");
  if (line === undefined) throw new Error("empty keep-alive answer");
  const frame = streamFrameSchema.parse(parseJson(line));
  if (frame.error !== undefined) {
    const code = frame.error.grpc_code ?? frame.error.code ?? GrpcCode.unknown;
    throw new StoreError(frame.error.message, code, frame.error.http_code ?? 200);
  }
  return leaseKeepAliveResponseSchema.parse(frame.result ?? parseJson(line));
}
