// The scheduler as real processes against a real apiserver and store: it binds pods to nodes
// that fit, leaves an oversize pod Pending with kube-scheduler's wording, avoids a cordoned
// node, and of two replicas only the leader schedules — until it is killed with -9 and the
// other takes over within one lease duration.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoreEvent, KubeList, Lease, Pod } from "../client/index.js";
import { startApiServerProcess, type ApiServerProcess } from "./support/apiserver-process.js";
import { startStoreCluster, type StoreCluster } from "./support/store-cluster.js";
import { eventually } from "./support/wait.js";

const root = path.resolve(import.meta.dirname, "..");
const leaseDurationMs = 2_000;
const retryPeriodMs = 300;

let store: StoreCluster;
let apiserver: ApiServerProcess;

interface SchedulerProcess {
  readonly identity: string;
  readonly process: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

const schedulers: SchedulerProcess[] = [];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-scheduler-"));

function startScheduler(identity: string, extraArgs: readonly string[] = []): SchedulerProcess {
  const child = spawn(
    process.execPath,
    [
      path.join(root, "dist/cluster/main.js"),
      "scheduler",
      "--server",
      apiserver.url,
      "--identity",
      identity,
      "--leader-elect-lease-duration",
      `${leaseDurationMs / 1000}s`,
      "--leader-elect-renew-deadline",
      "1500ms",
      "--leader-elect-retry-period",
      `${retryPeriodMs}ms`,
      ...extraArgs,
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const scheduler = { identity, process: child, output: () => output, exited };
  schedulers.push(scheduler);
  return scheduler;
}

async function api<T>(method: string, urlPath: string, body?: unknown, contentType = "application/json"): Promise<T> {
  const response = await fetch(`${apiserver.url}${urlPath}`, {
    method,
    headers: body === undefined ? {} : { "content-type": contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${urlPath}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Polls `probe` until it returns something other than undefined. */
async function createNode(name: string, cpu: string): Promise<void> {
  const created = await api<{ metadata: { resourceVersion: string } }>("POST", "/api/v1/nodes", {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
  });
  const allocatable = { cpu, memory: "8Gi", pods: "110" };
  await api("PUT", `/api/v1/nodes/${name}/status`, {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, resourceVersion: created.metadata.resourceVersion },
    status: { capacity: allocatable, allocatable, conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }] },
  });
}

async function createPod(name: string, cpu: string): Promise<void> {
  await api("POST", "/api/v1/namespaces/default/pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "app", image: "nginx", resources: { requests: { cpu } } }] },
  });
}

const getPod = (name: string) => api<Pod>("GET", `/api/v1/namespaces/default/pods/${name}`);

function boundNode(name: string): Promise<string> {
  return eventually(`pod ${name} to be bound`, async () => (await getPod(name)).spec.nodeName || undefined);
}

async function events(podName: string, reason: string): Promise<CoreEvent[]> {
  const list = await api<KubeList<CoreEvent>>("GET", `/api/v1/namespaces/default/events`);
  return list.items.filter((event) => event.involvedObject.name === podName && event.reason === reason);
}

const leaseHolder = async () =>
  (await api<Lease>("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler")).spec?.holderIdentity;

const boundLines = (scheduler: SchedulerProcess) => scheduler.output().split("\n").filter((line) => line.includes('"msg":"bound"'));

beforeAll(async () => {
  store = await startStoreCluster({ members: 1 });
  apiserver = await startApiServerProcess(store.endpoints);
  await createNode("node-small", "1");
  await createNode("node-big", "4");
}, 30_000);

afterAll(async () => {
  for (const scheduler of schedulers) {
    if (scheduler.process.exitCode === null && scheduler.process.signalCode === null) scheduler.process.kill("SIGKILL");
    await scheduler.exited;
  }
  await apiserver?.stop();
  await store?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe("scheduler processes", () => {
  let first: SchedulerProcess;
  let second: SchedulerProcess;

  it("the first replica takes the Lease and says so on /status; the second follows", async () => {
    const urlFile = path.join(scratch, "url.json");
    first = startScheduler("scheduler-a", ["--port", "0", "--url-file", urlFile]);
    await eventually("scheduler-a to lead", async () => ((await leaseHolder()) === "scheduler-a" ? true : undefined));
    const { url } = JSON.parse(fs.readFileSync(urlFile, "utf8")) as { url: string };
    const status = await eventually("scheduler-a ready and leading", async () => {
      if ((await fetch(`${url}/readyz`)).status !== 200) return undefined;
      const body = (await (await fetch(`${url}/status`)).json()) as { leading: boolean; nodes: number };
      return body.leading ? body : undefined;
    });
    expect(status.nodes).toBe(2);
    second = startScheduler("scheduler-b");
    await eventually("scheduler-b to see the leader", async () => (second.output().includes('"leader":"scheduler-a"') ? true : undefined));
  });

  it("binds a pod to the node it fits, with a Scheduled event", async () => {
    await createPod("fits", "2");
    expect(await boundNode("fits")).toBe("node-big");
    const scheduled = await eventually("a Scheduled event", async () => (await events("fits", "Scheduled"))[0]);
    expect(scheduled.type).toBe("Normal");
    expect(scheduled.message).toBe("Successfully assigned default/fits to node-big");
  });

  it("leaves an oversize pod Pending with PodScheduled=False/Unschedulable, kube-scheduler's message and a FailedScheduling event", async () => {
    await createPod("oversize", "100");
    const expected = "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..";
    const condition = await eventually("PodScheduled=False", async () => (await getPod("oversize")).status?.conditions?.find((c) => c.type === "PodScheduled"));
    expect(condition).toMatchObject({ status: "False", reason: "Unschedulable", message: expected });
    const failed = await eventually("a FailedScheduling event", async () => (await events("oversize", "FailedScheduling"))[0]);
    expect(failed).toMatchObject({ type: "Warning", message: expected });
    expect((await getPod("oversize")).spec.nodeName).toBeUndefined();
  });

  it("gives a cordoned node no new pods", async () => {
    await api("PATCH", "/api/v1/nodes/node-big", { spec: { unschedulable: true } }, "application/merge-patch+json");
    // node-big has more room, so only the cordon keeps these pods off it.
    for (const name of ["after-cordon-1", "after-cordon-2"]) {
      await createPod(name, "100m");
      expect(await boundNode(name)).toBe("node-small");
    }
  });

  it("retries a waiting pod when a node joins (move to active on a cluster event)", async () => {
    await createNode("node-huge", "128");
    expect(await boundNode("oversize")).toBe("node-huge");
  });

  it("only the leader binds; kill -9 of the leader → the follower takes over within one lease duration and schedules", async () => {
    // Four bindings so far (fits, oversize, after-cordon-1 and -2); their log lines travel through
    // a pipe and may arrive after the bindings are visible in the API.
    await eventually("scheduler-a's log of four bindings", async () => (boundLines(first).length >= 4 ? true : undefined));
    expect(boundLines(second)).toEqual([]);
    expect(second.output()).not.toContain("started leading");

    first.process.kill("SIGKILL");
    const killedAt = Date.now();
    await eventually("scheduler-b to take the Lease", async () => ((await leaseHolder()) === "scheduler-b" ? true : undefined));
    const takeoverMs = Date.now() - killedAt;
    // One lease duration from the last renewal it observed (at most one retry period before the
    // kill), plus its next jittered retry and a request; the rest is slack for a loaded machine.
    expect(takeoverMs).toBeLessThan(leaseDurationMs + 1_500);

    await createPod("after-failover", "100m");
    // node-huge is nearly full of "oversize"; node-big is cordoned.
    expect(await boundNode("after-failover")).toBe("node-small");
    // The log line travels through a pipe and may arrive after the binding is visible in the API.
    await eventually("scheduler-b's log of the binding", async () => (boundLines(second).some((line) => line.includes("default/after-failover")) ? true : undefined));
  });

  it("SIGTERM stops the leader cleanly: exit 0 and the Lease released", async () => {
    second.process.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(await leaseHolder()).toBe("");
  });
});
