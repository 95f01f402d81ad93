// The same watch over WebSocket: `GET ...?watch=true` with an Upgrade header streams each event
// as one text message, as kube-apiserver does for clients that prefer WebSockets.
import type { FastifyInstance } from "fastify";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { ApiError, badRequest, noSuchPath } from "./errors.js";
import { parseQuery } from "./query.js";
import { parseResourcePath, type RequestTarget } from "./request-info.js";
import { responseFormatOf } from "./render.js";
import type { WatchCaches } from "./watch-cache.js";
import { watchCacheReadyTimeoutMs, watchStreamOptions, type WatchSettings } from "./watch-request.js";
import { streamWatch, type WatchStreamOptions } from "./watch-stream.js";

export function attachWebSocketWatch(app: FastifyInstance, caches: WatchCaches, settings: WatchSettings): void {
  const server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  app.server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    let plan: ReturnType<typeof planWatch>;
    try {
      plan = planWatch(request, settings);
    } catch (error) {
      const status = error instanceof ApiError ? error : badRequest(String(error));
      socket.end(`HTTP/1.1 ${status.code} ${status.reason}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify(status.toStatus())}`);
      return;
    }
    server.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.on("close", () => sockets.delete(ws));
      ws.on("error", () => ws.terminate());
      const cache = caches.for(plan.target.info);
      void cache
        .readyWithin(watchCacheReadyTimeoutMs)
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
            plan.options,
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

function planWatch(request: IncomingMessage, settings: WatchSettings): { target: RequestTarget; options: WatchStreamOptions } {
  const url = new URL(request.url ?? "/", "http://localhost");
  const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(url.pathname.replace(/\/$/, ""));
  if (match === null) throw noSuchPath();
  const group = match[1] === undefined ? (match[2] ?? "") : "";
  const version = match[1] ?? match[3] ?? "";
  const target = parseResourcePath(group, version, (match[4] ?? "").split("/"));
  const query = parseQuery(Object.fromEntries(url.searchParams.entries()));
  if (query.watch !== true) throw badRequest("only watch requests (?watch=true) may upgrade to a WebSocket");
  return { target, options: watchStreamOptions(target, query, responseFormatOf(request.headers.accept), settings) };
}
