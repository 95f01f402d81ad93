// The scheduling decision: pod + snapshot in, a node or the reasons it fits nowhere out.
// Filters and scores follow kube-scheduler 1.32's default profile (plugin names, messages,
// formulas and weights); what kube-lite leaves out is said in scheduler/index.ts.
import type { Pod, Toleration } from "../../client/index.js";
import { hostnameLabel, type NodeInfo, type PlacedPod, toPlacedPod, zoneLabel } from "./cache.js";
import { type CompiledPreference, compilePreferredNodeAffinity, compileRequiredNodeAffinity, preferredAffinityScore, type NodeIdentity } from "./node-affinity.js";
import { addResources, emptyResources, isZero, type Resources } from "./resources.js";
import { countIntolerablePreferNoSchedule, findUntoleratedTaint, tolerationsTolerateTaint, unschedulableTaint, untoleratedTaintReason } from "./taints.js";

export const maxNodeScore = 100;
/** Default-profile plugin weights (kube-scheduler's getDefaultPlugins). */
export const scoreWeights = { NodeResourcesFit: 1, NodeResourcesBalancedAllocation: 1, TaintToleration: 3, NodeAffinity: 2, PodTopologySpread: 2 } as const;
export type ScorePlugin = keyof typeof scoreWeights;

/** Below this many nodes every node is checked (upstream minFeasibleNodesToFind). */
export const minFeasibleNodesToFind = 100;
const minFeasibleNodesPercentageToFind = 5;

// The system-default PodTopologySpread constraints (both ScheduleAnyway).
const hostnameMaxSkew = 3;
const zoneMaxSkew = 5;

export const noNodesAvailableMessage = "no nodes available to schedule pods";

/** Anything the decision reads: the cache, or a fixed list in tests and benchmarks. */
export interface ClusterSnapshot {
  nodes(): readonly NodeInfo[];
}

/** The pod, prepared once for a decision (requests parsed, affinity compiled). */
export interface PodToSchedule {
  readonly pod: Pod;
  readonly placed: PlacedPod;
  readonly tolerations: readonly Toleration[];
  readonly toleratesUnschedulable: boolean;
  readonly requiredAffinity: ((node: NodeIdentity) => boolean) | undefined;
  readonly preferences: readonly CompiledPreference[];
  readonly preemptionPolicy: string | undefined;
}

