// The real kubectl (v1.32, on PATH) against a running kube-lite apiserver and store, both as
// processes: the everyday verbs a user types. Skipped, with the reason printed, only when
// kubectl is absent.
import { execFile, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServerProcess, type ApiServerProcess } from "../support/apiserver-process.js";
import { startStoreCluster, type StoreCluster } from "../support/store-cluster.js";

const kubectlPresent = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
if (!kubectlPresent) console.warn("test/compat/kubectl.test.ts skipped: kubectl is not on PATH");

let cluster: StoreCluster;
let apiserver: ApiServerProcess;
let workdir: string;

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("kubectl", ["--server", apiserver.url, ...args], { env: { ...process.env, KUBECONFIG: path.join(workdir, "none") }, cwd: workdir, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

const manifest = `apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
          name: http
        env:
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
          limits:
            memory: 256Mi
        readinessProbe:
          httpGet:
            path: /
            port: http
      tolerations:
      - key: dedicated
        operator: Equal
        value: web
        effect: NoSchedule
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
              labelSelector:
                matchLabels:
                  app: web
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: demo
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: http
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: demo
data:
  mode: fast
`;

describe.skipIf(!kubectlPresent)("real kubectl against kube-lite", () => {
  beforeAll(async () => {
    workdir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-kubectl-"));
    fs.writeFileSync(path.join(workdir, "demo.yaml"), manifest);
    cluster = await startStoreCluster({ members: 1 });
    apiserver = await startApiServerProcess(cluster.endpoints);
  }, 60_000);

  afterAll(async () => {
    await apiserver?.stop();
    await cluster?.stop();
    if (workdir !== undefined) fs.rmSync(workdir, { recursive: true, force: true });
  });

  it("applies a multi-document manifest, then again: unchanged; a change: configured", async () => {
    const first = await ok("apply", "-f", "demo.yaml");
    expect(first.trim().split("\n")).toEqual(["namespace/demo created", "deployment.apps/web created", "service/web created", "configmap/settings created"]);
    const second = await ok("apply", "-f", "demo.yaml");
    expect(second.trim().split("\n")).toEqual(["namespace/demo unchanged", "deployment.apps/web unchanged", "service/web unchanged", "configmap/settings unchanged"]);
    fs.writeFileSync(path.join(workdir, "changed.yaml"), manifest.replace("mode: fast", "mode: slow"));
    const third = await ok("apply", "-f", "changed.yaml");
    expect(third).toContain("configmap/settings configured");
    expect(third).toContain("deployment.apps/web unchanged");
    expect(await ok("get", "configmap", "settings", "-n", "demo", "-o", "jsonpath={.data.mode}")).toBe("slow");
  });

  it("gets with the usual columns, -A, -o wide/yaml/json, -l and --show-labels", async () => {
    const deployments = await ok("get", "deploy", "-n", "demo");
    expect(deployments).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/3\s+0\s+0\s+\d+s/);
    const all = await ok("get", "configmaps", "-A");
    expect(all).toMatch(/NAMESPACE\s+NAME\s+DATA\s+AGE/);
    expect(all).toMatch(/demo\s+settings\s+1\s+\d+s/);
    const wide = await ok("get", "deploy", "web", "-n", "demo", "-o", "wide");
    expect(wide).toMatch(/CONTAINERS\s+IMAGES\s+SELECTOR/);
    expect(wide).toMatch(/nginx\s+nginx:1\.27\s+app=web/);
    const yaml = await ok("get", "deploy", "web", "-n", "demo", "-o", "yaml");
    expect(yaml).toContain("kind: Deployment");
    expect(yaml).toMatch(/resourceVersion: "\d+"/);
    const json = JSON.parse(await ok("get", "svc", "web", "-n", "demo", "-o", "json")) as { spec: { clusterIP: string; ports: { targetPort: string }[] } };
    expect(json.spec.clusterIP).toMatch(/^10\./);
    expect(json.spec.ports[0]?.targetPort).toBe("http");
    await ok("label", "configmap", "settings", "-n", "demo", "tier=backend");
    const labelled = await ok("get", "cm", "-n", "demo", "-l", "tier=backend", "--show-labels");
    expect(labelled).toMatch(/settings\s+1\s+\d+s\s+tier=backend/);
    expect(await ok("get", "cm", "-n", "demo", "-l", "tier=frontend")).toBe("");
    const services = await ok("get", "svc", "-n", "demo");
    expect(services).toMatch(/web\s+ClusterIP\s+10\.\S+\s+<none>\s+80\/TCP/);
  });

  it("scales, labels, annotates and patches", async () => {
    expect(await ok("scale", "deploy", "web", "-n", "demo", "--replicas=5")).toContain("deployment.apps/web scaled");
    expect(await ok("get", "deploy", "web", "-n", "demo", "-o", "jsonpath={.spec.replicas}")).toBe("5");
    expect(await ok("annotate", "deploy", "web", "-n", "demo", "team=edge")).toContain("annotated");
    expect(await ok("patch", "deploy", "web", "-n", "demo", "--type", "merge", "-p", '{"spec":{"minReadySeconds":5}}')).toContain("patched");
    expect(await ok("patch", "deploy", "web", "-n", "demo", "--type", "json", "-p", '[{"op":"replace","path":"/spec/replicas","value":2}]')).toContain("patched");
    expect(await ok("patch", "deploy", "web", "-n", "demo", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}')).toContain("patched");
    const deployment = JSON.parse(await ok("get", "deploy", "web", "-n", "demo", "-o", "json")) as { metadata: { annotations: Record<string, string>; generation: number }; spec: { minReadySeconds: number; replicas: number; template: { spec: { containers: { image: string; ports: unknown[] }[] } } } };
    expect(deployment.metadata.annotations.team).toBe("edge");
    expect(deployment.spec.minReadySeconds).toBe(5);
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.containers[0]?.image).toBe("nginx:1.28");
    expect(deployment.spec.template.spec.containers[0]?.ports).toHaveLength(1);
  });

  it("refuses a replace with a stale resourceVersion (Conflict)", async () => {
    const stale = await ok("get", "configmap", "settings", "-n", "demo", "-o", "yaml");
    await ok("annotate", "configmap", "settings", "-n", "demo", "touched=yes");
    fs.writeFileSync(path.join(workdir, "stale.yaml"), stale);
    const result = await kubectl("replace", "-f", "stale.yaml");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("the object has been modified; please apply your changes to the latest version and try again");
  });

  it("server-side apply and server dry runs", async () => {
    fs.writeFileSync(path.join(workdir, "ssa.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: demo\ndata:\n  a: '1'\n");
    expect(await ok("apply", "--server-side", "-f", "ssa.yaml")).toContain("configmap/ssa serverside-applied");
    expect(await ok("apply", "--server-side", "-f", "ssa.yaml")).toContain("configmap/ssa serverside-applied");
    const managed = JSON.parse(await ok("get", "cm", "ssa", "-n", "demo", "-o", "json", "--show-managed-fields")) as { metadata: { managedFields: { manager: string; operation: string }[] } };
    expect(managed.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: "kubectl", operation: "Apply" }));
    fs.writeFileSync(path.join(workdir, "dry.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n  namespace: demo\n");
    expect(await ok("apply", "--dry-run=server", "-f", "dry.yaml")).toContain("configmap/dry created (server dry run)");
    expect((await kubectl("get", "cm", "dry", "-n", "demo")).code).not.toBe(0);
  });

  it("get -w sees ADDED, MODIFIED and DELETED live", async () => {
    const child = spawn("kubectl", ["--server", apiserver.url, "get", "configmaps", "-n", "demo", "-w", "--output-watch-events"], { env: { ...process.env, KUBECONFIG: path.join(workdir, "none") } });
    let output = "";
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`get -w never printed ${pattern}: ${output}`)), 15_000);
        const check = () => {
          if (pattern.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          check();
        });
        check();
      });
    try {
      await seen(/ADDED\s+settings/);
      await ok("create", "configmap", "watched", "-n", "demo", "--from-literal=k=v");
      await seen(/ADDED\s+watched/);
      await ok("label", "configmap", "watched", "-n", "demo", "seen=yes");
      await seen(/MODIFIED\s+watched/);
      await ok("delete", "configmap", "watched", "-n", "demo");
      await seen(/DELETED\s+watched/);
      expect(output.match(/EVENT\s+NAME\s+DATA\s+AGE/g)).toHaveLength(1);
    } finally {
      child.kill();
    }
  });

  it("rollout status reads the deployment's status and finishes", async () => {
    const generation = Number(await ok("get", "deploy", "web", "-n", "demo", "-o", "jsonpath={.metadata.generation}"));
    const status = {
      status: {
        observedGeneration: generation,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
        conditions: [
          { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." },
          { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: 'ReplicaSet "web-1" has successfully progressed.' },
        ],
      },
    };
    await ok("patch", "deploy", "web", "-n", "demo", "--subresource=status", "--type", "merge", "-p", JSON.stringify(status));
    const rollout = await ok("rollout", "status", "deploy/web", "-n", "demo", "--timeout=20s");
    expect(rollout).toContain('deployment "web" successfully rolled out');
  });

  it("creates imperatively (kubectl create sends protobuf) and runs pods", async () => {
    expect(await ok("create", "namespace", "imperative")).toContain("namespace/imperative created");
    expect(await ok("create", "deployment", "api", "-n", "imperative", "--image=nginx:1.27", "--replicas=2", "--port=8080")).toContain("deployment.apps/api created");
    expect(await ok("create", "secret", "generic", "token", "-n", "imperative", "--from-literal=password=s3cret")).toContain("secret/token created");
    expect(await ok("create", "service", "clusterip", "api", "-n", "imperative", "--tcp=80:8080")).toContain("service/api created");
    expect(await ok("run", "shell", "-n", "imperative", "--image=busybox:1.36", "--labels=app=shell")).toContain("pod/shell created");
    const deployment = JSON.parse(await ok("get", "deploy", "api", "-n", "imperative", "-o", "json")) as { spec: { replicas: number; template: { spec: { containers: { image: string; ports: { containerPort: number }[] }[] } } } };
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.containers[0]?.ports[0]?.containerPort).toBe(8080);
    expect(Buffer.from(await ok("get", "secret", "token", "-n", "imperative", "-o", "jsonpath={.data.password}"), "base64").toString()).toBe("s3cret");
    expect(await ok("get", "svc", "api", "-n", "imperative", "-o", "jsonpath={.spec.ports[0].targetPort}")).toBe("8080");
    expect(await ok("get", "pods", "-n", "imperative", "-l", "app=shell", "-o", "name")).toBe("pod/shell\n");
  });

  it("lists api-resources and deletes from a manifest", async () => {
    const resources = await ok("api-resources");
    expect(resources).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    expect(resources).toMatch(/leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease/);
    // The namespace last.
    fs.writeFileSync(path.join(workdir, "contents.yaml"), manifest.split("---\n").slice(1).join("---\n"));
    const deleted = await ok("delete", "-f", "contents.yaml");
    expect(deleted.trim().split("\n")).toEqual(['deployment.apps "web" deleted', 'service "web" deleted', 'configmap "settings" deleted']);
    expect((await kubectl("get", "deploy", "web", "-n", "demo")).stderr).toContain('"web" not found');
    // No controller-manager here, so the namespace stays Terminating (kubectl would wait for it):
    // it is finalized by hand, the known way out of a namespace stuck in Terminating.
    expect(await ok("delete", "namespace", "demo", "--wait=false")).toContain('namespace "demo" deleted');
    expect(await ok("get", "namespace", "demo", "-o", "jsonpath={.status.phase}")).toBe("Terminating");
    const namespace = JSON.parse(await ok("get", "namespace", "demo", "-o", "json")) as { spec: { finalizers: string[] } };
    expect(namespace.spec.finalizers).toEqual(["kubernetes"]);
    namespace.spec.finalizers = [];
    fs.writeFileSync(path.join(workdir, "finalize.json"), JSON.stringify(namespace));
    expect(await ok("replace", "--raw", "/api/v1/namespaces/demo/finalize", "-f", path.join(workdir, "finalize.json"))).toContain('"phase":"Terminating"');
    expect((await kubectl("get", "namespace", "demo")).stderr).toContain('namespaces "demo" not found');
  });
});
