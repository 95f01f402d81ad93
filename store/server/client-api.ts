import { randomInt } from "node:crypto";
import http from "node:http";
import type { Logger } from "pino";
import type { z } from "zod";
import type { WriteRequest, WriteResponse } from "../mvcc/index.js";
import { MvccError, checkRangeRequest, checkWriteRequest, isTxnReadOnly, maxTxnOpsDefault } from "../mvcc/index.js";
import { InvalidArgument, Unavailable, grpcCode, httpStatusOf } from "./errors.js";
import {
  compactionRequestSchema,
  deleteRangeRequestSchema,
  keyValueJson,
  leaseGrantSchema,
  nestingDepth,
  leaseIdSchema,
  leaseTimeToLiveSchema,
  omitDefaults,
  putRequestSchema,
  rangeRequestSchema,
  rangeResponseJson,
  responseOpJson,
  toDeleteRangeRequest,
  toPutRequest,
  toRangeRequest,
  toTxnRequest,
  txnRequestSchema,
} from "./gateway-codec.js";
import type { Member } from "./member.js";
import type { WatchApiOptions } from "./watch-api.js";
import { JsonObjectSplitter, attachWatchWebSocket, serveWatchStream } from "./watch-api.js";

/** etcd's --max-request-bytes default. */
export const requestBytesMax = 1.5 * 1024 * 1024;
/** Room for JSON and base64 around a request of requestBytesMax. */
const bodyBytesMax = Math.ceil(requestBytesMax * 1.4) + 64 * 1024;
export const storeVersion = "3.4.0";
/** Nesting depth of a request body's JSON (a txn nests 3 levels per inner txn). */
export const requestNestingMax = 200;

type Json = Record<string, unknown>;
/** A route's work; `cancelled` aborts once its client has gone (etcd's request context). */
type Handler = (body: unknown, cancelled: AbortSignal) => Promise<Json>;

/**
 * The client API in etcd v3's JSON gateway shapes, on node:http. Bodies are parsed as JSON
 * whatever their Content-Type (as the gateway does), validated with zod, and every failure is
 * answered as the gateway answers it: `{"error", "message", "code"}` with the matching status.
 */
