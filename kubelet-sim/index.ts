// kubelet-sim — simulated nodes: registration, node lease heartbeat, pod lifecycle. (Issue 7.)
export {};
