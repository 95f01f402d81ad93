// npm run bench:store-variants -- --variant NAME=BIN[@NODE_FLAGS] ... [--etcd] [--puts N]
//
// Write-to-watch latency of several store builds or node flag sets (and etcd) measured in one
// run, their one-at-a-time puts interleaved in slices, so that a machine that slows down weighs on
// every variant alike. It answers "does this change move the tail?", which one run per variant
// cannot: run to run, the same build's p99 moves by a third on a 2-core machine, while two
// identical variants interleaved in one run agree within about 5%.
//
// Every variant gets a 3-member cluster (fsync on, heartbeat 100 ms, election 1000 ms) and one
// watch on a prefix on each watched member (--watch all|0|1|2); puts go to the members in turn,
// the next once every watcher has the event. Latency is from the put's send to the watcher's
// read. Results: bench/results/store-variants-<date>.{json,md}.
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { BenchCluster } from "./support/cluster.js";
import { LeanClient } from "./support/lean-client.js";
import { type LatencySummary, quantile, round, summarize } from "./support/load.js";
import { installExitHandlers } from "./support/processes.js";
import { LineSplitter } from "./support/watch-protocol.js";

const usage = `Usage: npm run bench:store-variants -- --variant NAME=BIN[@NODE_FLAGS] [--variant ...] [options]

  --variant NAME=BIN[@FLAGS]  a kube-lite store build (its dist/cluster/main.js) and node flags for
                              its members, e.g. base=dist/cluster/main.js
                              semi64=dist/cluster/main.js@--max-semi-space-size=64 (repeatable)
  --etcd                      also measure etcd 3.4 (etcd on the PATH)
  --puts N                    measured puts per variant (default 4000)
  --warmup N                  warm-up puts per variant, not measured (default 1500)
  --slice N                   puts per slice before the next variant's turn (default 50)
  --watch all|0|1|2           members that hold a watcher (default all)
  --data-dir DIR              where the clusters' data dirs go (default the OS temp dir)
  --out DIR                   results directory (default bench/results)`;

interface Variant {
  readonly name: string;
  readonly kind: "kube-lite" | "etcd";
  readonly bin: string;
  readonly nodeArgs: readonly string[];
}

interface VariantResult {
  readonly name: string;
  readonly command: string;
  readonly leader: number;
  readonly watch: LatencySummary & { readonly p999Ms: number };
  readonly put: LatencySummary;
  /** Members' CPU per measured put, in member order (µs). */
  readonly memberCpuUsPerPut: readonly number[];
}

/** A put waiting for its event on every watcher. */
interface InFlight {
  readonly sentAt: number;
  readonly seenMs: Map<number, number>;
  done: (() => void) | undefined;
}

class VariantRun {
  private readonly inFlight = new Map<string, InFlight>();
  private readonly watchMs: number[] = [];
  private readonly putMs: number[] = [];
  private readonly streams: http.ClientRequest[] = [];
  private seq = 0;
  /** Members' CPU during this variant's own measured slices only (ms, by member name). */
  private readonly cpuMs = new Map<string, number>();

  private constructor(
    readonly variant: Variant,
    readonly cluster: BenchCluster,
    private readonly client: LeanClient,
    readonly leader: number,
    private readonly watched: readonly number[],
    private readonly value: string,
  ) {}

  static async start(variant: Variant, watched: readonly number[], dataDir: string): Promise<VariantRun> {
    const cluster = await BenchCluster.start({
      kind: variant.kind,
      members: 3,
      heartbeatIntervalMs: 100,
      electionTimeoutMs: 1000,
      storeBin: variant.bin,
      etcdBin: "etcd",
      nodeArgs: variant.nodeArgs,
      parentDir: dataDir,
      readyTimeoutMs: 30_000,
    });
    const leaderName = await cluster.leader();
    const run = new VariantRun(variant, cluster, new LeanClient(cluster.endpoints), cluster.names.indexOf(leaderName), watched, Buffer.alloc(256, "x").toString("base64"));
    await Promise.all(watched.map((member) => run.openWatch(member)));
    return run;
  }

