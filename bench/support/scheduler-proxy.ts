// A counting HTTP proxy in front of the apiserver: the idle simulated kubelets talk to it, so the
// bench knows exactly which requests they make and how many (the apiserver keeps no request
// counters and logs no requests). Streams (watches) pass through unbuffered.
import http from "node:http";

/** "GET nodes", "PUT leases", "PATCH nodes/status", "WATCH pods", ... from a Kubernetes path. */
export function requestKind(method: string, url: string): string {
  const [pathPart = "", query = ""] = url.split("?");
  const parts = pathPart.split("/").filter((p) => p !== "");
  // /api/v1/... or /apis/<group>/<version>/...
  const rest = parts[0] === "api" ? parts.slice(2) : parts[0] === "apis" ? parts.slice(3) : parts;
  const scoped = rest[0] === "namespaces" && rest.length >= 3 ? rest.slice(2) : rest;
  const resource = scoped[0] ?? "(root)";
  const subresource = scoped.length >= 3 ? `/${scoped[2]}` : "";
  const watch = /(^|&)watch=(true|1)(&|$)/.test(query);
  return `${watch ? "WATCH" : method} ${resource}${subresource}`;
}

/** Requests by kind; the proxy's handler counts into it from the first request on. */
class RequestCounts {
  counts = new Map<string, number>();

  add(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }
}

export class CountingProxy {
  private constructor(
    private readonly requests: RequestCounts,
    private readonly server: http.Server,
    private readonly agent: http.Agent,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<CountingProxy> {
    const upstream = new URL(target);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const requests = new RequestCounts();
    const server = http.createServer((request, response) => {
      requests.add(requestKind(request.method ?? "GET", request.url ?? "/"));
      const forward = http.request({ agent, hostname: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      forward.on("error", () => response.destroy());
      // The client went away (a watch closed): close the upstream request too.
      response.on("close", () => forward.destroy());
      request.pipe(forward);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    return new CountingProxy(requests, server, agent, `http://127.0.0.1:${port}`);
  }

  /** The counts so far, and a fresh start. */
  take(): Map<string, number> {
    const taken = this.requests.counts;
    this.requests.counts = new Map();
    return taken;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }
}
