import { z } from "zod";
import type {
  Compare,
  DeleteRangeRequest,
  KeyValue,
  PutRequest,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
} from "../mvcc/index.js";
import { InvalidArgument } from "./errors.js";

// etcd v3's JSON gateway: snake_case fields, base64 bytes, 64-bit integers as strings (numbers
// accepted on input), enums by name or number, zero values omitted from answers.

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;
const base64UrlPattern = /^[A-Za-z0-9_-]*={0,2}$/;

const bytes = z.string().transform((text, ctx) => {
  if (text.length % 4 === 1 || !(base64Pattern.test(text) || base64UrlPattern.test(text))) {
    ctx.addIssue({ code: "custom", message: "illegal base64 data" });
    return z.NEVER;
  }
  return new Uint8Array(Buffer.from(text, "base64"));
});
/** Base64 as the gateway checks it (standard or URL alphabet). */
export const base64Bytes = bytes;

/** Depth of nested objects and arrays, without recursion (a deep body must not blow the stack). */
export function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== "object" || v === null) continue;
    deepest = Math.max(deepest, depth);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

const int64 = z.union([z.string().regex(/^-?\d+$/), z.number().int()]).transform((v) => Number(v));
const bool = z.boolean();

function enumOf<T extends string>(names: readonly T[]) {
  return z.union([z.enum(names as [T, ...T[]]), z.number().int().min(0).max(names.length - 1)]).transform((v) => (typeof v === "number" ? (names[v] as T) : v));
}

/** Lease ids: etcd's are int64; kube-lite's store takes them up to 2^53 - 1. */
const leaseId = z
  .union([z.string().regex(/^\d+$/), z.number().int().nonnegative()])
  .transform((v) => Number(v))
  .refine((n) => Number.isSafeInteger(n), { message: "kube-lite: lease IDs above 2^53 - 1 are not supported" });

export const rangeRequestSchema = z.object({
  key: bytes.optional(),
  range_end: bytes.optional(),
  limit: int64.optional(),
  revision: int64.optional(),
  sort_order: enumOf(["NONE", "ASCEND", "DESCEND"] as const).optional(),
  sort_target: enumOf(["KEY", "VERSION", "CREATE", "MOD", "VALUE"] as const).optional(),
  serializable: bool.optional(),
  keys_only: bool.optional(),
  count_only: bool.optional(),
  min_mod_revision: int64.optional(),
  max_mod_revision: int64.optional(),
  min_create_revision: int64.optional(),
  max_create_revision: int64.optional(),
});

export const putRequestSchema = z.object({
  key: bytes.optional(),
  value: bytes.optional(),
  lease: leaseId.optional(),
  prev_kv: bool.optional(),
  ignore_value: bool.optional(),
  ignore_lease: bool.optional(),
});

export const deleteRangeRequestSchema = z.object({
  key: bytes.optional(),
  range_end: bytes.optional(),
  prev_kv: bool.optional(),
});

const compareSchema = z.object({
  result: enumOf(["EQUAL", "GREATER", "LESS", "NOT_EQUAL"] as const).optional(),
  target: enumOf(["VERSION", "CREATE", "MOD", "VALUE", "LEASE"] as const).optional(),
  key: bytes.optional(),
  range_end: bytes.optional(),
  version: int64.optional(),
  create_revision: int64.optional(),
  mod_revision: int64.optional(),
  value: bytes.optional(),
  lease: int64.optional(),
});

type RawRequestOp = {
  request_range?: z.infer<typeof rangeRequestSchema>;
  request_put?: z.infer<typeof putRequestSchema>;
  request_delete_range?: z.infer<typeof deleteRangeRequestSchema>;
  request_txn?: RawTxn;
};
type RawTxn = { compare?: z.infer<typeof compareSchema>[]; success?: RawRequestOp[]; failure?: RawRequestOp[] };

const requestOpSchema: z.ZodType<RawRequestOp> = z.lazy(() =>
  z.object({
    request_range: rangeRequestSchema.optional(),
    request_put: putRequestSchema.optional(),
    request_delete_range: deleteRangeRequestSchema.optional(),
    request_txn: txnRequestSchema.optional(),
  }),
);

export const txnRequestSchema: z.ZodType<RawTxn> = z.lazy(() =>
  z.object({
    compare: z.array(compareSchema).optional(),
    success: z.array(requestOpSchema).optional(),
    failure: z.array(requestOpSchema).optional(),
  }),
);

export const leaseGrantSchema = z.object({ TTL: int64.optional(), ID: leaseId.optional() });
export const leaseIdSchema = z.object({ ID: leaseId.optional() });
export const leaseTimeToLiveSchema = z.object({ ID: leaseId.optional(), keys: bool.optional() });

