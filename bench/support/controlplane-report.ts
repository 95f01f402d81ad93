// The control-plane bench's results as JSON-ready data and as a markdown page.
import type { ApiBenchMachine } from "../apiserver-report.js";
import type { LatencySummary } from "./load.js";
import type { CpuUse } from "./scheduler-cpu.js";
import type { ApplyResult, PhaseCost, ReconcileResult, RolloutResult } from "./controlplane-workloads.js";

export interface ControlPlaneResults {
  readonly machine: ApiBenchMachine;
  readonly settings: Record<string, unknown>;
  readonly commands: Record<string, string>;
  readonly apply?: ApplyResult;
  readonly rollout?: RolloutResult;
  readonly reconcile?: ReconcileResult;
  readonly controllerManagerStatus?: Record<string, unknown>;
  /** Before apply, rollout and reconcile: ms until no Event was written for 3 s. */
  readonly eventBacklogDrainMs: readonly number[];
  readonly uptimeAtEnd: string;
  readonly loadAverageAtEnd: readonly number[];
}

export const goalMs = 10_000;

const fmt = (v: number | undefined, digits = 0): string => (v === undefined || Number.isNaN(v) ? "–" : v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const table = (head: string[], rows: string[][]): string[] => [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
const latency = (l: LatencySummary) => [fmt(l.p50Ms, 1), fmt(l.p90Ms, 1), fmt(l.p99Ms, 1), fmt(l.maxMs, 1), fmt(l.meanMs, 1)];

export const processNames = ["apiserver", "store (3 members)", "controller-manager", "scheduler", "kubelet-sim", "bench"] as const;

/** CPU ms per unit of every cluster process (the bench's own excluded): the cost a run cannot go below. */
export function clusterCpuMsPerUnit(use: CpuUse): number {
  return processNames.filter((p) => p !== "bench").reduce((sum, p) => sum + (use.microsecondsPerUnit[p] ?? 0), 0) / 1000;
}

/** The few lines a person wants first (also printed at the end of a run). */
export function headline(results: ControlPlaneResults): string[] {
  const lines: string[] = [];
  const { apply, rollout, reconcile } = results;
  if (apply !== undefined) {
    const verdict = apply.allReadyMs <= goalMs ? "goal met" : `goal of ${goalMs / 1000} s missed by ${fmt((apply.allReadyMs - goalMs) / 1000, 1)} s`;
    lines.push(`apply → all ${apply.replicas} Running and Ready: ${fmt(apply.allReadyMs / 1000, 2)} s (${verdict}); exist ${fmt(apply.allPodsExistMs / 1000, 2)} s, bound ${fmt(apply.allBoundMs / 1000, 2)} s, Running ${fmt(apply.allRunningMs / 1000, 2)} s, Deployment available ${fmt(apply.deploymentAvailableMs / 1000, 2)} s`);
    const perPodMs = clusterCpuMsPerUnit(apply.cpu);
    lines.push(
      `apply: the cluster's processes used ${fmt(perPodMs, 1)} ms of CPU per pod (${fmt(apply.cpu.otherPercent)}% of a core went to other processes meanwhile): with all ${results.machine.cpus} cores to themselves, ${fmt(apply.replicas)} pods need at least ${fmt((perPodMs * apply.replicas) / results.machine.cpus / 1000, 1)} s`,
    );
    const trailing = apply.withTrailingEvents;
    if (trailing !== undefined) {
      lines.push(
        `apply: ${fmt((trailing.written.events - apply.written.events) / apply.replicas, 2)} Events per pod were still to be written when the last pod was Ready, the last at ${fmt(trailing.lastEventMs / 1000, 2)} s; with them, ${fmt(clusterCpuMsPerUnit(trailing.cpu), 1)} ms of CPU per pod`,
      );
    }
  }
  if (rollout !== undefined) lines.push(`rollout of ${rollout.replicas} (25%/25%): ${fmt(rollout.rolloutMs / 1000, 2)} s (pods: ${fmt(rollout.podsLiveMax)} at most, ${fmt(rollout.podsLiveReadyMin)} Ready at least; status: ${fmt(rollout.statusReplicasMax)} replicas at most, ${fmt(rollout.statusAvailableMin)} available at least)`);
  if (reconcile !== undefined) {
    lines.push(`reconcile, ${reconcile.steps} scale steps: deployment controller p50 ${fmt(reconcile.deploymentController.p50Ms, 1)} ms, p99 ${fmt(reconcile.deploymentController.p99Ms, 1)} ms; replicaset controller p50 ${fmt(reconcile.replicaSetController.p50Ms, 1)} ms, p99 ${fmt(reconcile.replicaSetController.p99Ms, 1)} ms`);
  }
  lines.push(`load average at start ${results.machine.loadAverageAtStart.join(", ")}, at end ${results.loadAverageAtEnd.join(", ")}`);
  return lines;
}

function costRows(name: string, cost: PhaseCost, units: number): string[][] {
  const perUnit = (n: number) => fmt(n / units, 2);
  const w = cost.written;
  return [[name, fmt(cost.storeWrites), perUnit(cost.storeWrites), perUnit(w.podCreates), perUnit(w.podUpdates), perUnit(w.podDeletes), perUnit(w.events), perUnit(w.replicaSets + w.deployments), perUnit(w.other)]];
}

function cpuRow(name: string, use: CpuUse): string[] {
  return [name, fmt(use.elapsedMs / 1000, 1), ...processNames.map((p) => `${fmt(use.percentByProcess[p])}% · ${fmt(use.microsecondsPerUnit[p])}`), `${fmt(use.otherPercent)}%`];
}

function applySection(apply: ApplyResult): string[] {
  const step = 1 + Math.floor(apply.timeline.length / 12);
  const rows = apply.timeline.filter((r, i) => i % step === 0 || i === apply.timeline.length - 1).map((r) => [String(r.second), fmt(r.exist), fmt(r.bound), fmt(r.running), fmt(r.ready)]);
  return [
    `## Apply → all Running: a Deployment of ${fmt(apply.replicas)} replicas`,
    "",
    "From the bench's POST of the Deployment (t = 0) to its watches seeing each moment (ms).",
    "",
    ...table(
      ["create answered", "first ReplicaSet", "first pod", "all pods exist", "all bound", "all Running", "**all Ready**", "Deployment availableReplicas = N"],
      [[apply.createAnswerMs, apply.firstReplicaSetMs, apply.firstPodMs, apply.allPodsExistMs, apply.allBoundMs, apply.allRunningMs, apply.allReadyMs, apply.deploymentAvailableMs].map((v, i) => (i === 6 ? `**${fmt(v)}**` : fmt(v)))],
    ),
    "",
    "Pods seen so far at the end of each second (cumulative):",
    "",
    ...table(["second", "exist", "bound", "Running", "Ready"], rows),
    "",
  ];
}

function rolloutSection(r: RolloutResult): string[] {
  return [
    `## Rollout: a new image for ${fmt(r.replicas)} replicas (RollingUpdate, maxSurge 25%, maxUnavailable 25%)`,
    "",
    "From the bench's PATCH of the image (t = 0), ms. Complete = the Deployment's status says updated = available = replicas = N for the current generation; the rollout ends when that holds and the old ReplicaSet is at 0. Pods, most / Ready, least: the extremes of the pods the bench's watch saw that were not terminating (limits N + 25% and N − 25%); the status columns are the Deployment's own counts, which sum the ReplicaSets' last syncs.",
    "",
    ...table(
      ["new ReplicaSet", "new pods all Ready", "old ReplicaSet at 0", "status complete", "**rollout**", "old pods all deleted", "pods, most", "pods Ready, least", "status replicas, most", "status available, least"],
      [[fmt(r.newReplicaSetMs), fmt(r.newPodsReadyMs), fmt(r.oldReplicaSetAtZeroMs), fmt(r.completeMs), `**${fmt(r.rolloutMs)}**`, fmt(r.oldPodsGoneMs), fmt(r.podsLiveMax), fmt(r.podsLiveReadyMin), fmt(r.statusReplicasMax), fmt(r.statusAvailableMin)]],
    ),
    "",
  ];
}

function reconcileSection(r: ReconcileResult): string[] {
  const revisions = (i: 0 | 1) => r.samples.map((s) => s.revisionsBetween[i]).sort((a, b) => a - b);
  const medianOf = (values: number[]) => values[Math.floor(values.length / 2)];
  return [
    `## Reconcile latency: ${r.steps} scale steps of +1, one at a time`,
    "",
    "Each step PATCHes the Deployment's spec.replicas, then waits for its status to settle before the next. Times are receipt times of the bench's watch events: the deployment controller's latency runs from the Deployment seen changed to its ReplicaSet seen with the new spec.replicas; the replicaset controller's from that to the new pod seen. Each includes the controller's watch delivery, its reconcile, its write through the apiserver to the store (a Raft commit with fsync on a majority) and the delivery to the bench's watch; the two watches run on the same apiserver, so their delivery delays mostly cancel.",
    "",
    ...table(
      ["interval (ms)", "p50", "p90", "p99", "max", "mean"],
      [
        ["PATCH sent → Deployment seen changed", ...latency(r.writeSeen)],
        ["**deployment controller**: Deployment seen → ReplicaSet seen", ...latency(r.deploymentController)],
        ["**replicaset controller**: ReplicaSet seen → new pod seen", ...latency(r.replicaSetController)],
        ["PATCH sent → new pod seen", ...latency(r.sendToPod)],
      ],
    ),
    "",
    `Store revisions between the Deployment's write and the ReplicaSet's, median ${fmt(medianOf(revisions(0)))}; between the ReplicaSet's and the pod's, median ${fmt(medianOf(revisions(1)))} (other writes landing in between: events, status updates, leases).`,
    "",
  ];
}

export function controlPlaneMarkdown(results: ControlPlaneResults): string {
  const m = results.machine;
  const { apply, rollout, reconcile } = results;
  const costs = [...(apply === undefined ? [] : costRows("apply (per pod)", apply, apply.replicas)), ...(rollout === undefined ? [] : costRows("rollout (per pod)", rollout, rollout.replicas)), ...(reconcile === undefined ? [] : costRows("reconcile (per step)", reconcile, reconcile.steps))];
  const cpu = [...(apply === undefined ? [] : [cpuRow("apply", apply.cpu)]), ...(rollout === undefined ? [] : [cpuRow("rollout", rollout.cpu)]), ...(reconcile === undefined ? [] : [cpuRow("reconcile", reconcile.cpu)])];
  return [
    "# Control plane benchmark (issue 8)",
    "",
    `\`${m.command}\` on ${m.date}: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; kube-lite ${m.kubeLiteCommit} (${m.kubeLiteWorkingTree}), bin ${m.bin}.`,
    `Load at start (\`uptime\`): \`${m.uptimeAtStart}\`; at the end: \`${results.uptimeAtEnd}\`.`,
    "",
    ...headline(results).map((l) => `- ${l}`),
    "",
    `Before each phase the bench waited until no Event had been written for 3 s (the recorders write behind): ${results.eventBacklogDrainMs.map((ms) => `${fmt(ms)} ms`).join(", ")} (before apply, rollout, reconcile), then for a quieter machine.`,
    "",
    "Settings: " + Object.entries(results.settings).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ") + ".",
    "",
    ...(apply === undefined ? [] : applySection(apply)),
    ...(rollout === undefined ? [] : rolloutSection(rollout)),
    ...(reconcile === undefined ? [] : reconcileSection(reconcile)),
    "## Where the time goes",
    "",
    "Store writes (store revisions, every write in the cluster) per pod or per step, by what the bench's watches on its namespace saw: pod creates, pod updates (binding, kubelet status writes), pod deletes, Events, ReplicaSet and Deployment writes (spec and status); other = the rest (node Leases and status).",
    "",
    ...table(["phase", "store writes", "per unit", "pod creates", "pod updates", "pod deletes", "events", "ReplicaSet + Deployment", "other"], costs),
    "",
    "Event writes by reason, per unit:",
    "",
    ...[apply, rollout, reconcile].flatMap((phase, i) => {
      if (phase === undefined) return [];
      const units = i === 2 ? (reconcile?.steps ?? 1) : (apply?.replicas ?? 1);
      const reasons = Object.entries(phase.eventsByReason).sort((a, b) => b[1] - a[1]);
      return [`- ${["apply", "rollout", "reconcile"][i]}: ${reasons.map(([reason, n]) => `${reason} ${fmt(n / units, 2)}`).join(", ")}`];
    }),
    "",
    "CPU per process over each phase: share of one core · µs per pod (per step for reconcile). Other = the machine's busy CPU that none of these used (other engineers' work on a shared machine).",
    "",
    ...table(["phase", "seconds", ...processNames, "other processes"], cpu),
    "",
    "## Commands",
    "",
    ...Object.entries(results.commands).map(([k, v]) => `- ${k}: \`${v}\``),
    "",
  ].join("\n");
}