export function prepare(pod: Pod): PodToSchedule {
  const tolerations = pod.spec.tolerations ?? [];
  return {
    pod,
    placed: toPlacedPod(pod),
    tolerations,
    toleratesUnschedulable: tolerationsTolerateTaint(tolerations, unschedulableTaint),
    requiredAffinity: compileRequiredNodeAffinity(pod.spec),
    preferences: compilePreferredNodeAffinity(pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    // Not in client/types' PodSpec (kube-lite sets it nowhere), but read when a user does.
    preemptionPolicy: (pod.spec as { preemptionPolicy?: string }).preemptionPolicy,
  };
}

export interface ScheduleOptions {
  /** Uniform in [0, 1): breaks ties between equally scored nodes. Inject a seeded one in tests. */
  random: () => number;
  /** Where the node scan starts (upstream rotates it so every node gets its turn). */
  startIndex?: number;
  /** 0 = upstream's adaptive percentage; 100 = check every node. */
  percentageOfNodesToScore?: number;
}

export interface FilterReason {
  plugin: string;
  reason: string;
  /** How many nodes failed for this reason. */
  nodes: number;
}

export type ScheduleResult =
  | {
      kind: "bind";
      nodeName: string;
      /** The winner's weighted total and its parts (each already weighted). */
      score: number;
      scores: Record<ScorePlugin, number>;
      feasibleNodes: number;
      evaluatedNodes: number;
      nextStartIndex: number;
    }
  | { kind: "unschedulable"; message: string; reasons: FilterReason[]; nextStartIndex: number };

/** Why one node was filtered out. `resolvable` failures are ones preemption could cure. */
interface Failure {
  plugin: string;
  reasons: readonly string[];
  resolvable: boolean;
}

const unschedulableFailure: Failure = { plugin: "NodeUnschedulable", reasons: ["node(s) were unschedulable"], resolvable: false };
const notReadyFailure: Failure = { plugin: "NodeReady", reasons: ["node(s) were not ready"], resolvable: false };
const affinityFailure: Failure = { plugin: "NodeAffinity", reasons: ["node(s) didn't match Pod's node affinity/selector"], resolvable: false };

/** Resources freed on a node when preemption is simulated. */
interface Freed {
  requests: Resources;
  pods: number;
}

/** NodeResourcesFit's filter: every resource that does not fit, in upstream's order. */
export function insufficientResources(request: Resources, node: NodeInfo, freed?: Freed): readonly string[] {
  // The common case, checked without allocating: everything fits.
  if (freed === undefined && fitsEverything(request, node)) return noReasons;
  const reasons: string[] = [];
  const freedPods = freed?.pods ?? 0;
  if (node.pods.size - freedPods + 1 > node.allowedPodCount) reasons.push("Too many pods");
  if (isZero(request)) return reasons;
  const requestedCpu = node.requested.milliCpu - (freed?.requests.milliCpu ?? 0);
  if (request.milliCpu > 0 && request.milliCpu > node.allocatable.milliCpu - requestedCpu) reasons.push("Insufficient cpu");
  const requestedMemory = node.requested.memory - (freed?.requests.memory ?? 0);
  if (request.memory > 0 && request.memory > node.allocatable.memory - requestedMemory) reasons.push("Insufficient memory");
  for (const [name, value] of request.scalars) {
    if (value === 0) continue;
    const requested = (node.requested.scalars.get(name) ?? 0) - (freed?.requests.scalars.get(name) ?? 0);
    if (value > (node.allocatable.scalars.get(name) ?? 0) - requested) reasons.push(`Insufficient ${name}`);
  }
  return reasons;
}

const noReasons: readonly string[] = Object.freeze([]) as readonly string[];

function fitsEverything(request: Resources, node: NodeInfo): boolean {
  if (node.pods.size + 1 > node.allowedPodCount) return false;
  if (request.milliCpu > 0 && request.milliCpu > node.allocatable.milliCpu - node.requested.milliCpu) return false;
  if (request.memory > 0 && request.memory > node.allocatable.memory - node.requested.memory) return false;
  for (const [name, value] of request.scalars) {
    if (value > 0 && value > (node.allocatable.scalars.get(name) ?? 0) - (node.requested.scalars.get(name) ?? 0)) return false;
  }
  return true;
}

/** The filters in the default profile's order; undefined when the node fits. */
export function filterNode(pod: PodToSchedule, node: NodeInfo): Failure | undefined {
  if (node.unschedulable && !pod.toleratesUnschedulable) return unschedulableFailure;
  if (node.filterTaints.length > 0) {
    const taint = findUntoleratedTaint(node.filterTaints, pod.tolerations);
    if (taint !== undefined) return { plugin: "TaintToleration", reasons: [untoleratedTaintReason(taint)], resolvable: false };
  }
  // kube-scheduler relies on the not-ready/unreachable taints node lifecycle adds; kube-lite
  // also reads the condition itself, so a node is never used between going NotReady and being tainted.
  if (!node.ready) return notReadyFailure;
  if (pod.requiredAffinity !== undefined && !pod.requiredAffinity(node)) return affinityFailure;
  const insufficient = insufficientResources(pod.placed.requests, node);
  if (insufficient.length > 0) return { plugin: "NodeResourcesFit", reasons: insufficient, resolvable: true };
  return undefined;
}

/** Upstream numFeasibleNodesToFind: enough feasible nodes to choose well without checking them all. */
export function feasibleNodesToFind(nodeCount: number, percentageOfNodesToScore = 0): number {
  if (nodeCount < minFeasibleNodesToFind || percentageOfNodesToScore >= 100) return nodeCount;
  let percentage = percentageOfNodesToScore;
  if (percentage <= 0) percentage = Math.max(minFeasibleNodesPercentageToFind, 50 - Math.trunc(nodeCount / 125));
  return Math.max(minFeasibleNodesToFind, Math.trunc((nodeCount * percentage) / 100));
}

export function schedule(pod: Pod | PodToSchedule, snapshot: ClusterSnapshot, options: ScheduleOptions): ScheduleResult {
  const prepared = "placed" in pod ? pod : prepare(pod);
  const nodes = snapshot.nodes();
  const startIndex = nodes.length === 0 ? 0 : (options.startIndex ?? 0) % nodes.length;
  if (nodes.length === 0) return { kind: "unschedulable", message: noNodesAvailableMessage, reasons: [], nextStartIndex: 0 };
  const wanted = feasibleNodesToFind(nodes.length, options.percentageOfNodesToScore);
  const feasible: NodeInfo[] = [];
  const failures = new Map<NodeInfo, Failure>();
  let processed = 0;
  while (processed < nodes.length && feasible.length < wanted) {
    const node = nodes[(startIndex + processed) % nodes.length] as NodeInfo;
    processed++;
    const failure = filterNode(prepared, node);
    if (failure === undefined) feasible.push(node);
    else failures.set(node, failure);
  }
  const nextStartIndex = (startIndex + processed) % nodes.length;
  if (feasible.length === 0) return unschedulable(prepared, nodes, failures, nextStartIndex);
  const scored = scoreNodes(prepared, feasible, nodes);
  const winner = selectHost(scored.totals, options.random);
  const scores = {} as Record<ScorePlugin, number>;
  for (const plugin of Object.keys(scoreWeights) as ScorePlugin[]) scores[plugin] = scored.byPlugin[plugin][winner] ?? 0;
  return {
    kind: "bind",
    nodeName: (feasible[winner] as NodeInfo).name,
    score: scored.totals[winner] ?? 0,
    scores,
    feasibleNodes: feasible.length,
    evaluatedNodes: processed,
    nextStartIndex,
  };
}

/** The highest total; ties broken uniformly at random (reservoir sampling, as upstream selectHost). */
function selectHost(totals: Float64Array, random: () => number): number {
  let best = 0;
  let ties = 1;
  for (let index = 1; index < totals.length; index++) {
    const total = totals[index] as number;
    const bestTotal = totals[best] as number;
    if (total > bestTotal) {
      best = index;
      ties = 1;
    } else if (total === bestTotal) {
      ties++;
      if (Math.floor(random() * ties) === 0) best = index;
    }
  }
  return best;
}

// ---- scores ----

interface Scored {
  totals: Float64Array;
  byPlugin: Record<ScorePlugin, Float64Array>;
}

function scoreNodes(pod: PodToSchedule, feasible: readonly NodeInfo[], allNodes: readonly NodeInfo[]): Scored {
  const count = feasible.length;
  const byPlugin = {} as Record<ScorePlugin, Float64Array>;
  for (const plugin of Object.keys(scoreWeights) as ScorePlugin[]) byPlugin[plugin] = new Float64Array(count);
  for (let index = 0; index < count; index++) {
    const node = feasible[index] as NodeInfo;
    byPlugin.NodeResourcesFit[index] = leastAllocatedScore(pod.placed.nonZeroRequests, node);
    byPlugin.NodeResourcesBalancedAllocation[index] = balancedAllocationScore(pod.placed.requests, node);
    byPlugin.TaintToleration[index] = node.preferNoScheduleTaints.length === 0 ? 0 : countIntolerablePreferNoSchedule(node.preferNoScheduleTaints, pod.tolerations);
    if (pod.preferences.length > 0) byPlugin.NodeAffinity[index] = preferredAffinityScore(pod.preferences, node);
  }
  // Upstream skips BalancedAllocation for a pod that requests nothing.
  if (isZero(pod.placed.requests)) byPlugin.NodeResourcesBalancedAllocation.fill(0);
  defaultNormalizeScore(byPlugin.TaintToleration, true);
  if (pod.preferences.length > 0) defaultNormalizeScore(byPlugin.NodeAffinity, false);
  if (pod.placed.ownerUid !== undefined) spreadScores(pod, pod.placed.ownerUid, feasible, allNodes, byPlugin.PodTopologySpread);
  const totals = new Float64Array(count);
  for (const plugin of Object.keys(scoreWeights) as ScorePlugin[]) {
    const scores = byPlugin[plugin];
    const weight = scoreWeights[plugin];
    for (let index = 0; index < count; index++) {
      const weighted = (scores[index] as number) * weight;
      scores[index] = weighted;
      totals[index] = (totals[index] as number) + weighted;
    }
  }
  return { totals, byPlugin };
}

/** LeastAllocated, cpu and memory weight 1 each: the share left free, on requests with the non-zero defaults. */
export function leastAllocatedScore(podNonZero: Resources, node: NodeInfo): number {
  const cpuCapacity = node.allocatable.milliCpu;
  const memoryCapacity = node.allocatable.memory;
  const cpu = leastRequestedScore(node.nonZeroRequested.milliCpu + podNonZero.milliCpu, cpuCapacity);
  const memory = leastRequestedScore(node.nonZeroRequested.memory + podNonZero.memory, memoryCapacity);
  // A resource the node does not have leaves the average (its weight is not counted).
  const weightSum = (cpuCapacity === 0 ? 0 : 1) + (memoryCapacity === 0 ? 0 : 1);
  return weightSum === 0 ? 0 : Math.trunc((cpu + memory) / weightSum);
}

function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * maxNodeScore) / capacity);
}

