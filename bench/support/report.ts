// The results of one bench run as JSON-ready data and as a markdown report.
import type { LoadResult } from "./load.js";
import type { SyscallRow } from "./syscalls.js";
import type { WatchRun } from "./watch-report.js";
import type { LeaseGrantResult } from "./watch-workloads.js";
import type { KillRound, SequentialResult } from "./workloads.js";

export interface MachineFacts {
  readonly date: string;
  readonly command: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly etcd: string;
  readonly loadAverageAtStart: readonly number[];
  readonly fdatasyncMeanMs: number;
  readonly dataDir: string;
  readonly kubeLiteCommit: string;
  readonly kubeLiteWorkingTree: string;
  readonly storeBin: string;
}

export interface SystemResult {
  readonly system: string;
  readonly memberCommand: string;
  readonly sequential?: SequentialResult;
  readonly put64?: LoadResult;
  readonly put256?: LoadResult;
  readonly rangeLinearizable?: LoadResult;
  readonly rangeSerializable?: LoadResult;
  readonly leaderKill?: { readonly rounds: KillRound[]; readonly medianMs: number };
  readonly clients?: ClientComparison[];
  readonly syscalls256?: SyscallSummary;
  /** --suite watch: one entry per watcher count. */
  readonly watch?: WatchRun[];
  readonly leases?: LeaseGrantResult;
}

export interface SyscallSummary {
  readonly leader: string;
  readonly opsPerSecond: number;
  readonly durationMs: number;
  readonly byMember: Record<string, SyscallRow[]>;
}

export interface ClientComparison {
  readonly client: string;
  readonly sequentialP50Ms: number;
  readonly sequentialP99Ms: number;
  readonly put64OpsPerSecond: number;
  readonly put64ClientCpuUsPerOp: number;
  readonly put64ClientCpuPercent: number;
}

export interface BenchResults {
  readonly machine: MachineFacts;
  readonly settings: Record<string, unknown>;
  readonly systems: SystemResult[];
  readonly loadAverageAtEnd?: readonly number[];
}

const fmt = (v: number | undefined, digits = 2): string => (v === undefined || Number.isNaN(v) ? "–" : v.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) || b === 0 ? "–" : `${(a / b).toFixed(2)}×`);

interface Line {
  readonly metric: string;
  readonly pick: (s: SystemResult) => number | undefined;
  readonly digits: number;
  readonly goal?: (kubeLite: number, etcd: number | undefined) => string;
}

const verdict = (ok: boolean) => (ok ? "met" : "**not met**");

const lines: Line[] = [
  { metric: "sequential put p50 (ms)", pick: (s) => s.sequential?.all.p50Ms, digits: 2, goal: (k, e) => (e === undefined ? "≤ 1.2× etcd" : `≤ 1.2× etcd: ${verdict(k / e <= 1.2)}`) },
  { metric: "sequential put p99 (ms)", pick: (s) => s.sequential?.all.p99Ms, digits: 2 },
  { metric: "sequential put p50 via leader / via followers (ms)", pick: () => undefined, digits: 2 },
  { metric: "put throughput, 64 in flight (puts/s)", pick: (s) => s.put64?.opsPerSecond, digits: 0 },
  { metric: "  latency p50 / p99 (ms)", pick: () => undefined, digits: 1 },
  { metric: "put throughput, 256 in flight (puts/s)", pick: (s) => s.put256?.opsPerSecond, digits: 0, goal: (k, e) => (e === undefined ? "≥ 1.0× etcd" : `≥ 1.0× etcd: ${verdict(k / e >= 1.0)}`) },
  { metric: "  latency p50 / p99 (ms) ", pick: () => undefined, digits: 1 },
  { metric: "  members' CPU per put (µs)", pick: (s) => s.put256?.serverCpuUsPerOp, digits: 0 },
  { metric: "linearizable range, 64 in flight (reads/s)", pick: (s) => s.rangeLinearizable?.opsPerSecond, digits: 0 },
  { metric: "serializable range, 64 in flight (reads/s)", pick: (s) => s.rangeSerializable?.opsPerSecond, digits: 0 },
  { metric: "writes unavailable after leader kill -9, median (ms)", pick: (s) => s.leaderKill?.medianMs, digits: 0, goal: () => "" },
];

function pairCell(s: SystemResult | undefined, metric: string): string | undefined {
  if (s === undefined) return undefined;
  if (metric.startsWith("sequential put p50 via")) return s.sequential === undefined ? "–" : `${fmt(s.sequential.viaLeader.p50Ms)} / ${fmt(s.sequential.viaFollowers.p50Ms)}`;
  if (metric === "  latency p50 / p99 (ms)") return s.put64 === undefined ? "–" : `${fmt(s.put64.latency.p50Ms, 1)} / ${fmt(s.put64.latency.p99Ms, 1)}`;
  if (metric === "  latency p50 / p99 (ms) ") return s.put256 === undefined ? "–" : `${fmt(s.put256.latency.p50Ms, 1)} / ${fmt(s.put256.latency.p99Ms, 1)}`;
  return undefined;
}

