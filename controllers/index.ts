// controllers — the controller-manager: deployment, replicaset, node lifecycle, garbage
// collector, endpoints. (Issue 8.)
export {};
