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

/**
 * Answer with a status and a JSON body, hang, cut the connection, or stream: `stream` gets the
 * response with a 200 and chunked headers sent, writes lines when it likes (writeLine), and may
 * end or destroy it later. Streams still open are cut when the gateway closes.
 */
export type GatewayReply =
  | { status?: number; body: unknown; headers?: Record<string, string> }
  | { stream: (response: StreamingResponse) => void }
  | "hang"
  | "destroy";

export interface StreamingResponse {
  /** Writes one JSON value and a newline, as the gateway frames a stream. */
  writeLine(value: unknown): void;
  /** Writes raw text (to split a line across chunks). */
  write(text: string): void;
  /** Ends the answer cleanly (the last chunk). */
  end(): void;
  /** Cuts the connection, as a member killed -9 does. */
  destroy(): void;
  readonly closed: boolean;
}

/** `index` counts earlier requests to the same path, so background status look-ups do not shift it. */
export type GatewayHandler = (request: ReceivedRequest, index: number) => GatewayReply | Promise<GatewayReply>;

export interface TestGateway {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `count` requests have arrived in total. */
  waitForRequests(count: number): Promise<void>;
  /** Resolves once `count` requests to `path` have arrived. */
  waitForPath(path: string, count: number): Promise<void>;
  handle(handler: GatewayHandler): void;
  close(): Promise<void>;
}

export const header = (revision = 1, memberId = "1") => ({ cluster_id: "7", member_id: memberId, revision: String(revision), raft_term: "2" });

export async function startTestGateway(handler: GatewayHandler = () => ({ body: { header: header() } })): Promise<TestGateway> {
  let current = handler;
  const requests: ReceivedRequest[] = [];
  const waiters: { ready: () => boolean; resolve: () => void }[] = [];
  const waitFor = (ready: () => boolean): Promise<void> =>
    ready() ? Promise.resolve() : new Promise((resolve) => waiters.push({ ready, resolve }));
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
      for (const w of waiters.filter((w) => w.ready())) {
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
        if ("stream" in reply) {
          hanging.add(res);
          res.writeHead(200, { "content-type": "application/json" });
          res.flushHeaders();
          reply.stream({
            writeLine: (value) => void (res.destroyed || res.write(`${JSON.stringify(value)}\n`)),
            write: (text) => void (res.destroyed || res.write(text)),
            end: () => res.end(),
            // Node flushes a response's writes on the next tick: cut after them, as a killed
            // process's kernel still sends what was written before the kill.
            destroy: () => setImmediate(() => req.socket.destroy()),
            get closed() {
              return res.destroyed || res.writableEnded;
            },
          });
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
      return waitFor(() => requests.length >= count);
    },
    waitForPath(path, count) {
      return waitFor(() => requests.filter((r) => r.path === path).length >= count);
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
