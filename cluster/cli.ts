export const kubeLiteUsage = `Usage: kube-lite <command> [flags]

Cluster:
  up        start a whole local cluster (store, apiservers, controllers, schedulers, nodes)
  status    show the running cluster
  kill      SIGKILL one component (store-leader, store/<name>, node/<name>, ...)
  restart   start a killed component again
  down      stop the running cluster

Components:
  store, apiserver, controller-manager, scheduler, kubelet-sim

Not yet built: every command above arrives with its issue (see the README).`;

/** Runs the CLI; returns the process exit code. */
export function runKubeLite(argv: readonly string[], out: (line: string) => void): number {
  const command = argv[0];
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    out(kubeLiteUsage);
    return 0;
  }
  out(`kube-lite: '${command}' is not available yet.\n\n${kubeLiteUsage}`);
  return 2;
}
