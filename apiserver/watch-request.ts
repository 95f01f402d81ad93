// What a watch request asks for, the same over chunked HTTP and over WebSocket: its query
// checked, its filter and start revision parsed, and the stream options built from the
// server's settings.
import { parseFilter } from "./list.js";
import { checkWatchQuery, joinFieldSelector, watchStartRevision, watchTimeoutMs, type RequestQuery } from "./query.js";
import { render, type ResponseFormat } from "./render.js";
import type { RequestTarget } from "./request-info.js";
import type { KubeObject } from "./storage.js";
import type { WatchStreamOptions } from "./watch-stream.js";

/** How long a watch waits for its resource's cache to start before it is refused (503). */
export const watchCacheReadyTimeoutMs = 5_000;

/** The server's watch settings, shared by both transports. */
export interface WatchSettings {
  readonly nowMs: () => number;
  readonly bookmarkIntervalMs: number;
  /** A watch without timeoutSeconds ends after this long. */
  readonly watchTimeoutDefaultMs: number;
  readonly bytesBufferedMax?: number;
  readonly log?: (line: object, message: string) => void;
}

/** Throws the 4xx a bad watch query gets; otherwise the options to stream it with. */
export function watchStreamOptions(target: RequestTarget, query: RequestQuery, format: ResponseFormat, settings: WatchSettings): WatchStreamOptions {
  checkWatchQuery(query);
  return {
    fromRevision: watchStartRevision(query.resourceVersion),
    filter: parseFilter(target.info, target.namespace, query.labelSelector, joinFieldSelector(query.fieldSelector, target.name)),
    bookmarks: query.allowWatchBookmarks === true,
    bookmarkIntervalMs: settings.bookmarkIntervalMs,
    timeoutMs: watchTimeoutMs(query.timeoutSeconds, settings.watchTimeoutDefaultMs),
    ...(format.kind === "table" ? { render: (object: KubeObject, first: boolean) => render(target.info, object, format, query, settings.nowMs(), !first) } : {}),
    ...(settings.log === undefined ? {} : { log: settings.log }),
    ...(settings.bytesBufferedMax === undefined ? {} : { bytesBufferedMax: settings.bytesBufferedMax }),
  };
}
