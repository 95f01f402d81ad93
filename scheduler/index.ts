// scheduler — assigns pending pods to nodes (issue 7), as kube-scheduler's default profile does.
//
// core/ is pure: SchedulerCache keeps per-node aggregates (requested resources, pod count, pods
// per owner) incrementally, with assume/forget for decisions not yet seen bound; schedule()
// filters (NodeUnschedulable, TaintToleration, node Ready, NodeAffinity, NodeResourcesFit),
// scores (LeastAllocated, BalancedAllocation, TaintToleration, NodeAffinity, default
// PodTopologySpread by controller owner) and words failures as kube-scheduler 1.32.
// Left out: preemption (only its dry-run wording), host ports, volumes, inter-pod affinity,
// explicit topologySpreadConstraints, image locality.
//
// The shell (Scheduler, runScheduler) runs informers, the queue, leader election and binding.
export { runScheduler, parseSchedulerFlags, schedulerUsage, type SchedulerFlags } from "./cli.js";
export { Scheduler, type SchedulerOptions } from "./scheduler.js";
export { SchedulerCache, NodeInfo, podKey, type PlacedPod } from "./core/cache.js";
export {
  schedule,
  prepare,
  feasibleNodesToFind,
  fitErrorMessage,
  scoreWeights,
  type ClusterSnapshot,
  type PodToSchedule,
  type ScheduleOptions,
  type ScheduleResult,
  type FilterReason,
} from "./core/schedule.js";
export { seededRandom } from "./core/random.js";
export { parseQuantity, parseMilliQuantity } from "./core/quantity.js";
export { makeNode, makePod, type NodeOptions, type PodOptions } from "./core/test-objects.js";
