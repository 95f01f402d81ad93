// The same watch over WebSocket: `GET ...?watch=true` with an Upgrade header streams each event
// as one text message, as kube-apiserver does for clients that prefer WebSockets.
import type { FastifyInstance } from "fastify";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { ApiError, badRequest } from "./errors.js";
import { parseFilter } from "./list.js";
import { checkWatchQuery, joinFieldSelector, parseQuery, watchStartRevision, watchTimeoutMs } from "./query.js";
import { parseResourcePath } from "./request-info.js";
import { render, responseFormatOf } from "./render.js";
import type { KubeObject } from "./storage.js";
import type { WatchCaches } from "./watch-cache.js";
import { streamWatch } from "./watch-stream.js";

export interface WebSocketWatchOptions {
  readonly caches: WatchCaches;
  readonly nowMs: () => number;
  readonly bookmarkIntervalMs: number;
  readonly watchTimeoutDefaultMs: number;
  readonly bytesBufferedMax?: number;
}

export function attachWebSocketWatch(app: FastifyInstance, options: WebSocketWatchOptions): void {
  const server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  app.server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    let plan: ReturnType<typeof planWatch>;
    try {
      plan = planWatch(request);
    } catch (error) {
      const status = error instanceof ApiError ? error : badRequest(String(error));
      socket.end(`HTTP/1.1 ${status.code} ${status.reason}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify(status.toStatus())}`);
      return;
    }
    server.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.on("close", () => sockets.delete(ws));
      ws.on("error", () => ws.terminate());
      const cache = options.caches.for(plan.target.info);
      void cache
        .readyWithin(5_000)
        .then((ready) => {
          if (!ready) throw new Error("the store does not answer");
        })
        .then(() =>
          streamWatch(
            cache,
            {
              send: (text) => ws.send(text.trimEnd()),
              bufferedBytes: () => ws.bufferedAmount,
              end: () => ws.close(1000),
              abort: () => ws.terminate(),
              onClose: (listener) => ws.on("close", listener),
            },
            {
              fromRevision: plan.fromRevision,
              ...(options.bytesBufferedMax === undefined ? {} : { bytesBufferedMax: options.bytesBufferedMax }),
              filter: plan.filter,
              bookmarks: plan.query.allowWatchBookmarks === true,
              bookmarkIntervalMs: options.bookmarkIntervalMs,
              timeoutMs: watchTimeoutMs(plan.query.timeoutSeconds, options.watchTimeoutDefaultMs),
              ...(plan.format.kind === "table" ? { render: (object: KubeObject, first: boolean) => render(plan.target.info, object, plan.format, plan.query, options.nowMs(), !first) } : {}),
            },
          ),
        )
        .catch(() => ws.close(1011, "the store is unavailable"));
    });
  });
  app.addHook("onClose", async () => {
    for (const ws of sockets) ws.terminate();
    server.close();
  });
}

function planWatch(request: IncomingMessage) {
  const url = new URL(request.url ?? "/", "http://localhost");
  const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(url.pathname.replace(/\/$/, ""));
  if (match === null) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
  const group = match[1] === undefined ? (match[2] ?? "") : "";
  const version = match[1] ?? match[3] ?? "";
  const target = parseResourcePath(group, version, (match[4] ?? "").split("/"));
  const query = parseQuery(Object.fromEntries(url.searchParams.entries()));
  if (query.watch !== true) throw badRequest("only watch requests (?watch=true) may upgrade to a WebSocket");
  checkWatchQuery(query);
  const filter = parseFilter(target.info, target.namespace, query.labelSelector, joinFieldSelector(query.fieldSelector, target.name));
  const fromRevision = watchStartRevision(query.resourceVersion);
  return { target, query, filter, fromRevision, format: responseFormatOf(request.headers.accept) };
}