export function createClientApi(member: Member, log: Logger, watchOptions: WatchApiOptions = { progressNotifyIntervalMs: 10 * 60_000 }): http.Server {
  /** A response header; a write's names the revision that write made (or saw), not whatever is current when it is sent. */
  const header = (revision: number = member.mvcc.currentRevision()): Json => ({
    cluster_id: member.clusterId,
    member_id: member.memberId,
    revision: String(revision),
    raft_term: String(member.raft.term),
  });

  /** Checks a write as etcd does before proposing it: a bad request never reaches the log. */
  const writeThen = async (request: WriteRequest): Promise<WriteResponse> => {
    const invalid = checkWriteRequest(request, maxTxnOpsDefault);
    if (invalid !== undefined) throw invalid;
    if (writeRequestBytes(request) > requestBytesMax) throw new InvalidArgument("etcdserver: request is too large");
    return member.write(request);
  };

  const leaseRevoke: Handler = async (body) => {
    const { ID } = parse(leaseIdSchema, body);
    const response = await writeThen({ leaseRevoke: { id: ID ?? 0 } });
    return { header: header("leaseRevoke" in response ? response.leaseRevoke.revision : undefined) };
  };

  const leaseTimeToLive: Handler = async (body, cancelled) => {
    const { ID, keys } = parse(leaseTimeToLiveSchema, body);
    const id = ID ?? 0;
    // The granted TTL and the keys come from this member's state: on a follower, first caught up
    // with everything committed before the call (a read index), so a lease granted and answered
    // through another member is never "not found" here (etcd asks the leader for all of it).
    if (!member.isLeader()) await member.linearizableBarrier();
    const { remainingSeconds } = await member.leaseTimeToLive(id, cancelled);
    const info = member.mvcc.lease(id);
    if (info === undefined || remainingSeconds < 0) return { header: header(), ID: String(id), TTL: "-1" };
    return omitDefaults({
      header: header(),
      ID: String(id),
      TTL: String(remainingSeconds),
      grantedTTL: String(info.ttlSeconds),
      keys: keys === true ? info.keys.map((k) => Buffer.from(k).toString("base64")) : undefined,
    });
  };

  const leaseLeases: Handler = async () => ({ header: header(), leases: member.mvcc.leases().map((l) => ({ ID: String(l.id) })) });

  const parse = <S extends z.ZodType>(schema: S, body: unknown): z.infer<S> => {
    const result = schema.safeParse(body ?? {});
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? "" : ` (field ${issue.path.join(".")})`;
      throw new InvalidArgument(`${issue?.message ?? "invalid request"}${where}`);
    }
    return result.data as z.infer<S>;
  };

  const routes = new Map<string, Handler>([
    [
      "/v3/kv/range",
      async (body) => {
        const request = toRangeRequest(parse(rangeRequestSchema, body));
        const invalid = checkRangeRequest(request);
        if (invalid !== undefined) throw invalid;
        const response = await member.range(request);
        return rangeResponseJson(header(response.revision), response);
      },
    ],
    [
      "/v3/kv/put",
      async (body) => {
        const request = toPutRequest(parse(putRequestSchema, body));
        const response = await writeThen({ put: request });
        if (!("put" in response)) throw new Error("put answered with another response");
        return omitDefaults({ header: header(response.put.revision), prev_kv: response.put.prevKv === undefined ? undefined : keyValueJson(response.put.prevKv) });
      },
    ],
    [
      "/v3/kv/deleterange",
      async (body) => {
        const request = toDeleteRangeRequest(parse(deleteRangeRequestSchema, body));
        const response = await writeThen({ deleteRange: request });
        if (!("deleteRange" in response)) throw new Error("deleterange answered with another response");
        const r = response.deleteRange;
        return omitDefaults({ header: header(r.revision), deleted: String(r.deleted), prev_kvs: r.prevKvs.map(keyValueJson) });
      },
    ],
    [
      "/v3/kv/txn",
      async (body) => {
        const request = toTxnRequest(parse(txnRequestSchema, body));
        if (isTxnReadOnly(request)) {
          // As etcd: a txn of ranges only is answered locally after a ReadIndex, not logged.
          const invalid = checkWriteRequest({ txn: request }, maxTxnOpsDefault);
          if (invalid !== undefined) throw invalid;
          await member.linearizableBarrier();
          const response = member.mvcc.readTxn(request);
          return omitDefaults({ header: header(response.revision), succeeded: response.succeeded, responses: response.responses.map((op) => responseOpJson(op)) });
        }
        const response = await writeThen({ txn: request });
        if (!("txn" in response)) throw new Error("txn answered with another response");
        const t = response.txn;
        return omitDefaults({ header: header(t.revision), succeeded: t.succeeded, responses: t.responses.map((op) => responseOpJson(op)) });
      },
    ],
    [
      "/v3/kv/compaction",
      async (body) => {
        const raw = parse(compactionRequestSchema, body);
        const response = await writeThen({ compaction: { revision: raw.revision ?? 0, physical: raw.physical } });
        return { header: header("compaction" in response ? response.compaction.revision : undefined) };
      },
    ],
    [
      "/v3/lease/grant",
      async (body) => {
        const { TTL, ID } = parse(leaseGrantSchema, body);
        // An id of 0 asks the store to choose one (below 2^53, so it survives JSON clients).
        const id = ID === undefined || ID === 0 ? randomInt(1, 2 ** 47) * 64 + randomInt(64) : ID;
        const response = await writeThen({ leaseGrant: { id, ttlSeconds: TTL ?? 0 } });
        if (!("leaseGrant" in response)) throw new Error("lease grant answered with another response");
        return { header: header(response.leaseGrant.revision), ID: String(response.leaseGrant.id), TTL: String(response.leaseGrant.ttlSeconds) };
      },
    ],
    ["/v3/lease/revoke", leaseRevoke],
    ["/v3/kv/lease/revoke", leaseRevoke],
    ["/v3/lease/timetolive", leaseTimeToLive],
    ["/v3/kv/lease/timetolive", leaseTimeToLive],
    ["/v3/lease/leases", leaseLeases],
    ["/v3/kv/lease/leases", leaseLeases],
    [
      "/v3/maintenance/status",
      async () => {
        const status = member.raft.status();
        const leader = status.leader === "" ? "0" : member.memberIdOf(status.leader);
        return omitDefaults({
          header: header(),
          version: storeVersion,
          dbSize: String(member.dbSizeBytes()),
          leader,
          raftIndex: String(status.commit),
          raftTerm: String(status.term),
          raftAppliedIndex: String(member.appliedIndex()),
          dbSizeInUse: String(member.dbSizeBytes()),
        });
      },
    ],
    [
      "/v3/cluster/member/list",
      async () => ({
        header: header(),
        members: member.members().map((m) => omitDefaults({ ID: m.id, name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls })),
      }),
    ],
  ]);

  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    const pathname = url.split("?")[0] ?? "/";
    if (pathname === "/health" && (req.method === "GET" || req.method === "HEAD")) {
      const healthy = member.leader() !== "";
      sendJson(res, healthy ? 200 : 503, { health: String(healthy) });
      return;
    }
    // Between the member's stop and the cut of its connections, nothing reads its closed
    // databases or starts a stream: etcd's ErrStopped.
    if (member.isStopped()) {
      sendError(res, new Unavailable("etcdserver: server stopped"), log);
      return;
    }
    if (pathname === "/v3/watch" && req.method === "POST") {
      serveWatchStream(req, res, member, watchOptions, log);
      return;
    }
    if (pathname === "/v3/lease/keepalive" && req.method === "POST") {
      serveKeepAlive(req, res, member, header, log);
      return;
    }
    const handler = routes.get(pathname);
    if (handler === undefined || req.method !== "POST") {
      sendJson(res, 404, { error: "Not Found", message: "Not Found", code: grpcCode.notFound });
      return;
    }
    const cancelled = abortedWhenClientGoes(res);
    readBody(req, bodyBytesMax)
      .then((text) => {
        if (text === undefined) throw new InvalidArgument("etcdserver: request is too large");
        let body: unknown;
        try {
          body = text.trim() === "" ? {} : (JSON.parse(text) as unknown);
        } catch (error) {
          throw new InvalidArgument(error instanceof Error ? error.message : "invalid JSON");
        }
        if (typeof body !== "object" || body === null || Array.isArray(body)) throw new InvalidArgument("request body must be a JSON object");
        // A txn nested deeper than any real one is refused before validation walks it.
        if (nestingDepth(body) > requestNestingMax) throw new InvalidArgument("etcdserver: too many operations in txn request");
        if (text.length > requestBytesMax * 1.34 + 1024) throw new InvalidArgument("etcdserver: request is too large");
        if (member.isStopped()) throw new Unavailable("etcdserver: server stopped");
        return handler(body, cancelled);
      })
      .then((json) => sendJson(res, 200, json))
      .catch((error: unknown) => sendError(res, error, log));
  });
  server.keepAliveTimeout = 60_000;
  attachWatchWebSocket(server, member, watchOptions, log);
  return server;
}

