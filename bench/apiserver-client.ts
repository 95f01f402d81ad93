// The apiserver bench's HTTP/1.1 client: one keep-alive node:http Agent, JSON text in and out, no
// retries and no schema checks, so that what is timed is the apiserver (and the bench's cost per
// request stays small and measurable).
import http from "node:http";

export interface ApiReply {
  readonly status: number;
  readonly body: string;
}

export class ApiClient {
  private readonly agent: http.Agent;
  private readonly hostname: string;
  private readonly port: number;

  constructor(
    readonly server: string,
    socketsMax = 256,
  ) {
    const url = new URL(server);
    this.hostname = url.hostname;
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: socketsMax, maxFreeSockets: socketsMax });
  }

  request(method: "GET" | "POST" | "DELETE", path: string, body?: string, timeoutMs = 60_000): Promise<ApiReply> {
    return new Promise<ApiReply>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { accept: "application/json" };
      if (body !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(body);
      }
      const request = http.request({ agent: this.agent, hostname: this.hostname, port: this.port, method, path, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
        });
        response.on("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      const timer = setTimeout(() => request.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)), timeoutMs);
      request.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(body);
    });
  }

  /** A request that must answer `expected` (else it throws with the answer's start). */
  async expect(expected: number, method: "GET" | "POST" | "DELETE", path: string, body?: string): Promise<string> {
    const reply = await this.request(method, path, body);
    if (reply.status !== expected) throw new Error(`${method} ${path}: ${reply.status} ${reply.body.slice(0, 300)}`);
    return reply.body;
  }

  close(): void {
    this.agent.destroy();
  }
}
