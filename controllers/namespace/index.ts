// namespace — Kubernetes' namespace controller: deletes the content of Terminating namespaces,
// reports what remains in their status, and finalizes them so the apiserver removes them.
export { newNamespaceController } from "./namespace-controller.js";
