import { runApiServer } from "../apiserver/index.js";
import { runControllerManager } from "../controllers/index.js";
import { runKubeletSim } from "../kubelet-sim/index.js";
import { runScheduler } from "../scheduler/index.js";
import { runStore } from "../store/server/index.js";

export const kubeLiteUsage = `Usage: kube-lite <command> [flags]

Cluster:
  up        start a whole local cluster (store, apiservers, controllers, schedulers, nodes)
  status    show the running cluster
  kill      SIGKILL one component (store-leader, store/<name>, node/<name>, ...)
  restart   start a killed component again
  down      stop the running cluster

Components (each runs in this process):
  store       one store member (etcd's flags; kube-lite store --help)
  apiserver   the Kubernetes API over the store (kube-apiserver's flags; kube-lite apiserver --help)
  scheduler   assigns pending pods to nodes; run two, one leads (kube-lite scheduler --help)
  kubelet-sim simulated nodes: register, heartbeat, run pods (kube-lite kubelet-sim --help)
  controller-manager  deployment, replicaset, node lifecycle, GC and endpoints controllers; run two, one leads

Not yet built: up, status, kill, restart and down arrive with their issue (see the README).`;

const roles: Record<string, (argv: readonly string[]) => Promise<number>> = {
  store: runStore,
  apiserver: runApiServer,
  "kubelet-sim": runKubeletSim,
  scheduler: runScheduler,
  "controller-manager": runControllerManager,
};

/** Runs the CLI; resolves to the exit code, or to undefined when a long-running component started. */
export async function runKubeLite(argv: readonly string[], out: (line: string) => void): Promise<number | undefined> {
  const command = argv[0];
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    out(kubeLiteUsage);
    return 0;
  }
  const role = roles[command];
  if (role !== undefined) {
    const code = await role(argv.slice(1));
    return code === 0 ? undefined : code;
  }
  out(`kube-lite: '${command}' is not available yet.\n\n${kubeLiteUsage}`);
  return 2;
}