  private openWatch(member: number): Promise<void> {
    const url = new URL(this.cluster.endpoints[member] as string);
    const prefix = Buffer.from("variants/").toString("base64");
    const end = Buffer.from("variants0").toString("base64");
    return new Promise((resolve, reject) => {
      const request = http.request({ agent: false, hostname: url.hostname, port: Number(url.port), method: "POST", path: "/v3/watch" });
      this.streams.push(request);
      const timer = setTimeout(() => reject(new Error(`${this.variant.name}: no watch created on member ${member} within 10 s`)), 10_000);
      request.on("error", reject);
      request.on("response", (response) => {
        if (response.statusCode !== 200) reject(new Error(`${this.variant.name}: /v3/watch answered ${response.statusCode} on member ${member}`));
        const lines = new LineSplitter();
        response.setEncoding("latin1");
        response.on("data", (chunk: string) => {
          const now = performance.now();
          for (const line of lines.push(chunk)) {
            const parsed = JSON.parse(line) as { result?: { created?: boolean; events?: { kv?: { key?: string } }[] } };
            if (parsed.result?.created === true) {
              clearTimeout(timer);
              resolve();
            }
            for (const event of parsed.result?.events ?? []) this.seen(Buffer.from(event.kv?.key ?? "", "base64").toString(), member, now);
          }
        });
      });
      request.end(JSON.stringify({ create_request: { key: prefix, range_end: end } }));
    });
  }

  private seen(key: string, member: number, now: number): void {
    const put = this.inFlight.get(key);
    if (put === undefined) return;
    put.seenMs.set(member, now - put.sentAt);
    if (put.seenMs.size === this.watched.length) put.done?.();
  }

  async puts(count: number, record: boolean): Promise<void> {
    const before = record ? this.cluster.cpuTimeMs() : undefined;
    for (let i = 0; i < count; i += 1) await this.put(record);
    if (before === undefined) return;
    // Only this variant's own turns: its members' idle cost while the others run is not its puts'.
    for (const [name, ms] of this.cluster.cpuTimeMs()) this.cpuMs.set(name, (this.cpuMs.get(name) ?? 0) + ms - (before.get(name) ?? 0));
  }

  private async put(record: boolean): Promise<void> {
    const seq = this.seq++;
    const key = `variants/${String(seq).padStart(9, "0")}`;
    const put: InFlight = { sentAt: performance.now(), seenMs: new Map(), done: undefined };
    this.inFlight.set(key, put);
    const all = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      put.done = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    let putMs: number;
    try {
      const reply = await this.client.post(seq % 3, "/v3/kv/put", JSON.stringify({ key: Buffer.from(key).toString("base64"), value: this.value }));
      putMs = performance.now() - put.sentAt;
      if (reply.status !== 200) throw new Error(`${this.variant.name}: put answered ${reply.status}: ${reply.body.slice(0, 200)}`);
      if (put.seenMs.size < this.watched.length && !(await all)) throw new Error(`${this.variant.name}: put ${key} not seen by every watcher within 5 s`);
    } finally {
      put.done?.();
      this.inFlight.delete(key);
    }
    if (!record) return;
    this.putMs.push(putMs);
    for (const ms of put.seenMs.values()) this.watchMs.push(ms);
  }

  result(puts: number): VariantResult {
    const p999 = quantile(Float64Array.from(this.watchMs).sort(), 0.999);
    return {
      name: this.variant.name,
      command: this.variant.kind === "etcd" ? "etcd" : `node ${[...this.variant.nodeArgs, this.variant.bin].join(" ")}`,
      leader: this.leader,
      watch: { ...summarize(this.watchMs), p999Ms: round(p999) },
      put: summarize(this.putMs),
      memberCpuUsPerPut: this.cluster.names.map((name) => Math.round(((this.cpuMs.get(name) ?? 0) * 1000) / puts)),
    };
  }

  async stop(): Promise<void> {
    for (const stream of this.streams) stream.destroy();
    this.client.close();
    await this.cluster.stop();
  }
}

