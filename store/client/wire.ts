// etcd v3 JSON gateway wire shapes: request encoders and zod decoders for responses.
//
// What the gateway does, and so what these decoders expect:
// - keys and values are base64; 64-bit integers are JSON strings;
// - fields holding their default value are OMITTED (count 0, more false, kvs [], succeeded
//   false, a value that is empty, lease 0, and a whole header inside txn responses except
//   its revision), so every field here has a default;
// - ids (cluster, member, lease) are 64-bit and often past 2^53: they stay decimal strings.
import { z } from "zod";
import { decodeBase64, encodeBase64 } from "./bytes.js";
import type {
  Compare,
  DeleteRangeRequest,
  DeleteRangeResult,
  KeyValue,
  LeaseIdInput,
  PutRequest,
  PutResult,
  RangeRequest,
  RangeResult,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResult,
} from "./types.js";

// ---------- scalars ----------

export const int64Text = z.union([z.string().regex(/^-?\d+$/, "expected a decimal integer"), z.number().int()]);

/** A 64-bit integer the client handles as a number (revisions, versions, counts, TTLs). */
export const safeInteger = int64Text.transform((value, ctx) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: "custom", message: `integer ${String(value)} is past 2^53` });
    return z.NEVER;
  }
  return n;
});

/** A 64-bit id kept exact as a decimal string. */
export const id64 = int64Text.transform((value) => (typeof value === "number" ? String(value) : BigInt(value).toString()));

const base64Bytes = z
  .string()
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, "expected base64")
  .transform((text) => decodeBase64(text));

const emptyBytes = (): Uint8Array => new Uint8Array(0);

// ---------- decoders ----------

export const headerSchema = z
  .object({
    cluster_id: id64.default("0"),
    member_id: id64.default("0"),
    revision: safeInteger.default(0),
    raft_term: safeInteger.default(0),
  })
  .default({ cluster_id: "0", member_id: "0", revision: 0, raft_term: 0 })
  .transform(
    (h): ResponseHeader => ({ clusterId: h.cluster_id, memberId: h.member_id, revision: h.revision, raftTerm: h.raft_term }),
  );

export const keyValueSchema = z
  .object({
    key: base64Bytes.default(emptyBytes),
    value: base64Bytes.default(emptyBytes),
    create_revision: safeInteger.default(0),
    mod_revision: safeInteger.default(0),
    version: safeInteger.default(0),
    lease: id64.default("0"),
  })
  .transform(
    (kv): KeyValue => ({
      key: kv.key,
      value: kv.value,
      createRevision: kv.create_revision,
      modRevision: kv.mod_revision,
      version: kv.version,
      lease: kv.lease,
    }),
  );

export const rangeResponseSchema = z
  .object({
    header: headerSchema,
    kvs: z.array(keyValueSchema).default([]),
    more: z.boolean().default(false),
    count: safeInteger.default(0),
  })
  .transform((r): RangeResult => ({ header: r.header, kvs: r.kvs, more: r.more, count: r.count }));

export const putResponseSchema = z
  .object({ header: headerSchema, prev_kv: keyValueSchema.optional() })
  .transform((r): PutResult => (r.prev_kv === undefined ? { header: r.header } : { header: r.header, prevKv: r.prev_kv }));

export const deleteRangeResponseSchema = z
  .object({
    header: headerSchema,
    deleted: safeInteger.default(0),
    prev_kvs: z.array(keyValueSchema).default([]),
  })
  .transform((r): DeleteRangeResult => ({ header: r.header, deleted: r.deleted, prevKvs: r.prev_kvs }));

const responseOpSchema = z.object({
  response_range: z.unknown().optional(),
  response_put: z.unknown().optional(),
  response_delete_range: z.unknown().optional(),
  response_txn: z.unknown().optional(),
});

const txnShapeSchema = z.object({
  header: headerSchema,
  succeeded: z.boolean().default(false),
  responses: z.array(responseOpSchema).default([]),
});

/** etcd caps nesting through its op limit; this keeps a hostile answer from recursing deeply. */
const txnNestingMax = 64;