export const compactionRequestSchema = z.object({ revision: int64.optional(), physical: bool.optional() });

const empty = new Uint8Array();

function requireKey(key: Uint8Array | undefined): Uint8Array {
  if (key === undefined || key.byteLength === 0) throw new InvalidArgument("etcdserver: key is not provided");
  return key;
}

export function toRangeRequest(raw: z.infer<typeof rangeRequestSchema>): RangeRequest {
  return {
    key: requireKey(raw.key),
    rangeEnd: raw.range_end,
    limit: raw.limit,
    revision: raw.revision,
    sortOrder: raw.sort_order,
    sortTarget: raw.sort_target,
    serializable: raw.serializable,
    keysOnly: raw.keys_only,
    countOnly: raw.count_only,
    minModRevision: raw.min_mod_revision,
    maxModRevision: raw.max_mod_revision,
    minCreateRevision: raw.min_create_revision,
    maxCreateRevision: raw.max_create_revision,
  };
}

export function toPutRequest(raw: z.infer<typeof putRequestSchema>): PutRequest {
  return {
    key: requireKey(raw.key),
    value: raw.value ?? empty,
    lease: raw.lease,
    prevKv: raw.prev_kv,
    ignoreValue: raw.ignore_value,
    ignoreLease: raw.ignore_lease,
  };
}

export function toDeleteRangeRequest(raw: z.infer<typeof deleteRangeRequestSchema>): DeleteRangeRequest {
  return { key: requireKey(raw.key), rangeEnd: raw.range_end, prevKv: raw.prev_kv };
}

function toCompare(raw: z.infer<typeof compareSchema>): Compare {
  return {
    result: raw.result ?? "EQUAL",
    target: raw.target ?? "VERSION",
    key: requireKey(raw.key),
    rangeEnd: raw.range_end,
    version: raw.version,
    createRevision: raw.create_revision,
    modRevision: raw.mod_revision,
    value: raw.value,
    lease: raw.lease,
  };
}

function toRequestOp(raw: RawRequestOp): RequestOp {
  if (raw.request_range !== undefined) return { requestRange: toRangeRequest(raw.request_range) };
  if (raw.request_put !== undefined) return { requestPut: toPutRequest(raw.request_put) };
  if (raw.request_delete_range !== undefined) return { requestDeleteRange: toDeleteRangeRequest(raw.request_delete_range) };
  if (raw.request_txn !== undefined) return { requestTxn: toTxnRequest(raw.request_txn) };
  // etcd answers an empty request op with an empty range... it rejects it as a bad request.
  throw new InvalidArgument("etcdserver: request op is empty");
}

export function toTxnRequest(raw: RawTxn): TxnRequest {
  return {
    compare: (raw.compare ?? []).map(toCompare),
    success: (raw.success ?? []).map(toRequestOp),
    failure: (raw.failure ?? []).map(toRequestOp),
  };
}

// ---- answers ----

type Json = Record<string, unknown>;

function b64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

/** Drops zero values, as the gateway's JSON marshaler (EmitDefaults off) does. */
function compact(object: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(object)) {
    if (v === undefined || v === false || v === 0 || v === "0" || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

export function keyValueJson(kv: KeyValue): Json {
  return compact({
    key: b64(kv.key),
    create_revision: String(kv.createRevision),
    mod_revision: String(kv.modRevision),
    version: String(kv.version),
    value: b64(kv.value),
    lease: String(kv.lease),
  });
}

export function rangeResponseJson(header: Json, response: RangeResponse): Json {
  return compact({ header, kvs: response.kvs.map(keyValueJson), more: response.more, count: String(response.count) });
}

/** Inner responses of a txn carry a header with only their revision (none for a nested txn of 0), as etcd's. */
export function responseOpJson(op: ResponseOp): Json {
  if ("responseRange" in op) return { response_range: rangeResponseJson(innerHeader(op.responseRange.revision), op.responseRange) };
  if ("responsePut" in op) {
    const r = op.responsePut;
    return { response_put: compact({ header: innerHeader(r.revision), prev_kv: r.prevKv === undefined ? undefined : keyValueJson(r.prevKv) }) };
  }
  if ("responseDeleteRange" in op) {
    const r = op.responseDeleteRange;
    return { response_delete_range: compact({ header: innerHeader(r.revision), deleted: String(r.deleted), prev_kvs: r.prevKvs.map(keyValueJson) }) };
  }
  const t = op.responseTxn;
  return { response_txn: compact({ header: innerHeader(t.revision), succeeded: t.succeeded, responses: t.responses.map(responseOpJson) }) };
}

function innerHeader(revision: number): Json {
  return compact({ revision: String(revision) });
}

export { compact as omitDefaults };
