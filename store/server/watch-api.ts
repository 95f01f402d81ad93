import type http from "node:http";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import { z } from "zod";
import type { WatchEvent } from "../mvcc/index.js";
import { MvccError } from "../mvcc/index.js";
import { grpcCode, httpStatusOf } from "./errors.js";
import { base64Bytes, keyValueJson, omitDefaults } from "./gateway-codec.js";
import type { Member } from "./member.js";

/** Bytes a watch stream may hold unsent before its watchers are cancelled as too slow. */
export const watchStreamBufferedBytesMax = 16 << 20;
/** Watches one stream may hold. */
export const watchesPerStreamMax = 10_000;

type Json = Record<string, unknown>;

const int64 = z.union([z.string().regex(/^-?\d+$/), z.number().int()]).transform((v) => Number(v));
const filter = z.union([z.enum(["NOPUT", "NODELETE"]), z.literal(0), z.literal(1)]).transform((v) => (v === 0 ? "NOPUT" : v === 1 ? "NODELETE" : v));

const watchRequestSchema = z.object({
  create_request: z
    .object({
      key: base64Bytes.optional(),
      range_end: base64Bytes.optional(),
      start_revision: int64.optional(),
      progress_notify: z.boolean().optional(),
      filters: z.array(filter).optional(),
      prev_kv: z.boolean().optional(),
      watch_id: int64.optional(),
      fragment: z.boolean().optional(),
    })
    .optional(),
  cancel_request: z.object({ watch_id: int64.optional() }).optional(),
  progress_request: z.object({}).passthrough().optional(),
});

export interface WatchApiOptions {
  /** How often watchers that asked for it get a progress notification (etcd: 10 minutes). */
  readonly progressNotifyIntervalMs: number;
}

/**
 * One client's watch stream, as etcd's gateway serves `/v3/watch`: watch requests in (create,
 * cancel, progress), `{"result": WatchResponse}` messages out. Transport-neutral: the HTTP
 * stream and the WebSocket both drive it.
 */
class WatchSession {
  /** Stream watch id → hub watcher id. */
  private readonly watches = new Map<number, { hubId: number; progressNotify: boolean; sentEvents: boolean }>();
  private nextWatchId = 0;
  /** Seeded bug "watch-drop-on-resume" only: watch id → the revision its catch-up ends at. */
  private readonly dropFirstCatchUp = new Map<number, number>();
  private readonly progressTimer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly member: Member,
    private readonly send: (message: Json) => void,
    private readonly bufferedBytes: () => number,
    options: WatchApiOptions,
    private readonly log: Logger,
  ) {
    this.progressTimer = setInterval(() => this.notifyProgress(), options.progressNotifyIntervalMs);
    this.progressTimer.unref();
  }

  /** An error line in the gateway's shape: the stream goes on. */
  private sendError(code: number, message: string): void {
    this.send({ error: { grpc_code: code, http_code: httpStatusOf(code), message } });
  }

  private header(revision = this.member.mvcc.currentRevision()): Json {
    return { cluster_id: this.member.clusterId, member_id: this.member.memberId, revision: String(revision), raft_term: String(this.member.raft.term) };
  }

  private result(body: Json): void {
    if (!this.closed) this.send({ result: omitDefaults(body) });
  }

  handle(text: string): void {
    // The member stopped and its databases are closed: the stream is about to be cut.
    if (this.member.isStopped()) {
      this.sendError(grpcCode.unavailable, "etcdserver: server stopped");
      return;
    }
    let parsed: z.infer<typeof watchRequestSchema>;
    try {
      parsed = watchRequestSchema.parse(JSON.parse(text) as unknown);
    } catch (error) {
      this.sendError(grpcCode.invalidArgument, error instanceof Error ? error.message.slice(0, 200) : "invalid watch request");
      return;
    }
    if (parsed.create_request !== undefined) this.create(parsed.create_request);
    else if (parsed.cancel_request !== undefined) this.cancel(parsed.cancel_request.watch_id ?? 0, "");
    else if (parsed.progress_request !== undefined) this.result({ header: this.header(), watch_id: "-1" });
  }

  private create(request: NonNullable<z.infer<typeof watchRequestSchema>["create_request"]>): void {
    const watchId = request.watch_id !== undefined && request.watch_id > 0 ? request.watch_id : this.nextFreeId();
    if (this.watches.has(watchId)) {
      this.result({ header: this.header(), watch_id: "-1", created: true, canceled: true, cancel_reason: "mvcc: duplicate watch ID provided on the WatchStream" });
      return;
    }
    if (this.watches.size >= watchesPerStreamMax) {
      this.result({ header: this.header(), watch_id: "-1", created: true, canceled: true, cancel_reason: `kube-lite: a watch stream holds at most ${watchesPerStreamMax} watches` });
      return;
    }
    const key = request.key ?? new Uint8Array();
    this.result({ header: this.header(), watch_id: String(watchId), created: true });
    const current = this.member.mvcc.currentRevision();
    if (this.member.testHooks?.has("watch-drop-on-resume") === true && (request.start_revision ?? 0) > 0 && (request.start_revision ?? 0) <= current) this.dropFirstCatchUp.set(watchId, current);
    try {
      const hubId = this.member.watchHub.add(
        {
          key,
          rangeEnd: request.range_end,
          startRevision: request.start_revision ?? 0,
          prevKv: request.prev_kv === true,
          noPut: request.filters?.includes("NOPUT") === true,
          noDelete: request.filters?.includes("NODELETE") === true,
        },
        {
          events: (events, revision) => this.deliver(watchId, events, revision),
          canceled: (reason, compactRevision) => this.canceledByStore(watchId, reason, compactRevision),
        },
      );
      this.watches.set(watchId, { hubId, progressNotify: request.progress_notify === true, sentEvents: false });
    } catch (error) {
      if (!(error instanceof MvccError)) throw error;
      // As etcd: created, then canceled with the compact revision (a header without revision,
      // no reason), so the client can relist.
      this.result({ header: this.compactedHeader(), watch_id: String(watchId), canceled: true, compact_revision: String(this.member.mvcc.compactRevision()) });
    }
  }

  private nextFreeId(): number {
    while (this.watches.has(this.nextWatchId)) this.nextWatchId += 1;
    return this.nextWatchId++;
  }

  private deliver(watchId: number, events: readonly WatchEvent[], revision: number): void {
    const catchUpEnd = this.dropFirstCatchUp.get(watchId);
    this.dropFirstCatchUp.delete(watchId);
    if (catchUpEnd !== undefined && revision <= catchUpEnd) return;
    if (this.bufferedBytes() > watchStreamBufferedBytesMax) {
      // A slow reader is cut off rather than slowing writes or other watchers.
      this.cancel(watchId, "etcdserver: watch stream too slow: its buffer passed the limit");
      this.log.warn({ watchId }, "cancelled a slow watcher");
      return;
    }
    const watch = this.watches.get(watchId);
    if (watch !== undefined) watch.sentEvents = true;
    this.result({
      header: this.header(revision),
      watch_id: String(watchId),
      events: events.map((e) => omitDefaults({ type: e.type === "DELETE" ? "DELETE" : undefined, kv: keyValueJson(e.kv), prev_kv: e.prevKv === undefined ? undefined : keyValueJson(e.prevKv) })),
    });
  }

  private canceledByStore(watchId: number, _reason: string, compactRevision: number): void {
    this.watches.delete(watchId);
    this.result({ header: this.compactedHeader(), watch_id: String(watchId), canceled: true, compact_revision: String(compactRevision) });
  }

  private compactedHeader(): Json {
    return { cluster_id: this.member.clusterId, member_id: this.member.memberId, raft_term: String(this.member.raft.term) };
  }

  private cancel(watchId: number, reason: string): void {
    const watch = this.watches.get(watchId);
    if (watch === undefined) return;
    this.member.watchHub.cancel(watch.hubId);
    this.watches.delete(watchId);
    this.result({ header: this.header(), watch_id: String(watchId), canceled: true, cancel_reason: reason });
  }

  private notifyProgress(): void {
    for (const [watchId, watch] of this.watches) {
      // As etcd: a watch sent events during the interval needs no notification for it.
      const sentEvents = watch.sentEvents;
      watch.sentEvents = false;
      if (!watch.progressNotify || sentEvents) continue;
      // Only a watcher caught up with the live feed may be told "nothing before this revision is missing".
      if (this.member.watchHub.isSynced(watch.hubId)) this.result({ header: this.header(), watch_id: String(watchId) });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.progressTimer);
    for (const watch of this.watches.values()) this.member.watchHub.cancel(watch.hubId);
    this.watches.clear();
  }
}