/** Decodes a txn response; nested txns recurse through here (zod's lazy types would lose the transforms' types). */
export function decodeTxnResponse(json: unknown, depth = 0): TxnResult {
  if (depth > txnNestingMax) throw new Error(`txn response nested deeper than ${txnNestingMax}`);
  const shape = txnShapeSchema.parse(json);
  const responses = shape.responses.map((op, index): ResponseOp => {
    if (op.response_range !== undefined) return { type: "range", range: rangeResponseSchema.parse(op.response_range) };
    if (op.response_put !== undefined) return { type: "put", put: putResponseSchema.parse(op.response_put) };
    if (op.response_delete_range !== undefined) {
      return { type: "deleteRange", deleteRange: deleteRangeResponseSchema.parse(op.response_delete_range) };
    }
    if (op.response_txn !== undefined) return { type: "txn", txn: decodeTxnResponse(op.response_txn, depth + 1) };
    throw new Error(`txn response ${index} names no response type`);
  });
  return { header: shape.header, succeeded: shape.succeeded, responses };
}

export const compactResponseSchema = z.object({ header: headerSchema });

export const leaseGrantResponseSchema = z
  .object({ header: headerSchema, ID: id64.default("0"), TTL: safeInteger.default(0) })
  .transform((r) => ({ header: r.header, id: r.ID, ttlSeconds: r.TTL }));

export const leaseRevokeResponseSchema = z.object({ header: headerSchema });

/** One keep-alive answer; the gateway streams them wrapped in {"result": ...} or {"error": ...}. */
export const leaseKeepAliveResponseSchema = z
  .object({ header: headerSchema, ID: id64.default("0"), TTL: safeInteger.default(0) })
  .transform((r) => ({ header: r.header, id: r.ID, ttlSeconds: r.TTL }));

export const streamFrameSchema = z.object({
  result: z.unknown().optional(),
  error: z
    .object({
      grpc_code: z.number().int().optional(),
      code: z.number().int().optional(),
      http_code: z.number().int().optional(),
      message: z.string().default(""),
    })
    .optional(),
});

export const leaseTimeToLiveResponseSchema = z
  .object({
    header: headerSchema,
    ID: id64.default("0"),
    TTL: safeInteger.default(0),
    grantedTTL: safeInteger.default(0),
    keys: z.array(base64Bytes).default([]),
  })
  .transform((r) => ({ header: r.header, id: r.ID, ttlSeconds: r.TTL, grantedTtlSeconds: r.grantedTTL, keys: r.keys }));

export const leaseLeasesResponseSchema = z
  .object({ header: headerSchema, leases: z.array(z.object({ ID: id64.default("0") })).default([]) })
  .transform((r) => ({ header: r.header, ids: r.leases.map((lease) => lease.ID) }));

export const statusResponseSchema = z.object({
  header: headerSchema,
  version: z.string().default(""),
  dbSize: safeInteger.default(0),
  dbSizeInUse: safeInteger.default(0),
  leader: id64.default("0"),
  raftIndex: safeInteger.default(0),
  raftTerm: safeInteger.default(0),
  raftAppliedIndex: safeInteger.default(0),
  isLearner: z.boolean().default(false),
  errors: z.array(z.string()).default([]),
});

export const memberListResponseSchema = z.object({
  header: headerSchema,
  members: z
    .array(
      z
        .object({
          ID: id64.default("0"),
          name: z.string().default(""),
          peerURLs: z.array(z.string()).default([]),
          clientURLs: z.array(z.string()).default([]),
          isLearner: z.boolean().default(false),
        })
        .transform((m) => ({ id: m.ID, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner })),
    )
    .default([]),
});

/** etcd's health answer: {"health":"true"} (a string), also on 503 when unhealthy. */
export const healthResponseSchema = z.object({
  health: z.union([z.string(), z.boolean()]).transform((h) => h === true || h === "true"),
  reason: z.string().optional(),
});

/** The gateway's error body: {"error": "...", "message": "...", "code": <gRPC code>}. */
export const errorBodySchema = z.object({
  error: z.string().optional(),
  message: z.string().optional(),
  code: z.number().int().optional(),
});

// ---------- encoders ----------

type Json = Record<string, unknown>;

