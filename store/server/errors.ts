/** gRPC status codes, which etcd's gateway carries in its error bodies. */
export const grpcCode = {
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  failedPrecondition: 9,
  resourceExhausted: 8,
  outOfRange: 11,
  internal: 13,
  unavailable: 14,
} as const;

/** The store cannot serve this now (no leader, stopping, timed out): the client should retry elsewhere or later. */
export class Unavailable extends Error {
  readonly code = grpcCode.unavailable;
}

/** A request that is wrong as sent: answered with 400 and etcd's message. */
export class InvalidArgument extends Error {
  readonly code = grpcCode.invalidArgument;
}

/** The HTTP status etcd's gateway (grpc-gateway) answers for a gRPC code. */
export function httpStatusOf(code: number): number {
  switch (code) {
    case 3:
    case 11:
      return 400;
    case 9:
      return 412;
    case 4:
      return 504;
    case 5:
      return 404;
    case 8:
      return 429;
    case 14:
      return 503;
    default:
      return 500;
  }
}
