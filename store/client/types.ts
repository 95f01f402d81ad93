// Decoded request and result types of the store client. The wire shapes (snake_case, base64,
// int64 as strings) live in wire.ts; these are what callers see.
import type { BytesInput } from "./bytes.js";

/**
 * A lease id. etcd generates ids near 2^62, past what a JS number holds exactly
 * (2^53), so ids are decimal strings; input also accepts a bigint or a safe-integer number.
 */
export type LeaseId = string;
export type LeaseIdInput = string | number | bigint;

/** Every response carries one. `clusterId`/`memberId` are decimal strings (64-bit ids). */
export interface ResponseHeader {
  clusterId: string;
  memberId: string;
  revision: number;
  raftTerm: number;
}

export interface KeyValue {
  key: Uint8Array;
  /** Empty when the range asked for keys only. */
  value: Uint8Array;
  createRevision: number;
  modRevision: number;
  version: number;
  /** "0" when the key is not attached to a lease. */
  lease: LeaseId;
}

export type SortOrder = "NONE" | "ASCEND" | "DESCEND";
export type SortTarget = "KEY" | "VERSION" | "CREATE" | "MOD" | "VALUE";

export interface RangeRequest {
  key: BytesInput;
  /** Exclusive end; see prefixRangeEnd() and fromKeyRangeEnd. Absent: the single key. */
  rangeEnd?: BytesInput;
  /** 0 or absent: no limit. */
  limit?: number;
  /** Read as of this revision; 0 or absent: the current one. */
  revision?: number;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  /** Served by the contacted member without a quorum round (may be stale). */
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

export interface RangeResult {
  header: ResponseHeader;
  kvs: KeyValue[];
  /** True when a limit cut the answer short. */
  more: boolean;
  /** Keys in the range (before the limit). */
  count: number;
}

export interface PutRequest {
  key: BytesInput;
  value?: BytesInput;
  lease?: LeaseIdInput;
  prevKv?: boolean;
  /** Keep the current value (the key must exist). */
  ignoreValue?: boolean;
  /** Keep the current lease (the key must exist). */
  ignoreLease?: boolean;
}

export interface PutResult {
  header: ResponseHeader;
  /** Only when asked for with prevKv and the key existed. */
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: BytesInput;
  rangeEnd?: BytesInput;
  prevKv?: boolean;
}

export interface DeleteRangeResult {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

export type CompareResult = "EQUAL" | "NOT_EQUAL" | "LESS" | "GREATER";

interface CompareBase {
  key: BytesInput;
  /** Compare every key in [key, rangeEnd). */
  rangeEnd?: BytesInput;
  result: CompareResult;
}

/** One guard of a transaction. A missing key has version, create and mod revision 0 and lease "0"; a VALUE compare on it fails. */
export type Compare =
  | (CompareBase & { target: "VERSION"; version: number })
  | (CompareBase & { target: "CREATE"; createRevision: number })
  | (CompareBase & { target: "MOD"; modRevision: number })
  | (CompareBase & { target: "VALUE"; value: BytesInput })
  | (CompareBase & { target: "LEASE"; lease: LeaseIdInput });

export type RequestOp =
  | { range: RangeRequest }
  | { put: PutRequest }
  | { deleteRange: DeleteRangeRequest }
  | { txn: TxnRequest };

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

/**
 * Results of the ops inside a transaction. Their headers carry only `revision` on the wire
 * (etcd fills nothing else), so `clusterId`/`memberId`/`raftTerm` read "0"/0 there.
 */
export type ResponseOp =
  | { type: "range"; range: RangeResult }
  | { type: "put"; put: PutResult }
  | { type: "deleteRange"; deleteRange: DeleteRangeResult }
  | { type: "txn"; txn: TxnResult };

export interface TxnResult {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactResult {
  header: ResponseHeader;
}

export interface LeaseGrantResult {
  header: ResponseHeader;
  id: LeaseId;
  /** May exceed what was asked: etcd raises a TTL to its minimum (1.5 election timeouts, 2 s by default). */
  ttlSeconds: number;
}

export interface LeaseRevokeResult {
  header: ResponseHeader;
}

export interface LeaseKeepAliveResult {
  header: ResponseHeader;
  id: LeaseId;
  ttlSeconds: number;
}

export interface LeaseTimeToLiveResult {
  header: ResponseHeader;
  id: LeaseId;
  /** Seconds left; -1 when the lease does not exist (expired or revoked): etcd answers that, not an error. */
  ttlSeconds: number;
  grantedTtlSeconds: number;
  /** Only when asked for. */
  keys: Uint8Array[];
}

export interface LeaseLeasesResult {
  header: ResponseHeader;
  ids: LeaseId[];
}

export interface StatusResult {
  header: ResponseHeader;
  /** The endpoint that answered. */
  endpoint: string;
  /** The answering member's id (the header's member_id). */
  memberId: string;
  /** The leader's member id; "0" when the member knows no leader. */
  leader: string;
  version: string;
  dbSize: number;
  dbSizeInUse: number;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  isLearner: boolean;
  /** Alarms and conditions the member reports, e.g. "etcdserver: no leader". */
  errors: string[];
}

export interface Member {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface HealthResult {
  endpoint: string;
  health: boolean;
}

// ---------- watch ----------

/** etcd's watch filters: NOPUT drops put events, NODELETE drops delete events. */
export type WatchFilter = "NOPUT" | "NODELETE";

export interface WatchRequest {
  key: BytesInput;
  /** Exclusive end (see prefixRangeEnd() and fromKeyRangeEnd). Absent: the single key. */
  rangeEnd?: BytesInput;
  /**
   * The first revision to deliver: history from there is replayed, then the watch goes live.
   * 0 or absent: "from now", the changes after the store created the watch.
   */
  startRevision?: number;
  /** Each event carries the key-value as it was before the event (when it existed). */
  prevKv?: boolean;
  filters?: WatchFilter[];
  /** Ask the store for periodic progress notifications (etcd: every 10 minutes). */
  progressNotify?: boolean;
}

export interface WatchEvent {
  type: "PUT" | "DELETE";
  /** A DELETE's kv has only the key and the mod revision (the deletion's revision). */
  kv: KeyValue;
  /** Only when asked for with prevKv and the key existed before. */
  prevKv?: KeyValue;
}

/** Every event of one revision that the watch selects, in the order the store gives them. */
export interface WatchBatch {
  revision: number;
  events: WatchEvent[];
}