function int64(value: number, field: string, { min = 0 }: { min?: number } = {}): string {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${field} must be an integer >= ${min}, got ${String(value)}`);
  }
  return String(value);
}

export function encodeLeaseId(id: LeaseIdInput, field = "lease"): string {
  if (typeof id === "bigint") return id.toString();
  if (typeof id === "number") return int64(id, field);
  if (!/^\d+$/.test(id)) throw new TypeError(`${field} must be a decimal lease id, got ${JSON.stringify(id)}`);
  return id;
}

/** Sets an int64 field, leaving it out when 0 (the wire default), as etcd's own encoder does. */
function setInt64(json: Json, field: string, value: number | undefined, label: string): void {
  if (value === undefined) return;
  const text = int64(value, label);
  if (value !== 0) json[field] = text;
}

export function encodeRangeRequest(r: RangeRequest): Json {
  const json: Json = { key: encodeBase64(r.key) };
  if (r.rangeEnd !== undefined) json.range_end = encodeBase64(r.rangeEnd);
  setInt64(json, "limit", r.limit, "range.limit");
  setInt64(json, "revision", r.revision, "range.revision");
  if (r.sortOrder !== undefined && r.sortOrder !== "NONE") json.sort_order = r.sortOrder;
  if (r.sortTarget !== undefined && r.sortTarget !== "KEY") json.sort_target = r.sortTarget;
  if (r.serializable === true) json.serializable = true;
  if (r.keysOnly === true) json.keys_only = true;
  if (r.countOnly === true) json.count_only = true;
  setInt64(json, "min_mod_revision", r.minModRevision, "range.minModRevision");
  setInt64(json, "max_mod_revision", r.maxModRevision, "range.maxModRevision");
  setInt64(json, "min_create_revision", r.minCreateRevision, "range.minCreateRevision");
  setInt64(json, "max_create_revision", r.maxCreateRevision, "range.maxCreateRevision");
  return json;
}

export function encodePutRequest(r: PutRequest): Json {
  const json: Json = { key: encodeBase64(r.key) };
  if (r.value !== undefined) json.value = encodeBase64(r.value);
  if (r.lease !== undefined) json.lease = encodeLeaseId(r.lease, "put.lease");
  if (r.prevKv === true) json.prev_kv = true;
  if (r.ignoreValue === true) json.ignore_value = true;
  if (r.ignoreLease === true) json.ignore_lease = true;
  return json;
}

export function encodeDeleteRangeRequest(r: DeleteRangeRequest): Json {
  const json: Json = { key: encodeBase64(r.key) };
  if (r.rangeEnd !== undefined) json.range_end = encodeBase64(r.rangeEnd);
  if (r.prevKv === true) json.prev_kv = true;
  return json;
}

function encodeCompare(c: Compare): Json {
  const json: Json = { result: c.result, target: c.target, key: encodeBase64(c.key) };
  if (c.rangeEnd !== undefined) json.range_end = encodeBase64(c.rangeEnd);
  switch (c.target) {
    case "VERSION":
      json.version = int64(c.version, "compare.version");
      break;
    case "CREATE":
      json.create_revision = int64(c.createRevision, "compare.createRevision");
      break;
    case "MOD":
      json.mod_revision = int64(c.modRevision, "compare.modRevision");
      break;
    case "VALUE":
      json.value = encodeBase64(c.value);
      break;
    case "LEASE":
      json.lease = encodeLeaseId(c.lease, "compare.lease");
      break;
  }
  return json;
}

function encodeRequestOp(op: RequestOp): Json {
  if ("range" in op) return { request_range: encodeRangeRequest(op.range) };
  if ("put" in op) return { request_put: encodePutRequest(op.put) };
  if ("deleteRange" in op) return { request_delete_range: encodeDeleteRangeRequest(op.deleteRange) };
  return { request_txn: encodeTxnRequest(op.txn) };
}

export function encodeTxnRequest(r: TxnRequest): Json {
  const json: Json = {};
  if (r.compare !== undefined && r.compare.length > 0) json.compare = r.compare.map(encodeCompare);
  if (r.success !== undefined && r.success.length > 0) json.success = r.success.map(encodeRequestOp);
  if (r.failure !== undefined && r.failure.length > 0) json.failure = r.failure.map(encodeRequestOp);
  return json;
}

/** A txn whose every branch only reads: it changes nothing, so it may be retried like a range. */
export function isReadOnlyTxn(r: TxnRequest): boolean {
  const ops = [...(r.success ?? []), ...(r.failure ?? [])];
  return ops.every((op) => "range" in op || ("txn" in op && isReadOnlyTxn(op.txn)));
}
