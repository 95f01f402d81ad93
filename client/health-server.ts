// A component's health endpoints (kube-scheduler and kube-controller-manager serve /healthz,
// /livez and /readyz), plus /status for launchers: whether this replica leads and what it has done.
import http from "node:http";

export interface HealthSource {
  /** Informers listed: the replica could schedule. */
  synced(): boolean;
  status(): Record<string, unknown>;
}

export interface HealthServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startHealthServer(source: HealthSource, port: number, host: string): Promise<HealthServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const reply = (code: number, body: string, type = "text/plain") => {
      response.writeHead(code, { "content-type": type });
      response.end(body);
    };
    if (request.method !== "GET") return reply(405, "method not allowed");
    if (path === "/healthz" || path === "/livez") return reply(200, "ok");
    if (path === "/readyz") return source.synced() ? reply(200, "ok") : reply(503, "informers not synced");
    if (path === "/status") return reply(200, `${JSON.stringify(source.status())}\n`, "application/json");
    return reply(404, "not found");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === "object" && address !== null ? address.port : port;
  return {
    url: `http://${host}:${actualPort}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
