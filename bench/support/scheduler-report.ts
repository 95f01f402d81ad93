// The scheduler bench's results as JSON-ready data and as a markdown page.
import type { ApiBenchMachine } from "../apiserver-report.js";
import type { LatencySummary } from "./load.js";
import type { CpuUse } from "./scheduler-cpu.js";
import type { DecisionResult } from "./scheduler-decisions.js";
import type { BurstResult, IdleCost, SteadyResult } from "./scheduler-workloads.js";

/** The same facts as the apiserver bench's page gives. */
export type SchedulerBenchMachine = ApiBenchMachine;

export interface NodeCountResult {
  readonly nodes: number;
  readonly idle?: IdleCost;
  /** (RSS with `nodes` idle nodes − RSS with the baseline's) / (nodes − baseline nodes). */
  readonly residentKiBPerNode?: number;
  readonly burst?: BurstResult;
  readonly steady?: SteadyResult;
  readonly uptimeAfter: string;
}

export interface SchedulerBenchResults {
  readonly machine: SchedulerBenchMachine;
  readonly settings: Record<string, unknown>;
  readonly commands: Record<string, string>;
  readonly decisions: DecisionResult[];
  readonly baseline?: IdleCost;
  readonly clusters: NodeCountResult[];
  readonly uptimeAtEnd: string;
}

