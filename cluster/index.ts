// cluster/ — the `kube-lite` binary: one subcommand per role, and `up`, which supervises a
// whole local cluster. Roles arrive with their issues; for now it knows its own usage.
export { kubeLiteUsage, runKubeLite } from "./cli.js";
