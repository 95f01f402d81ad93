// namespace — finishes the deletion of Terminating namespaces whose content was held back by
// finalizers (the apiserver's DELETE does the rest of Kubernetes' namespace deletion itself).
export { newNamespaceController } from "./namespace-controller.js";
