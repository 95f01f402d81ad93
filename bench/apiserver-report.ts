// The apiserver bench's results as JSON-ready data and as a markdown page, with the Kubernetes
// API call latency SLOs (sig-scalability/slos/api_call_latency.md) as the yardstick.
import type { CreateResult, ReadResult, WatchFanOutResult } from "./apiserver-workloads.js";
import type { ProfileSummary } from "./support/cpu-profile.js";
import type { MachineFacts } from "./support/report.js";

/** The store bench's machine facts less its store-only ones, plus `uptime` and the bin the bench ran. */
export interface ApiBenchMachine extends Omit<MachineFacts, "etcd" | "fdatasyncMeanMs" | "dataDir" | "storeBin"> {
  /** `uptime` as printed at the start. */
  readonly uptimeAtStart: string;
  readonly bin: string;
}

export interface StoredPodsResult {
  /** Pods in the listed namespace when the reads ran. */
  readonly podsInNamespace: number;
  readonly podsInCluster: number;
  /** The creates that brought the namespace to this size (N clients). */
  readonly fill: CreateResult | undefined;
  readonly reads: ReadResult[];
}

export interface ProfileByPhase {
  readonly phase: string;
  readonly summary: ProfileSummary;
}

export interface ApiBenchResults {
  readonly machine: ApiBenchMachine;
  readonly settings: Record<string, unknown>;
  readonly apiserverCommand: string;
  readonly storeCommand: string;
  readonly sequentialCreates: CreateResult | undefined;
  readonly stored: StoredPodsResult[];
  readonly watch: WatchFanOutResult[];
  readonly profiles?: ProfileByPhase[];
  readonly uptimeAtEnd?: string;
}

/** Kubernetes' API call latency SLOs, p99 over a day, in ms (api_call_latency.md). */
export const sloMs = {
  /** Mutating calls on a single object (POST, PUT, PATCH, DELETE). */
  mutating: 1000,
  /** Read-only calls on a single object (GET). */
  resource: 1000,
  /** LIST within a namespace. */
  namespace: 5000,
  /** LIST across the cluster. */
  cluster: 30_000,
} as const;

export type SloScope = keyof typeof sloMs;

/** The SLO a read falls under, from its path. */
export function scopeOfRead(path: string): SloScope {
  if (!path.includes("limit=")) return "resource";
  return path.startsWith("/api/v1/namespaces/") ? "namespace" : "cluster";
}

/** "met (12.3× headroom)" / "**not met** (1.4× over)". */
export function sloVerdict(p99Ms: number, scope: SloScope): string {
  const limit = sloMs[scope];
  if (Number.isNaN(p99Ms)) return "–";
  const headroom = limit / Math.max(p99Ms, 0.001);
  if (p99Ms <= limit) return `met (${headroom.toFixed(headroom < 10 ? 1 : 0)}× headroom)`;
  return `**not met** (${(p99Ms / limit).toFixed(1)}× over)`;
}

const fmt = (v: number | undefined, digits = 1): string => (v === undefined || Number.isNaN(v) ? "–" : v.toFixed(digits));

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

const cpuCell = (c: { apiserverPercent: number; storePercent: number; benchPercent: number; watchWorkersPercent: number; otherPercent: number }): string =>
  `${fmt(c.apiserverPercent, 0)} / ${fmt(c.storePercent, 0)} / ${fmt(c.benchPercent + c.watchWorkersPercent, 0)} / ${fmt(c.otherPercent, 0)}`;

function createRows(results: ApiBenchResults): string[][] {
  const rows: string[][] = [];
  const add = (label: string, r: CreateResult) =>
    rows.push([label, String(r.clients), String(r.creates), fmt(r.createsPerSecond, 0), fmt(r.latency.p50Ms, 2), fmt(r.latency.p99Ms, 2), fmt(r.latency.maxMs, 1), String(r.errors), fmt(r.apiserverCpuUsPerCreate, 0), fmt(r.storeCpuUsPerCreate, 0), cpuCell(r.cpu), sloVerdict(r.latency.p99Ms, "mutating")]);
  if (results.sequentialCreates !== undefined) add("sequential", results.sequentialCreates);
  for (const s of results.stored) if (s.fill !== undefined) add(`fill to ${s.podsInNamespace}`, s.fill);
  return rows;
}

