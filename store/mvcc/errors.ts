// etcd's request errors, code and text as etcd 3.4 answers them (api/v3rpc/rpctypes/error.go).
// Each call returns a fresh MvccError so that callers may attach a stack without sharing one.
import { MvccError } from "./types.js";

/** gRPC status codes used by etcd's KV and lease errors. */
export const GrpcCode = {
  invalidArgument: 3,
  notFound: 5,
  failedPrecondition: 9,
  outOfRange: 11,
} as const;

export const mvccErrors = {
  emptyKey: () => new MvccError(GrpcCode.invalidArgument, "etcdserver: key is not provided"),
  keyNotFound: () => new MvccError(GrpcCode.invalidArgument, "etcdserver: key not found"),
  valueProvided: () => new MvccError(GrpcCode.invalidArgument, "etcdserver: value is provided"),
  leaseProvided: () => new MvccError(GrpcCode.invalidArgument, "etcdserver: lease is provided"),
  tooManyOps: () => new MvccError(GrpcCode.invalidArgument, "etcdserver: too many operations in txn request"),
  duplicateKey: () => new MvccError(GrpcCode.invalidArgument, "etcdserver: duplicate key given in txn request"),
  compacted: () => new MvccError(GrpcCode.outOfRange, "etcdserver: mvcc: required revision has been compacted"),
  futureRevision: () => new MvccError(GrpcCode.outOfRange, "etcdserver: mvcc: required revision is a future revision"),
  leaseNotFound: () => new MvccError(GrpcCode.notFound, "etcdserver: requested lease not found"),
  leaseExists: () => new MvccError(GrpcCode.failedPrecondition, "etcdserver: lease already exists"),
  leaseTtlTooLarge: () => new MvccError(GrpcCode.outOfRange, "etcdserver: too large lease TTL"),
  /** Not etcd's: a Raft entry at or below the applied index is skipped (replay after a restart). */
  alreadyApplied: (index: number, appliedIndex: number) =>
    new MvccError(GrpcCode.failedPrecondition, `mvcc: entry ${index} already applied (applied index ${appliedIndex})`),
  /** Not etcd's: an entry whose request has no known kind (a bug in the proposer, never a crash here). */
  unknownRequest: () => new MvccError(GrpcCode.invalidArgument, "mvcc: unknown request kind"),
} as const;
