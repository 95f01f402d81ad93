import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Http1Pool, Http1Pools, type Http1PoolOptions } from "./pool.js";

const servers: net.Server[] = [];
const pools: Http1Pool[] = [];

afterEach(async () => {
  for (const pool of pools.splice(0)) pool.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(server: net.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function poolFor(origin: string, options: Partial<Http1PoolOptions> = {}): Http1Pool {
  const pool = new Http1Pool(origin, { maxSockets: 4, idleTimeoutMs: 4_000, maxResponseBytes: 1 << 20, ...options });
  pools.push(pool);
  return pool;
}

/** An echo server: answers method, path, headers and body as JSON; counts connections. */
async function echoServer(handle?: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => boolean): Promise<{ origin: string; connections: () => number }> {
  let connections = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      if (handle?.(req, res, body) === true) return;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, type: req.headers["content-type"], body }));
    });
  });
  server.on("connection", () => (connections += 1));
  return { origin: await listen(server), connections: () => connections };
}

describe("Http1Pool", () => {
  it("sends method, path, headers and body, and reuses one connection for requests one after another", async () => {
    const { origin, connections } = await echoServer();
    const pool = poolFor(origin);
    for (let i = 0; i < 5; i += 1) {
      const outcome = await pool.send({ method: "POST", path: `/v3/kv/put?i=${i}`, headers: { "content-type": "application/json" }, body: `{"n":${i},"text":"é"}`, timeoutMs: 5_000 });
      expect(outcome.kind).toBe("answer");
      if (outcome.kind !== "answer") return;
      expect(outcome.status).toBe(200);
      expect(JSON.parse(outcome.body.toString())).toEqual({ method: "POST", url: `/v3/kv/put?i=${i}`, host: new URL(origin).host, type: "application/json", body: `{"n":${i},"text":"é"}` });
    }
    expect(connections()).toBe(1);
    expect(pool.openSockets).toBe(1);
  });

  it("opens at most maxSockets connections; the other requests wait their turn and all are answered", async () => {
    const { origin, connections } = await echoServer();
    const pool = poolFor(origin, { maxSockets: 3 });
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.send({ method: "GET", path: `/n/${i}`, timeoutMs: 5_000 })));
    expect(outcomes.map((o) => (o.kind === "answer" ? (JSON.parse(o.body.toString()) as { url: string }).url : o.kind))).toEqual(Array.from({ length: 20 }, (_, i) => `/n/${i}`));
    expect(connections()).toBe(3);
  });

  it("reads chunked answers and status codes, and exposes the headers", async () => {
    const { origin } = await echoServer((_req, res) => {
      res.statusCode = 503;
      res.setHeader("retry-after", "2");
      res.write("part one, ");
      res.end("part two");
      return true;
    });
    const outcome = await poolFor(origin).send({ method: "GET", path: "/", timeoutMs: 5_000 });
    expect(outcome).toMatchObject({ kind: "answer", status: 503, headers: { "retry-after": "2", "transfer-encoding": "chunked" } });
    if (outcome.kind === "answer") expect(outcome.body.toString()).toBe("part one, part two");
  });

  it("does not reuse a connection the server asked to close", async () => {
    const { origin, connections } = await echoServer((_req, res) => {
      res.setHeader("connection", "close");
      res.end("bye");
      return true;
    });
    const pool = poolFor(origin);
    for (let i = 0; i < 3; i += 1) expect((await pool.send({ method: "GET", path: "/", timeoutMs: 5_000 })).kind).toBe("answer");
    expect(connections()).toBe(3);
  });

  it("reports a refused connection as never sent, a timeout and a cut-off answer as maybe received", async () => {
    const free = net.createServer();
    const closedOrigin = await listen(free);
    await new Promise((resolve) => free.close(resolve));
    servers.splice(servers.indexOf(free), 1);
    expect(await poolFor(closedOrigin).send({ method: "POST", path: "/", body: "x", timeoutMs: 5_000 })).toMatchObject({ kind: "failure", reason: "connect", sent: false });

    const { origin: silent } = await echoServer(() => true); // never answers
    expect(await poolFor(silent).send({ method: "POST", path: "/", body: "x", timeoutMs: 100 })).toMatchObject({ kind: "failure", reason: "timeout", sent: true });

    const raw = net.createServer((socket) => socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")));
    expect(await poolFor(await listen(raw)).send({ method: "POST", path: "/", body: "x", timeoutMs: 5_000 })).toMatchObject({ kind: "failure", reason: "socket", sent: true });
  });

  it("replaces an idle connection the server closed, and closes idle ones itself after idleTimeoutMs", async () => {
    let connections = 0;
    // The server drops each connection a moment after answering on it.
    const server = http.createServer((req, res) => {
      res.on("finish", () => setTimeout(() => req.socket.destroy(), 20));
      res.end("ok");
    });
    server.on("connection", () => (connections += 1));
    const origin = await listen(server);
    const pool = poolFor(origin, { idleTimeoutMs: 60_000 });
    expect((await pool.send({ method: "GET", path: "/", timeoutMs: 5_000 })).kind).toBe("answer");
    await new Promise((resolve) => setTimeout(resolve, 300)); // the server closes the idle connection
    expect(await pool.send({ method: "GET", path: "/", timeoutMs: 5_000 })).toMatchObject({ kind: "answer", status: 200 });
    expect(connections).toBe(2);

    const { origin: other } = await echoServer();
    const short = poolFor(other, { idleTimeoutMs: 50 });
    await short.send({ method: "GET", path: "/", timeoutMs: 5_000 });
    expect(short.openSockets).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(short.openSockets).toBe(0);
  });

  it("fails a request whose signal aborts, and every request once destroyed", async () => {
    const { origin } = await echoServer(() => true);
    const pool = poolFor(origin, { maxSockets: 1 });
    const controller = new AbortController();
    const inFlight = pool.send({ method: "GET", path: "/", timeoutMs: 0, signal: controller.signal });
    const waiting = pool.send({ method: "GET", path: "/", timeoutMs: 0 });
    controller.abort(new Error("caller gave up"));
    expect(await inFlight).toMatchObject({ kind: "failure", reason: "aborted", error: { message: "caller gave up" } });
    pool.destroy();
    expect(await waiting).toMatchObject({ kind: "failure", reason: "closed", sent: false });
    expect(await pool.send({ method: "GET", path: "/", timeoutMs: 0 })).toMatchObject({ kind: "failure", reason: "closed" });
  });

  it("does not reuse a connection answered before the request was all written", async () => {
    // The server answers at the first bytes and reads no further: most of the 16 MB body is
    // still unwritten, and would be read as the next request if the connection were reused.
    const accepted: net.Socket[] = [];
    const raw = net.createServer((socket) => {
      accepted.push(socket);
      socket.once("data", () => {
        socket.pause();
        socket.write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n");
      });
    });
    const pool = poolFor(await listen(raw));
    const outcome = await pool.send({ method: "POST", path: "/", body: Buffer.alloc(16 * 1024 * 1024), timeoutMs: 5_000 });
    expect(outcome).toMatchObject({ kind: "answer", status: 413 });
    expect(pool.openSockets).toBe(0);
    for (const socket of accepted) socket.destroy(); // paused, it would never see the close
  });

  it("refuses, before sending anything, a request head with CR/LF or spaces where they do not belong", async () => {
    const { origin, connections } = await echoServer();
    const pool = poolFor(origin);
    await expect(pool.send({ method: "GET", path: "/", headers: { "user-agent": "x\r\nx-injected: 1" }, timeoutMs: 1_000 })).rejects.toThrow();
    await expect(pool.send({ method: "GET", path: "/a b", timeoutMs: 1_000 })).rejects.toThrow(/path/);
    await expect(pool.send({ method: "GET\r\n", path: "/", timeoutMs: 1_000 })).rejects.toThrow(/method/);
    expect(connections()).toBe(0);
  });

  it("refuses an answer larger than maxResponseBytes", async () => {
    const { origin } = await echoServer((_req, res) => {
      res.end("x".repeat(2_000));
      return true;
    });
    expect(await poolFor(origin, { maxResponseBytes: 1_000 }).send({ method: "GET", path: "/", timeoutMs: 5_000 })).toMatchObject({ kind: "failure", reason: "too-large" });
  });
});

describe("Http1Pools", () => {
  it("keeps one pool per origin and closes them all", async () => {
    const { origin } = await echoServer(() => true); // never answers
    const pools = new Http1Pools({ maxSockets: 2, idleTimeoutMs: 4_000, maxResponseBytes: 1 << 20 });
    const pool = pools.for(`${origin}/v3/kv/put`);
    expect(pools.for(new URL(`${origin}/health`))).toBe(pool);
    expect(pools.for("http://127.0.0.1:1")).not.toBe(pool);
    const inFlight = pool?.send({ method: "GET", path: "/", timeoutMs: 0 });
    pools.destroy();
    expect(await inFlight).toMatchObject({ kind: "failure", reason: "closed" });
    expect(pools.for(origin)).toBeUndefined();
  });
});