function readRows(results: ApiBenchResults): string[][] {
  const rows: string[][] = [];
  for (const s of results.stored) {
    for (const r of s.reads) {
      const scope = scopeOfRead(r.path);
      rows.push([
        String(s.podsInNamespace),
        r.what,
        r.pagesPerList === undefined ? "1" : `${r.pagesPerList} × ≤500`,
        r.itemsPerList === undefined ? "1" : String(r.itemsPerList),
        String(r.samples),
        fmt(r.latency.p50Ms, 2),
        fmt(r.latency.p99Ms, 2),
        r.pageLatency === undefined ? "–" : `${fmt(r.pageLatency.p50Ms, 1)} / ${fmt(r.pageLatency.p99Ms, 1)}`,
        fmt(r.responseBytes / 1024, 0),
        fmt(r.apiserverCpuMsPerRequest, 2),
        cpuCell(r.cpu),
        `${scope} ≤ ${sloMs[scope] / 1000} s: ${sloVerdict(r.latency.p99Ms, scope)}`,
      ]);
    }
  }
  return rows;
}

function watchRows(results: ApiBenchResults): { paced: string[][]; loaded: string[][] } {
  const paced = results.watch.map((w) => [
    String(w.watchers),
    String(w.workers),
    String(w.paced.writes),
    String(w.paced.undelivered),
    fmt(w.paced.eventLatency.p50Ms, 2),
    fmt(w.paced.eventLatency.p99Ms, 2),
    fmt(w.paced.eventLatency.maxMs, 1),
    fmt(w.paced.createLatency.p50Ms, 2),
    fmt(w.paced.eventsPerSecond, 0),
    fmt(w.paced.apiserverCpuUsPerEvent, 1),
    cpuCell(w.paced.cpu),
  ]);
  const loaded = results.watch.map((w) => [
    String(w.watchers),
    String(w.loaded.writers),
    fmt(w.loaded.createsPerSecond, 0),
    fmt(w.loaded.eventsPerSecond, 0),
    fmt(w.loaded.deliveredShare, 3),
    fmt(w.loaded.eventLatency.p50Ms, 1),
    fmt(w.loaded.eventLatency.p99Ms, 1),
    fmt(w.loaded.createLatency.p99Ms, 1),
    fmt(w.loaded.drainMs, 0),
    fmt(w.loaded.apiserverCpuUsPerEvent, 1),
    fmt(w.loaded.clientCpuUsPerEvent, 1),
    cpuCell(w.loaded.cpu),
    `${w.closedStreams}${w.firstProblem === undefined ? "" : ` (${w.firstProblem.slice(0, 60)})`}`,
  ]);
  return { paced, loaded };
}

/** One line per SLO: where kube-lite stands. */
export function sloSummary(results: ApiBenchResults): string[] {
  const lines: string[] = [];
  const creates = [results.sequentialCreates, ...results.stored.map((s) => s.fill)].filter((c): c is CreateResult => c !== undefined);
  if (creates.length > 0) {
    const worst = Math.max(...creates.map((c) => c.latency.p99Ms));
    lines.push(`- Single-object mutating calls (pod POST), SLO p99 ≤ 1 s: worst p99 here ${fmt(worst, 1)} ms — ${sloVerdict(worst, "mutating")}.`);
  }
  for (const scope of ["resource", "namespace", "cluster"] as const) {
    const reads = results.stored.flatMap((s) => s.reads.filter((r) => scopeOfRead(r.path) === scope).map((r) => ({ r, pods: s.podsInNamespace })));
    if (reads.length === 0) continue;
    const worst = reads.reduce((a, b) => (b.r.latency.p99Ms > a.r.latency.p99Ms ? b : a));
    const name = scope === "resource" ? "GET of one object" : scope === "namespace" ? "LIST in a namespace" : "LIST across the cluster";
    lines.push(`- ${name}, SLO p99 ≤ ${sloMs[scope] / 1000} s: worst p99 here ${fmt(worst.r.latency.p99Ms, 1)} ms (${worst.r.what}, ${worst.pods} pods in the namespace) — ${sloVerdict(worst.r.latency.p99Ms, scope)}.`);
  }
  return lines;
}

