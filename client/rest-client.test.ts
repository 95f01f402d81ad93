import http from "node:http";
import { describe, expect, it } from "vitest";
import { KubeApiError, KubeUnavailableError, isConflict, isNotFound, retryOnConflict } from "./errors.js";
import { parseDurationMs, parseServerList } from "./flags.js";
import { resourceTypes } from "./resources.js";
import { KubeClient } from "./rest-client.js";

type Answer = Response | "refused" | "reset";

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(script: (url: URL, init: RequestInit) => Answer): { fetch: typeof fetch; calls: { url: string; method: string; body?: string }[] } {
  const calls: { url: string; method: string; body?: string }[] = [];
  const fake = (async (input: URL | string | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    calls.push({ url: url.toString(), method: init?.method ?? "GET", body: init?.body as string | undefined });
    const answer = script(url, init ?? {});
    if (answer === "refused") throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    if (answer === "reset") throw new TypeError("fetch failed", { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
    return answer;
  }) as typeof fetch;
  return { fetch: fake, calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

const pod = { metadata: { name: "web", namespace: "default", resourceVersion: "5" }, spec: { containers: [{ name: "c" }] } };

describe("KubeClient", () => {
  it("fails over to the next apiserver when one refuses connections, and sticks to it", async () => {
    const { fetch, calls } = scriptedFetch((url) => (url.port === "1" ? "refused" : json(pod)));
    const client = new KubeClient({ servers: ["http://127.0.0.1:1", "http://127.0.0.1:2"], fetch });
    expect((await client.get(resourceTypes.pods, "web", "default")).metadata.name).toBe("web");
    await client.get(resourceTypes.pods, "web", "default");
    expect(calls.map((c) => new URL(c.url).port)).toEqual(["1", "2", "2"]);
    expect(calls[0]?.url).toBe("http://127.0.0.1:1/api/v1/namespaces/default/pods/web");
    expect(client.requestCount).toBe(3);
  });

  it("retries a write the server refused with Retry-After (429), after the pause", async () => {
    let attempts = 0;
    const { fetch } = scriptedFetch(() => (++attempts === 1 ? json({ kind: "Status", code: 429, reason: "TooManyRequests" }, 429, { "retry-after": "0" }) : json(pod, 201)));
    const client = new KubeClient({ servers: ["http://a:1"], fetch });
    await client.create(resourceTypes.pods, pod);
    expect(attempts).toBe(2);
  });

  it("does not retry a write whose connection broke after sending: the outcome is unknown", async () => {
    const { fetch, calls } = scriptedFetch(() => "reset");
    const client = new KubeClient({ servers: ["http://a:1", "http://b:2"], fetch });
    const error = await client.create(resourceTypes.pods, pod).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeUnavailableError);
    expect((error as KubeUnavailableError).outcomeUnknown).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it("retries a read whose connection broke, on the other server", async () => {
    const { fetch, calls } = scriptedFetch((url) => (url.hostname === "a" ? "reset" : json(pod)));
    const client = new KubeClient({ servers: ["http://a:1", "http://b:2"], fetch });
    await client.get(resourceTypes.pods, "web", "default");
    expect(calls.map((c) => new URL(c.url).hostname)).toEqual(["a", "b"]);
  });

  it("gives up when no server answers within the retry budget, saying the request was not applied", async () => {
    const { fetch } = scriptedFetch(() => "refused");
    const client = new KubeClient({ servers: ["http://a:1"], fetch, retryBudgetMs: 250 });
    const error = await client.create(resourceTypes.pods, pod).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeUnavailableError);
    expect((error as KubeUnavailableError).outcomeUnknown).toBe(false);
  });

  it("turns Status answers into KubeApiError without retrying them", async () => {
    const { fetch, calls } = scriptedFetch(() => json({ kind: "Status", code: 404, reason: "NotFound", message: 'pods "web" not found' }, 404));
    const client = new KubeClient({ servers: ["http://a:1"], fetch });
    const error = await client.get(resourceTypes.pods, "web", "default").catch((e: unknown) => e);
    expect(isNotFound(error)).toBe(true);
    expect((error as KubeApiError).message).toBe('pods "web" not found');
    expect(calls).toHaveLength(1);
  });

  it("sends the patch content type, DeleteOptions and the binding body", async () => {
    const { fetch, calls } = scriptedFetch(() => json(pod));
    const client = new KubeClient({ servers: ["http://a:1"], fetch });
    await client.patch(resourceTypes.pods, "web", { metadata: { labels: { a: "b" } } }, { namespace: "default", patchType: "strategic", subresource: "status" });
    await client.delete(resourceTypes.pods, "web", { namespace: "default", gracePeriodSeconds: 0, preconditions: { uid: "u1" } });
    await client.bind("default", "web", "node-1", "u1");
    expect(calls[0]?.url).toBe("http://a:1/api/v1/namespaces/default/pods/web/status");
    expect(JSON.parse(calls[1]?.body ?? "")).toEqual({ kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: 0, preconditions: { uid: "u1" } });
    expect(JSON.parse(calls[2]?.body ?? "")).toMatchObject({ kind: "Binding", target: { kind: "Node", name: "node-1" }, metadata: { uid: "u1" } });
  });

  it("streams watch events and throws 410 Gone from an ERROR event", async () => {
    const lines = [
      { type: "ADDED", object: pod },
      { type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version: 1 (5)" } },
    ];
    const { fetch, calls } = scriptedFetch(() => new Response(lines.map((l) => JSON.stringify(l)).join("\n") + "\n"));
    const client = new KubeClient({ servers: ["http://a:1"], fetch });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of client.watch(resourceTypes.pods, { resourceVersion: "1", allowWatchBookmarks: true }, new AbortController().signal)) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["ADDED"]);
    expect((error as KubeApiError).code).toBe(410);
    expect(calls[0]?.url).toBe("http://a:1/api/v1/pods?resourceVersion=1&watch=true&allowWatchBookmarks=true");
  });
});

describe("retryOnConflict", () => {
  it("re-runs the mutation on 409 and returns its result", async () => {
    let runs = 0;
    const result = await retryOnConflict(async () => {
      runs += 1;
      if (runs < 3) throw new KubeApiError({ kind: "Status", code: 409, reason: "Conflict" }, 409);
      return "done";
    });
    expect([runs, result]).toEqual([3, "done"]);
  });

  it("gives up after the attempts and does not retry AlreadyExists", async () => {
    const conflict = new KubeApiError({ kind: "Status", code: 409, reason: "Conflict" }, 409);
    await expect(retryOnConflict(() => Promise.reject(conflict), 2)).rejects.toBe(conflict);
    const exists = new KubeApiError({ kind: "Status", code: 409, reason: "AlreadyExists" }, 409);
    expect(isConflict(exists)).toBe(false);
  });
});

describe("flags", () => {
  it("parses Go durations", () => {
    expect(parseDurationMs("10s", "--x")).toBe(10_000);
    expect(parseDurationMs("1m30s", "--x")).toBe(90_000);
    expect(parseDurationMs("500ms", "--x")).toBe(500);
    expect(parseDurationMs("1.5s", "--x")).toBe(1_500);
    expect(() => parseDurationMs("10", "--lease")).toThrow(/--lease must be a duration/);
    expect(() => parseDurationMs("10sx", "--lease")).toThrow(/--lease/);
  });

  it("parses server lists", () => {
    expect(parseServerList("http://a:1, http://b:2")).toEqual(["http://a:1", "http://b:2"]);
    expect(() => parseServerList("")).toThrow(/--server is required/);
    expect(() => parseServerList("a:1")).toThrow(/URLs/);
  });
});

describe("KubeClient over node:http (its own transport, not fetch)", () => {
  /** A local server that records each request and answers from `answer`. */
  async function server(answer: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void): Promise<{ url: string; seen: { method: string; url: string; accept: string; body: string; length: string }[]; close: () => Promise<void> }> {
    const seen: { method: string; url: string; accept: string; body: string; length: string }[] = [];
    const s = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        seen.push({ method: req.method ?? "", url: req.url ?? "", accept: req.headers.accept ?? "", body, length: req.headers["content-length"] ?? "" });
        answer(req, body, res);
      });
    });
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const address = s.address() as { port: number };
    return { url: `http://127.0.0.1:${address.port}`, seen, close: () => new Promise((resolve) => s.close(() => resolve())) };
  }

  it("sends the body with its length and the Accept it was given, reads JSON and empty answers, and keeps the connection", async () => {
    const sockets = new Set<unknown>();
    const api = await server((req, body, res) => {
      sockets.add(req.socket);
      if (req.method === "DELETE") {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(req.method === "POST" ? body : JSON.stringify(pod));
    });
    try {
      const client = new KubeClient({ servers: [api.url], accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
      expect((await client.get(resourceTypes.pods, "web", "default")).metadata.name).toBe("web");
      const created = await client.create(resourceTypes.pods, { ...pod, metadata: { name: "ünïcode", namespace: "default" } });
      expect(created.metadata.name).toBe("ünïcode");
      await client.delete(resourceTypes.pods, "web", { namespace: "default" });
      expect(api.seen.map((r) => r.method)).toEqual(["GET", "POST", "DELETE"]);
      expect(api.seen.every((r) => r.accept === "application/json;as=Table;v=v1;g=meta.k8s.io")).toBe(true);
      const post = api.seen[1];
      expect(Number(post?.length)).toBe(Buffer.byteLength(post?.body ?? ""));
      expect(sockets.size).toBe(1);
    } finally {
      await api.close();
    }
  });

  it("fails over from a refused connection to the next server", async () => {
    const api = await server((_req, _body, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(pod)));
    const closed = await server(() => undefined);
    await closed.close();
    try {
      const client = new KubeClient({ servers: [closed.url, api.url] });
      expect((await client.get(resourceTypes.pods, "web", "default")).metadata.name).toBe("web");
      expect(client.currentServer).toBe(api.url);
    } finally {
      await api.close();
    }
  });

  it("does not call a write that timed out waiting for a connection (never sent) an unknown outcome", async () => {
    // The POST's first attempt is told to come back in 1 s; meanwhile 64 GETs the server never
    // answers take every connection of the client's pool, so the second attempt waits for one
    // until the retry budget is spent: it never reached the server.
    let posts = 0;
    const server = http.createServer((request, response) => {
      request.resume();
      if (request.method !== "POST") return;
      posts += 1;
      response.writeHead(503, { "retry-after": "1", "content-type": "application/json" });
      response.end(JSON.stringify({ kind: "Status", code: 503, message: "try later" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const client = new KubeClient({ servers: [`http://127.0.0.1:${(server.address() as { port: number }).port}`], requestTimeoutMs: 1_500, retryBudgetMs: 1_500 });
      const post = client.request({ method: "POST", path: "/api/v1/namespaces/default/configmaps", body: { x: 1 } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const holders = Array.from({ length: 64 }, (_, i) => client.request({ method: "GET", path: `/api/v1/pods/h${i}` }).catch(() => undefined));
      const error = await post;
      expect(posts).toBe(1);
      expect(error).toBeInstanceOf(KubeUnavailableError);
      expect((error as KubeUnavailableError).outcomeUnknown).toBe(false);
      await Promise.all(holders);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
