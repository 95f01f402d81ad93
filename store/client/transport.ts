// One HTTP attempt against one endpoint, reporting whether the request could have reached the
// server: that decides whether a failed write may be retried.
import { Http1Pools, type Http1PoolOptions } from "../../http1/index.js";

/** Largest answer read into memory; a larger one fails the attempt. */
export const responseBytesMax = 256 * 1024 * 1024;

export interface Attempt {
  endpoint: string;
  method: "GET" | "POST";
  path: string;
  body?: string;
  timeoutMs: number;
}

export type AttemptOutcome =
  | { kind: "answer"; status: number; headers: Readonly<Record<string, string>>; body: string }
  | {
      kind: "failure";
      /**
       * False when the request cannot have reached the server whole: the connection was
       * never made, or the failure came before Node flushed the last byte of the request.
       */
      sent: boolean;
      reason: "connect" | "socket" | "timeout" | "closed" | "too-large";
      error: Error;
    };

/**
 * Sends attempts over keep-alive connection pools, one per endpoint (lean HTTP/1.1, see http1):
 * at most `socketsPerEndpointMax` requests in flight per endpoint, the rest wait their turn.
 */
export class AttemptSender {
  private readonly pools: Http1Pools;

  constructor(options: Http1PoolOptions) {
    this.pools = new Http1Pools(options);
  }

  async send(attempt: Attempt, signal: AbortSignal): Promise<AttemptOutcome> {
    const pool = this.pools.for(attempt.endpoint);
    if (pool === undefined) return { kind: "failure", sent: false, reason: "closed", error: new Error("store client closed") };
    const outcome = await pool.send({
      method: attempt.method,
      path: attempt.path,
      ...(attempt.body === undefined ? {} : { headers: { "content-type": "application/json" }, body: attempt.body }),
      // At least 1 ms: for the pool 0 means no limit, and an attempt always has one.
      timeoutMs: Math.max(1, attempt.timeoutMs),
      signal,
    });
    if (outcome.kind === "answer") return { kind: "answer", status: outcome.status, headers: outcome.headers, body: outcome.body.toString("utf8") };
    if (outcome.reason === "aborted" || outcome.reason === "closed") return { kind: "failure", sent: outcome.sent, reason: "closed", error: new Error("store client closed", { cause: outcome.error }) };
    const error = outcome.reason === "timeout" ? new Error(`no answer from ${attempt.endpoint}${attempt.path} within ${attempt.timeoutMs} ms`) : outcome.error;
    return { kind: "failure", sent: outcome.sent, reason: outcome.reason, error };
  }

  /** Closes every connection; attempts in flight fail as "closed". */
  close(): void {
    this.pools.destroy();
  }
}