function profileSection(results: ApiBenchResults): string[] {
  if (results.profiles === undefined || results.profiles.length === 0) return [];
  const out = [
    "## Where the apiserver's time goes (node --cpu-prof, cut to each phase's window)",
    "",
    "V8 samples the main thread's wall time: on an overloaded machine, time the apiserver spent runnable but waiting for a core is charged to the frame it was in. Read the shares; the CPU time itself is in the tables above (from /proc).",
    "",
  ];
  for (const p of results.profiles) {
    const s = p.summary;
    out.push(`### ${p.phase}`, "", `${s.samples} samples over ${s.totalMs} ms; busy ${s.busyMs} ms (${Math.round((s.busyMs / Math.max(1, s.totalMs)) * 100)}%).`, "");
    const busy = (ms: number) => fmt((ms / Math.max(1, s.busyMs)) * 100, 1);
    out.push(table(["category (self time)", "ms", "% of busy"], s.categories.filter((c) => !c.name.startsWith("idle")).slice(0, 10).map((c) => [c.name, fmt(c.ms, 0), busy(c.ms)])), "");
    out.push(table(["function (self time)", "ms", "% of busy"], s.topSelf.filter((c) => !c.name.startsWith("(idle)")).slice(0, 12).map((c) => [c.name.replaceAll("|", "\\|"), fmt(c.ms, 0), busy(c.ms)])), "");
    out.push(table(["function (inclusive)", "ms", "% of busy"], s.topInclusive.slice(0, 12).map((c) => [c.name.replaceAll("|", "\\|"), fmt(c.ms, 0), busy(c.ms)])), "");
  }
  return out;
}

export function apiBenchMarkdown(results: ApiBenchResults): string {
  const m = results.machine;
  const watch = watchRows(results);
  return [
    `# API server benchmark: kube-lite (${m.date})`,
    "",
    `Command: \`${m.command}\``,
    "",
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}. kube-lite commit ${m.kubeLiteCommit} (${m.kubeLiteWorkingTree}), bin \`${m.bin}\`.`,
    "",
    `Load at start (\`uptime\`): \`${m.uptimeAtStart}\`${results.uptimeAtEnd === undefined ? "" : `; at the end: \`${results.uptimeAtEnd}\``}.`,
    "",
    `Settings: ${Object.entries(results.settings)
      .map(([k, v]) => `${k} ${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join("; ")}.`,
    "",
    "Everything — 3 store members, the apiserver, the bench and its watcher workers — shares the machine's cores. CPU columns are shares of one core (100 = one core busy): apiserver / store members together / bench client incl. watcher workers / other processes on the machine.",
    "",
    "## Against the Kubernetes SLOs",
    "",
    ...sloSummary(results),
    "",
    "## Pod creates",
    "",
    table(["phase", "clients", "creates", "creates/s", "p50 ms", "p99 ms", "max ms", "errors", "apiserver CPU µs/create", "store CPU µs/create", "CPU % api / store / bench / other", "SLO mutating p99 ≤ 1 s"], createRows(results)),
    "",
    "## GET and LIST (kubectl's limit=500 pages, followed to the end; one request at a time)",
    "",
    table(["pods in namespace", "request", "pages", "items", "samples", "p50 ms", "p99 ms", "page p50 / p99 ms", "KiB per list", "apiserver CPU ms/request", "CPU % api / store / bench / other", "SLO"], readRows(results)),
    "",
    "## Watch fan-out: write-to-event latency (one create at a time, next one when every watcher has the event)",
    "",
    table(["watchers", "worker processes", "writes", "undelivered", "event p50 ms", "event p99 ms", "event max ms", "create p50 ms", "events/s", "apiserver CPU µs/event", "CPU % api / store / bench / other"], watch.paced),
    "",
    "## Watch fan-out: events delivered per second (concurrent creates for a fixed time)",
    "",
    table(["watchers", "writers", "creates/s", "events/s", "delivered share", "event p50 ms", "event p99 ms", "create p99 ms", "drain ms", "apiserver CPU µs/event", "client CPU µs/event", "CPU % api / store / bench / other", "streams closed"], watch.loaded),
    "",
    ...profileSection(results),
    "## Command lines",
    "",
    `- apiserver: \`${results.apiserverCommand}\``,
    `- store member: \`${results.storeCommand}\``,
    "",
  ].join("\n");
}
