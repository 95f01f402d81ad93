// kubectl-lite, the compiled bin, against a real store and apiserver process: what a person
// types and what they read back (stdout, stderr, exit code), checked against the API.
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient, resourceTypes, type KubeObject, type Node } from "../client/index.js";
import { startApiServerProcess, type ApiServerProcess } from "./support/apiserver-process.js";
import { freePort, startStoreCluster, type StoreCluster } from "./support/store-cluster.js";

const bin = path.resolve(import.meta.dirname, "../dist/kubectl-lite/main.js");

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

let cluster: StoreCluster;
let apiserver: ApiServerProcess;
let client: KubeClient;
let dir: string;

function kubectl(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { env: options.env ?? { ...process.env, KUBE_LITE_SERVER: apiserver.url }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: error === null ? 0 : typeof error.code === "number" ? error.code : 1 });
    });
    child.stdin?.end(options.input ?? "");
  });
}

/** A long-running kubectl-lite (rollout status, get -w): its output so far, and its end. */
function startKubectl(args: readonly string[]): { output: () => string; until: (text: string) => Promise<void>; exited: Promise<Run>; stop: () => void } {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, KUBE_LITE_SERVER: apiserver.url }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters: (() => void)[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Run>((resolve) => child.once("exit", (code) => resolve({ stdout, stderr, code: code ?? 1 })));
  const until = async (text: string): Promise<void> => {
    while (!stdout.includes(text)) {
      const more = new Promise<void>((resolve) => waiters.push(resolve));
      const ended = exited.then((run) => {
        throw new Error(`kubectl-lite ${args.join(" ")} exited (${run.code}) before printing ${JSON.stringify(text)}: ${run.stdout}${run.stderr}`);
      });
      await Promise.race([more, ended]);
    }
  };
  return { output: () => stdout, until, exited, stop: () => child.kill("SIGINT") };
}

function manifest(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function deployment(name: string, replicas: number, extraLabel = ""): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}${extraLabel === "" ? "" : `\n    ${extraLabel}`}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: ${name}
        image: nginx:1.27
`;
}

const configMap = (data: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
${data}`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubectl-lite-test-"));
  cluster = await startStoreCluster({ members: 1 });
  apiserver = await startApiServerProcess(cluster.endpoints);
  client = new KubeClient({ servers: [apiserver.url] });
}, 60_000);