/** `POST /v3/watch`: requests as a stream of JSON objects in the body, answers as newline-delimited JSON. */
export function serveWatchStream(req: http.IncomingMessage, res: http.ServerResponse, member: Member, options: WatchApiOptions, log: Logger): void {
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache" });
  res.flushHeaders();
  const session = new WatchSession(member, (message) => res.write(`${JSON.stringify(message)}\n`), () => res.writableLength, options, log);
  const splitter = new JsonObjectSplitter();
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    for (const text of splitter.push(chunk)) session.handle(text);
  });
  // As the gateway: the request side may end (curl -d) while the watch goes on.
  res.on("close", () => session.close());
}

/** Each client API server's WebSocket watch server, so that shutdown can cut its sockets too. */
const watchSocketServers = new WeakMap<http.Server, WebSocketServer>();

/**
 * Cuts every connection of a client API server at once: its HTTP ones (closeAllConnections) and
 * its WebSocket watches, which the HTTP server no longer tracks once upgraded.
 */
export function cutClientConnections(server: http.Server): void {
  server.closeAllConnections();
  for (const ws of watchSocketServers.get(server)?.clients ?? []) ws.terminate();
}

/** The same stream over a WebSocket: one request per text message, one answer per message. */
export function attachWatchWebSocket(server: http.Server, member: Member, options: WatchApiOptions, log: Logger): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 << 20 });
  watchSocketServers.set(server, wss);
  server.on("upgrade", (req, socket, head) => {
    const pathname = (req.url ?? "").split("?")[0];
    if (pathname !== "/v3/watch") {
      socket.destroy();
      return;
    }
    if (member.isStopped()) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const session = new WatchSession(member, (message) => ws.send(JSON.stringify(message)), () => ws.bufferedAmount, options, log);
      ws.on("message", (data) => session.handle(data.toString()));
      ws.on("close", () => session.close());
      ws.on("error", () => session.close());
    });
  });
}

/** Cuts a stream of concatenated JSON objects into whole objects. */
export class JsonObjectSplitter {
  private buffered = "";

  push(chunk: string): string[] {
    this.buffered += chunk;
    const objects: string[] = [];
    let depth = 0;
    let start = -1;
    let inString = false;
    let escaped = false;
    let consumed = 0;
    const text = this.buffered;
    for (let i = 0; i < text.length; i += 1) {
      const c = text[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === "\\") escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === "{") {
        if (depth === 0) start = i;
        depth += 1;
      } else if (c === "}" && depth > 0) {
        depth -= 1;
        if (depth === 0) {
          objects.push(text.slice(start, i + 1));
          consumed = i + 1;
        }
      }
    }
    this.buffered = text.slice(consumed);
    return objects;
  }

  rest(): string {
    return this.buffered;
  }
}
