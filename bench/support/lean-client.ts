// The bench's HTTP/1.1 client: one keep-alive node:http Agent per member, a pre-encoded JSON body
// in, status and text out. No retries, no schema checks, no leader preference: the bench decides
// which member each request goes to, so load can be spread over followers on purpose.
import http from "node:http";

export interface Reply {
  readonly status: number;
  readonly body: string;
}

interface Target {
  readonly hostname: string;
  readonly port: number;
  readonly agent: http.Agent;
}

export class LeanClient {
  private readonly targets: Target[];

  constructor(endpoints: readonly string[], socketsPerEndpointMax = 1024) {
    this.targets = endpoints.map((endpoint) => {
      const url = new URL(endpoint);
      return {
        hostname: url.hostname,
        port: Number(url.port),
        agent: new http.Agent({ keepAlive: true, maxSockets: socketsPerEndpointMax, maxFreeSockets: socketsPerEndpointMax }),
      };
    });
  }

  get size(): number {
    return this.targets.length;
  }

  /** POSTs `body` to member `endpointIndex` (mod the member count); rejects on a socket error or after `timeoutMs` (0: never). */
  post(endpointIndex: number, path: string, body: string, timeoutMs = 0): Promise<Reply> {
    const target = this.targets[endpointIndex % this.targets.length] as Target;
    return new Promise<Reply>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const request = http.request(
        {
          agent: target.agent,
          hostname: target.hostname,
          port: target.port,
          method: "POST",
          path,
          // Bodies are ASCII JSON (base64 bytes), so characters are bytes.
          headers: { "content-type": "application/json", "content-length": body.length },
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("end", () => {
            if (timer !== undefined) clearTimeout(timer);
            resolve({ status: response.statusCode ?? 0, body: text });
          });
          response.on("error", (error) => {
            if (timer !== undefined) clearTimeout(timer);
            reject(error);
          });
        },
      );
      request.on("error", (error) => {
        if (timer !== undefined) clearTimeout(timer);
        reject(error);
      });
      if (timeoutMs > 0) timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      request.end(body);
    });
  }

  close(): void {
    for (const target of this.targets) target.agent.destroy();
  }
}