/**
 * Lease keep-alive, as etcd's gateway streams it: each JSON object in the request body is one
 * keep-alive, answered by one `{"result": ...}` line, as soon as it arrives.
 */
function serveKeepAlive(req: http.IncomingMessage, res: http.ServerResponse, member: Member, header: () => Json, log: Logger): void {
  res.writeHead(200, { "content-type": "application/json" });
  // A keep-alive waiting for a leader stops waiting once its client has gone.
  const cancelled = abortedWhenClientGoes(res);
  let chain = Promise.resolve();
  const answer = (text: string) => {
    chain = chain.then(async () => {
      let id = 0;
      try {
        const parsed = leaseIdSchema.safeParse(JSON.parse(text) as unknown);
        if (!parsed.success) throw new InvalidArgument("invalid keep-alive request");
        id = parsed.data.ID ?? 0;
        const { ttlSeconds } = await member.leaseKeepAlive(id, cancelled);
        const result = ttlSeconds < 0 ? { header: header(), ID: String(id) } : { header: header(), ID: String(id), TTL: String(ttlSeconds) };
        res.write(`${JSON.stringify({ result })}\n`);
      } catch (error) {
        const code = error instanceof InvalidArgument || error instanceof Unavailable ? error.code : grpcCode.internal;
        if (code === grpcCode.internal) log.error({ err: error }, "keep-alive failed");
        res.write(`${JSON.stringify({ error: { grpc_code: code, http_code: httpStatusOf(code), message: error instanceof Error ? error.message : "error" } })}\n`);
      }
    });
  };
  const splitter = new JsonObjectSplitter();
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    for (const text of splitter.push(chunk)) answer(text);
  });
  req.on("end", () => {
    if (splitter.rest().trim() !== "") answer(splitter.rest());
    void chain.then(() => res.end());
  });
}

/** About what etcd's --max-request-bytes measures: the bytes a write carries. */
function writeRequestBytes(request: WriteRequest): number {
  let total = 16;
  const visit = (value: unknown): void => {
    if (value instanceof Uint8Array) total += value.byteLength + 2;
    else if (Array.isArray(value)) for (const v of value) visit(v);
    else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) visit(v);
    else total += 4;
  };
  visit(request);
  return total;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Aborts once the client has gone before its answer was finished (etcd's request context). */
function abortedWhenClientGoes(res: http.ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

function sendError(res: http.ServerResponse, error: unknown, log: Logger): void {
  if (error instanceof MvccError || error instanceof InvalidArgument || error instanceof Unavailable) {
    const status = httpStatusOf(error.code);
    if (status === 503) res.setHeader("retry-after", "1");
    sendJson(res, status, { error: error.message, message: error.message, code: error.code });
    return;
  }
  log.error({ err: error }, "store request failed");
  sendJson(res, 500, { error: "etcdserver: internal error", message: "etcdserver: internal error", code: grpcCode.internal });
}
