// The node lifecycle, garbage collector, endpoints and namespace controllers in this process
// (with the rest of the controller-manager's controllers),
// against a real store, a real apiserver and two kubelet-sim processes (one per node, so that one
// can be killed with SIGKILL). Short timings: a 2 s grace period, pods tolerating an unreachable
// node for 1 s.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { KubeClient, isNotFound, resourceTypes, type CoreEvent, type KubeObject, type Node, type Pod } from "../client/index.js";
import { SharedInformers, allControllers, defaultControllerManagerSettings, recorderFactory, type Controller, type ControllerContext } from "../controllers/index.js";
import { startApiServerProcess, type ApiServerProcess } from "./support/apiserver-process.js";
import { startComponent, type ComponentProcess } from "./support/component-process.js";
import { startStoreCluster, type StoreCluster } from "./support/store-cluster.js";

const namespace = "default";

interface EndpointAddress {
  ip: string;
  nodeName?: string;
  targetRef?: { name?: string };
}

interface Endpoints extends KubeObject {
  subsets?: { addresses?: EndpointAddress[]; notReadyAddresses?: EndpointAddress[]; ports?: { name?: string; port: number; protocol?: string }[] }[];
}
const liveNode = "infra-live";
const doomedNode = "infra-doomed";

let cluster: StoreCluster;
let apiserver: ApiServerProcess;
let client: KubeClient;
let informers: SharedInformers;
const kubelets = new Map<string, ComponentProcess>();
const stop = new AbortController();
let running: Promise<void>[] = [];
const logLines: string[] = [];

/** Polls `probe` (vitest's waitFor) until it returns something other than undefined. */
function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  return vi.waitFor(async () => (await probe()) ?? Promise.reject(new Error(`still waiting for ${what}`)), { timeout: 15_000, interval: 50 });
}

async function gone(type: (typeof resourceTypes)[keyof typeof resourceTypes], name: string, ns?: string): Promise<boolean | undefined> {
  try {
    await client.get(type, name, ns);
    return undefined;
  } catch (error) {
    if (isNotFound(error)) return true;
    throw error;
  }
}

function webPod(name: string, node: string, tolerations: Pod["spec"]["tolerations"] = []): Pod {
  return {
    metadata: { name, namespace, labels: { app: "infra-web" } },
    spec: { nodeName: node, tolerations, containers: [{ name: "web", image: "nginx", ports: [{ name: "http", containerPort: 8080 }] }] },
  };
}

function configMap(name: string, owner?: KubeObject, blockOwnerDeletion?: boolean): KubeObject {
  const ownerReferences =
    owner === undefined ? undefined : [{ apiVersion: "v1", kind: "ConfigMap", name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "", ...(blockOwnerDeletion === undefined ? {} : { blockOwnerDeletion }) }];
  return { metadata: { name, namespace, ...(ownerReferences === undefined ? {} : { ownerReferences }) } };
}

function startKubelet(node: string): Promise<ComponentProcess> {
  return startComponent("kubelet-sim", ["--server", apiserver.url, "--node", node, "--node-lease-duration-seconds", "2", "--node-lease-renew-interval", "300ms", "--pod-start-delay", "0s", "--pod-stop-delay", "0s", "--log-level", "warn"]);
}

beforeAll(async () => {
  cluster = await startStoreCluster({ members: 1 });
  apiserver = await startApiServerProcess(cluster.endpoints, ["--default-not-ready-toleration-seconds", "1", "--default-unreachable-toleration-seconds", "1"]);
  // Info lines are kept (not printed) so that a test can wait for what the controllers report.
  const logger = pino({ level: "info" }, { write: (line: string) => void logLines.push(line) });
  client = new KubeClient({ servers: [apiserver.url], logger });
  for (const node of [liveNode, doomedNode]) kubelets.set(node, await startKubelet(node));
  informers = new SharedInformers(client, logger);
  const ctx: ControllerContext = {
    client,
    informers,
    logger,
    settings: { ...defaultControllerManagerSettings, nodeMonitorGracePeriodMs: 2_000, nodeMonitorPeriodMs: 300, nodeEvictionRatePerSecond: 10, workers: 2 },
    recorder: recorderFactory(client, logger),
    now: () => Date.now(),
  };
  // Every controller the controller-manager runs (the replicaset controller too: no pod here has
  // an owner, so it stays out of the way).
  const controllers: Controller[] = allControllers.map((factory) => factory(ctx));
  informers.start();
  await informers.waitForSync();
  running = controllers.map((controller) => controller.run(stop.signal));
}, 30_000);