export function resultsTable(results: BenchResults): string {
  const kubeLite = results.systems.find((s) => s.system === "kube-lite");
  const etcd = results.systems.find((s) => s.system === "etcd");
  const head = etcd === undefined ? ["metric", "kube-lite", "goal"] : ["metric", "kube-lite", `etcd ${results.machine.etcd}`, "kube-lite / etcd", "goal"];
  const rows: string[][] = [];
  for (const line of lines) {
    const pair = pairCell(kubeLite, line.metric);
    if (pair !== undefined) {
      rows.push(etcd === undefined ? [line.metric, pair, ""] : [line.metric, pair, pairCell(etcd, line.metric) ?? "–", "", ""]);
      continue;
    }
    const k = kubeLite === undefined ? undefined : line.pick(kubeLite);
    const e = etcd === undefined ? undefined : line.pick(etcd);
    let goal = line.goal === undefined || k === undefined || Number.isNaN(k) ? "" : line.goal(k, e);
    if (line.metric.startsWith("writes unavailable") && kubeLite?.leaderKill !== undefined) {
      goal = `≤ 1000 ms each: ${verdict(kubeLite.leaderKill.rounds.every((r) => r.unavailableMs <= 1000))}`;
    }
    rows.push(etcd === undefined ? [line.metric, fmt(k, line.digits), goal] : [line.metric, fmt(k, line.digits), fmt(e, line.digits), ratio(k, e), goal]);
  }
  const killRounds = (s: SystemResult | undefined) => (s?.leaderKill === undefined ? "–" : s.leaderKill.rounds.map((r) => fmt(r.unavailableMs, 0)).join(", "));
  rows.push(etcd === undefined ? ["  each round (ms)", killRounds(kubeLite), ""] : ["  each round (ms)", killRounds(kubeLite), killRounds(etcd), "", ""]);
  return [`| ${head.join(" | ")} |`, `| ${head.map((h, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function detailTable(results: BenchResults): string {
  const head = "| system | phase | ops/s | p50 ms | p90 ms | p99 ms | max ms | errors | members' CPU µs/op | members' CPU % (each) | client CPU % | other processes' CPU % |";
  const rows = [head, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"];
  for (const s of results.systems) {
    const phases: [string, LoadResult | undefined][] = [
      ["put, 64 in flight", s.put64],
      ["put, 256 in flight", s.put256],
      ["linearizable range, 64", s.rangeLinearizable],
      ["serializable range, 64", s.rangeSerializable],
    ];
    for (const [name, r] of phases) {
      if (r === undefined) continue;
      const members = Object.entries(r.serverCpuPercentByMember)
        .map(([m, p]) => `${m} ${p.toFixed(0)}`)
        .join(", ");
      rows.push(
        `| ${s.system} | ${name} | ${fmt(r.opsPerSecond, 0)} | ${fmt(r.latency.p50Ms)} | ${fmt(r.latency.p90Ms)} | ${fmt(r.latency.p99Ms)} | ${fmt(r.latency.maxMs)} | ${r.errors}${r.firstError === undefined ? "" : ` (${r.firstError.slice(0, 60)})`} | ${fmt(r.serverCpuUsPerOp, 0)} | ${members} | ${fmt(r.clientCpuPercent, 0)} | ${fmt(r.otherCpuPercent, 0)} |`,
      );
    }
  }
  return rows.join("\n");
}

function sequentialTable(results: BenchResults): string {
  const rows = [
    "| system | puts | p50 ms | p90 ms | p99 ms | max ms | via leader p50 | via followers p50 | members' CPU µs/put | errors | read-back |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const s of results.systems) {
    const q = s.sequential;
    if (q === undefined) continue;
    rows.push(`| ${s.system} | ${q.puts} | ${fmt(q.all.p50Ms)} | ${fmt(q.all.p90Ms)} | ${fmt(q.all.p99Ms)} | ${fmt(q.all.maxMs)} | ${fmt(q.viaLeader.p50Ms)} | ${fmt(q.viaFollowers.p50Ms)} | ${fmt(q.membersCpuUsPerPut, 0)} | ${q.errors} | ${q.readBackOk ? "ok" : "**wrong**"} |`);
  }
  return rows.join("\n");
}

function killTable(results: BenchResults): string {
  const rows = ["| system | round | killed leader | new leader | unavailable ms | failed attempts | puts/s before |", "| --- | ---: | --- | --- | ---: | ---: | ---: |"];
  for (const s of results.systems) {
    s.leaderKill?.rounds.forEach((r, i) => rows.push(`| ${s.system} | ${i + 1} | ${r.killed} | ${r.newLeader} | ${fmt(r.unavailableMs, 0)} | ${r.failedAttempts} | ${fmt(r.successesPerSecondBefore, 0)} |`));
  }
  return rows.join("\n");
}

function clientTable(results: BenchResults): string | undefined {
  const rows = ["| system | client | sequential p50 ms | sequential p99 ms | put 64 in flight, puts/s | client CPU µs/put | client CPU % |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"];
  let any = false;
  for (const s of results.systems) {
    for (const c of s.clients ?? []) {
      any = true;
      rows.push(`| ${s.system} | ${c.client} | ${fmt(c.sequentialP50Ms)} | ${fmt(c.sequentialP99Ms)} | ${fmt(c.put64OpsPerSecond, 0)} | ${fmt(c.put64ClientCpuUsPerOp, 0)} | ${fmt(c.put64ClientCpuPercent, 0)} |`);
    }
  }
  return any ? rows.join("\n") : undefined;
}

const waits = new Set(["epoll_wait", "epoll_pwait", "futex", "nanosleep", "clock_nanosleep", "pselect6", "select", "poll", "ppoll"]);

export function syscallTable(results: BenchResults): string | undefined {
  const rows = [
    "| system | member | fsync+fdatasync per 1000 puts | ms blocked in them per second | write calls (write, pwrite64, writev) per put | busiest other calls (ms per second) |",
    "| --- | --- | ---: | ---: | ---: | --- |",
  ];
  let any = false;
  for (const s of results.systems) {
    const trace = s.syscalls256;
    if (trace === undefined) continue;
    any = true;
    const seconds = trace.durationMs / 1000;
    const puts = trace.opsPerSecond * seconds;
    for (const [member, list] of Object.entries(trace.byMember).sort()) {
      const pick = (names: string[]) => list.filter((r) => names.includes(r.syscall)).reduce((a, r) => ({ calls: a.calls + r.calls, ms: a.ms + r.totalMs }), { calls: 0, ms: 0 });
      const syncs = pick(["fsync", "fdatasync"]);
      const writes = pick(["write", "pwrite64", "writev"]);
      const others = list
        .filter((r) => !waits.has(r.syscall) && !["fsync", "fdatasync"].includes(r.syscall))
        .slice(0, 4)
        .map((r) => `${r.syscall} ${(r.totalMs / seconds).toFixed(0)}`)
        .join(", ");
      rows.push(`| ${s.system} | ${member}${member === trace.leader ? " (leader)" : ""} | ${fmt((syncs.calls / puts) * 1000, 0)} | ${fmt(syncs.ms / seconds, 0)} | ${fmt(writes.calls / puts, 2)} | ${others} |`);
    }
  }
  return any ? rows.join("\n") : undefined;
}

/** Title, command, machine and settings: the head of every results page. */
export function resultsHeader(results: BenchResults, title: string): string[] {
  const m = results.machine;
  const end = results.loadAverageAtEnd === undefined ? "" : `, at the end ${results.loadAverageAtEnd.join(" / ")}`;
  return [
    `# ${title}${results.systems.some((s) => s.system === "etcd") ? " vs etcd" : ""} (${m.date})`,
    "",
    `Command: \`${m.command}\``,
    "",
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; etcd ${m.etcd}; fdatasync of 4 KiB in the data dir ${m.fdatasyncMeanMs} ms (mean); load average (1 / 5 / 15 min) at start ${m.loadAverageAtStart.join(" / ")}${end}.`,
    `kube-lite: commit ${m.kubeLiteCommit} (${m.kubeLiteWorkingTree}), member binary \`${m.storeBin}\`.`,
    "",
    `Settings: ${Object.entries(results.settings)
      .map(([k, v]) => `${k} ${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join("; ")}.`,
    "",
  ];
}

export function resultsMarkdown(results: BenchResults): string {
  const m = results.machine;
  const clients = clientTable(results);
  const syscalls = syscallTable(results);
  return [
    ...resultsHeader(results, "Store benchmark: kube-lite"),
    resultsTable(results),
    "",
    "Ratios are kube-lite / etcd: above 1 is better for throughput, below 1 is better for latency and unavailability.",
    `Both clusters, the bench client and anything else on the machine share its ${m.cpus} CPUs, so the load phases are CPU-bound: members' CPU per operation decides throughput (the last column of the load table shows how much CPU other processes took meanwhile).`,
    "",
    "## Sequential puts (one request at a time, members in turn)",
    "",
    sequentialTable(results),
    "",
    "## Load phases",
    "",
    detailTable(results),
    "",
    "## Leader kill -9",
    "",
    killTable(results),
    "",
    ...(syscalls === undefined ? [] : ["## System calls during puts with 256 in flight (perf trace -s)", "", syscalls, ""]),
    ...(clients === undefined ? [] : ["## Bench client overhead (lean node:http client vs store/client's StoreClient, one per member)", "", clients, ""]),
    ...memberCommandLines(results),
  ].join("\n");
}

export function memberCommandLines(results: BenchResults): string[] {
  return ["## Member command lines", "", ...results.systems.map((s) => `- ${s.system}: \`${s.memberCommand}\``), ""];
}
