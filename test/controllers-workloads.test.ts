// The ReplicaSet and Deployment controllers in this process against a real store, apiserver,
// scheduler and simulated kubelets: a Deployment's pods really run, a rollout keeps within
// maxSurge/maxUnavailable as seen by a watch of the pods, a scale-down converges, and a bare
// ReplicaSet adopts an orphan instead of creating one more.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Informer, KubeClient, resourceTypes, type CoreEvent, type Pod } from "../client/index.js";
import {
  SharedInformers,
  defaultControllerManagerSettings,
  newDeploymentController,
  newReplicaSetController,
  recorderFactory,
  type Controller,
  type ControllerContext,
  type Deployment,
  type ReplicaSet,
} from "../controllers/index.js";
// Only these two controllers run here, and controllers/index.ts does not export their factories.
import { startApiServerProcess, type ApiServerProcess } from "./support/apiserver-process.js";
import { startComponent, type ComponentProcess } from "./support/component-process.js";
import { startStoreCluster, type StoreCluster } from "./support/store-cluster.js";
import { eventually } from "./support/wait.js";

const namespace = "default";

/** The real kubectl (v1.32 through gcloud's dispatcher) against our apiserver. */
async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)("kubectl", ["--server", apiserver.url, ...args], { timeout: 20_000 });
  return stdout;
}

const isReady = (pod: Pod) => pod.status?.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True") === true;

/** `kubectl rollout status`'s test of a finished rollout. */
function rolledOut(deployment: Deployment): boolean {
  const status = deployment.status ?? {};
  const desired = deployment.spec.replicas ?? 1;
  return (deployment.metadata.generation ?? 0) <= (status.observedGeneration ?? 0) && (status.updatedReplicas ?? 0) >= desired && (status.replicas ?? 0) <= (status.updatedReplicas ?? 0) && (status.availableReplicas ?? 0) >= (status.updatedReplicas ?? 0);
}

let store: StoreCluster;
let apiserver: ApiServerProcess;
let client: KubeClient;
let informers: SharedInformers;
let podWatch: Informer<Pod>;
const components: ComponentProcess[] = [];
const stop = new AbortController();
let running: Promise<void>[] = [];

beforeAll(async () => {
  store = await startStoreCluster({ members: 1 });
  apiserver = await startApiServerProcess(store.endpoints);
  const logger = pino({ level: "warn" });
  client = new KubeClient({ servers: [apiserver.url], logger });
  components.push(await startComponent("scheduler", ["--server", apiserver.url, "--leader-elect=false", "--log-level", "warn"]));
  components.push(await startComponent("kubelet-sim", ["--server", apiserver.url, "--nodes", "3", "--node-prefix", "wl-", "--pod-start-delay", "0s", "--pod-stop-delay", "100ms", "--log-level", "warn"]));
  informers = new SharedInformers(client, logger);
  const context: ControllerContext = { client, informers, logger, settings: { ...defaultControllerManagerSettings, workers: 2 }, recorder: recorderFactory(client, logger), now: () => Date.now() };
  const controllers: Controller[] = [newReplicaSetController(context), newDeploymentController(context)];
  informers.start();
  await informers.waitForSync();
  running = controllers.map((controller) => controller.run(stop.signal));
  podWatch = new Informer<Pod>(client, resourceTypes.pods, { namespace, logger });
  podWatch.start();
  await podWatch.waitForSync();
}, 30_000);

afterAll(async () => {
  stop.abort();
  await Promise.all(running);
  await podWatch?.stop();
  await informers?.stop();
  await Promise.all(components.map((component) => component.stop()));
  await apiserver?.stop();
  await store?.stop();
});

