// The scheduler's pure decision rate, in this process: the core's schedule() and the cache's
// assume() for each pod in turn, exactly as the shell's loop runs them, with no informer, no
// queue and no binding. What end-to-end adds to this is HTTP, the apiserver and the store.
import { performance } from "node:perf_hooks";
import { makeNode, makePod, prepare, schedule, SchedulerCache, seededRandom } from "../../scheduler/index.js";
import { median, round } from "./load.js";
import { benchCpuMs } from "./scheduler-cpu.js";

export interface DecisionResult {
  readonly nodes: number;
  readonly pods: number;
  /** "none" or "one ReplicaSet" (the latter turns on PodTopologySpread scoring). */
  readonly owner: string;
  readonly rounds: number;
  /** Median over the measured rounds. */
  readonly decisionsPerSecond: number;
  readonly microsecondsPerDecision: number;
  /** Median over the rounds of pods / CPU seconds this process used: what a core of its own would do. */
  readonly decisionsPerCpuSecond: number;
  /** Fastest and slowest measured round. */
  readonly decisionsPerSecondRange: readonly [number, number];
  /** Nodes filtered per decision (the adaptive percentageOfNodesToScore stops early on big clusters). */
  readonly evaluatedNodesMean: number;
  readonly unschedulable: number;
}

interface Round {
  readonly ms: number;
  /** This process's CPU time in the round: on a shared machine, wall time includes waiting for a core. */
  readonly cpuMs: number;
  readonly evaluated: number;
  readonly unschedulable: number;
}

function decideAll(nodeCount: number, podCount: number, ownerUid: string | undefined, seed: number): Round {
  const cache = new SchedulerCache();
  for (let i = 1; i <= nodeCount; i++) cache.setNode(makeNode(`sim-${i}`));
  // The bench's API pods request 100m and 64Mi, as these do.
  const pods = Array.from({ length: podCount }, (_, i) => makePod(`pod-${i}`, { cpu: "100m", memory: "64Mi", ownerUid }));
  const random = seededRandom(seed);
  let startIndex = 0;
  let evaluated = 0;
  let unschedulable = 0;
  const cpu0 = benchCpuMs();
  const t0 = performance.now();
  for (const pod of pods) {
    const result = schedule(prepare(pod), cache, { random, startIndex });
    startIndex = result.nextStartIndex;
    if (result.kind === "bind") {
      cache.assume(pod, result.nodeName);
      evaluated += result.evaluatedNodes;
    } else {
      unschedulable++;
    }
  }
  return { ms: performance.now() - t0, cpuMs: benchCpuMs() - cpu0, evaluated, unschedulable };
}

/** One warm-up round (JIT), then `rounds` measured ones, each on a fresh cache. */
export function measureDecisions(nodeCount: number, podCount: number, owner: boolean, rounds: number): DecisionResult {
  const ownerUid = owner ? "replicaset-uid-1" : undefined;
  decideAll(nodeCount, podCount, ownerUid, 0);
  const measured = Array.from({ length: rounds }, (_, r) => decideAll(nodeCount, podCount, ownerUid, r + 1));
  const rates = measured.map((r) => (podCount / r.ms) * 1000);
  const rate = median(rates);
  const last = measured[measured.length - 1];
  return {
    nodes: nodeCount,
    pods: podCount,
    owner: owner ? "one ReplicaSet" : "none",
    rounds,
    decisionsPerSecond: round(rate, 0),
    microsecondsPerDecision: round(1e6 / rate, 1),
    decisionsPerCpuSecond: round(median(measured.map((r) => (podCount / Math.max(1, r.cpuMs)) * 1000)), 0),
    decisionsPerSecondRange: [round(Math.min(...rates), 0), round(Math.max(...rates), 0)],
    evaluatedNodesMean: last === undefined ? Number.NaN : round(last.evaluated / Math.max(1, podCount - last.unschedulable), 1),
    unschedulable: last?.unschedulable ?? 0,
  };
}
