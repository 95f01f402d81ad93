// store/client — the store client: speaks etcd v3's JSON gateway (kube-lite's store and real
// etcd 3.4 alike) over keep-alive HTTP; learns the leader and sends writes there; retries on
// another member when a request was certainly not applied, and says so (OutcomeUnknownError)
// when a write may have been. Watches resume on another member after a failure, with no lost
// or repeated event (StoreClient.watch); lease keepers renew at TTL/3 and report loss
// (StoreClient.keepLease).
export { StoreClient, type StoreClientOptions } from "./store-client.js";
export { WatchCompactedError, WatchCanceledError, type Watch, type WatchHandler } from "./watch.js";
export { LeaseLostError, type LeaseKeeper, type LeaseKeeperOptions, type LeaseLossReason } from "./lease-keeper.js";
export { StoreError, OutcomeUnknownError, UnavailableError, GrpcCode, EtcdErrorMessage } from "./errors.js";
export { prefixRangeEnd, fromKeyRangeEnd, encodeBase64, decodeBase64, toBytes, bytesToText, type BytesInput } from "./bytes.js";
export type {
  CompactResult,
  Compare,
  CompareResult,
  DeleteRangeRequest,
  DeleteRangeResult,
  HealthResult,
  KeyValue,
  LeaseGrantResult,
  LeaseId,
  LeaseIdInput,
  LeaseKeepAliveResult,
  LeaseLeasesResult,
  LeaseRevokeResult,
  LeaseTimeToLiveResult,
  Member,
  PutRequest,
  PutResult,
  RangeRequest,
  RangeResult,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  SortOrder,
  SortTarget,
  StatusResult,
  TxnRequest,
  TxnResult,
  WatchBatch,
  WatchEvent,
  WatchFilter,
  WatchRequest,
} from "./types.js";
