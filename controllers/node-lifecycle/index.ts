// node-lifecycle — watches node health through Leases and status heartbeats, marks silent nodes
// Unknown, taints unhealthy nodes NoExecute at a per-zone rate, and evicts the pods that do not
// tolerate those taints (kube-controller-manager's node-lifecycle and taint-eviction controllers).
export { newNodeLifecycleController } from "./node-lifecycle-controller.js";
