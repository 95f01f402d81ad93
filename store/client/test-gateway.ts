// A fake etcd JSON gateway for the client's unit tests: real HTTP on a port the OS picks,
// a scripted handler, and a record of what arrived.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

/** Answer with a status and a JSON body, or take the raw response (to hang, cut or stream). */
export type GatewayReply = { status?: number; body: unknown; headers?: Record<string, string> } | "hang" | "destroy";

/** `index` counts earlier requests to the same path, so background status look-ups do not shift it. */
export type GatewayHandler = (request: ReceivedRequest, index: number) => GatewayReply | Promise<GatewayReply>;

export interface TestGateway {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `count` requests have arrived in total. */
  waitForRequests(count: number): Promise<void>;
  handle(handler: GatewayHandler): void;
  close(): Promise<void>;
}

export const header = (revision = 1, memberId = "1") => ({ cluster_id: "7", member_id: memberId, revision: String(revision), raft_term: "2" });

export async function startTestGateway(handler: GatewayHandler = () => ({ body: { header: header() } })): Promise<TestGateway> {
  let current = handler;
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const hanging = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        // keep the text
      }
      const received: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", body, headers: req.headers };
      requests.push(received);
      for (const w of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const index = requests.filter((r) => r.path === received.path).length - 1;
      void Promise.resolve(current(received, index)).then((reply) => {
        if (reply === "hang") {
          hanging.add(res);
          return;
        }
        if (reply === "destroy") {
          req.socket.destroy();
          return;
        }
        const payload = JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
        res.end(payload);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    handle(next) {
      current = next;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL nothing listens on: a port the OS handed out, then closed. */
export async function deadEndpoint(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
