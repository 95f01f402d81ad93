// Kubernetes `Status` errors. Every failure a request can meet becomes one of these, answered
// with its code; anything else is a bug (500 and a log line).
import { OutcomeUnknownError, StoreError, UnavailableError } from "../store/client/index.js";

export type StatusReason =
  | "BadRequest"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Expired"
  | "Invalid"
  | "Forbidden"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "UnsupportedMediaType"
  | "RequestEntityTooLarge"
  | "ServiceUnavailable"
  | "Timeout"
  | "InternalError";

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A failure answered as a Kubernetes Status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    const status: Record<string, unknown> = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
    };
    if (this.details !== undefined) status.details = this.details;
    status.code = this.code;
    return status;
  }
}

/** The resource as Kubernetes names it in messages: "pods", "deployments.apps". */
export function qualifiedResource(resource: string, group: string): string {
  return group === "" ? resource : `${resource}.${group}`;
}

export function badRequest(message: string, causes?: StatusCause[]): ApiError {
  return new ApiError(400, "BadRequest", message, causes === undefined ? undefined : { causes });
}

export function notFound(resource: string, group: string, name: string): ApiError {
  return new ApiError(404, "NotFound", `${qualifiedResource(resource, group)} "${name}" not found`, { name, group: group || undefined, kind: resource });
}

/** A path that names no resource (kube-apiserver's wording). */
export function noSuchPath(): ApiError {
  return new ApiError(404, "NotFound", "the server could not find the requested resource");
}

export function alreadyExists(resource: string, group: string, name: string): ApiError {
  return new ApiError(409, "AlreadyExists", `${qualifiedResource(resource, group)} "${name}" already exists`, { name, group: group || undefined, kind: resource });
}

/** 409 Conflict for a stale resourceVersion, worded as Kubernetes words it. */
export function conflict(resource: string, group: string, name: string, why = "the object has been modified; please apply your changes to the latest version and try again"): ApiError {
  return new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${why}`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const summary = causes.map((c) => (c.field === undefined ? c.message : `${c.field}: ${c.message}`)).join(", ");
  const qualifiedKind = group === "" ? kind : `${kind}.${group}`;
  return new ApiError(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${causes.length > 1 ? `[${summary}]` : summary}`, {
    name,
    group: group || undefined,
    kind,
    causes,
  });
}

export function gone(message: string): ApiError {
  return new ApiError(410, "Expired", message);
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, "MethodNotAllowed", message);
}

export function unavailable(message: string, retryAfterSeconds = 1): ApiError {
  return new ApiError(503, "ServiceUnavailable", message, { retryAfterSeconds });
}

/** Turns a store failure into the Status a client can act on; undefined when it is not one. */
export function fromStoreError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof UnavailableError) return unavailable(`storage is unavailable: ${error.message}`);
  if (error instanceof OutcomeUnknownError) {
    return new ApiError(504, "Timeout", `Timeout: the write may or may not have been applied: ${error.message}`, { retryAfterSeconds: 1 });
  }
  if (error instanceof StoreError) {
    if (/request is too large|too large/i.test(error.message)) return new ApiError(413, "RequestEntityTooLarge", `Request entity too large: ${error.message}`);
    if (error.isCompacted) return gone(`The resourceVersion for the provided list is too old: ${error.message}`);
    if (error.isFutureRevision) return new ApiError(504, "Timeout", `Too large resource version: ${error.message}`, { retryAfterSeconds: 1 });
    return unavailable(`storage error: ${error.message}`);
  }
  return undefined;
}