describe("workload controllers (in process, real apiserver, scheduler and kubelets)", () => {
  it("runs a Deployment, rolls it out within maxSurge/maxUnavailable, and scales it down", async () => {
    const livePods = () => podWatch.list().filter((pod) => pod.metadata.labels?.app === "web" && pod.metadata.deletionTimestamp === undefined);
    const image = (pod: Pod) => pod.spec.containers[0]?.image;
    await client.create<Deployment>(resourceTypes.deployments, {
      metadata: { name: "web", namespace },
      spec: {
        replicas: 6,
        selector: { matchLabels: { app: "web" } },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } },
      },
    });
    await eventually("6 pods running and ready on the nodes", () => {
      const pods = livePods();
      return pods.length === 6 && pods.every((pod) => pod.status?.phase === "Running" && isReady(pod) && pod.spec.nodeName?.startsWith("wl-") === true) ? pods : undefined;
    });
    const first = await eventually("the first rollout complete", async () => {
      const deployment = await client.get<Deployment>(resourceTypes.deployments, "web", namespace);
      return rolledOut(deployment) && deployment.status?.availableReplicas === 6 ? deployment : undefined;
    });
    expect(first.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");

    // Watch every pod change during the rollout: never more than 6+1 pods, never fewer than 6-1 ready.
    let mostPods = 0;
    let fewestReady = Number.POSITIVE_INFINITY;
    const observe = () => {
      const pods = livePods();
      mostPods = Math.max(mostPods, pods.length);
      fewestReady = Math.min(fewestReady, pods.filter(isReady).length);
    };
    podWatch.addHandler({ onAdd: observe, onUpdate: observe, onDelete: observe });
    const current = await client.get<Deployment>(resourceTypes.deployments, "web", namespace);
    const [container] = current.spec.template.spec.containers;
    if (container !== undefined) container.image = "nginx:1.28";
    await client.update<Deployment>(resourceTypes.deployments, current);
    const rolled = await eventually(
      "the image rollout complete",
      async () => {
        const deployment = await client.get<Deployment>(resourceTypes.deployments, "web", namespace);
        const pods = livePods();
        return rolledOut(deployment) && pods.length === 6 && pods.every((pod) => image(pod) === "nginx:1.28" && isReady(pod)) ? deployment : undefined;
      },
      40_000,
    );
    expect(mostPods).toBeLessThanOrEqual(7);
    expect(fewestReady).toBeGreaterThanOrEqual(5);
    expect(mostPods).toBeGreaterThanOrEqual(6);
    expect(rolled.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    expect(rolled.status?.conditions?.find((condition) => condition.type === "Progressing")?.reason).toBe("NewReplicaSetAvailable");
    expect(rolled.status?.conditions?.find((condition) => condition.type === "Available")?.status).toBe("True");
    // The real kubectl agrees that the rollout finished.
    const stdout = await kubectl("rollout", "status", "deployment/web", "-n", namespace, "--timeout=15s");
    expect(stdout).toContain('deployment "web" successfully rolled out');
    const replicaSets = (await client.list<ReplicaSet>(resourceTypes.replicasets, { namespace })).items.filter((replicaSet) => replicaSet.metadata.name?.startsWith("web-") === true);
    expect(replicaSets.map((replicaSet) => replicaSet.spec.replicas).sort()).toEqual([0, 6]);

    // The real kubectl's rollback: it patches the template of revision 1 back in; the old
    // ReplicaSet is reused under revision 3.
    await kubectl("rollout", "undo", "deployment/web", "-n", namespace);
    const undone = await eventually("the rollback complete", async () => {
      const deployment = await client.get<Deployment>(resourceTypes.deployments, "web", namespace);
      const pods = livePods();
      return rolledOut(deployment) && pods.length === 6 && pods.every((pod) => image(pod) === "nginx:1.27" && isReady(pod)) ? deployment : undefined;
    }, 40_000);
    expect(undone.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
    expect(mostPods).toBeLessThanOrEqual(7);
    expect(fewestReady).toBeGreaterThanOrEqual(5);
    const afterUndo = (await client.list<ReplicaSet>(resourceTypes.replicasets, { namespace })).items.filter((replicaSet) => replicaSet.metadata.name?.startsWith("web-") === true);
    expect(afterUndo).toHaveLength(2);
    expect(afterUndo.find((replicaSet) => replicaSet.spec.replicas === 6)?.metadata.annotations).toMatchObject({ "deployment.kubernetes.io/revision": "3", "deployment.kubernetes.io/revision-history": "1" });

    await client.patch(resourceTypes.deployments, "web", { spec: { replicas: 2 } }, { namespace, subresource: "scale" });
    await eventually("scaled to 2", async () => {
      const deployment = await client.get<Deployment>(resourceTypes.deployments, "web", namespace);
      return rolledOut(deployment) && deployment.status?.replicas === 2 && livePods().length === 2 ? true : undefined;
    });
    const events = (await client.list<CoreEvent>(resourceTypes.events, { namespace })).items;
    const scaling = events.filter((event) => event.reason === "ScalingReplicaSet" && event.involvedObject.name === "web").map((event) => event.message ?? "");
    expect(scaling.some((message) => /^Scaled up replica set web-[a-z0-9]+ from 0 to 6$/.test(message))).toBe(true);
    // After 10 different "Scaled ..." messages about web the deployment controller's recorder
    // combines the rest into one Event, and after 25 writes about web its spam filter holds the
    // rest back (client-go's event correlator): the final scale to 2 may not be on record.
    expect(scaling.every((message) => /^(\(combined from similar events\): )?Scaled (up|down) replica set web-[a-z0-9]+ from \d+ to \d+$/.test(message))).toBe(true);
    expect(scaling.some((message) => /Scaled down replica set web-[a-z0-9]+ from 6 to [0-9]$/.test(message))).toBe(true);
    expect(events.some((event) => event.reason === "SuccessfulCreate" && event.involvedObject.kind === "ReplicaSet" && /^Created pod: web-[a-z0-9]+-[a-z0-9]+$/.test(event.message ?? ""))).toBe(true);
  }, 90_000);

  it("a ReplicaSet adopts a matching orphan pod, creates only the rest, and never a pod too many", async () => {
    const seen = new Set<string>();
    const remember = (pod: Pod) => {
      if (pod.metadata.labels?.app === "cache") seen.add(pod.metadata.uid ?? "");
    };
    podWatch.addHandler({ onAdd: remember, onUpdate: (_previous, pod) => remember(pod) });
    await client.create<Pod>(resourceTypes.pods, { metadata: { name: "orphan-cache", namespace, labels: { app: "cache" } }, spec: { containers: [{ name: "cache", image: "redis:7" }] } });
    const replicaSet = await client.create<ReplicaSet>(resourceTypes.replicasets, {
      metadata: { name: "cache", namespace },
      spec: { replicas: 3, selector: { matchLabels: { app: "cache" } }, template: { metadata: { labels: { app: "cache" } }, spec: { containers: [{ name: "cache", image: "redis:7" }] } } },
    });
    const ownedPods = () => podWatch.list().filter((pod) => pod.metadata.labels?.app === "cache" && pod.metadata.ownerReferences?.[0]?.uid === replicaSet.metadata.uid);
    const pods = await eventually("3 cache pods owned by the ReplicaSet", () => (ownedPods().length === 3 ? ownedPods() : undefined));
    expect(pods.map((pod) => pod.metadata.name)).toContain("orphan-cache");
    const status = await eventually("status counts", async () => {
      const current = await client.get<ReplicaSet>(resourceTypes.replicasets, "cache", namespace);
      return current.status?.readyReplicas === 3 ? current.status : undefined;
    });
    expect(status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(seen.size).toBe(3);

    // Scale up in a burst (slow-start batches of 1, 2, 4, 8, 5): exactly 20 pods ever, then back down.
    await client.patch(resourceTypes.replicasets, "cache", { spec: { replicas: 20 } }, { namespace, subresource: "scale" });
    await eventually("20 pods ready", async () => {
      const current = await client.get<ReplicaSet>(resourceTypes.replicasets, "cache", namespace);
      return current.status?.readyReplicas === 20 ? true : undefined;
    }, 40_000);
    expect(seen.size).toBe(20);
    await client.patch(resourceTypes.replicasets, "cache", { spec: { replicas: 1 } }, { namespace, subresource: "scale" });
    await eventually("1 pod left", () => (ownedPods().filter((pod) => pod.metadata.deletionTimestamp === undefined).length === 1 ? true : undefined));
    expect(seen.size).toBe(20);
    // Not-ready and unscheduled pods go first: the one kept is ready.
    const [kept] = ownedPods().filter((pod) => pod.metadata.deletionTimestamp === undefined);
    expect(kept !== undefined && isReady(kept)).toBe(true);
  }, 60_000);
});