/** BalancedAllocation: how evenly cpu and memory are used after placing the pod (actual requests). */
export function balancedAllocationScore(podRequests: Resources, node: NodeInfo): number {
  const cpuCapacity = node.allocatable.milliCpu;
  const memoryCapacity = node.allocatable.memory;
  // With one resource (or none) the deviation is 0, as upstream.
  if (cpuCapacity === 0 || memoryCapacity === 0) return maxNodeScore;
  const cpuFraction = Math.min(1, (node.requested.milliCpu + podRequests.milliCpu) / cpuCapacity);
  const memoryFraction = Math.min(1, (node.requested.memory + podRequests.memory) / memoryCapacity);
  return Math.trunc((1 - Math.abs((cpuFraction - memoryFraction) / 2)) * maxNodeScore);
}

/** Upstream helper.DefaultNormalizeScore: scale to 0..100 by the maximum; `reverse` flips it. */
export function defaultNormalizeScore(scores: Float64Array, reverse: boolean): void {
  let max = 0;
  for (const score of scores) max = Math.max(max, score);
  if (max === 0) {
    if (reverse) scores.fill(maxNodeScore);
    return;
  }
  for (let index = 0; index < scores.length; index++) {
    const scaled = Math.trunc((maxNodeScore * (scores[index] as number)) / max);
    scores[index] = reverse ? maxNodeScore - scaled : scaled;
  }
}

