// The three ways a store call fails, and how an answer or a transport failure is classified.

/** gRPC status codes, as the gateway reports them in an error body's `code`. */
export const GrpcCode = {
  ok: 0,
  cancelled: 1,
  unknown: 2,
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  alreadyExists: 6,
  permissionDenied: 7,
  resourceExhausted: 8,
  failedPrecondition: 9,
  aborted: 10,
  outOfRange: 11,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  dataLoss: 15,
  unauthenticated: 16,
} as const;

/** etcd's messages that callers branch on (the apiserver maps `compacted` to 410 Gone). */
export const EtcdErrorMessage = {
  compacted: "etcdserver: mvcc: required revision has been compacted",
  futureRevision: "etcdserver: mvcc: required revision is a future revision",
  keyNotFound: "etcdserver: key not found",
  leaseNotFound: "etcdserver: requested lease not found",
  leaseExists: "etcdserver: lease already exists",
  emptyKey: "etcdserver: key is not provided",
  tooManyOps: "etcdserver: too many operations in txn request",
  duplicateKey: "etcdserver: duplicate key given in txn request",
  requestTooLarge: "etcdserver: request is too large",
  noLeader: "etcdserver: no leader",
  leaderChanged: "etcdserver: leader changed",
  requestTimedOut: "etcdserver: request timed out",
} as const;

/** The store answered with an error: it is final for this request (retrying would not help). */
export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    message: string,
    /** gRPC status code (GrpcCode). */
    readonly code: number,
    /** HTTP status of the answer (0 when the client itself raised it). */
    readonly httpStatus: number,
    readonly endpoint?: string,
  ) {
    super(message);
  }

  get isCompacted(): boolean {
    return this.code === GrpcCode.outOfRange && this.message === EtcdErrorMessage.compacted;
  }

  get isFutureRevision(): boolean {
    return this.code === GrpcCode.outOfRange && this.message === EtcdErrorMessage.futureRevision;
  }
}

/**
 * A write reached (or may have reached) a member and no answer came back: it may or may not
 * have been applied. Read back to find out; never blindly resend a non-idempotent write.
 */
export class OutcomeUnknownError extends Error {
  override readonly name = "OutcomeUnknownError";
  constructor(
    message: string,
    readonly endpoint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No endpoint could serve the request within the deadline; nothing was applied. `cause` holds the last failure. */
export class UnavailableError extends Error {
  override readonly name = "UnavailableError";
  constructor(
    message: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The gRPC code the gateway would use for an HTTP status, for answers without a JSON body. */
export function grpcCodeOfHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return GrpcCode.invalidArgument;
    case 401:
      return GrpcCode.unauthenticated;
    case 403:
      return GrpcCode.permissionDenied;
    case 404:
      return GrpcCode.notFound;
    case 405:
    case 501:
      return GrpcCode.unimplemented;
    case 409:
      return GrpcCode.aborted;
    case 412:
      return GrpcCode.failedPrecondition;
    case 429:
      return GrpcCode.resourceExhausted;
    case 502:
    case 503:
      return GrpcCode.unavailable;
    case 504:
      return GrpcCode.deadlineExceeded;
    default:
      return GrpcCode.unknown;
  }
}

/** What to do with an error answer. */
export type ErrorVerdict =
  /** Not applied: try another endpoint. */
  | "retry"
  /** A write may have been applied (a read is retried instead). */
  | "ambiguous"
  /** Final: throw StoreError. */
  | "fail";

/**
 * Classifies an error answer. The rule for writes: an Unavailable answer means the member
 * refused before proposing (no leader, leader changed, not capable), EXCEPT etcd's timeouts
 * ("request timed out...") and "server stopped", which come after the proposal entered the
 * log; those, and Unknown/DeadlineExceeded/Cancelled answers (e.g. the gateway's own
 * "context deadline exceeded", HTTP 500, seen with a leaderless etcd), leave the outcome open.
 */
export function classifyErrorAnswer(httpStatus: number, code: number, message: string): ErrorVerdict {
  if (code === GrpcCode.unavailable || httpStatus === 503) {
    return /timed out|server stopped/i.test(message) ? "ambiguous" : "retry";
  }
  if (code === GrpcCode.resourceExhausted && message === "etcdserver: too many requests") return "retry";
  if (code === GrpcCode.unknown || code === GrpcCode.deadlineExceeded || code === GrpcCode.cancelled) {
    return "ambiguous";
  }
  return "fail";
}
