// Bad-input fuzzing, target-neutral: a target is a set of base URLs and the paths it serves, each
// with the shape of its body, so that generators can send random bytes, random JSON, and valid
// bodies with one field broken. The store's client API is the first target (storeTarget); the
// API server joins with its own paths and its own error shape (a Kubernetes Status).
import http from "node:http";
import net from "node:net";
import fc from "fast-check";

/** The shape of a field, enough to make a value of it that is certainly wrong. */
export type FieldSpec =
  | { readonly type: "bytes" }
  | { readonly type: "int64" }
  /** A non-negative id. */
  | { readonly type: "id" }
  | { readonly type: "bool" }
  | { readonly type: "enum"; readonly size: number }
  | { readonly type: "object"; readonly fields: Readonly<Record<string, FieldSpec>> }
  | { readonly type: "array"; readonly of: FieldSpec };

export interface FuzzPath {
  readonly path: string;
  readonly method: "POST" | "GET";
  /** unary: one JSON answer. stream: 200, then newline-delimited JSON, errors in-band. */
  readonly kind: "unary" | "stream";
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** A valid body that changes nothing the final check compares (reads, or keys of the fuzz's own). */
  readonly valid: Readonly<Record<string, unknown>>;
}

export interface FuzzTarget {
  readonly name: string;
  readonly baseUrls: readonly string[];
  readonly paths: readonly FuzzPath[];
  /** Whether a non-2xx body has the target's error shape. */
  isErrorBody(body: unknown): boolean;
  /** Whether an in-band stream error line says "bad request". */
  isStreamError(line: unknown): boolean;
  /** Throws if any process of the target died or stopped answering its health check. */
  assertAlive(): Promise<void>;
}

// ---- HTTP without a client library in between ----

export interface Answer {
  readonly status: number;
  readonly text: string;
  /** Stream answers: the lines received before the window closed. */
  readonly lines: string[];
}

/** One request on a fresh connection. Streams are read for `streamWindowMs`, then cut. */
export function exchange(
  baseUrl: string,
  request: { method: string; path: string; body?: Buffer | string; headers?: Record<string, string> },
  options: { timeoutMs?: number; streamWindowMs?: number; streamUntil?: (line: string) => boolean } = {},
): Promise<Answer> {
  const url = new URL(request.path, baseUrl);
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, "utf8");
  return new Promise((resolve, reject) => {
    const req = http.request({
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method: request.method,
      agent: false,
      headers: { ...(body === undefined ? {} : { "content-length": String(body.length) }), ...request.headers },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${request.method} ${request.path}: no answer within ${options.timeoutMs ?? 5_000} ms`));
    }, options.timeoutMs ?? 5_000);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, text, lines: text.split("\n").filter((l) => l.trim() !== "") });
      };
      res.on("data", (chunk: string) => {
        if (text.length < 1 << 20) text += chunk;
        const until = options.streamUntil;
        if (until !== undefined && text.split("\n").some((line) => line.trim() !== "" && until(line))) finish();
      });
      res.on("end", finish);
      res.on("close", finish);
      if (options.streamWindowMs !== undefined) setTimeout(finish, options.streamWindowMs);
    });
    req.end(body);
  });
}

/**
 * Raw bytes on a socket (for requests cut off mid-body, broken chunking, garbage): writes the
 * parts with a pause between them, then ends or destroys the socket; resolves with whatever came
 * back (possibly nothing) once the server closes or `waitMs` passes.
 */
export function rawExchange(baseUrl: string, parts: readonly (string | Buffer)[], end: "end" | "destroy" | "keep", waitMs = 300): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    let received = "";
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(received);
    };
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("error", finish);
    socket.on("close", finish);
    socket.on("connect", async () => {
      for (const part of parts) {
        if (done) return;
        socket.write(part);
        await new Promise((r) => setTimeout(r, 5));
      }
      if (end === "end") socket.end();
      else if (end === "destroy") {
        socket.destroy();
        finish();
        return;
      }
      setTimeout(finish, waitMs);
    });
  });
}

// ---- generators ----

/** A value certainly wrong for a field of this shape (never null or absent: etcd reads those as "unset"). */
export function wrongValue(spec: FieldSpec): fc.Arbitrary<unknown> {
  const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant({}), fc.constant([1]));
  const notNumber = fc.oneof(fc.boolean(), fc.constant({}), fc.constant([]), fc.constantFrom("abc", "1.5", "", "0x10", "1e3", "--1", " 1", "١٢"));
  switch (spec.type) {
    case "bytes":
      return fc.oneof(notString, fc.constantFrom("!!!", "a", "Zm9v=x", "Zm9v\u0000", "Zm 9v", "====", "Zm9v\u00e9", "\ud800"));
    case "int64":
      return fc.oneof(notNumber, fc.constantFrom(1.5, -0.25, 1e400));
    case "id":
      return fc.oneof(notNumber, fc.constantFrom(-1, "-5", 1.5, 2 ** 60, "abc"));
    case "bool":
      return fc.oneof(fc.integer(), fc.constantFrom("true", "false", "yes", {}, [true]));
    case "enum":
      return fc.oneof(fc.constantFrom("NOPE", "equal", -1, spec.size, 99, 1.5, true, {}));
    case "object":
      return fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant([{}]));
    case "array":
      return fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant({}));
  }
}

/** Every way to break one field of a valid body: [where, the broken body]. */
export function brokenBody(path: FuzzPath): fc.Arbitrary<{ field: string; body: Record<string, unknown> }> {
  const choices: fc.Arbitrary<{ field: string; body: Record<string, unknown> }>[] = [];
  const visit = (fields: Readonly<Record<string, FieldSpec>>, valid: Readonly<Record<string, unknown>>, at: (value: unknown, name: string) => Record<string, unknown>, prefix: string): void => {
    for (const [name, spec] of Object.entries(fields)) {
      const field = `${prefix}${name}`;
      choices.push(wrongValue(spec).map((value) => ({ field, body: at(value, name) })));
      const inner = valid[name];
      if (spec.type === "object" && typeof inner === "object" && inner !== null && !Array.isArray(inner)) {
        visit(spec.fields, inner as Record<string, unknown>, (value, leaf) => at({ ...(inner as object), [leaf]: value }, name), `${field}.`);
      }
      if (spec.type === "array" && spec.of.type === "object" && Array.isArray(inner) && typeof inner[0] === "object" && inner[0] !== null) {
        const element = inner[0] as Record<string, unknown>;
        visit(spec.of.fields, element, (value, leaf) => at([{ ...element, [leaf]: value }, ...inner.slice(1)], name), `${field}.0.`);
      }
    }
  };
  visit(path.fields, path.valid, (value, name) => ({ ...path.valid, [name]: value }), "");
  return fc.oneof(...choices);
}

/** Bodies that are not a JSON object at all, as bytes. */
export const notAnObject: fc.Arbitrary<Buffer> = fc
  .oneof(
    fc.string().map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    fc.oneof(fc.array(fc.jsonValue()), fc.integer(), fc.boolean(), fc.constant(null), fc.string()).map((v) => Buffer.from(JSON.stringify(v))),
    fc.jsonValue().map((v) => Buffer.from(`${JSON.stringify(v)}}`)),
    fc.constantFrom("{", '{"key":', '{"key":"Zm9v"', "{'key':'Zm9v'}", "\ufeff{}", '{"a":1}{"b":', "nul", "{}}").map((s) => Buffer.from(s)),
  )
  // A random string or byte array can spell a JSON object ("{}" came up in a CI run): not this arbitrary's business.
  .filter((body) => !isJsonObjectText(body));

function isJsonObjectText(body: Buffer): boolean {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

// ---- the store's client API as a target ----

const bytes: FieldSpec = { type: "bytes" };
const int64: FieldSpec = { type: "int64" };
const bool: FieldSpec = { type: "bool" };
const id: FieldSpec = { type: "id" };
const b64 = (text: string): string => Buffer.from(text).toString("base64");

const rangeFields: Record<string, FieldSpec> = {
  key: bytes,
  range_end: bytes,
  limit: int64,
  revision: int64,
  sort_order: { type: "enum", size: 3 },
  sort_target: { type: "enum", size: 5 },
  serializable: bool,
  keys_only: bool,
  count_only: bool,
  min_mod_revision: int64,
  max_mod_revision: int64,
  min_create_revision: int64,
  max_create_revision: int64,
};
const putFields: Record<string, FieldSpec> = { key: bytes, value: bytes, lease: id, prev_kv: bool, ignore_value: bool, ignore_lease: bool };
const deleteFields: Record<string, FieldSpec> = { key: bytes, range_end: bytes, prev_kv: bool };
const compareFields: Record<string, FieldSpec> = {
  result: { type: "enum", size: 4 },
  target: { type: "enum", size: 5 },
  key: bytes,
  range_end: bytes,
  version: int64,
  create_revision: int64,
  mod_revision: int64,
  value: bytes,
  lease: int64,
};
const requestOpFields: Record<string, FieldSpec> = {
  request_range: { type: "object", fields: rangeFields },
  request_put: { type: "object", fields: putFields },
  request_delete_range: { type: "object", fields: deleteFields },
};
const txnFields: Record<string, FieldSpec> = {
  compare: { type: "array", of: { type: "object", fields: compareFields } },
  success: { type: "array", of: { type: "object", fields: requestOpFields } },
  failure: { type: "array", of: { type: "object", fields: requestOpFields } },
};

/** The keys the fuzz's own valid bodies touch; never the fixed data the final check compares. */
export const fuzzScratchPrefix = "/fuzz-scratch/";

export function storePaths(): FuzzPath[] {
  const scratch = b64(`${fuzzScratchPrefix}k`);
  const post = (path: string, fields: Record<string, FieldSpec>, valid: Record<string, unknown>, kind: "unary" | "stream" = "unary"): FuzzPath => ({ path, method: "POST", kind, fields, valid });
  const leaseFields = { ID: id };
  return [
    post("/v3/kv/range", rangeFields, { key: scratch, range_end: b64(`${fuzzScratchPrefix}z`), limit: "5", serializable: true }),
    post("/v3/kv/put", putFields, { key: scratch, value: b64("v"), prev_kv: true }),
    post("/v3/kv/deleterange", deleteFields, { key: scratch, prev_kv: true }),
    post("/v3/kv/txn", txnFields, {
      compare: [{ result: "EQUAL", target: "VERSION", key: scratch, version: "0" }],
      success: [{ request_put: { key: scratch, value: b64("t") } }],
      failure: [{ request_range: { key: scratch } }],
    }),
    post("/v3/kv/compaction", { revision: int64, physical: bool }, { revision: "1" }),
    post("/v3/lease/grant", { TTL: int64, ID: id }, { TTL: "5" }),
    post("/v3/lease/revoke", leaseFields, { ID: "1" }),
    post("/v3/kv/lease/revoke", leaseFields, { ID: "1" }),
    post("/v3/lease/timetolive", { ID: id, keys: bool }, { ID: "1", keys: true }),
    post("/v3/kv/lease/timetolive", { ID: id, keys: bool }, { ID: "1" }),
    post("/v3/lease/leases", {}, {}),
    post("/v3/kv/lease/leases", {}, {}),
    post("/v3/maintenance/status", {}, {}),
    post("/v3/cluster/member/list", {}, {}),
    post("/v3/lease/keepalive", leaseFields, { ID: "1" }, "stream"),
    post(
      "/v3/watch",
      {
        create_request: {
          type: "object",
          fields: {
            key: bytes,
            range_end: bytes,
            start_revision: int64,
            progress_notify: bool,
            filters: { type: "array", of: { type: "enum", size: 2 } },
            prev_kv: bool,
            watch_id: int64,
            fragment: bool,
          },
        },
        cancel_request: { type: "object", fields: { watch_id: int64 } },
      },
      { create_request: { key: scratch, start_revision: "1" } },
      "stream",
    ),
  ];
}

/** etcd's gateway error body: {"error", "message", "code"}. */
export function isStoreErrorBody(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b.error === "string" && typeof b.message === "string" && typeof b.code === "number";
}

/** An in-band stream error: {"error": {"grpc_code", "http_code" 4xx, "message"}}. */
export function isStoreStreamError(line: unknown): boolean {
  if (typeof line !== "object" || line === null) return false;
  const error = (line as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return false;
  const e = error as Record<string, unknown>;
  return typeof e.message === "string" && typeof e.http_code === "number" && e.http_code >= 400 && e.http_code < 500;
}
