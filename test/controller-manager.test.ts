// The controller-manager end to end, on real processes with short timings: a store, an apiserver,
// two controller-managers (one leads), a scheduler and three simulated nodes (one process each,
// so one can be killed). Deployments scale, roll out within maxSurge/maxUnavailable (asserted
// from a watch of the pods), roll back and are garbage-collected; a killed node's pods move; a
// killed leader is replaced within one lease duration; Endpoints follow ready pods.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Informer, KubeClient, resourceTypes, type KubeObject, type Node, type Pod } from "../client/index.js";
import { startApiServerProcess, type ApiServerProcess } from "./support/apiserver-process.js";
import { startComponent, type ComponentProcess } from "./support/component-process.js";
import { startStoreCluster, type StoreCluster } from "./support/store-cluster.js";
import { until as waitUntil } from "./support/wait.js";

const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> =>
  waitUntil(what, check, timeoutMs, () => `--- controller-managers:\n${managers.map((m) => m.output().slice(-3000)).join("\n---\n")}`);

const leaseDurationMs = 2_000;
const leaderElectionFlags = ["--leader-elect-lease-duration", "2s", "--leader-elect-renew-deadline", "1500ms", "--leader-elect-retry-period", "300ms"];
const namespace = "default";

interface Lease extends KubeObject {
  spec: { holderIdentity?: string; acquireTime?: string; renewTime?: string };
}

interface Deployment extends KubeObject {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: Pod["spec"] }; strategy?: unknown };
  status?: { replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number };
}

let cluster: StoreCluster;
let apiserver: ApiServerProcess;
let client: KubeClient;
let scheduler: ComponentProcess;
const kubelets = new Map<string, ComponentProcess>();
const managers: ComponentProcess[] = [];
let pods: Informer<Pod>;

function startKubelet(node: string): Promise<ComponentProcess> {
  return startComponent("kubelet-sim", ["--server", apiserver.url, "--node", node, "--node-lease-duration-seconds", "2", "--node-lease-renew-interval", "300ms", "--pod-start-delay", "0s", "--pod-stop-delay", "0s", "--log-level", "warn"]);
}

function startManager(identity: string): Promise<ComponentProcess> {
  return startComponent(
    "controller-manager",
    ["--server", apiserver.url, "--identity", identity, ...leaderElectionFlags, "--node-monitor-grace-period", "3s", "--node-monitor-period", "300ms", "--node-eviction-rate", "10", "--log-level", "warn"],
    { serveStatus: true },
  );
}

beforeAll(async () => {
  cluster = await startStoreCluster({ members: 1 });
  // Pods tolerate an unreachable node for 2 s instead of 300 s, so evictions happen in the test's time.
  apiserver = await startApiServerProcess(cluster.endpoints, ["--default-not-ready-toleration-seconds", "2", "--default-unreachable-toleration-seconds", "2"]);
  client = new KubeClient({ servers: [apiserver.url] });
  const started = await Promise.all([
    startComponent("scheduler", ["--server", apiserver.url, "--leader-elect=false", "--log-level", "warn"]),
    ...["node-a", "node-b", "node-c"].map((node) => startKubelet(node)),
    startManager("cm-1"),
    startManager("cm-2"),
  ]);
  scheduler = started[0] as ComponentProcess;
  for (const [i, node] of ["node-a", "node-b", "node-c"].entries()) kubelets.set(node, started[i + 1] as ComponentProcess);
  managers.push(started[4] as ComponentProcess, started[5] as ComponentProcess);
  pods = new Informer<Pod>(client, resourceTypes.pods, { namespace });
  pods.start();
  await pods.waitForSync();
  // Spreading over 3 nodes needs 3 Ready nodes before the first pod is scheduled.
  await until("3 Ready nodes", async () => {
    const nodes = await client.list<Node>(resourceTypes.nodes);
    return nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length === 3;
  }, 30_000);
}, 90_000);

afterAll(async () => {
  await pods?.stop();
  await Promise.all([...managers, ...kubelets.values(), scheduler].filter((c) => c !== undefined).map((c) => c.stop("SIGKILL")));
  await apiserver?.stop();
  await cluster?.stop();
});

const isReady = (pod: Pod): boolean => pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
const appPods = (app: string, live = true): Pod[] =>
  pods.list().filter((p) => p.metadata.labels?.app === app && (!live || p.metadata.deletionTimestamp === undefined));
const runningPods = (app: string): Pod[] => appPods(app).filter((p) => p.status?.phase === "Running" && isReady(p));

