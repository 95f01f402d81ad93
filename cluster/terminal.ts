// Colour tags for the lines `kube-lite up` prints (plain text when stdout is not a terminal).

const colours = { store: 33, apiserver: 36, "controller-manager": 35, scheduler: 34, "kubelet-sim": 32, cluster: 37 } as const;

export function tag(kind: keyof typeof colours, text: string): string {
  return process.stdout.isTTY ? `\u001b[${colours[kind]}m[${kind}]\u001b[0m ${text}` : `[${kind}] ${text}`;
}
