// The terminal summary of `kube-lite up`: one short line per thing worth seeing — a new store
// leader, a new controller-manager or scheduler leader, a node joining or going NotReady, a
// deployment progressing. Polls once a second (cheap: a few small requests), prints changes only.
import { httpRequest } from "./probe.js";
import { takeSnapshot, type ComponentView } from "./snapshot.js";
import { tag } from "./terminal.js";

interface DeploymentList {
  items: { metadata: { name: string; namespace: string }; spec?: { replicas?: number }; status?: { updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number } }[];
}

async function deployments(apiservers: readonly string[]): Promise<Map<string, string> | undefined> {
  for (const url of apiservers) {
    try {
      const answer = await httpRequest(`${url}/apis/apps/v1/deployments`, { timeoutMs: 1_000 });
      if (answer?.status !== 200) continue;
      const list = JSON.parse(answer.text) as DeploymentList;
      return new Map(
        list.items.map((d) => [`${d.metadata.namespace}/${d.metadata.name}`, `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0} ready, ${d.status?.updatedReplicas ?? 0} up to date`]),
      );
    } catch {
      // try the other apiserver
    }
  }
  return undefined;
}

export function startSummary(apiservers: readonly string[], components: () => ComponentView[], out: (line: string) => void): { stop(): Promise<void> } {
  let stopped = false;
  const seen = new Map<string, string>();
  const report = (key: string, value: string, line: () => string): void => {
    if (seen.get(key) === value) return;
    const first = !seen.has(key);
    seen.set(key, value);
    if (!first || !key.startsWith("deployment:")) out(line());
  };
  const loop = (async () => {
    while (!stopped) {
      const snapshot = await takeSnapshot(components());
      if (snapshot.storeLeader !== undefined) report("store-leader", snapshot.storeLeader, () => tag("store", `leader is ${snapshot.storeLeader}`));
      for (const role of ["controller-manager", "scheduler"] as const) {
        const leader = snapshot.components.find((c) => c.role === role && c.status?.leading === true);
        if (leader !== undefined) report(`${role}-leader`, leader.name, () => tag(role, `leader is ${leader.name}`));
      }
      for (const node of snapshot.nodes ?? []) {
        const state = node.ready === "True" ? "Ready" : node.ready === "False" ? "NotReady" : "NotReady (unreachable)";
        report(`node:${node.name}`, state, () => tag("kubelet-sim", `${node.name} is ${state}`));
      }
      for (const [name, state] of (await deployments(apiservers)) ?? []) {
        report(`deployment:${name}`, state, () => tag("controller-manager", `deployment ${name}: ${state}`));
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
