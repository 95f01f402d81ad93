// Wire shapes of etcd's `/v3/watch` on the JSON gateway: the create request the client sends,
// and the `{"result": WatchResponse}` / `{"error": ...}` lines that come back.
//
// What etcd 3.4's gateway sends (verified against it; kube-lite's store sends the same):
//   {"result":{"header":{...},"created":true}}                       watch 0 created ("watch_id" 0 is omitted)
//   {"result":{"header":{...},"events":[{"kv":{...}},{"type":"DELETE","kv":{"key":..,"mod_revision":..}}]}}
//   {"result":{"header":{...},"canceled":true,"compact_revision":"3"}} start revision compacted
//   {"result":{"header":{...}}}                                       progress notification
//   {"error":{"grpc_code":14,"http_code":503,"message":"...","http_status":"..."}}   stream failed
// A PUT event's type is omitted (it is the enum's default), as are empty values and lease 0.
import { z } from "zod";
import { encodeBase64 } from "./bytes.js";
import type { WatchEvent, WatchRequest } from "./types.js";
import { headerSchema, keyValueSchema, safeInteger } from "./wire.js";

const eventTypeSchema = z
  .union([z.enum(["PUT", "DELETE"]), z.literal(0), z.literal(1)])
  .default("PUT")
  .transform((t): WatchEvent["type"] => (t === "DELETE" || t === 1 ? "DELETE" : "PUT"));

const watchEventSchema = z
  .object({ type: eventTypeSchema, kv: keyValueSchema, prev_kv: keyValueSchema.optional() })
  .transform((e): WatchEvent => (e.prev_kv === undefined ? { type: e.type, kv: e.kv } : { type: e.type, kv: e.kv, prevKv: e.prev_kv }));

export const watchResponseSchema = z
  .object({
    header: headerSchema,
    watch_id: safeInteger.default(0),
    created: z.boolean().default(false),
    canceled: z.boolean().default(false),
    compact_revision: safeInteger.default(0),
    cancel_reason: z.string().default(""),
    fragment: z.boolean().default(false),
    events: z.array(watchEventSchema).default([]),
  })
  .transform((r) => ({
    header: r.header,
    watchId: r.watch_id,
    created: r.created,
    canceled: r.canceled,
    compactRevision: r.compact_revision,
    cancelReason: r.cancel_reason,
    fragment: r.fragment,
    events: r.events,
  }));

export type WatchResponse = z.output<typeof watchResponseSchema>;

/** One line of the stream: a watch response, or the stream's failure. */
export const watchFrameSchema = z
  .object({
    result: watchResponseSchema.optional(),
    error: z
      .object({
        grpc_code: z.number().int().optional(),
        code: z.number().int().optional(),
        http_code: z.number().int().optional(),
        message: z.string().default(""),
      })
      .optional(),
  })
  .refine((frame) => frame.result !== undefined || frame.error !== undefined, "a watch stream line holds neither result nor error");

export type WatchFrame = z.output<typeof watchFrameSchema>;

/** The body of one watch stream: a single create request, as `curl -d` would send it. */
export function encodeWatchCreateRequest(request: WatchRequest, startRevision: number): { create_request: Record<string, unknown> } {
  const create: Record<string, unknown> = { key: encodeBase64(request.key) };
  if (request.rangeEnd !== undefined) create.range_end = encodeBase64(request.rangeEnd);
  if (startRevision > 0) create.start_revision = String(startRevision);
  if (request.prevKv === true) create.prev_kv = true;
  if (request.filters !== undefined && request.filters.length > 0) create.filters = [...new Set(request.filters)];
  if (request.progressNotify === true) create.progress_notify = true;
  return { create_request: create };
}