afterAll(async () => {
  stop.abort();
  await Promise.all(running);
  await informers?.stop();
  await Promise.all([...kubelets.values()].map((kubelet) => kubelet.stop()));
  await apiserver?.stop();
  await cluster?.stop();
});

describe("infrastructure controllers (in process, real apiserver and kubelets)", () => {
  it("keeps a Service's Endpoints in step with its pods, and removes them with the Service", async () => {
    await client.create(resourceTypes.services, { metadata: { name: "infra-web", namespace }, spec: { selector: { app: "infra-web" }, ports: [{ name: "web", port: 80, targetPort: "http" }] } });
    for (const [name, node] of [["web-a", liveNode], ["web-b", liveNode]] as const) await client.create(resourceTypes.pods, webPod(name, node));
    const endpoints = await eventually("two ready addresses", async () => {
      const current = await client.get<Endpoints>(resourceTypes.endpoints, "infra-web", namespace);
      return current.subsets?.[0]?.addresses?.length === 2 ? current : undefined;
    });
    expect(endpoints.subsets?.[0]?.ports).toEqual([{ name: "web", port: 8080, protocol: "TCP" }]);
    expect(endpoints.subsets?.[0]?.addresses?.map((a) => a.targetRef?.name).sort()).toEqual(["web-a", "web-b"]);
    expect(endpoints.subsets?.[0]?.addresses?.every((a) => a.nodeName === liveNode && a.ip !== "")).toBe(true);

    await client.delete(resourceTypes.pods, "web-b", { namespace });
    await eventually("web-b out of the endpoints", async () => {
      const current = await client.get<Endpoints>(resourceTypes.endpoints, "infra-web", namespace);
      const names = (current.subsets ?? []).flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]).map((a) => a.targetRef?.name);
      return names.length === 1 && names[0] === "web-a" ? true : undefined;
    });

    await client.delete(resourceTypes.services, "infra-web", { namespace });
    expect(await eventually("the endpoints deleted", () => gone(resourceTypes.endpoints, "infra-web", namespace))).toBe(true);
    await client.delete(resourceTypes.pods, "web-a", { namespace });
  });

  it("collects dependents in the background, in the foreground and orphans them", async () => {
    const owner = await client.create(resourceTypes.configmaps, configMap("gc-owner"));
    await client.create(resourceTypes.configmaps, configMap("gc-dependent", owner));
    await client.delete(resourceTypes.configmaps, "gc-owner", { namespace });
    expect(await eventually("the background dependent deleted", () => gone(resourceTypes.configmaps, "gc-dependent", namespace))).toBe(true);

    // Foreground: the blocking dependent holds a finalizer of its own, so it lingers once deleted;
    // the owner must wait for it.
    const foregroundOwner = await client.create(resourceTypes.configmaps, configMap("gc-fg-owner"));
    const held = configMap("gc-fg-dependent", foregroundOwner, true);
    held.metadata.finalizers = ["example.com/hold"];
    await client.create(resourceTypes.configmaps, held);
    const marked = (await client.delete(resourceTypes.configmaps, "gc-fg-owner", { namespace, propagationPolicy: "Foreground" })) as KubeObject;
    expect(marked.metadata.finalizers).toContain("foregroundDeletion");
    await eventually("the foreground dependent being deleted", async () => {
      const dependent = await client.get<KubeObject>(resourceTypes.configmaps, "gc-fg-dependent", namespace);
      return dependent.metadata.deletionTimestamp === undefined ? undefined : true;
    });
    const waiting = await client.get<KubeObject>(resourceTypes.configmaps, "gc-fg-owner", namespace);
    expect(waiting.metadata.finalizers).toEqual(["foregroundDeletion"]);
    await client.patch(resourceTypes.configmaps, "gc-fg-dependent", { metadata: { finalizers: null } }, { namespace });
    expect(await eventually("the foreground owner deleted after its dependent", () => gone(resourceTypes.configmaps, "gc-fg-owner", namespace))).toBe(true);
    expect(await gone(resourceTypes.configmaps, "gc-fg-dependent", namespace)).toBe(true);

    const orphanOwner = await client.create(resourceTypes.configmaps, configMap("gc-or-owner"));
    await client.create(resourceTypes.configmaps, configMap("gc-or-dependent", orphanOwner, true));
    await client.delete(resourceTypes.configmaps, "gc-or-owner", { namespace, propagationPolicy: "Orphan" });
    expect(await eventually("the orphaning owner deleted", () => gone(resourceTypes.configmaps, "gc-or-owner", namespace))).toBe(true);
    const orphan = await client.get<KubeObject>(resourceTypes.configmaps, "gc-or-dependent", namespace);
    expect(orphan.metadata.ownerReferences).toBeUndefined();

    // An owner that never existed (a uid nobody has): verified absent with a live read, collected.
    await client.create(resourceTypes.configmaps, configMap("gc-dangling", { metadata: { name: "never-was", uid: "00000000-0000-0000-0000-000000000000" } }));
    expect(await eventually("the dangling dependent deleted", () => gone(resourceTypes.configmaps, "gc-dangling", namespace))).toBe(true);
  });

  it("empties a Terminating namespace (pods ended by their kubelet), reports what a finalizer holds, and removes the namespace once it is released", async () => {
    type NamespaceWithStatus = KubeObject & { spec?: { finalizers?: string[] }; status?: { phase?: string; conditions?: { type: string; status: string; message: string }[] } };
    await client.create(resourceTypes.namespaces, { metadata: { name: "infra-ns" } });
    await client.create(resourceTypes.configmaps, { metadata: { name: "plain", namespace: "infra-ns" } });
    await client.create(resourceTypes.configmaps, { metadata: { name: "held", namespace: "infra-ns", finalizers: ["example.com/hold"] } });
    const nsPod = webPod("infra-ns-pod", liveNode);
    await client.create(resourceTypes.pods, { ...nsPod, metadata: { name: "infra-ns-pod", namespace: "infra-ns" }, spec: { ...nsPod.spec, terminationGracePeriodSeconds: 0 } });
    await eventually("the pod Running", async () => ((await client.get<Pod>(resourceTypes.pods, "infra-ns-pod", "infra-ns")).status?.phase === "Running" ? true : undefined));
    await client.delete(resourceTypes.namespaces, "infra-ns");
    const terminating = await client.get<NamespaceWithStatus>(resourceTypes.namespaces, "infra-ns");
    expect(terminating.status?.phase).toBe("Terminating");
    // 5 s after the deletion (namespaceDeletionGracePeriod, as each namespace event), the
    // controller deletes the content: the pod gracefully (its kubelet ends it), the plain
    // configmap at once; the held one stays, and the namespace's status says why.
    expect(await eventually("the pod gone", () => gone(resourceTypes.pods, "infra-ns-pod", "infra-ns"))).toBe(true);
    expect(await eventually("the plain configmap gone", () => gone(resourceTypes.configmaps, "plain", "infra-ns"))).toBe(true);
    const held = await eventually("the finalizer reported", async () => {
      const namespace = await client.get<NamespaceWithStatus>(resourceTypes.namespaces, "infra-ns");
      const condition = namespace.status?.conditions?.find((c) => c.type === "NamespaceFinalizersRemaining" && c.status === "True");
      const content = namespace.status?.conditions?.find((c) => c.type === "NamespaceContentRemaining");
      // A pass that still saw the pod wrote another message; wait for the one after it.
      return condition === undefined || content?.message !== "Some resources are remaining: configmaps. has 1 resource instances" ? undefined : { namespace, condition };
    });
    expect(held.condition.message).toBe("Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances");
    expect(held.namespace.status?.conditions?.find((c) => c.type === "NamespaceContentRemaining")?.message).toBe("Some resources are remaining: configmaps. has 1 resource instances");
    expect(held.namespace.spec?.finalizers).toEqual(["kubernetes"]);
    await client.patch(resourceTypes.configmaps, "held", { metadata: { finalizers: null } }, { namespace: "infra-ns" });
    // Looked at again within Kubernetes' 8 s (a 15 s estimate for finalizers, halved, plus 1 s).
    expect(await eventually("the namespace gone", () => gone(resourceTypes.namespaces, "infra-ns"))).toBe(true);
  }, 60_000);

  it("removes a namespace deleted with propagationPolicy Orphan or Foreground once the garbage collector has removed that finalizer", async () => {
    type NamespaceWithSpec = KubeObject & { spec?: { finalizers?: string[] } };
    for (const [name, policy, finalizer] of [["infra-ns-orphan", "Orphan", "orphan"], ["infra-ns-foreground", "Foreground", "foregroundDeletion"]] as const) {
      await client.create(resourceTypes.namespaces, { metadata: { name } });
      await client.create(resourceTypes.configmaps, { metadata: { name: "inside", namespace: name } });
      const marked = (await client.delete(resourceTypes.namespaces, name, { propagationPolicy: policy })) as NamespaceWithSpec;
      expect(marked.metadata.finalizers).toEqual([finalizer]);
      expect(marked.spec?.finalizers).toEqual(["kubernetes"]);
      expect(await eventually(`the content of ${name} gone`, () => gone(resourceTypes.configmaps, "inside", name))).toBe(true);
      expect(await eventually(`${name} gone`, () => gone(resourceTypes.namespaces, name))).toBe(true);
    }
  }, 60_000);

  it("marks a killed node Unknown, taints it, marks its pods NotReady, evicts those that do not tolerate it, and untaints it when it comes back", async () => {
    await client.create(resourceTypes.services, { metadata: { name: "infra-web", namespace }, spec: { selector: { app: "infra-web" }, ports: [{ name: "web", port: 80, targetPort: "http" }] } });
    await client.create(resourceTypes.pods, webPod("victim", doomedNode));
    // Tolerates the unreachable taint forever: stays, marked NotReady.
    await client.create(resourceTypes.pods, webPod("survivor", doomedNode, [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }]));
    await eventually("both pods ready in the endpoints", async () => {
      const current = await client.get<Endpoints>(resourceTypes.endpoints, "infra-web", namespace);
      return current.subsets?.[0]?.addresses?.length === 2 ? true : undefined;
    });

    await kubelets.get(doomedNode)?.stop("SIGKILL");
    const killedAtMs = Date.now();
    const node = await eventually("the node Unknown and tainted", async () => {
      const current = await client.get<Node>(resourceTypes.nodes, doomedNode);
      const ready = current.status?.conditions?.find((c) => c.type === "Ready");
      const tainted = ["NoExecute", "NoSchedule"].every((effect) => current.spec?.taints?.some((t) => t.key === "node.kubernetes.io/unreachable" && t.effect === effect && t.timeAdded !== undefined));
      return ready?.status === "Unknown" && tainted === true ? { current, ready } : undefined;
    });
    expect(node.ready).toMatchObject({ reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    // Not before the grace period (2 s) has passed on our clock.
    expect(Date.now() - killedAtMs).toBeGreaterThanOrEqual(2_000);
    // The live node keeps its Ready status and no taint.
    const live = await client.get<Node>(resourceTypes.nodes, liveNode);
    expect(live.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(live.spec?.taints ?? []).toEqual([]);

    const victim = await eventually("the victim evicted", async () => {
      const pod = await client.get<Pod>(resourceTypes.pods, "victim", namespace);
      return pod.metadata.deletionTimestamp === undefined ? undefined : pod;
    });
    expect(victim.status?.conditions?.find((c) => c.type === "DisruptionTarget")).toMatchObject({ status: "True", reason: "DeletionByTaintManager" });
    const survivor = await client.get<Pod>(resourceTypes.pods, "survivor", namespace);
    expect(survivor.metadata.deletionTimestamp).toBeUndefined();
    expect(survivor.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    await eventually("the survivor under notReadyAddresses, the victim gone from the endpoints", async () => {
      const current = await client.get<Endpoints>(resourceTypes.endpoints, "infra-web", namespace);
      const ready = (current.subsets ?? []).flatMap((s) => s.addresses ?? []);
      const notReady = (current.subsets ?? []).flatMap((s) => s.notReadyAddresses ?? []).map((a) => a.targetRef?.name);
      return ready.length === 0 && notReady.length === 1 && notReady[0] === "survivor" ? true : undefined;
    });

    // The node comes back (a new kubelet process, same node): Ready again and untainted.
    kubelets.set(doomedNode, await startKubelet(doomedNode));
    await eventually("the node Ready and untainted", async () => {
      const current = await client.get<Node>(resourceTypes.nodes, doomedNode);
      const ready = current.status?.conditions?.find((c) => c.type === "Ready")?.status;
      return ready === "True" && (current.spec?.taints ?? []).length === 0 ? true : undefined;
    });

    const events = (await client.list<CoreEvent>(resourceTypes.events, { namespace })).items;
    expect(events.some((e) => e.reason === "TaintManagerEviction" && e.involvedObject.name === "victim" && e.message === "Marking for deletion Pod default/victim")).toBe(true);
    expect(events.some((e) => e.reason === "NodeNotReady" && e.involvedObject.kind === "Node" && e.involvedObject.name === doomedNode)).toBe(true);
    expect(events.some((e) => e.reason === "NodeNotReady" && e.involvedObject.name === "survivor" && e.type === "Warning")).toBe(true);
  });

  it("stops tainting and evicting when every node is lost at once (full disruption)", async () => {
    // Tolerates an unreachable node for 5 s: time enough for the controller to see that every
    // node is gone, whichever one it saw go first.
    await client.create(resourceTypes.pods, webPod("bystander", liveNode, [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }]));
    await eventually("the bystander running", async () => {
      const pod = await client.get<Pod>(resourceTypes.pods, "bystander", namespace);
      return pod.status?.phase === "Running" ? true : undefined;
    });
    await Promise.all([...kubelets.values()].map((kubelet) => kubelet.stop("SIGKILL")));
    await eventually("full disruption reported", async () => (logLines.some((line) => line.includes("entered master disruption mode")) ? true : undefined));
    await eventually("every node Unknown and none NoExecute-tainted", async () => {
      const nodes = (await client.list<Node>(resourceTypes.nodes)).items;
      const allUnknown = nodes.every((n) => n.status?.conditions?.find((c) => c.type === "Ready")?.status === "Unknown");
      if (allUnknown && nodes.every((n) => !(n.spec?.taints ?? []).some((t) => t.effect === "NoExecute"))) return true;
      throw new Error(JSON.stringify(nodes.map((n) => [n.metadata.name, n.status?.conditions?.find((c) => c.type === "Ready")?.status, n.spec?.taints])));
    });
    const bystander = await client.get<Pod>(resourceTypes.pods, "bystander", namespace);
    expect(bystander.metadata.deletionTimestamp).toBeUndefined();
  });
});