/**
 * PodTopologySpread with the system-default constraints (hostname maxSkew 3, zone maxSkew 5,
 * ScheduleAnyway), the owner's pods standing in for the default selector: fewer pods of the
 * same owner in a node's domain → a higher score.
 */
function spreadScores(pod: PodToSchedule, ownerUid: string, feasible: readonly NodeInfo[], allNodes: readonly NodeInfo[], out: Float64Array): void {
  const hostnameWeight = Math.log(feasible.length + 2);
  const zoneCounts = zonePodCounts(pod, ownerUid, feasible, allNodes);
  const zoneWeight = Math.log(zoneCounts.domains + 2);
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (let index = 0; index < feasible.length; index++) {
    const node = feasible[index] as NodeInfo;
    let score = 0;
    if (node.labels[hostnameLabel] !== undefined) score += node.ownerCount(ownerUid) * hostnameWeight + (hostnameMaxSkew - 1);
    const zone = node.labels[zoneLabel];
    if (zone !== undefined) score += (zoneCounts.counts.get(zone) ?? 0) * zoneWeight + (zoneMaxSkew - 1);
    const rounded = Math.round(score);
    out[index] = rounded;
    min = Math.min(min, rounded);
    max = Math.max(max, rounded);
  }
  for (let index = 0; index < feasible.length; index++) {
    out[index] = max === 0 ? maxNodeScore : Math.trunc((maxNodeScore * (max + min - (out[index] as number))) / max);
  }
}

