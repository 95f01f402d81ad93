// kubectl-lite/ — the user CLI: apply manifests, show and change the cluster, with kubectl's
// verbs and flags. The verbs arrive with their issue; for now it knows its own usage.
export { kubectlLiteUsage, runKubectlLite } from "./cli.js";
