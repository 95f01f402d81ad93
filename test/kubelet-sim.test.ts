// kubelet-sim as real processes against a real store and apiserver: registration, lease
// heartbeats, a pod's life from creation to Running and through deletion, kill -9, many nodes.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNotFound, KubeClient, resourceTypes, type CoreEvent, type Lease, type Node, type Pod } from "../client/index.js";
import { startApiServerProcess, type ApiServerProcess } from "./support/apiserver-process.js";
import { startStoreCluster, type StoreCluster } from "./support/store-cluster.js";
import { eventually } from "./support/wait.js";

const root = path.resolve(import.meta.dirname, "..");
// Short timings so every step is quick; the report frequency stays long (5m) so a Ready flip
// back can only come from the kubelet reacting, not from a routine report.
const fastFlags = ["--node-lease-duration-seconds", "4", "--node-lease-renew-interval", "250ms", "--node-status-update-frequency", "500ms", "--pod-start-delay", "300ms", "--pod-stop-delay", "100ms", "--log-level", "warn"];

interface Kubelet {
  readonly process: ChildProcess;
  readonly output: () => string;
}

function startKubelet(server: string, args: readonly string[]): Kubelet {
  const child = spawn(process.execPath, [path.join(root, "dist/cluster/main.js"), "kubelet-sim", "--server", server, ...fastFlags, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { process: child, output: () => output };
}

async function stopKubelet(kubelet: Kubelet, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  const child = kubelet.process;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

/** Polls `probe` until it returns a value other than undefined. */
describe("kubelet-sim (real processes)", () => {
  let store: StoreCluster;
  let apiserver: ApiServerProcess;
  let client: KubeClient;
  let single: Kubelet;
  let many: Kubelet;

  const getNode = (name: string) => client.get<Node>(resourceTypes.nodes, name);
  const getLease = (name: string) => client.get<Lease>(resourceTypes.leases, name, "kube-node-lease");
  const ready = (node: Node) => node.status?.conditions?.find((c) => c.type === "Ready");
  const podEvents = async (pod: string) => (await client.list<CoreEvent>(resourceTypes.events, { namespace: "default" })).items.filter((e) => e.involvedObject.name === pod);

  beforeAll(async () => {
    store = await startStoreCluster({ members: 1 });
    apiserver = await startApiServerProcess(store.endpoints);
    client = new KubeClient({ servers: [apiserver.url] });
    single = startKubelet(apiserver.url, ["--node", "kn-1", "--cpu", "2", "--memory", "4Gi", "--max-pods", "20", "--labels", "tier=test"]);
    many = startKubelet(apiserver.url, ["--nodes", "3", "--node-prefix", "ks-"]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([single, many].filter((k) => k !== undefined).map((k) => stopKubelet(k)));
    await apiserver?.stop();
    await store?.stop();
  });

  it("registers its Node Ready with the capacity, labels and addresses it was given", async () => {
    const node = await eventually("kn-1 Ready", async () => {
      const n = await getNode("kn-1");
      return ready(n)?.status === "True" ? n : undefined;
    });
    expect(ready(node)).toMatchObject({ reason: "KubeletReady", message: "kubelet is posting ready status" });
    expect(node.status?.capacity).toMatchObject({ cpu: "2", memory: "4Gi", pods: "20" });
    expect(node.status?.allocatable).toMatchObject({ cpu: "2", memory: "4Gi", pods: "20" });
    expect(node.metadata.labels).toMatchObject({ "kubernetes.io/hostname": "kn-1", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", tier: "test" });
    expect(node.status?.nodeInfo?.kubeletVersion).toBe("v1.32.0");
    expect(node.status?.addresses?.map((a) => a.type)).toEqual(["InternalIP", "Hostname"]);
    expect(node.spec?.podCIDR).toMatch(/^10\.\d+\.\d+\.0\/24$/);
  });

  it("renews its Lease in kube-node-lease, owned by its Node", async () => {
    const node = await eventually("kn-1", () => getNode("kn-1"));
    const first = await eventually("kn-1 lease", () => getLease("kn-1"));
    expect(first.spec).toMatchObject({ holderIdentity: "kn-1", leaseDurationSeconds: 4 });
    expect(first.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Node", name: "kn-1", uid: node.metadata.uid }]);
    const renewed = await eventually("a later renewTime", async () => {
      const lease = await getLease("kn-1");
      return (lease.spec?.renewTime ?? "") > (first.spec?.renewTime ?? "") ? lease : undefined;
    });
    expect(renewed.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("flips Ready back to True at once when someone else marks it Unknown", async () => {
    const node = await eventually("kn-1 Ready", async () => {
      const n = await getNode("kn-1");
      return ready(n)?.status === "True" ? n : undefined;
    });
    const conditions = (node.status?.conditions ?? []).map((c) => (c.type === "Ready" ? { ...c, status: "Unknown" as const, reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." } : c));
    await client.update<Node>(resourceTypes.nodes, { ...node, status: { ...node.status, conditions } }, { subresource: "status" });
    const back = await eventually("Ready True again", async () => {
      const n = await getNode("kn-1");
      return ready(n)?.status === "True" && n.metadata.resourceVersion !== node.metadata.resourceVersion ? n : undefined;
    });
    expect(ready(back)?.reason).toBe("KubeletReady");
  });

  it("runs a pod bound to it: ContainerCreating → Running with podIP, conditions and Pulled/Created/Started", async () => {
    const node = await getNode("kn-1");
    await client.create<Pod>(resourceTypes.pods, { metadata: { name: "web", namespace: "default" }, spec: { nodeName: "kn-1", containers: [{ name: "nginx", image: "nginx:1.27" }] } });
    const running = await eventually("pod Running", async () => {
      const pod = await client.get<Pod>(resourceTypes.pods, "web", "default");
      return pod.status?.phase === "Running" ? pod : undefined;
    });
    const subnet = (node.spec?.podCIDR ?? "").replace(/0\/24$/, "");
    expect(running.status?.podIP?.startsWith(subnet)).toBe(true);
    expect(running.status?.hostIP).toBe(node.status?.addresses?.[0]?.address);
    expect(running.status?.conditions?.filter((c) => c.status === "True").map((c) => c.type).sort()).toEqual(["ContainersReady", "Initialized", "PodReadyToStartContainers", "PodScheduled", "Ready"]);
    expect(running.status?.containerStatuses?.[0]).toMatchObject({ name: "nginx", ready: true, started: true, state: { running: {} } });
    const events = await eventually("Started event", async () => {
      const found = await podEvents("web");
      return found.some((e) => e.reason === "Started") ? found : undefined;
    });
    const byReason = new Map(events.map((e) => [e.reason, e]));
    expect(byReason.get("Pulled")?.message).toBe('Container image "nginx:1.27" already present on machine');
    expect(byReason.get("Created")?.message).toBe("Created container: nginx");
    expect(byReason.get("Started")?.message).toBe("Started container nginx");
    expect(byReason.get("Started")?.source).toEqual({ component: "kubelet", host: "kn-1" });
  });

  it("kills a deleted pod (Killing) and removes it", async () => {
    await client.delete(resourceTypes.pods, "web", { namespace: "default" });
    await eventually("pod gone", async () => {
      try {
        await client.get<Pod>(resourceTypes.pods, "web", "default");
        return undefined;
      } catch (error) {
        if (isNotFound(error)) return true;
        throw error;
      }
    });
    const killing = await eventually("Killing event", async () => (await podEvents("web")).find((e) => e.reason === "Killing"));
    expect(killing.message).toBe("Stopping container nginx");
  });

  it("registers every node of --nodes 3, each with its own pod range", async () => {
    const nodes = await eventually("ks-1..3 Ready", async () => {
      const found = await Promise.all(["ks-1", "ks-2", "ks-3"].map((n) => getNode(n)));
      return found.every((n) => ready(n)?.status === "True") ? found : undefined;
    });
    const cidrs = new Set([...nodes.map((n) => n.spec?.podCIDR), (await getNode("kn-1")).spec?.podCIDR]);
    expect(cidrs.size).toBe(4);
  });

  const runningPod = (name: string) =>
    eventually(`${name} Running`, async () => {
      const pod = await client.get<Pod>(resourceTypes.pods, name, "default");
      return pod.status?.phase === "Running" ? pod : undefined;
    });

  it("stops renewing its Lease once killed -9, while a live kubelet keeps renewing", async () => {
    await client.create<Pod>(resourceTypes.pods, { metadata: { name: "survivor", namespace: "default" }, spec: { nodeName: "kn-1", containers: [{ name: "app", image: "app:1" }] } });
    await runningPod("survivor");
    expect(await stopKubelet(single, "SIGKILL")).toBeNull();
    const frozen = (await getLease("kn-1")).spec?.renewTime;
    // Three renewals of a live node's lease take at least two renew intervals of kn-1 too.
    let live = (await getLease("ks-1")).spec?.renewTime ?? "";
    for (let renewal = 0; renewal < 3; renewal++) {
      const before = live;
      live = await eventually("ks-1 renewal", async () => {
        const time = (await getLease("ks-1")).spec?.renewTime ?? "";
        return time > before ? time : undefined;
      });
    }
    expect((await getLease("kn-1")).spec?.renewTime).toBe(frozen);
  });

  it("re-uses its Node after a restart and adopts the pods still running, keeping their addresses", async () => {
    const before = await getNode("kn-1");
    const survivor = await client.get<Pod>(resourceTypes.pods, "survivor", "default");
    const frozen = (await getLease("kn-1")).spec?.renewTime ?? "";
    single = startKubelet(apiserver.url, ["--node", "kn-1", "--cpu", "2", "--memory", "4Gi", "--max-pods", "20"]);
    await eventually("kn-1 renewing again", async () => ((await getLease("kn-1")).spec?.renewTime ?? "") > frozen || undefined);
    expect((await getNode("kn-1")).metadata.uid).toBe(before.metadata.uid);
    await client.create<Pod>(resourceTypes.pods, { metadata: { name: "newcomer", namespace: "default" }, spec: { nodeName: "kn-1", containers: [{ name: "app", image: "app:1" }] } });
    const newcomer = await runningPod("newcomer");
    const adopted = await client.get<Pod>(resourceTypes.pods, "survivor", "default");
    expect(adopted.status?.podIP).toBe(survivor.status?.podIP);
    expect(adopted.status?.containerStatuses?.[0]?.containerID).toBe(survivor.status?.containerStatuses?.[0]?.containerID);
    expect(newcomer.status?.podIP).not.toBe(survivor.status?.podIP);
    expect((await podEvents("survivor")).filter((e) => e.reason === "Started").map((e) => e.count)).toEqual([1]);
  });

  it("exits 0 on SIGTERM", async () => {
    expect(await stopKubelet(many)).toBe(0);
    expect(many.output()).not.toMatch(/"level":(50|60)/);
  });
});
