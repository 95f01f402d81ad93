// Bad input against a running 3-member store (real processes): random and malformed bodies, wrong
// types, huge and deeply nested payloads, invalid base64, odd encodings, requests cut off
// mid-body, on every /v3 path. Every malformed request gets a 4xx with an error body (streams:
// an in-band error line), no process dies, and the data written before is unchanged after.
// The target abstraction (test/chaos/fuzz-target.ts) lets the API server join with its paths.
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Answer, FuzzPath, FuzzTarget } from "./chaos/fuzz-target.js";
import { brokenBody, exchange, isStoreErrorBody, isStoreStreamError, notAnObject, rawExchange, storePaths } from "./chaos/fuzz-target.js";
import type { StoreCluster } from "./support/store-cluster.js";
import { startStoreCluster } from "./support/store-cluster.js";

const b64 = (text: string): string => Buffer.from(text).toString("base64");
const fixedPrefix = "/fuzz-fixed/";
const fixedKeys = Array.from({ length: 16 }, (_, i) => `${fixedPrefix}${String(i).padStart(2, "0")}`);

let cluster: StoreCluster;
let target: FuzzTarget;
/** Each member's fixed keys (value and revisions) and revision before any fuzzing. */
let before: Map<string, string>;
let turn = 0;

function nextUrl(): string {
  const urls = target.baseUrls;
  return urls[turn++ % urls.length] as string;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A unary answer to a bad request: 4xx and the target's error body. */
function expectRefused(answer: Answer, what: string): void {
  expect(answer.status, `${what}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${what}: ${answer.text.slice(0, 200)}`).toBeLessThan(500);
  expect(target.isErrorBody(parse(answer.text)), `${what}: error body ${answer.text.slice(0, 200)}`).toBe(true);
}

/** A stream's answer to a bad request: an in-band error line, and nothing created first. */
function expectStreamRefused(answer: Answer, what: string): void {
  if (answer.status !== 200) {
    expectRefused(answer, what);
    return;
  }
  const lines = answer.lines.map(parse);
  const firstError = lines.findIndex((l) => target.isStreamError(l));
  expect(firstError, `${what}: no in-band error in ${answer.text.slice(0, 300)}`).toBeGreaterThanOrEqual(0);
  const created = lines.slice(0, firstError).some((l) => (l as { result?: { created?: boolean } } | undefined)?.result?.created === true);
  expect(created, `${what}: created before refusing: ${answer.text.slice(0, 300)}`).toBe(false);
}

async function send(path: FuzzPath, body: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
  // A stream is read until its first error line, or for a moment if none comes.
  const stream = { streamWindowMs: 400, streamUntil: (line: string) => target.isStreamError(parse(line)) };
  return exchange(nextUrl(), { method: path.method, path: path.path, body, headers }, path.kind === "stream" ? stream : {});
}

async function fingerprint(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const m of cluster.members) {
    const answer = await exchange(m.clientUrl, {
      method: "POST",
      path: "/v3/kv/range",
      body: JSON.stringify({ key: b64(fixedPrefix), range_end: b64("/fuzz-fixed0"), serializable: true }),
    });
    const json = JSON.parse(answer.text) as { header: { revision: string }; kvs?: unknown[] };
    out.set(m.name, JSON.stringify({ revision: json.header.revision, kvs: json.kvs ?? [] }));
  }
  return out;
}

