// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function, inclusive time of the
// store's own functions, and self time by category (JSON/base64, SQLite, COMMIT+fsync, Raft,
// HTTP, GC, ...). Categories are decided from the sampled frame and, for native and Node-internal
// frames, from the nearest caller that belongs to the store or a package.
//
// V8 shows no frame for better-sqlite3's native statement methods (run, get) or for JSON.parse
// and JSON.stringify: their time is the self time of the JS function that called them. Hence
// "SQLite BEGIN/COMMIT" is better-sqlite3's transaction wrapper (the COMMIT: WAL page writes,
// the fsync, checkpoints), and the MVCC, Raft log and member categories include the SQLite
// statements they run. The profile samples wall time of the main thread: a blocking fsync counts.
import fs from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfileJson {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Row {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  readonly samples: number;
  /** Time not spent idle in the event loop. */
  readonly busyMs: number;
  readonly categories: Row[];
  readonly topSelf: Row[];
  readonly topInclusive: Row[];
}

const sqliteNativeNames = new Set(["run", "get", "all", "iterate", "pragma", "prepare", "exec", "raw", "pluck", "bind"]);
const base64Names = new Set(["base64Slice", "base64Write", "base64urlSlice", "base64urlWrite", "byteLengthUtf8", "utf8Write", "utf8Slice", "latin1Slice", "asciiSlice", "hexSlice", "encodeInto", "decode", "encode", "encodeUtf8String"]);
const socketNativeNames = new Set(["writev", "writeBuffer", "writeUtf8String", "writeLatin1String", "writeAsciiString", "readStart", "readStop", "shutdown", "close", "onStreamRead"]);

const shortUrl = (url: string): string => {
  const i = url.search(/\/(store|node_modules|cluster|bench)\//);
  return i >= 0 ? url.slice(i + 1).replace(/^file:\/\//, "") : url.replace(/^file:\/\//, "");
};

const frameName = (frame: CallFrame): string => {
  const fn = frame.functionName === "" ? "(anonymous)" : frame.functionName;
  return frame.url === "" ? `${fn} [native]` : `${fn} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
};

const isApp = (url: string): boolean => /\/(store|cluster)\//.test(url) || url.includes("/node_modules/");

function appCategory(url: string): string {
  if (url.includes("node_modules/better-sqlite3/lib/methods/transaction.js")) return "SQLite BEGIN/COMMIT (WAL writes, fsync, checkpoints)";
  if (url.includes("node_modules/better-sqlite3")) return "SQLite statements";
  if (url.includes("node_modules/zod")) return "zod validation";
  if (url.includes("node_modules/pino") || url.includes("node_modules/sonic-boom")) return "logging (pino)";
  if (url.includes("/store/raft/")) return "Raft core (JS)";
  if (url.includes("/store/mvcc/watch-hub")) return "watch hub (fan-out to watchers)";
  if (url.includes("/store/mvcc/lessor")) return "lessor";
  if (url.includes("/store/server/watch-api")) return "watch streams (event JSON, stream writes)";
  if (url.includes("/store/mvcc/")) return "MVCC apply (JS + its SQLite statements)";
  if (url.includes("/store/server/binary-json")) return "JSON/base64";
  if (url.includes("/store/server/gateway-codec")) return "JSON/base64";
  if (url.includes("/store/server/transport") || url.includes("/store/server/peer-frames")) return "peer transport (framing, frame checks)";
  if (url.includes("/store/server/raft-storage")) return "Raft log append (JS + SQLite INSERTs)";
  if (url.includes("/store/server/client-api")) return "client API handlers (JS + JSON.parse/stringify of bodies)";
  if (url.includes("/store/server/member")) return "member driver (JS + its SQLite statements)";
  return "other JS";
}

function nodeCategory(url: string): string | undefined {
  if (/^node:(_http|http|internal\/http)/.test(url)) return "HTTP (node:http parse/serialize)";
  if (/^node:(net|stream|internal\/stream|internal\/streams|internal\/net)/.test(url)) return "sockets/streams";
  if (/^node:(buffer|internal\/buffer|internal\/encoding|string_decoder|internal\/util\/types)/.test(url)) return "JSON/base64";
  if (/^node:(internal\/timers|timers|internal\/process|events|internal\/async_hooks|async_hooks)/.test(url)) return "event loop (timers, promises, events)";
  if (url.startsWith("node:")) return "node internals (other)";
  return undefined;
}

/** The category of one sample, from its stack (leaf first). */
function categorize(stack: readonly CallFrame[]): string {
  const leaf = stack[0];
  if (leaf === undefined) return "other";
  switch (leaf.functionName) {
    case "(garbage collector)":
      return "GC";
    case "(idle)":
      return "idle (waiting in the event loop)";
    case "(program)":
      return "V8/native, unattributed";
    case "(root)":
      return "other";
  }
  if (leaf.url !== "" && isApp(leaf.url)) return appCategory(leaf.url);
  // Native or Node-internal: decide from the leaf's name and the nearest store/package caller.
  const app = stack.find((f) => isApp(f.url));
  const firstJs = stack.find((f) => f.url !== "");
  if (leaf.url === "") {
    if (app?.url.includes("better-sqlite3/lib/methods/transaction.js") && firstJs === app) return "SQLite BEGIN/COMMIT (WAL writes, fsync, checkpoints)";
    if (sqliteNativeNames.has(leaf.functionName) && firstJs !== undefined && isApp(firstJs.url)) return "SQLite statements";
    if (leaf.functionName === "stringify" || leaf.functionName === "parse") return "JSON/base64";
    if (base64Names.has(leaf.functionName)) return "JSON/base64";
    if (socketNativeNames.has(leaf.functionName)) return app?.url.includes("/store/server/transport") ? "peer transport (framing, frame checks)" : "sockets/streams";
    if (firstJs !== undefined) {
      const byNode = nodeCategory(firstJs.url);
      if (byNode !== undefined) return byNode;
      if (isApp(firstJs.url)) return appCategory(firstJs.url);
    }
    return "V8/native, unattributed";
  }
  const byNode = nodeCategory(leaf.url);
  if (byNode === "sockets/streams" && app?.url.includes("/store/server/transport")) return "peer transport (framing, frame checks)";
  return byNode ?? "other JS";
}

export interface SummarizeOptions {
  readonly top?: number;
  /** Only samples taken in [from, to], in CLOCK_MONOTONIC microseconds (process.hrtime.bigint() / 1000n: V8 stamps samples with the same clock). */
  readonly windowUs?: readonly [number, number];
}

export function summarizeProfile(file: string, options: SummarizeOptions = {}): ProfileSummary {
  const top = options.top ?? 25;
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfileJson;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // Each sample lasts until the next one (timeDeltas[i + 1]); the last gets the mean.
  const n = profile.samples.length;
  const meanUs = n === 0 ? 0 : (profile.endTime - profile.startTime) / n;
  const durationUs = (i: number): number => (i + 1 < n ? (profile.timeDeltas[i + 1] ?? meanUs) : meanUs);

  const stackCache = new Map<number, CallFrame[]>();
  const stackOf = (id: number): CallFrame[] => {
    const cached = stackCache.get(id);
    if (cached !== undefined) return cached;
    const stack: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node !== undefined && node.callFrame.functionName !== "(root)") stack.push(node.callFrame);
    }
    stackCache.set(id, stack);
    return stack;
  };

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const categories = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  let counted = 0;
  let timestampUs = profile.startTime;
  for (let i = 0; i < n; i += 1) {
    timestampUs += profile.timeDeltas[i] ?? 0;
    if (options.windowUs !== undefined && (timestampUs < options.windowUs[0] || timestampUs > options.windowUs[1])) continue;
    counted += 1;
    const id = profile.samples[i] as number;
    const us = durationUs(i);
    totalUs += us;
    const stack = stackOf(id);
    const leaf = stack[0];
    if (leaf === undefined) continue;
    if (leaf.functionName === "(idle)") idleUs += us;
    const leafName = frameName(leaf);
    self.set(leafName, (self.get(leafName) ?? 0) + us);
    const category = categorize(stack);
    categories.set(category, (categories.get(category) ?? 0) + us);
    const seen = new Set<string>();
    for (const frame of stack) {
      if (!isApp(frame.url) || frame.url.includes("node_modules")) continue;
      const name = frameName(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  const rows = (map: Map<string, number>, limit: number): Row[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, percent: totalUs === 0 ? 0 : Math.round((us / totalUs) * 1000) / 10 }));
  return {
    file,
    totalMs: Math.round(totalUs / 1000),
    samples: counted,
    busyMs: Math.round((totalUs - idleUs) / 1000),
    categories: rows(categories, 100),
    topSelf: rows(self, top),
    topInclusive: rows(inclusive, top),
  };
}

export function profileMarkdown(summary: ProfileSummary, title: string): string {
  const table = (head: string, rows: readonly Row[]) =>
    [`| ${head} | ms | % of profile | % of busy |`, "| --- | ---: | ---: | ---: |", ...rows.map((r) => `| ${r.name.replaceAll("|", "\\|")} | ${r.ms} | ${r.percent} | ${busyPercent(summary, r)} |`)].join("\n");
  return [
    `### ${title}`,
    "",
    `${summary.samples} samples over ${summary.totalMs} ms; busy (not idle) ${summary.busyMs} ms (${Math.round((summary.busyMs / Math.max(1, summary.totalMs)) * 100)}%). Profile: \`${summary.file}\``,
    "",
    "Self time by category:",
    "",
    table("category", summary.categories),
    "",
    "Top functions by self time:",
    "",
    table("function", summary.topSelf),
    "",
    "kube-lite functions by inclusive time (self + callees):",
    "",
    table("function", summary.topInclusive),
    "",
  ].join("\n");
}

function busyPercent(summary: ProfileSummary, row: Row): string {
  if (row.name.startsWith("idle") || row.name.startsWith("(idle)")) return "";
  return String(Math.round((row.ms / Math.max(1, summary.busyMs)) * 1000) / 10);
}
