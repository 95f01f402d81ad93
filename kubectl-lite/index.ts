// kubectl-lite/ — the user CLI: apply manifests, show and change the cluster, with kubectl's
// verbs and flags, over the shared client/ (server-side apply, server-side Tables, discovery).
export { kubectlLiteUsage, runKubectlLite } from "./cli.js";
export type { Io } from "./session.js";