/** Waits until every member has applied the same revision (after the writes of the setup). */
async function settled(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const revisions = await Promise.all(
      cluster.members.map(async (m) => (JSON.parse((await exchange(m.clientUrl, { method: "POST", path: "/v3/maintenance/status", body: "{}" })).text) as { header: { revision: string } }).header.revision),
    );
    if (revisions.every((r) => r === revisions[0])) return;
    if (Date.now() > deadline) throw new Error(`members do not agree on a revision: ${revisions.join(", ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  cluster = await startStoreCluster({ members: 3 });
  await cluster.leader();
  const pids = cluster.members.map((m) => m.process?.pid);
  target = {
    name: "store",
    baseUrls: cluster.endpoints,
    paths: storePaths(),
    isErrorBody: isStoreErrorBody,
    isStreamError: isStoreStreamError,
    async assertAlive() {
      for (const [i, m] of cluster.members.entries()) {
        const child = m.process;
        expect(child?.pid, `${m.name} was restarted or lost`).toBe(pids[i]);
        expect(child?.exitCode ?? null, `${m.name} exited`).toBeNull();
        expect(child?.signalCode ?? null, `${m.name} was killed`).toBeNull();
        const health = await exchange(m.clientUrl, { method: "GET", path: "/health" });
        expect(health.status, `${m.name} /health: ${health.text}`).toBe(200);
      }
    },
  };
  for (const key of fixedKeys) {
    const answer = await exchange(cluster.endpoints[0] as string, { method: "POST", path: "/v3/kv/put", body: JSON.stringify({ key: b64(key), value: b64(`value of ${key}`) }) });
    expect(answer.status).toBe(200);
  }
  await settled();
  before = await fingerprint();
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("store client API under bad input (fast-check)", () => {
  it("bodies that are not a JSON object: 400 with an error body, on every unary path", async () => {
    const unary = target.paths.filter((p) => p.kind === "unary");
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...unary), notAnObject, async (path, body) => {
        if (body.toString("utf8").trim() === "") return; // an empty body is {} (etcd reads it so)
        expectRefused(await send(path, body), `${path.path} ${JSON.stringify(body.toString("utf8").slice(0, 80))}`);
      }),
      { numRuns: 250 },
    );
    await target.assertAlive();
  });

  it("valid bodies with one field of a wrong type or value: 4xx naming the field", async () => {
    const unary = target.paths.filter((p) => p.kind === "unary" && Object.keys(p.fields).length > 0);
    const cases = fc.oneof(...unary.map((path) => brokenBody(path).map((broken) => ({ path, ...broken }))));
    await fc.assert(
      fc.asyncProperty(cases, async ({ path, field, body }) => {
        const answer = await send(path, JSON.stringify(body));
        const what = `${path.path} with ${field} = ${JSON.stringify(body).slice(0, 200)}`;
        expectRefused(answer, what);
        const leaf = field.split(".").pop() as string;
        expect((parse(answer.text) as { message: string }).message, what).toContain(leaf);
      }),
      { numRuns: 300 },
    );
    await target.assertAlive();
  });

  it("random JSON objects: never a 5xx; every refusal has the error body", async () => {
    const unary = target.paths.filter((p) => p.kind === "unary");
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...unary), fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }), async (path, body) => {
        const answer = await send(path, JSON.stringify(body));
        const what = `${path.path} ${JSON.stringify(body).slice(0, 200)}`;
        if (answer.status === 200) expect(typeof parse(answer.text), what).toBe("object");
        else expectRefused(answer, what);
      }),
      { numRuns: 200 },
    );
    await target.assertAlive();
  });

  it("huge and deeply nested payloads: refused, quickly", async () => {
    const put = target.paths.find((p) => p.path === "/v3/kv/put") as FuzzPath;
    const range = target.paths.find((p) => p.path === "/v3/kv/range") as FuzzPath;
    const txn = target.paths.find((p) => p.path === "/v3/kv/txn") as FuzzPath;
    // A value past --max-request-bytes (1.5 MiB), and a body far past it.
    expectRefused(await send(put, JSON.stringify({ key: b64("/fuzz-scratch/big"), value: Buffer.alloc(1_600_000, 7).toString("base64") })), "a 1.6 MB value");
    expectRefused(await send(range, Buffer.alloc(8 << 20, "a")), "an 8 MiB body");
    // JSON nested far deeper than any request is.
    for (const depth of [1_000, 100_000]) {
      expectRefused(await send(range, `${"[".repeat(depth)}${"]".repeat(depth)}`), `arrays ${depth} deep`);
      expectRefused(await send(range, `{"key":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`), `objects ${depth} deep in key`);
    }
    // Too many operations, and nested txns deeper than the op budget allows (etcd: 128 per level).
    const compare = { key: b64("/fuzz-scratch/k"), target: "VERSION", result: "EQUAL", version: "0" };
    expectRefused(await send(txn, JSON.stringify({ compare: Array.from({ length: 10_000 }, () => compare) })), "10,000 compares");
    expectRefused(await send(txn, nestedTxn(200)), "a txn nested 200 deep");
    await target.assertAlive();
  });

  // Was a bug: a txn nested 500+ deep overflowed the stack in validation (500); now refused
  // before validation, as etcd 3.4 does (400 "too many operations in txn request").
  it("a txn nested 500+ levels deep is refused with 400, not 500", async () => {
    const txn = target.paths.find((p) => p.path === "/v3/kv/txn") as FuzzPath;
    for (const depth of [500, 5_000]) expectRefused(await send(txn, nestedTxn(depth)), `a txn nested ${depth} deep`);
    await target.assertAlive();
  });

  it("odd encodings: content types, charsets, a BOM, gzip, invalid UTF-8, lone surrogates, NUL", async () => {
    const range = target.paths.find((p) => p.path === "/v3/kv/range") as FuzzPath;
    const valid = JSON.stringify({ key: b64("/fuzz-scratch/k") });
    // The gateway reads any body as JSON whatever its Content-Type: a valid body is served.
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/octet-stream", "multipart/form-data; boundary=x", "application/json; charset=latin1", "nonsense"]) {
      expect((await send(range, valid, { "content-type": type })).status, type).toBe(200);
    }
    const refusedBodies: [string, Buffer, Record<string, string>?][] = [
      ["UTF-16LE", Buffer.from(valid, "utf16le"), { "content-type": "application/json; charset=utf-16" }],
      ["UTF-16 with BOM", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, "utf16le")])],
      ["UTF-8 BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)])],
      ["gzip", gzipSync(valid), { "content-encoding": "gzip" }],
      ["invalid UTF-8 in the key", Buffer.concat([Buffer.from('{"key":"Zm9v'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])],
      ["a lone surrogate in the key", Buffer.from('{"key":"\\ud800"}')],
      ["NUL in the key", Buffer.from('{"key":"Zm9v\\u0000"}')],
      ["a raw NUL byte", Buffer.from('{"key":"Zm9v"\u0000}')],
      ["URL-encoded form", Buffer.from("key=Zm9v&limit=1")],
    ];
    for (const [what, body, headers] of refusedBodies) expectRefused(await send(range, body, headers), what);
    // Duplicate keys: JSON.parse keeps the last, as Go does: a valid request.
    expect((await send(range, `{"key":"!!!","key":"${b64("/fuzz-scratch/k")}"}`)).status).toBe(200);
    await target.assertAlive();
  });

  it("requests cut off mid-body, broken chunking, garbage on the socket: nothing dies", async () => {
    const url = (): string => nextUrl();
    const body = JSON.stringify({ key: b64("/fuzz-scratch/cut"), value: b64("x".repeat(100)) });
    const head = (length: number | "chunked", path = "/v3/kv/put"): string =>
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${length === "chunked" ? "Transfer-Encoding: chunked" : `Content-Length: ${length}`}\r\n\r\n`;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...target.paths),
        fc.integer({ min: 0, max: body.length - 1 }),
        fc.constantFrom("end", "destroy", "keep") as fc.Arbitrary<"end" | "destroy" | "keep">,
        async (path, cut, end) => {
          // Content-Length promises the whole body; only part of it comes. Unary paths answer
          // nothing or a 4xx; streams may have answered 200 already (their requests come as the
          // body flows), else Node's parser refuses the cut request with a 400.
          const answer = await rawExchange(url(), [head(body.length, path.path), body.slice(0, cut)], end, 100);
          const expected = path.kind === "stream" ? /^HTTP\/1\.1 (200|4\d\d) / : /^HTTP\/1\.1 4\d\d /;
          if (answer !== "") expect(answer, `${path.path} cut at ${cut}`).toMatch(expected);
        },
      ),
      { numRuns: 60 },
    );
    const chunked = [
      [head("chunked"), "5\r\n{\"key\r\n"], // the rest never comes
      [head("chunked"), "zz\r\nabc\r\n0\r\n\r\n"], // a chunk size that is not hex
      [head("chunked"), "ffffffffffffffff\r\nab"], // a huge chunk size
      [head("chunked"), `${body.length.toString(16)}\r\n${body}\r\n`], // no last chunk
      ["GARBAGE / HTTP/9.9\r\n\r\n"],
      ["POST /v3/kv/put HTTP/1.1\r\nContent-Length: -5\r\n\r\n"],
      ["POST /v3/kv/put HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"],
      [`POST /v3/kv/range HTTP/1.1\r\nHost: x\r\n${"X-Junk: y\r\n".repeat(2_000)}\r\n`],
      [Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00])], // a TLS hello on the plain port
      [head(10), "{}", head(2)], // a second request before the first one's body ended
    ];
    for (const parts of chunked) {
      for (const end of ["end", "destroy"] as const) await rawExchange(url(), parts, end, 100);
    }
    await target.assertAlive();
  });

  it("streams (watch, keep-alive) answer bad requests in-band, and go on serving", async () => {
    const streams = target.paths.filter((p) => p.kind === "stream");
    const cases = fc.oneof(...streams.map((path) => brokenBody(path).map((broken) => ({ path, ...broken }))));
    await fc.assert(
      fc.asyncProperty(cases, async ({ path, field, body }) => {
        expectStreamRefused(await send(path, JSON.stringify(body)), `${path.path} with ${field} = ${JSON.stringify(body).slice(0, 200)}`);
      }),
      { numRuns: 60 },
    );
    // Garbage around and between requests: ignored, or an error line; never a crash.
    for (const path of streams) {
      for (const body of ["garbage", "{", "[1,2]", '{"create_request":{"key":"Zm9v"}}}}}', '"x"{"ID":"1"}', "\u0000\u0001"]) {
        const answer = await send(path, body);
        expect(answer.status, `${path.path} ${body}`).toBeLessThan(500);
      }
    }
    await target.assertAlive();
  });

  // Was a bug: /v3/watch took a key that is not base64; now refused in-band like the unary paths.
  it("a watch whose key is not base64 is refused", async () => {
    const watch = target.paths.find((p) => p.path === "/v3/watch") as FuzzPath;
    for (const key of ["!!!", "a", "Zm9v=x", "Zm 9v"]) expectStreamRefused(await send(watch, JSON.stringify({ create_request: { key } })), `watch key ${key}`);
  });

  it("afterwards: every process alive and healthy, the data written before unchanged on every member", async () => {
    await target.assertAlive();
    await settled();
    expect(await fingerprint()).toEqual(before);
  });
});

function nestedTxn(depth: number): string {
  let text = JSON.stringify({ key: b64("/fuzz-scratch/k") });
  for (let i = 0; i < depth; i += 1) text = `{"success":[{"request_txn":${text}}]}`;
  return text;
}