/** Same-owner pods per zone, over every node the pod's required affinity allows (NodeInclusionPolicy Honor). */
function zonePodCounts(pod: PodToSchedule, ownerUid: string, feasible: readonly NodeInfo[], allNodes: readonly NodeInfo[]): { counts: Map<string, number>; domains: number } {
  const counts = new Map<string, number>();
  const domains = new Set<string>();
  for (const node of feasible) domains.add(node.labels[zoneLabel] ?? "");
  // Most kube-lite clusters have no zones: skip the pass over every node then.
  if (domains.size === 1 && domains.has("")) return { counts, domains: domains.size };
  for (const zone of domains) if (zone !== "") counts.set(zone, 0);
  for (const node of allNodes) {
    const zone = node.labels[zoneLabel];
    if (zone === undefined || !counts.has(zone)) continue;
    if (pod.requiredAffinity !== undefined && !pod.requiredAffinity(node)) continue;
    counts.set(zone, (counts.get(zone) ?? 0) + node.ownerCount(ownerUid));
  }
  return { counts, domains: domains.size };
}

// ---- why a pod fits nowhere ----

function unschedulable(pod: PodToSchedule, nodes: readonly NodeInfo[], failures: ReadonlyMap<NodeInfo, Failure>, nextStartIndex: number): ScheduleResult {
  const reasons = histogram(failures.values());
  const preemption = preemptionMessage(pod, nodes, failures);
  const message = `${fitErrorMessage(nodes.length, reasons)} ${preemption}.`;
  return { kind: "unschedulable", message, reasons, nextStartIndex };
}

/** Reasons counted over nodes, each "N reason", sorted as strings (upstream sortReasonsHistogram). */
function histogram(failures: Iterable<Failure>): FilterReason[] {
  const byReason = new Map<string, FilterReason>();
  for (const failure of failures) {
    for (const reason of failure.reasons) {
      const entry = byReason.get(reason);
      if (entry === undefined) byReason.set(reason, { plugin: failure.plugin, reason, nodes: 1 });
      else entry.nodes++;
    }
  }
  const entries = [...byReason.values()];
  const text = (entry: FilterReason) => `${entry.nodes} ${entry.reason}`;
  // Go's sort.Strings compares bytes; these strings are ASCII, so plain < is the same order.
  return entries.sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}

/** FitError.Error(): "0/N nodes are available: <histogram>." */
export function fitErrorMessage(nodeCount: number, reasons: readonly FilterReason[]): string {
  return `0/${nodeCount} nodes are available: ${reasons.map((entry) => `${entry.nodes} ${entry.reason}`).join(", ")}.`;
}

/**
 * What DefaultPreemption's PostFilter adds. kube-lite does not evict, but it words the dry run
 * as 1.32 does: nodes that failed an unresolvable filter → "Preemption is not helpful for
 * scheduling"; the others → "No preemption victims found for incoming pod" when no pod of
 * lower priority runs there, else the filter's reasons once those pods are counted out. Where
 * evicting them would make room, upstream would preempt; kube-lite says that it does not.
 */
function preemptionMessage(pod: PodToSchedule, nodes: readonly NodeInfo[], failures: ReadonlyMap<NodeInfo, Failure>): string {
  if (pod.preemptionPolicy === "Never") return "preemption: not eligible due to preemptionPolicy=Never.";
  const statuses: Failure[] = [];
  for (const node of nodes) {
    const failure = failures.get(node);
    if (failure === undefined || !failure.resolvable) statuses.push({ plugin: "DefaultPreemption", reasons: ["Preemption is not helpful for scheduling"], resolvable: false });
    else statuses.push(preemptionDryRun(pod, node));
  }
  return `preemption: ${fitErrorMessage(nodes.length, histogram(statuses))}`;
}

function preemptionDryRun(pod: PodToSchedule, node: NodeInfo): Failure {
  const freed: Freed = { requests: emptyResources(), pods: 0 };
  for (const placed of node.pods.values()) {
    if (placed.priority >= pod.placed.priority) continue;
    freed.pods++;
    addResources(freed.requests, placed.requests);
  }
  if (freed.pods === 0) return { plugin: "DefaultPreemption", reasons: ["No preemption victims found for incoming pod"], resolvable: false };
  const insufficient = insufficientResources(pod.placed.requests, node, freed);
  if (insufficient.length > 0) return { plugin: "NodeResourcesFit", reasons: insufficient, resolvable: true };
  return { plugin: "DefaultPreemption", reasons: ["kube-lite does not preempt lower-priority pods"], resolvable: false };
}
