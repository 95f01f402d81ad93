// store/mvcc — the replicated state machine of a store member: etcd v3's MVCC key-value store
// (revisions, range, put, delete, txn, compaction) and lease table on better-sqlite3, with
// history replay for watches, snapshots and a convergence hash. Deterministic given the same
// sequence of applied entries; behaviour follows etcd 3.4. Imports nothing of kube-lite.
export { MvccStore, leaseTtlSecondsMax } from "./mvcc-store.js";
export type { ApplyResult, EventsSinceResult, MvccStoreOptions } from "./mvcc-store.js";
export { MvccError } from "./types.js";
export type {
  Compare,
  CompareResult,
  CompareTarget,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseInfo,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  SortOrder,
  SortTarget,
  TxnRequest,
  TxnResponse,
  WatchEvent,
  WriteRequest,
  WriteResponse,
} from "./types.js";
export { GrpcCode, mvccErrors } from "./errors.js";
export {
  checkDeleteRangeRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
  checkWriteRequest,
  isTxnReadOnly,
  maxTxnOpsDefault,
} from "./validate.js";
export { compareBytes, keySpan, prefixRangeEnd } from "./bytes.js";
export { Lessor } from "./lessor.js";
export { WatchHub, watchCatchUpEventsMax } from "./watch-hub.js";
export type { WatchOptions, WatchSink } from "./watch-hub.js";
export type { KeySpan } from "./bytes.js";