function deployment(name: string, replicas: number, image: string, strategy?: unknown): Deployment {
  return {
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image, ports: [{ containerPort: 80 }] }] } },
      ...(strategy === undefined ? {} : { strategy }),
    },
  };
}

async function scale(name: string, replicas: number): Promise<void> {
  await client.patch(resourceTypes.deployments, name, { spec: { replicas } }, { namespace, subresource: "scale" });
}

async function setImage(name: string, image: string): Promise<void> {
  await client.patch(resourceTypes.deployments, name, { spec: { template: { spec: { containers: [{ name: "web", image }] } } } }, { namespace, patchType: "strategic" });
}

async function rolledOut(name: string, replicas: number): Promise<boolean> {
  const d = await client.get<Deployment>(resourceTypes.deployments, name, namespace);
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas;
}

async function leader(): Promise<ComponentProcess> {
  let found: ComponentProcess | undefined;
  await until("a leading controller-manager", async () => {
    for (const manager of managers) {
      if (manager.process.exitCode !== null || manager.process.signalCode !== null) continue;
      const status = await manager.status().catch(() => undefined);
      if (status?.leading === true) found = manager;
    }
    return found !== undefined;
  });
  return found as ComponentProcess;
}

describe("controller-manager (real processes)", () => {
  it("runs a Deployment of 6 replicas over 3 nodes, and scales it to 10 and to 2", async () => {
    await client.create(resourceTypes.deployments, deployment("web", 6, "nginx:1.25"));
    await until("6 Running pods", () => runningPods("web").length === 6);
    expect(new Set(runningPods("web").map((p) => p.spec.nodeName)).size).toBe(3);
    const owners = new Set(runningPods("web").map((p) => p.metadata.ownerReferences?.find((o) => o.controller === true)?.kind));
    expect([...owners]).toEqual(["ReplicaSet"]);
    await scale("web", 10);
    await until("10 Running pods", () => runningPods("web").length === 10);
    await scale("web", 2);
    await until("2 pods left", () => appPods("web", false).length === 2 && runningPods("web").length === 2);
    await until("the rollout status to say done", () => rolledOut("web", 2));
  }, 60_000);

  it("rolls out a new image without exceeding maxSurge or going under maxUnavailable, then rolls back", async () => {
    const replicas = 4;
    await client.create(resourceTypes.deployments, deployment("roll", replicas, "nginx:1.25", { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } }));
    await until("4 Running pods", () => runningPods("roll").length === replicas);
    await until("the first rollout", () => rolledOut("roll", replicas));
    let mostPods = 0;
    let fewestReady = replicas;
    // Every pod event, as the watch delivers it: live pods (not terminating) and the Ready ones.
    const observe = (): void => {
      mostPods = Math.max(mostPods, appPods("roll").length);
      fewestReady = Math.min(fewestReady, runningPods("roll").length);
    };
    pods.addHandler({ onAdd: observe, onUpdate: observe, onDelete: observe });
    await setImage("roll", "nginx:1.26");
    await until("the new image everywhere", () => runningPods("roll").length === replicas && runningPods("roll").every((p) => p.spec.containers[0]?.image === "nginx:1.26"));
    await until("the rollout status to say done", () => rolledOut("roll", replicas));
    // Terminating pods are not counted, as the deployment controller does not count them.
    expect(mostPods).toBeLessThanOrEqual(replicas + 1);
    expect(fewestReady).toBeGreaterThanOrEqual(replicas - 1);
    const sets = await client.list<KubeObject & { metadata: { annotations?: Record<string, string> } }>(resourceTypes.replicasets, { namespace, labelSelector: "app=roll" });
    expect(sets.items).toHaveLength(2);
    // Rollback (kubectl rollout undo writes the old template back): the old ReplicaSet is reused.
    await setImage("roll", "nginx:1.25");
    await until("the old image back everywhere", () => runningPods("roll").length === replicas && runningPods("roll").every((p) => p.spec.containers[0]?.image === "nginx:1.25"));
    const after = await client.list<KubeObject>(resourceTypes.replicasets, { namespace, labelSelector: "app=roll" });
    expect(after.items).toHaveLength(2);
    const current = await client.get<Deployment>(resourceTypes.deployments, "roll", namespace);
    expect(current.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
  }, 60_000);

  it("garbage-collects the ReplicaSets and pods of a deleted Deployment", async () => {
    await client.delete(resourceTypes.deployments, "roll", { namespace, propagationPolicy: "Background" });
    await until("no ReplicaSets of roll", async () => (await client.list(resourceTypes.replicasets, { namespace, labelSelector: "app=roll" })).items.length === 0);
    await until("no pods of roll", () => appPods("roll", false).length === 0);
  }, 30_000);

  it("keeps Endpoints equal to the ready pods behind a Service", async () => {
    await client.create(resourceTypes.services, { metadata: { name: "web", namespace }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 80 }] } } as KubeObject);
    const addresses = async (): Promise<string[]> => {
      const endpoints = await client.get<KubeObject & { subsets?: { addresses?: { ip: string }[] }[] }>(resourceTypes.endpoints, "web", namespace).catch(() => undefined);
      return (endpoints?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
    };
    const podIps = (): string[] => runningPods("web").map((p) => p.status?.podIP ?? "").sort();
    await until("Endpoints for the 2 web pods", async () => JSON.stringify(await addresses()) === JSON.stringify(podIps()) && podIps().length === 2);
    await scale("web", 3);
    await until("Endpoints for 3 web pods", async () => podIps().length === 3 && JSON.stringify(await addresses()) === JSON.stringify(podIps()));
    // Pods going away leave the Endpoints.
    await scale("web", 1);
    await until("Endpoints for the 1 web pod left", async () => appPods("web", false).length === 1 && podIps().length === 1 && JSON.stringify(await addresses()) === JSON.stringify(podIps()));
    await scale("web", 3);
    await until("Endpoints for 3 web pods again", async () => podIps().length === 3 && JSON.stringify(await addresses()) === JSON.stringify(podIps()));
  }, 40_000);

  it("moves the pods of a node killed with -9 to the other nodes", async () => {
    const victim = runningPods("web")[0]?.spec.nodeName as string;
    expect(victim).toBeDefined();
    await kubelets.get(victim)?.stop("SIGKILL");
    await until(`no web pods on ${victim} and 3 Running elsewhere`, () => appPods("web").every((p) => p.spec.nodeName !== victim) && runningPods("web").length === 3, 30_000);
    const node = await client.get<Node>(resourceTypes.nodes, victim);
    expect(node.spec?.taints?.map((t) => t.key)).toContain("node.kubernetes.io/unreachable");
    expect(node.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("Unknown");
    // The node comes back: Ready again and untainted.
    kubelets.set(victim, await startKubelet(victim));
    await until(`${victim} Ready and untainted`, async () => {
      const back = await client.get<Node>(resourceTypes.nodes, victim);
      return back.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" && (back.spec?.taints ?? []).every((t) => t.key !== "node.kubernetes.io/unreachable");
    }, 20_000);
  }, 60_000);

  it("fails over to the other controller-manager within one lease duration when the leader is killed", async () => {
    const leading = await leader();
    // One leads; the other is a live standby.
    const standby = managers.find((m) => m !== leading && m.process.exitCode === null && m.process.signalCode === null);
    expect((await standby?.status())?.leading).toBe(false);
    const killedAt = Date.now();
    await leading.stop("SIGKILL");
    // The dead leader's last renew, as the Lease holds it.
    const held = await client.get<Lease>(resourceTypes.leases, "kube-controller-manager", "kube-system");
    const survivor = await leader();
    expect(survivor).toBe(standby);
    const taken = await client.get<Lease>(resourceTypes.leases, "kube-controller-manager", "kube-system");
    expect(taken.spec.holderIdentity).not.toBe(held.spec.holderIdentity);
    // Taken over once the last renew was a lease duration old, never before. The survivor saw
    // that renew at one of its tries (every 300 ms) and counts the lease from then, as client-go
    // does, so the takeover comes at most two retry periods after that, plus the time its calls
    // take on a busy machine (a second of slack: far less than another lease duration, which is
    // what a survivor that waited for a second expiry would take).
    const sinceLastRenewMs = Date.parse(taken.spec.acquireTime ?? "") - Date.parse(held.spec.renewTime ?? "");
    expect(sinceLastRenewMs).toBeGreaterThanOrEqual(leaseDurationMs - 50);
    expect(sinceLastRenewMs).toBeLessThan(leaseDurationMs + 2 * 300 + 1_000);
    expect(Date.now() - killedAt).toBeLessThan(2 * leaseDurationMs);
    await scale("web", 5);
    await until("5 Running web pods under the new leader", () => runningPods("web").length === 5);
  }, 60_000);
});
