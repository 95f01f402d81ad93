// client — the Kubernetes-side client every control loop shares: REST client, informer,
// work queue, leader election. (Issue 7.)
export {};