afterAll(async () => {
  await apiserver?.stop();
  await cluster?.stop();
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

describe("kubectl-lite apply", () => {
  it("creates, leaves unchanged, configures, and removes fields dropped from the file", { timeout: 20_000 }, async () => {
    const file = manifest("web.yaml", `${deployment("web", 2, "tier: front")}---\n${configMap('  a: "1"\n  b: "2"\n')}`);
    const first = await kubectl(["apply", "-f", file]);
    expect(first).toMatchObject({ code: 0, stdout: "deployment.apps/web created\nconfigmap/settings created\n" });
    const second = await kubectl(["apply", "-f", file]);
    expect(second.stdout).toBe("deployment.apps/web unchanged\nconfigmap/settings unchanged\n");

    manifest("web.yaml", `${deployment("web", 3)}---\n${configMap('  a: "1"\n')}`);
    const third = await kubectl(["apply", "-f", dir]);
    expect(third.stdout).toBe("deployment.apps/web configured\nconfigmap/settings configured\n");
    const web = await client.get<KubeObject & { spec: { replicas: number } }>(resourceTypes.deployments, "web", "default");
    expect(web.spec.replicas).toBe(3);
    expect(web.metadata.labels).toEqual({ app: "web" });
    const settings = await client.get<KubeObject & { data: Record<string, string> }>(resourceTypes.configmaps, "settings", "default");
    expect(settings.data).toEqual({ a: "1" });
  });

  it("reads stdin with -f -; create -f says AlreadyExists with the file's name", async () => {
    const run = await kubectl(["apply", "-f", "-"], { input: configMap('  a: "1"\n') });
    expect(run).toMatchObject({ code: 0, stdout: "configmap/settings unchanged\n" });
    const create = await kubectl(["create", "-f", "-"], { input: configMap('  a: "1"\n') });
    expect(create).toMatchObject({ code: 1, stderr: 'Error from server (AlreadyExists): error when creating "STDIN": configmaps "settings" already exists\n' });
  });

  it("names the file and line of a YAML syntax error", async () => {
    const file = manifest("broken.yml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [a, b\n  c: d\n");
    const run = await kubectl(["apply", "-f", file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^error: error parsing ${file.replace(/[.\\/]/g, "\\$&")}: yaml: line \\d+: `));
  });

  it("prints the server's field causes for an invalid object and goes on with the others", async () => {
    const file = manifest("invalid.yaml", `${deployment("bad", -1)}---\n${configMap('  a: "1"\n')}`);
    const run = await kubectl(["apply", "-f", file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('The Deployment "bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect(run.stdout).toBe("configmap/settings unchanged\n");
    fs.rmSync(file);
    fs.rmSync(path.join(dir, "broken.yml"));
  });
});

describe("kubectl-lite get", () => {
  it("prints the server's columns, kubectl's alignment and kind prefixes for several types", async () => {
    // Independent reads run side by side: each is a process of its own.
    const [run, wide, several, all, pods, empty] = await Promise.all([
      kubectl(["get", "deploy"]),
      kubectl(["get", "deployments.apps", "-o", "wide"]),
      kubectl(["get", "deploy,cm"]),
      kubectl(["get", "ns", "-A"]),
      kubectl(["get", "po", "-A"]),
      kubectl(["get", "pods", "-n", "nothing-here"]),
    ]);
    expect(run.code).toBe(0);
    const [header, row] = run.stdout.trimEnd().split("\n");
    expect(header).toBe("NAME   READY   UP-TO-DATE   AVAILABLE   AGE");
    expect(row).toMatch(/^web {4}0\/3 {5}0 {12}0 {11}\d+s$/);
    expect(wide.stdout.split("\n")[0]).toBe("NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR");
    expect(several.stdout).toMatch(/^NAME {18}READY.*\ndeployment\.apps\/web .*\n\nNAME {17}DATA {3}AGE\nconfigmap\/settings {3}1 {6}\d+s\n$/);
    expect(all.stdout).toContain("kube-system");
    expect(pods).toMatchObject({ code: 0, stdout: "", stderr: "No resources found\n" });
    expect(empty.stderr).toBe("No resources found in nothing-here namespace.\n");
  });

  it("prints -o name, json and yaml, and a NotFound error with exit code 1", async () => {
    const [name, single, whole, yaml, missing, unknown, resources] = await Promise.all([
      kubectl(["get", "deploy,cm", "-o", "name"]),
      kubectl(["get", "deploy", "web", "-o", "json"]),
      kubectl(["get", "cm", "-o", "json"]),
      kubectl(["get", "cm/settings", "-o", "yaml"]),
      kubectl(["get", "deploy", "nope"]),
      kubectl(["get", "widgets"]),
      kubectl(["api-resources"]),
    ]);
    expect(resources.stdout).toMatch(/^NAME +SHORTNAMES +APIVERSION +NAMESPACED +KIND\n(.*\n)*deployments +deploy +apps\/v1 +true +Deployment\n/);
    expect(name.stdout).toBe("deployment.apps/web\nconfigmap/settings\n");
    const json = JSON.parse(single.stdout) as KubeObject;
    expect(json).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" } });
    expect(json.metadata).not.toHaveProperty("managedFields");
    const list = JSON.parse(whole.stdout) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe("List");
    expect(list.items.map((item) => item.metadata.name)).toContain("settings");
    expect(yaml.stdout).toMatch(/^apiVersion: v1\ndata:\n {2}a: "1"\nkind: ConfigMap\nmetadata:\n {2}creationTimestamp: "/);
    expect(missing).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n' });
    expect(unknown).toMatchObject({ code: 1, stderr: 'error: the server doesn\'t have a resource type "widgets"\n' });
  });
});

describe("kubectl-lite changes", () => {
  it("scales, labels and annotates", async () => {
    expect((await kubectl(["scale", "deploy/web", "--replicas=5"])).stdout).toBe("deployment.apps/web scaled\n");
    expect(((await client.get(resourceTypes.deployments, "web", "default")) as KubeObject & { spec: { replicas: number } }).spec.replicas).toBe(5);
    expect((await kubectl(["label", "deploy", "web", "team=blue"])).stdout).toBe("deployment.apps/web labeled\n");
    const clash = await kubectl(["label", "deploy", "web", "team=red"]);
    expect(clash).toMatchObject({ code: 1, stderr: "error: 'team' already has a value (blue), and --overwrite is false\n" });
    expect((await kubectl(["label", "deploy", "web", "team=red", "--overwrite"])).stdout).toBe("deployment.apps/web labeled\n");
    expect((await kubectl(["annotate", "deploy", "web", "note=hello"])).stdout).toBe("deployment.apps/web annotated\n");
    const web = await client.get(resourceTypes.deployments, "web", "default");
    expect(web.metadata.labels).toEqual({ app: "web", team: "red" });
    expect(web.metadata.annotations?.note).toBe("hello");
    expect((await kubectl(["label", "deploy", "web", "team-"])).stdout).toBe("deployment.apps/web unlabeled\n");
  });

  it("creates a namespace, cordons and uncordons a node", async () => {
    expect(await kubectl(["create", "namespace", "team-a"])).toMatchObject({ code: 0, stdout: "namespace/team-a created\n" });
    expect(await kubectl(["create", "namespace", "team-a"])).toMatchObject({ code: 1, stderr: 'Error from server (AlreadyExists): namespaces "team-a" already exists\n' });
    await client.create(resourceTypes.nodes, { metadata: { name: "node-1" } } as Node);
    expect((await kubectl(["cordon", "node-1"])).stdout).toBe("node/node-1 cordoned\n");
    expect((await client.get<Node>(resourceTypes.nodes, "node-1")).spec?.unschedulable).toBe(true);
    expect((await kubectl(["cordon", "node-1"])).stdout).toBe("node/node-1 already cordoned\n");
    expect((await kubectl(["uncordon", "node-1"])).stdout).toBe("node/node-1 uncordoned\n");
    expect((await client.get<Node>(resourceTypes.nodes, "node-1")).spec?.unschedulable).toBeUndefined();
  });

  it("drains: refuses a pod without a controller unless --force, then deletes it", { timeout: 20_000 }, async () => {
    await client.create(resourceTypes.pods, { metadata: { name: "bare", namespace: "default" }, spec: { nodeName: "node-1", containers: [{ name: "c", image: "x" }] } });
    const refused = await kubectl(["drain", "node-1"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("node/node-1 cordoned\n");
    expect(refused.stderr).toContain("cannot delete Pods that declare no controller (use --force to override): default/bare");
    const drained = await kubectl(["drain", "node-1", "--force", "--grace-period=0"]);
    expect(drained).toMatchObject({ code: 0, stdout: "node/node-1 already cordoned\npod/bare deleted\nnode/node-1 drained\n" });
    expect(drained.stderr).toContain("Warning: deleting Pods that declare no controller: default/bare");
  });

  it("deletes by name and by file, and says NotFound for what is not there", async () => {
    const file = path.join(dir, "web.yaml");
    const run = await kubectl(["delete", "-f", file]);
    expect(run).toMatchObject({ code: 0, stdout: 'deployment.apps "web" deleted\nconfigmap "settings" deleted\n' });
    await expect(client.get(resourceTypes.deployments, "web", "default")).rejects.toMatchObject({ code: 404 });
    const again = await kubectl(["delete", "cm", "settings"]);
    expect(again).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): configmaps "settings" not found\n' });
    expect((await kubectl(["delete", "cm", "settings", "--ignore-not-found"])).code).toBe(0);
  });
});

describe("kubectl-lite rollout, describe, events and watch", () => {
  type DeploymentObject = KubeObject & { spec: { template: { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { containers: { image: string }[] } } }; status?: Record<string, unknown> };

  it("waits in rollout status until the deployment's status says it rolled out", { timeout: 20_000 }, async () => {
    expect((await kubectl(["apply", "-f", manifest("roll.yaml", deployment("roll", 2))])).stdout).toBe("deployment.apps/roll created\n");
    const writeStatus = async (available: number): Promise<void> => {
      const current = await client.get<DeploymentObject>(resourceTypes.deployments, "roll", "default");
      await client.update(resourceTypes.deployments, { ...current, status: { observedGeneration: current.metadata.generation, replicas: 2, updatedReplicas: 2, readyReplicas: available, availableReplicas: available } }, { subresource: "status" });
    };
    await writeStatus(1);
    const status = startKubectl(["rollout", "status", "deployment/roll", "--timeout=15s"]);
    await status.until('Waiting for deployment "roll" rollout to finish: 1 of 2 updated replicas are available...');
    await writeStatus(2);
    const run = await status.exited;
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe('deployment "roll" successfully rolled out');
  });

  it("lists history, rolls back to the previous revision's template, and restarts", { timeout: 20_000 }, async () => {
    const roll = await client.patch<DeploymentObject>(resourceTypes.deployments, "roll", { metadata: { annotations: { "deployment.kubernetes.io/revision": "2" } } }, { namespace: "default" });
    const owner = [{ apiVersion: "apps/v1", kind: "Deployment", name: "roll", uid: roll.metadata.uid ?? "", controller: true }];
    const replicaSet = (revision: number, image: string): KubeObject => ({
      metadata: { name: `roll-${revision}`, namespace: "default", annotations: { "deployment.kubernetes.io/revision": String(revision) }, ownerReferences: owner, labels: { app: "roll", "pod-template-hash": `h${revision}` } },
      spec: { replicas: 0, selector: { matchLabels: { app: "roll", "pod-template-hash": `h${revision}` } }, template: { metadata: { labels: { app: "roll", "pod-template-hash": `h${revision}` } }, spec: { containers: [{ name: "roll", image }] } } },
    } as KubeObject);
    await client.create(resourceTypes.replicasets, replicaSet(1, "nginx:1.26"));
    await client.create(resourceTypes.replicasets, replicaSet(2, "nginx:1.27"));
    const history = await kubectl(["rollout", "history", "deploy/roll"]);
    expect(history.stdout).toBe("deployment.apps/roll \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n");
    expect((await kubectl(["rollout", "undo", "deployment/roll"])).stdout).toBe("deployment.apps/roll rolled back\n");
    const undone = await client.get<DeploymentObject>(resourceTypes.deployments, "roll", "default");
    expect(undone.spec.template.spec.containers[0]?.image).toBe("nginx:1.26");
    expect(undone.spec.template.metadata.labels).toEqual({ app: "roll" });
    expect((await kubectl(["rollout", "undo", "deployment/roll", "--to-revision=1"])).stdout).toBe("deployment.apps/roll skipped rollback (current template already matches revision 1)\n");
    expect((await kubectl(["rollout", "restart", "deployment/roll"])).stdout).toBe("deployment.apps/roll restarted\n");
    const restarted = await client.get<DeploymentObject>(resourceTypes.deployments, "roll", "default");
    expect(restarted.spec.template.metadata.annotations?.["kubectl.kubernetes.io/restartedAt"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("describes a deployment with its events, and lists events for one object", async () => {
    const roll = await client.get<DeploymentObject>(resourceTypes.deployments, "roll", "default");
    const at = new Date().toISOString();
    await client.create(resourceTypes.events, {
      metadata: { name: "roll.1", namespace: "default" },
      involvedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "roll", namespace: "default", uid: roll.metadata.uid ?? "" },
      reason: "ScalingReplicaSet", message: "Scaled up replica set roll-1 to 2", type: "Normal", count: 1, firstTimestamp: at, lastTimestamp: at, source: { component: "deployment-controller" },
    } as KubeObject);
    const [described, events] = await Promise.all([kubectl(["describe", "deploy", "roll"]), kubectl(["events", "--for", "deployment/roll"])]);
    const lines = described.stdout.split("\n");
    expect(lines.slice(0, 2)).toEqual(["Name:                   roll", "Namespace:              default"]);
    expect(lines).toContain("Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable");
    expect(lines).toContain("    Image:         nginx:1.26");
    expect(described.stdout, described.stdout).toMatch(/\nEvents:\n {2}Type {4}Reason {13}Age {3}From {19}Message\n.*\n {2}Normal {2}ScalingReplicaSet {2}\d+s +deployment-controller {2}Scaled up replica set roll-1 to 2\n$/);
    expect(events.stdout).toMatch(/^LAST SEEN {3}TYPE {5}REASON {14}OBJECT {12}MESSAGE\n\d+s {9,10}Normal {3}ScalingReplicaSet {3}Deployment\/roll {3}Scaled up replica set roll-1 to 2\n$/);
  });

  it("get -w prints the table, then a row for each change", { timeout: 20_000 }, async () => {
    const watch = startKubectl(["get", "namespaces", "-w"]);
    try {
      await watch.until("kube-system");
      expect(watch.output().split("\n")[0]).toBe("NAME              STATUS   AGE");
      await client.create(resourceTypes.namespaces, { metadata: { name: "watched" } });
      await watch.until("watched");
      // Aligned with the rows printed before it (kube-node-lease is the widest name).
      expect(watch.output()).toMatch(/\nwatched {11}Active {3}\d+s\n/);
    } finally {
      watch.stop();
    }
    expect((await watch.exited).code).toBe(0);
  });
});

describe("kubectl-lite server selection", () => {
  it("names the addresses it tried when no apiserver answers, and exits 1", async () => {
    const [a, b] = [await freePort(), await freePort()];
    const env = { ...process.env, KUBE_LITE_SERVER: `http://127.0.0.1:${a},http://127.0.0.1:${b}` };
    const run = await kubectl(["get", "pods"], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`The connection to the servers 127.0.0.1:${a}, 127.0.0.1:${b} was refused - did you specify the right host or port?\n`);
    const flag = await kubectl(["--server", apiserver.url, "get", "ns", "default", "-o", "name"], { env });
    expect(flag.stdout).toBe("namespace/default\n");
  });
});