function parseVariant(text: string): Variant {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new Error(`--variant ${text}: expected NAME=BIN[@NODE_FLAGS]`);
  const [bin, flags] = text.slice(eq + 1).split("@", 2) as [string, string | undefined];
  return { name: text.slice(0, eq), kind: "kube-lite", bin: path.resolve(bin), nodeArgs: (flags ?? "").split(" ").filter((f) => f !== "") };
}

function markdown(results: readonly VariantResult[], facts: Record<string, string>): string {
  const lines = [`# Store variants: write-to-watch latency, interleaved (${facts.date})`, ""];
  for (const [k, v] of Object.entries(facts)) if (k !== "date") lines.push(`- ${k}: ${v}`);
  lines.push("", "| variant | leader | watch p50 ms | p90 | p99 | p99.9 | max | put p50 ms | put p99 | members' CPU µs/put | command |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
  for (const r of results) {
    lines.push(`| ${r.name} | ${r.leader} | ${r.watch.p50Ms} | ${r.watch.p90Ms} | ${r.watch.p99Ms} | ${r.watch.p999Ms} | ${r.watch.maxMs} | ${r.put.p50Ms} | ${r.put.p99Ms} | ${r.memberCpuUsPerPut.join(" / ")} | \`${r.command}\` |`);
  }
  lines.push("", "Watch latency pools every watcher's event of every measured put (put send → watcher read). Leader: the member index that led at the start.", "");
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      variant: { type: "string", multiple: true, default: [] },
      etcd: { type: "boolean", default: false },
      puts: { type: "string", default: "4000" },
      warmup: { type: "string", default: "1500" },
      slice: { type: "string", default: "50" },
      watch: { type: "string", default: "all" },
      "data-dir": { type: "string", default: os.tmpdir() },
      out: { type: "string", default: path.resolve(import.meta.dirname, "results") },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const variants = values.variant.map(parseVariant);
  if (values.etcd) variants.push({ name: "etcd", kind: "etcd", bin: "etcd", nodeArgs: [] });
  if (variants.length === 0) throw new Error(`no --variant given\n\n${usage}`);
  const puts = Number(values.puts);
  const warmup = Number(values.warmup);
  const slice = Number(values.slice);
  const watched = values.watch === "all" ? [0, 1, 2] : [Number(values.watch)];
  if (![puts, warmup, slice].every((n) => Number.isInteger(n) && n >= 0) || slice === 0 || !watched.every((m) => m >= 0 && m <= 2)) throw new Error(`bad --puts, --warmup, --slice or --watch\n\n${usage}`);
  installExitHandlers();
  const runs: VariantRun[] = [];
  try {
    for (const variant of variants) {
      const run = await VariantRun.start(variant, watched, values["data-dir"]);
      runs.push(run);
      console.log(`[${variant.name}] up, leader member ${run.leader}; ${warmup} warm-up puts`);
      await run.puts(warmup, false);
    }
    for (let done = 0, turn = 0; done < puts; done += slice, turn += 1) {
      const order = turn % 2 === 0 ? runs : [...runs].reverse();
      for (const run of order) await run.puts(Math.min(slice, puts - done), true);
    }
    const results = runs.map((run) => run.result(puts));
    const date = new Date().toISOString();
    const facts = {
      date,
      command: `npm run bench:store-variants -- ${process.argv.slice(2).join(" ")}`,
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "?"}, Node ${process.version}, load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(" / ")}`,
      workload: `${warmup} warm-up + ${puts} measured puts per variant, one at a time, members in turn, slices of ${slice} alternating; 256-byte values; watchers on member(s) ${watched.join(", ")}; data under ${values["data-dir"]}`,
    };
    const md = markdown(results, facts);
    console.log(md);
    fs.mkdirSync(values.out, { recursive: true });
    const stem = path.join(values.out, `store-variants-${date.slice(0, 19).replaceAll(":", "-")}`);
    fs.writeFileSync(`${stem}.md`, md);
    fs.writeFileSync(`${stem}.json`, `${JSON.stringify({ ...facts, results }, null, 2)}\n`);
    console.log(`results: ${stem}.md`);
  } finally {
    await Promise.all(runs.map((run) => run.stop()));
  }
}

await main();
