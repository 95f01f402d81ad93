// One HTTP attempt against one endpoint, reporting whether the request could have reached the
// server: that decides whether a failed write may be retried.
import http from "node:http";

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
  | { kind: "answer"; status: number; headers: http.IncomingHttpHeaders; body: string }
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

/** Error codes that mean the TCP connection was never established. */
const connectErrorCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "EAI_AGAIN"]);

export function sendAttempt(agent: http.Agent, attempt: Attempt, signal: AbortSignal): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    const url = new URL(attempt.path, attempt.endpoint);
    const body = attempt.body === undefined ? undefined : Buffer.from(attempt.body, "utf8");
    let settled = false;
    let flushed = false;
    let connected = false;

    const request = http.request({
      agent,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname,
      method: attempt.method,
      headers: body === undefined ? {} : { "content-type": "application/json", "content-length": String(body.byteLength) },
    });

    const settle = (outcome: AttemptOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (outcome.kind === "failure") request.destroy();
      resolve(outcome);
    };
    const fail = (reason: "connect" | "socket" | "timeout" | "closed" | "too-large", error: Error, sent = flushed): void =>
      settle({ kind: "failure", sent, reason, error });

    const timer = setTimeout(() => {
      fail("timeout", new Error(`no answer from ${attempt.endpoint}${attempt.path} within ${attempt.timeoutMs} ms`));
    }, attempt.timeoutMs);
    const onAbort = (): void => fail("closed", new Error("store client closed"));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });

    request.on("socket", (socket) => {
      // A reused keep-alive socket is already connected; a new one reports "connect".
      if (!socket.connecting) connected = true;
      else socket.once("connect", () => (connected = true));
    });
    request.on("finish", () => (flushed = true));
    request.on("error", (error: NodeJS.ErrnoException) => {
      const neverConnected = !connected && error.code !== undefined && connectErrorCodes.has(error.code);
      fail(neverConnected ? "connect" : "socket", error, neverConnected ? false : flushed);
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on("data", (chunk: Buffer) => {
        bytes += chunk.byteLength;
        if (bytes > responseBytesMax) {
          fail("too-large", new Error(`answer from ${attempt.endpoint} exceeds ${responseBytesMax} bytes`), true);
          return;
        }
        chunks.push(chunk);
      });
      response.on("end", () => {
        settle({ kind: "answer", status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") });
      });
      response.on("error", (error) => fail("socket", error, true));
      response.on("close", () => {
        if (!response.complete) fail("socket", new Error(`answer from ${attempt.endpoint} cut off`), true);
      });
    });

    request.end(body);
  });
}
