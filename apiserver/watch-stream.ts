// One client watch: subscribes to the watch cache and writes `{"type", "object"}` events to an
// HTTP chunked response or a WebSocket, with bookmarks, a timeout, and a bounded buffer (a
// client that cannot keep up is cut off; it never slows the cache or the other watchers).
import { ApiError } from "./errors.js";
import type { ObjectFilter } from "./list.js";
import { groupVersionOf } from "./resources.js";
import type { KubeObject } from "./storage.js";
import { TooOldError, type ClientEvent, type Subscription, type WatchCache } from "./watch-cache.js";

/** Bytes a client may leave unread before it is cut off (default). */
export const watchBytesBufferedMaxDefault = 16 * 1024 * 1024;

export interface EventTransport {
  /** Writes one serialized event. */
  send(text: string): void;
  /** Bytes written and not yet taken by the client. */
  bufferedBytes(): number;
  end(): void;
  /** Drops the connection at once, unsent data included (for a client too slow to read it). */
  abort(): void;
  /** Called once when the client goes away. */
  onClose(listener: () => void): void;
}

export interface WatchStreamOptions {
  /** undefined: start with the current state (ADDED per object). */
  readonly fromRevision: number | undefined;
  readonly filter: ObjectFilter;
  readonly bookmarks: boolean;
  readonly bookmarkIntervalMs: number;
  readonly timeoutMs: number;
  /** Transforms each event's object (Table rendering); identity by default. */
  readonly render?: (object: KubeObject, first: boolean) => KubeObject;
  readonly log?: (line: object, message: string) => void;
  /** Default watchBytesBufferedMaxDefault. */
  readonly bytesBufferedMax?: number;
}

/**
 * Every watcher of a resource is handed the same event objects by the cache: each is
 * serialized once, however many watchers write it (a fan-out to 1000 watchers would otherwise
 * stringify it 1000 times).
 */
const serialized = new WeakMap<KubeObject, Map<string, string>>();

function serializedEvent(type: string, object: KubeObject): string {
  let byType = serialized.get(object);
  if (byType === undefined) {
    byType = new Map();
    serialized.set(object, byType);
  }
  let text = byType.get(type);
  if (text === undefined) {
    text = `${JSON.stringify({ type, object })}\n`;
    byType.set(type, text);
  }
  return text;
}

/** Streams until timeout, client close, cut-off or cache reset. Resolves when done. */
export function streamWatch(cache: WatchCache, transport: EventTransport, options: WatchStreamOptions): Promise<void> {
  return new Promise((resolve) => {
    let finished = false;
    let subscription: Subscription | undefined;
    let lastBookmarkRevision = 0;
    let first = true;
    const timers: NodeJS.Timeout[] = [];
    const finish = (abort = false): void => {
      if (finished) return;
      finished = true;
      subscription?.cancel();
      for (const timer of timers) clearTimeout(timer);
      if (abort) transport.abort();
      else transport.end();
      resolve();
    };
    const write = (type: string, object: KubeObject): void => {
      if (finished) return;
      if (options.render === undefined || type === "BOOKMARK" || type === "ERROR") {
        transport.send(serializedEvent(type, object));
      } else {
        transport.send(`${JSON.stringify({ type, object: options.render(object, first) })}\n`);
        first = false;
      }
      if (transport.bufferedBytes() > (options.bytesBufferedMax ?? watchBytesBufferedMaxDefault)) {
        options.log?.({ resource: cache.info.resource, bufferedBytes: transport.bufferedBytes() }, "watch client too slow: cut off");
        finish(true);
      }
    };
    const bookmark = (): void => {
      // Every event up to here was written: a client resuming from this revision misses nothing.
      const revision = Math.max(cache.revision, subscription?.revision ?? 0, options.fromRevision ?? 0);
      if (revision <= lastBookmarkRevision) return;
      lastBookmarkRevision = revision;
      write("BOOKMARK", { kind: cache.info.kind, apiVersion: groupVersionOf(cache.info), metadata: { resourceVersion: String(revision) } });
    };
    transport.onClose(() => finish());
    try {
      subscription = cache.subscribe(options.fromRevision, options.filter, {
        events: (events: readonly ClientEvent[]) => {
          for (const event of events) write(event.type, event.object);
        },
        close: () => finish(),
      });
    } catch (error) {
      if (error instanceof TooOldError) {
        write("ERROR", new ApiError(410, "Expired", error.message).toStatus());
        finish();
        return;
      }
      throw error;
    }
    if (options.bookmarks) {
      const tick = (): void => {
        bookmark();
        if (!finished) timers[0] = setTimeout(tick, options.bookmarkIntervalMs);
      };
      timers[0] = setTimeout(tick, options.bookmarkIntervalMs);
    }
    timers.push(
      setTimeout(() => {
        if (options.bookmarks) bookmark();
        finish();
      }, options.timeoutMs),
    );
  });
}
