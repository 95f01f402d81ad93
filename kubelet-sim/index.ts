// kubelet-sim — simulated nodes: registration, node lease heartbeat, pod lifecycle. (Issue 7.)
// A pure core (node status, lease, pod lifecycle planning, addresses) inside a thin shell of
// informers and work queues; `runKubeletSim` is the `kube-lite kubelet-sim` entry point.
export { runKubeletSim } from "./cli.js";
export { KubeletSim, type KubeletSimOptions } from "./kubelet-sim.js";
export { kubeletSimUsage, parseKubeletSimFlags, type KubeletSimFlags } from "./flags.js";
export { buildNode, nodeStatus, planNodeStatus, kubeletVersion, defaultNodeResources, type NodeOptions } from "./node-status.js";
export { renewedNodeLease, nodeLeaseNamespace, defaultNodeLeaseDurationSeconds } from "./node-lease.js";
export { newPodRecord, planPod, recordStatusWritten, type PodPlan, type PodEventPlan, type PodTimings } from "./pod-lifecycle.js";
export { type PodRecord, type PodStage } from "./pod-status.js";
export { PodIpPool, assignPodCidrs, nodeInternalIp } from "./addresses.js";
