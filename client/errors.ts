// Errors from the API server, as client-go's k8s.io/apimachinery/pkg/api/errors sees them: the
// HTTP code and the Status object's reason decide what a caller does next.
import type { Status } from "./types.js";

export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: Status;
  /** From the Retry-After header or details.retryAfterSeconds, when the server asked for a pause. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: Status, code: number, retryAfterSeconds?: number) {
    super(status.message ?? `the server answered ${code}`);
    this.name = "KubeApiError";
    this.status = status;
    this.code = code;
    this.reason = status.reason ?? "";
    this.retryAfterSeconds = retryAfterSeconds ?? status.details?.retryAfterSeconds;
  }
}

/**
 * No apiserver answered (every URL refused, reset or timed out). `outcomeUnknown` is true when a
 * mutating request may have reached a server and been applied: the caller must not assume it
 * failed (read back, or let the next reconcile see the state).
 */
export class KubeUnavailableError extends Error {
  readonly outcomeUnknown: boolean;

  constructor(message: string, outcomeUnknown: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KubeUnavailableError";
    this.outcomeUnknown = outcomeUnknown;
  }
}

function hasCode(error: unknown, code: number, reason?: string): boolean {
  return error instanceof KubeApiError && (error.code === code || (reason !== undefined && error.reason === reason));
}

export const isNotFound = (error: unknown): boolean => hasCode(error, 404, "NotFound");
export const isConflict = (error: unknown): boolean => error instanceof KubeApiError && error.code === 409 && error.reason !== "AlreadyExists";
export const isAlreadyExists = (error: unknown): boolean => error instanceof KubeApiError && error.reason === "AlreadyExists";
export const isGone = (error: unknown): boolean => hasCode(error, 410, "Expired") || hasCode(error, 410, "Gone");
export const isInvalid = (error: unknown): boolean => hasCode(error, 422, "Invalid");
export const isForbidden = (error: unknown): boolean => hasCode(error, 403, "Forbidden");

/**
 * client-go's retry.RetryOnConflict: run `mutate` (which must re-read what it changes) again
 * when its write lost a resourceVersion race. Any other error, or the last conflict, is thrown.
 */
export async function retryOnConflict<T>(mutate: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await mutate();
    } catch (error) {
      if (!isConflict(error) || attempt >= attempts) throw error;
    }
  }
}
