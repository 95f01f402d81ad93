export const kubectlLiteUsage = `Usage: kubectl-lite <verb> [flags]

  apply -f FILE, get, describe, delete, scale, rollout, logs, ...

Server: --server URL, else $KUBE_LITE_SERVER, else http://127.0.0.1:8080,http://127.0.0.1:8081
Not yet built: the verbs arrive with their issue (see the README).`;

/** Runs the CLI; returns the process exit code. */
export function runKubectlLite(argv: readonly string[], out: (line: string) => void): number {
  const verb = argv[0];
  if (verb === undefined || verb === "help" || verb === "--help" || verb === "-h") {
    out(kubectlLiteUsage);
    return 0;
  }
  out(`kubectl-lite: '${verb}' is not available yet.\n\n${kubectlLiteUsage}`);
  return 2;
}
