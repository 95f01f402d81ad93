// Decoded request and response shapes of the MVCC state machine: etcd v3's KV and lease API
// (api/etcdserverpb/rpc.proto) with keys and values as bytes and 64-bit integers as JS numbers
// (the server converts them at the HTTP edge). Field meanings are etcd's.

export interface KeyValue {
  key: Uint8Array;
  /** Revision of the last creation of the key (0 in a DELETE event). */
  createRevision: number;
  /** Revision of the last modification (the deletion revision in a DELETE event). */
  modRevision: number;
  /** 1 at creation, +1 on every put, 0 once deleted. */
  version: number;
  value: Uint8Array;
  /** Attached lease ID, 0 for none. */
  lease: number;
}

export type SortOrder = "NONE" | "ASCEND" | "DESCEND";
export type SortTarget = "KEY" | "VERSION" | "CREATE" | "MOD" | "VALUE";

export interface RangeRequest {
  key: Uint8Array;
  /** Absent or empty: the single key. One zero byte: every key >= key. Else the half-open [key, rangeEnd). */
  rangeEnd?: Uint8Array;
  /** 0 or negative: no limit. */
  limit?: number;
  /** Read the store as of this revision; 0 or negative: the current revision. */
  revision?: number;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  /** Meaningful to the server only (local read without ReadIndex); ignored here. */
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

export interface RangeResponse {
  revision: number;
  kvs: KeyValue[];
  /** More keys matched (after the revision filters) than `limit` let through. */
  more: boolean;
  /** Keys in the range at the read revision, before limit and before the min/max filters (etcd 3.4). */
  count: number;
}

export interface PutRequest {
  key: Uint8Array;
  value: Uint8Array;
  lease?: number;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

export interface PutResponse {
  revision: number;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  prevKv?: boolean;
}

export interface DeleteRangeResponse {
  revision: number;
  deleted: number;
  prevKvs: KeyValue[];
}

export type CompareResult = "EQUAL" | "GREATER" | "LESS" | "NOT_EQUAL";
export type CompareTarget = "VERSION" | "CREATE" | "MOD" | "VALUE" | "LEASE";

export interface Compare {
  result: CompareResult;
  target: CompareTarget;
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: Uint8Array;
  lease?: number;
}

export type RequestOp =
  | { requestRange: RangeRequest }
  | { requestPut: PutRequest }
  | { requestDeleteRange: DeleteRangeRequest }
  | { requestTxn: TxnRequest };

export type ResponseOp =
  | { responseRange: RangeResponse }
  | { responsePut: PutResponse }
  | { responseDeleteRange: DeleteRangeResponse }
  | { responseTxn: TxnResponse };

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export interface TxnResponse {
  /** 0 in a nested txn's response: etcd 3.4 sends no header there. */
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: number;
  /** Meaningful to the server only (answer after the compaction is on disk); compaction here is always synchronous. */
  physical?: boolean;
}

export interface CompactionResponse {
  revision: number;
}

/** The ID is chosen (non-zero) by the proposing member, the TTL already validated by it. */
export interface LeaseGrantRequest {
  id: number;
  ttlSeconds: number;
}

export interface LeaseRevokeRequest {
  id: number;
}

export interface LeaseGrantResponse {
  revision: number;
  id: number;
  ttlSeconds: number;
}

export interface LeaseRevokeResponse {
  revision: number;
}

/** What a Raft entry carries: one write (the server wraps it with a request id). */
export type WriteRequest =
  | { put: PutRequest }
  | { deleteRange: DeleteRangeRequest }
  | { txn: TxnRequest }
  | { compaction: CompactionRequest }
  | { leaseGrant: LeaseGrantRequest }
  | { leaseRevoke: LeaseRevokeRequest };

export type WriteResponse =
  | { put: PutResponse }
  | { deleteRange: DeleteRangeResponse }
  | { txn: TxnResponse }
  | { compaction: CompactionResponse }
  | { leaseGrant: LeaseGrantResponse }
  | { leaseRevoke: LeaseRevokeResponse };

/**
 * One change. For a DELETE, `kv` has the key, modRevision = deletion revision, createRevision 0,
 * version 0, empty value and lease 0. `prevKv` is the key as of the revision before the change
 * (etcd reads it at modRevision - 1), absent if the key did not exist then.
 */
export interface WatchEvent {
  type: "PUT" | "DELETE";
  kv: KeyValue;
  prevKv?: KeyValue;
}

export interface LeaseInfo {
  id: number;
  ttlSeconds: number;
  /** Attached keys, in byte order. */
  keys: Uint8Array[];
}

/** An etcd request error: `code` is the gRPC status code, `message` etcd's exact text. */
export class MvccError extends Error {
  override readonly name = "MvccError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
