// Each command loads only its own module: `kube-lite up` starts a dozen processes at once, and a
// store member has no use for the apiserver's schemas (loading everything cost seconds per process).

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

Run kube-lite <command> --help for a command's flags.`;

const roles: Record<string, (argv: readonly string[]) => Promise<number>> = {
  store: async (argv) => (await import("../store/server/index.js")).runStore(argv),
  apiserver: async (argv) => (await import("../apiserver/index.js")).runApiServer(argv),
  "kubelet-sim": async (argv) => (await import("../kubelet-sim/index.js")).runKubeletSim(argv),
  scheduler: async (argv) => (await import("../scheduler/index.js")).runScheduler(argv),
  "controller-manager": async (argv) => (await import("../controllers/index.js")).runControllerManager(argv),
};

/** Runs the CLI; resolves to the exit code, or to undefined when a long-running component started. */
export async function runKubeLite(argv: readonly string[], out: (line: string) => void): Promise<number | undefined> {
  const command = argv[0];
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    out(kubeLiteUsage);
    return 0;
  }
  const rest = argv.slice(1);
  if (command === "up") return (await import("./up.js")).runUp(rest, out);
  if (command === "status") return (await import("./commands.js")).runStatus(rest, out);
  if (command === "kill" || command === "restart" || command === "down") return (await import("./commands.js")).runControlCommand(command, rest, out);
  const role = roles[command];
  if (role !== undefined) {
    const code = await role(argv.slice(1));
    return code === 0 ? undefined : code;
  }
  out(`kube-lite: '${command}' is not available yet.\n\n${kubeLiteUsage}`);
  return 2;
}