const fmt = (v: number | undefined, digits = 0): string => (v === undefined || Number.isNaN(v) ? "–" : v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const table = (head: string[], rows: string[][]): string[] => [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
const latency = (l: LatencySummary) => `${fmt(l.p50Ms, 1)} / ${fmt(l.p99Ms, 1)} / ${fmt(l.maxMs, 1)}`;

function cpuCells(use: CpuUse, names: readonly string[]): string[] {
  return names.map((n) => `${fmt(use.percentByProcess[n])}% · ${fmt(use.microsecondsPerUnit[n])}`);
}

const processNames = ["scheduler", "apiserver", "store (3 members)", "kubelet-sim", "bench"] as const;

/** One row per node count that ran the phase: CPU by process, and what other processes took. */
function cpuTable(results: SchedulerBenchResults, phase: (c: NodeCountResult) => { cpu: CpuUse; otherPercentBefore: number } | undefined): string[] {
  const rows = results.clusters.flatMap((c) => {
    const measured = phase(c);
    return measured === undefined ? [] : [[String(c.nodes), ...cpuCells(measured.cpu, processNames), `${fmt(measured.cpu.otherPercent)}% (${fmt(measured.otherPercentBefore)}% before)`]];
  });
  return table(["nodes", ...processNames, "other processes"], rows);
}

/** The few lines a person wants first (also printed at the end of a run). */
export function headline(results: SchedulerBenchResults): string[] {
  const lines: string[] = [];
  for (const d of results.decisions) lines.push(`decisions, ${d.nodes} nodes, owner ${d.owner}: ${fmt(d.decisionsPerSecond)}/s wall clock (${fmt(d.microsecondsPerDecision, 1)} µs each), ${fmt(d.decisionsPerCpuSecond)} per CPU second`);
  for (const c of results.clusters) {
    if (c.burst !== undefined) lines.push(`${c.nodes} nodes: ${c.burst.pods} pending pods bound at ${fmt(c.burst.podsPerSecondFromSync)}/s from the scheduler's sync (${fmt(c.burst.podsPerSecondFromSpawn)}/s from its start), all Running ${fmt(c.burst.fromSpawnToAllRunningMs)} ms after its start`);
    if (c.steady !== undefined) lines.push(`${c.nodes} nodes: ${c.steady.pods} pods at ${c.steady.ratePerSecond}/s, creation → Running p50 ${fmt(c.steady.createToRunning.p50Ms, 1)} ms, p99 ${fmt(c.steady.createToRunning.p99Ms, 1)} ms`);
    if (c.idle !== undefined) lines.push(`${c.nodes} idle nodes: ${fmt(c.residentKiBPerNode, 1)} KiB RSS per node, kubelet-sim CPU ${fmt(c.idle.cpu.percentByProcess["kubelet-sim"], 1)}%, ${fmt(c.idle.requestsPerSecond, 1)} apiserver requests/s`);
  }
  for (const { from, to, kiBPerNode } of residentSlopes(results)) lines.push(`RSS growth from ${from.nodes} to ${to.nodes} idle nodes: ${fmt(kiBPerNode, 1)} KiB per node`);
  return lines;
}

function decisionsSection(results: SchedulerBenchResults): string[] {
  if (results.decisions.length === 0) return [];
  return [
    "## Decisions per second, in process (the pure core)",
    "",
    "`schedule(prepare(pod), cache)` then `cache.assume(pod, node)` for each pod in turn, as the scheduler's loop runs them, on a fresh `SchedulerCache` of `makeNode` nodes (4 CPU, 8Gi, 110 pods); pods request 100m / 64Mi. No informer, queue, HTTP or binding. Median of the measured rounds, after one warm-up round. Wall-clock rates fall when other processes take the cores; decisions per CPU second (this process's CPU time, from process.cpuUsage, 10 ms-ish granularity) is what one core of its own would do.",
    "",
    ...table(
      ["nodes", "pods", "owner", "decisions/s", "µs per decision", "decisions per CPU second", "range over rounds (wall)", "nodes filtered per decision"],
      results.decisions.map((d) => [String(d.nodes), String(d.pods), d.owner, fmt(d.decisionsPerSecond), fmt(d.microsecondsPerDecision, 1), fmt(d.decisionsPerCpuSecond), `${fmt(d.decisionsPerSecondRange[0])}–${fmt(d.decisionsPerSecondRange[1])}`, fmt(d.evaluatedNodesMean, 1)]),
    ),
    "",
  ];
}

function burstSection(results: SchedulerBenchResults): string[] {
  const rows = results.clusters.flatMap((c) => {
    const b = c.burst;
    if (b === undefined) return [];
    const status = b.schedulerStatus;
    return [
      [
        String(c.nodes),
        String(b.pods),
        `${fmt(b.creates.createsPerSecond)}/s`,
        fmt(b.syncMs),
        fmt(b.fromSyncToAllBoundMs),
        `**${fmt(b.podsPerSecondFromSync)}**`,
        fmt(b.podsPerSecondFromSpawn),
        fmt(b.podsPerSecondFirstToLast),
        fmt(b.fromSpawnToAllRunningMs),
        `${b.nodesUsed} / ${b.podsPerNodeMax}`,
        `${String(status.scheduled)} / ${String(status.bindFailures)} / ${String(status.unschedulable)}`,
        `${fmt(b.storeWritesPerPodUntilBound, 1)} / ${fmt(b.storeWritesPerPodUntilRunning, 1)}`,
      ],
    ];
  });
  if (rows.length === 0) return [];
  return [
    "## End to end: 1,000 pending pods, then the scheduler starts",
    "",
    "The kubelets run; the pods are created (`--clients` in flight) while no scheduler runs; then `kube-lite scheduler --leader-elect=false` is started and a watch on the namespace counts pods with `spec.nodeName` set. Sync = its `/readyz` first answering 200 (node and pod informers listed; polled every 5 ms). The headline rate is pods / (last pod seen bound − sync).",
    "",
    ...table(["nodes", "pods", "creates", "spawn → sync ms", "sync → all bound ms", "pods/s from sync", "pods/s from spawn", "pods/s first → last bound", "spawn → all Running ms", "nodes used / most pods on one", "scheduled / bind failures / unschedulable", "store writes per pod: until bound / until Running"], rows),
    "",
    "CPU from the scheduler's spawn to the last pod bound: share of one core · µs per pod (the kubelet-sim is meanwhile starting the bound pods). Other processes: the rest of the machine's busy CPU in the window, and in the second before it (the quiet gate's last sample). Store writes = store revisions (the resourceVersion of a LIST) per pod: bindings, events, kubelet status updates, leases.",
    "",
    ...cpuTable(results, (c) => c.burst),
    "",
  ];
}

function steadySection(results: SchedulerBenchResults): string[] {
  const rows = results.clusters.flatMap((c) => {
    const s = c.steady;
    if (s === undefined) return [];
    return [[String(c.nodes), String(s.pods), `${s.ratePerSecond} (${fmt(s.sentPerSecond, 1)})`, latency(s.createLatency), latency(s.createToBound), `**${latency(s.createToRunning)}**`, fmt(s.storeWritesPerPod, 1), String(s.createErrors)]];
  });
  if (rows.length === 0) return [];
  return [
    "## Creation → Running at a steady rate",
    "",
    "Scheduler and kubelets running (`--pod-start-delay 0s`); pods sent open-loop at a fixed rate; latency from the bench's send of the create to the watch event showing the pod bound, and showing it Running (p50 / p99 / max, ms).",
    "",
    ...table(["nodes", "pods", "rate/s (achieved)", "create answer", "creation → bound", "creation → Running", "store writes per pod", "create errors"], rows),
    "",
    "CPU from the first send to the last pod Running: share of one core · µs per pod.",
    "",
    ...cpuTable(results, (c) => c.steady),
    "",
  ];
}

interface ResidentSlope {
  readonly from: IdleCost;
  readonly to: IdleCost;
  readonly kiBPerNode: number;
}

/** RSS growth per node between consecutive node counts: less exposed to the baseline process's own noise. */
function residentSlopes(results: SchedulerBenchResults): ResidentSlope[] {
  const idle = results.clusters.flatMap((c) => (c.idle === undefined ? [] : [c.idle]));
  return idle.slice(1).map((to, i) => {
    const from = idle[i] as IdleCost;
    return { from, to, kiBPerNode: (to.residentKiB - from.residentKiB) / (to.nodes - from.nodes) };
  });
}

function residentSlopeLines(results: SchedulerBenchResults): string[] {
  const lines = residentSlopes(results).map(({ from, to, kiBPerNode }) => `- From ${from.nodes} to ${to.nodes} nodes: (${fmt(to.residentKiB / 1024, 1)} − ${fmt(from.residentKiB / 1024, 1)} MiB) / ${to.nodes - from.nodes} = **${fmt(kiBPerNode, 1)} KiB per node**.`);
  return lines.length === 0 ? [] : ["RSS growth per node between node counts (two processes, same settings; garbage-collector timing moves a process's RSS by several MiB, so the widest span is the most reliable figure):", "", ...lines, ""];
}

function idleSection(results: SchedulerBenchResults): string[] {
  const entries = [...(results.baseline === undefined ? [] : [{ label: `${results.baseline.nodes} (baseline)`, idle: results.baseline, perNode: undefined as number | undefined }]), ...results.clusters.flatMap((c) => (c.idle === undefined ? [] : [{ label: String(c.nodes), idle: c.idle, perNode: c.residentKiBPerNode }]))];
  if (entries.length === 0) return [];
  const rows = entries.map(({ label, idle, perNode }) => [
    label,
    fmt(idle.startupMs),
    `${fmt(idle.residentKiB / 1024, 1)} (${fmt(idle.residentKiBRange[0] / 1024, 1)}–${fmt(idle.residentKiBRange[1] / 1024, 1)})`,
    perNode === undefined ? "–" : `**${fmt(perNode, 1)}**`,
    fmt(idle.cpu.percentByProcess["kubelet-sim"], 2),
    fmt((idle.cpu.microsecondsPerUnit["kubelet-sim"] ?? Number.NaN) / idle.windowS, 1),
    fmt(idle.requestsPerSecond, 2),
    fmt(idle.requestsPerSecond / idle.nodes, 3),
    fmt(idle.cpu.percentByProcess.apiserver, 1),
    fmt(idle.cpu.percentByProcess["store (3 members)"], 1),
    fmt(idle.storeWritesPerSecond, 1),
    fmt(idle.cpu.otherPercent, 0),
    Object.entries(idle.requestsByKind)
      .map(([k, v]) => `${k} ${fmt(v, 2)}`)
      .join(", "),
  ]);
  return [
    "## Cost of idle simulated nodes",
    "",
    "One `kube-lite kubelet-sim --nodes N` process, nodes registered and Ready, no pods, default lease (40 s, renewed every 10 s) and status timings. After a settling period, a window in which the RSS (`VmRSS`) is sampled each second (median, range) and CPU time is read from `/proc`. Requests are counted by a proxy the bench puts between that kubelet-sim and the apiserver (the apiserver keeps no request counters); WATCH counts streams opened in the window. Memory per node = (RSS with N nodes − RSS of the baseline process) / (N − baseline nodes).",
    "",
    ...table(["nodes", "spawn → running ms", "RSS MiB (range)", "RSS KiB per node", "kubelet-sim CPU %", "kubelet-sim CPU µs per node per second", "requests/s", "requests/s per node", "apiserver CPU %", "store CPU %", "store writes/s", "other processes' CPU %", "requests/s by kind"], rows),
    "",
    ...residentSlopeLines(results),
  ];
}

export function schedulerBenchMarkdown(results: SchedulerBenchResults): string {
  const m = results.machine;
  return [
    `# Scheduler benchmark (${m.date})`,
    "",
    `Command: \`${m.command}\``,
    "",
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}. Load at start: \`${m.uptimeAtStart}\`; at the end: \`${results.uptimeAtEnd}\`.`,
    `kube-lite: commit ${m.kubeLiteCommit} (${m.kubeLiteWorkingTree}), bin \`${m.bin}\`.`,
    "",
    `Settings: ${Object.entries(results.settings)
      .map(([k, v]) => `${k} ${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join("; ")}.`,
    "",
    "Every process (3 store members, the apiserver, the scheduler, the kubelet-sim and the bench) shares the machine's cores with whatever else runs: the CPU tables say what each took and what other processes took.",
    "",
    "## Headline",
    "",
    ...headline(results).map((l) => `- ${l}`),
    "",
    ...decisionsSection(results),
    ...burstSection(results),
    ...steadySection(results),
    ...idleSection(results),
    "## Load after each cluster",
    "",
    ...results.clusters.map((c) => `- ${c.nodes} nodes: \`${c.uptimeAfter}\``),
    "",
    "## Command lines",
    "",
    ...Object.entries(results.commands).map(([k, v]) => `- ${k}: \`${v}\``),
    "",
  ].join("\n");
}
