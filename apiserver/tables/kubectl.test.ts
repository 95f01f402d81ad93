// The real kubectl (1.32, on PATH) renders the Tables this module builds, as it renders a real
// cluster's: a throwaway node:http server answers what `kubectl get` asks for (found with
// -v=8: /version, discovery, then the list with `Accept: application/json;as=Table;...`).
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tableFor } from "./index.js";
import {
  ago,
  backOffEvent,
  clusterIPService,
  configMap,
  crashLoopPod,
  creatingPod,
  initPod,
  loadBalancerService,
  nodeLease,
  notReadyNode,
  nowMs,
  readyNode,
  replicaSet,
  rollingDeployment,
  runningPod,
  shopNamespace,
  terminatingPod,
  tlsSecret,
  webEndpoints,
} from "./test-objects.js";

const run = promisify(execFile);

async function kubectlPath(): Promise<string | undefined> {
  try {
    const { stdout } = await run("sh", ["-c", "command -v kubectl"]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

const kubectl = await kubectlPath();
if (kubectl === undefined) console.log("kubectl.test.ts skipped: no `kubectl` on PATH");

const otherNamespacePod = { ...runningPod, metadata: { ...(runningPod.metadata as object), name: "api-1", namespace: "default", labels: { app: "api", tier: "back" } } };
const pods = [otherNamespacePod, runningPod, crashLoopPod, initPod, terminatingPod];

type Resource = { name: string; kind: string; namespaced: boolean; shortNames: string[]; objects: Record<string, unknown>[] };
const groups: Record<string, Resource[]> = {
  v1: [
    { name: "pods", kind: "Pod", namespaced: true, shortNames: ["po"], objects: pods },
    { name: "nodes", kind: "Node", namespaced: false, shortNames: ["no"], objects: [readyNode, notReadyNode] },
    { name: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"], objects: [shopNamespace] },
    { name: "services", kind: "Service", namespaced: true, shortNames: ["svc"], objects: [clusterIPService, loadBalancerService] },
    { name: "endpoints", kind: "Endpoints", namespaced: true, shortNames: ["ep"], objects: [webEndpoints] },
    { name: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"], objects: [configMap] },
    { name: "secrets", kind: "Secret", namespaced: true, shortNames: [], objects: [tlsSecret] },
    { name: "events", kind: "Event", namespaced: true, shortNames: ["ev"], objects: [backOffEvent] },
  ],
  "apps/v1": [
    { name: "deployments", kind: "Deployment", namespaced: true, shortNames: ["deploy"], objects: [rollingDeployment] },
    { name: "replicasets", kind: "ReplicaSet", namespaced: true, shortNames: ["rs"], objects: [replicaSet] },
  ],
  "coordination.k8s.io/v1": [{ name: "leases", kind: "Lease", namespaced: true, shortNames: [], objects: [nodeLease] }],
};

function resourceList(groupVersion: string): unknown {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: (groups[groupVersion] ?? []).map((resource) => ({
      name: resource.name,
      singularName: resource.kind.toLowerCase(),
      namespaced: resource.namespaced,
      kind: resource.kind,
      verbs: ["get", "list", "watch"],
      shortNames: resource.shortNames,
    })),
  };
}

/** `/api/v1/pods`, `/api/v1/namespaces/shop/pods`, `/apis/apps/v1/deployments` → the list, namespace-filtered. */
function list(path: string): { resource: string; objects: Record<string, unknown>[] } | undefined {
  const match = /^\/(?:api\/v1|apis\/([a-z0-9.]+\/v1))(?:\/namespaces\/([^/]+))?\/([a-z]+)$/.exec(path);
  if (match === null) return undefined;
  const [, group, namespace, name] = match;
  const resource = (groups[group ?? "v1"] ?? []).find((candidate) => candidate.name === name);
  if (resource === undefined) return undefined;
  const objects = resource.objects.filter((object) => namespace === undefined || (object.metadata as { namespace?: string }).namespace === namespace);
  return { resource: resource.name, objects };
}

const requests: { path: string; accept: string }[] = [];
/** What rows embed; the last test takes it away to show why the default matters. */
let includeObject: "None" | "Metadata" = "Metadata";

function answer(request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? "/", "http://localhost");
  requests.push({ path: url.pathname, accept: request.headers.accept ?? "" });
  const send = (code: number, body: unknown): void => {
    response.writeHead(code, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  if (url.pathname === "/version") return send(200, { major: "1", minor: "32", gitVersion: "v1.32.0", platform: "linux/amd64" });
  if (url.pathname === "/api") return send(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
  if (url.pathname === "/apis") {
    const apiGroups = ["apps", "coordination.k8s.io"].map((name) => {
      const version = { groupVersion: `${name}/v1`, version: "v1" };
      return { name, versions: [version], preferredVersion: version };
    });
    return send(200, { kind: "APIGroupList", apiVersion: "v1", groups: apiGroups });
  }
  if (url.pathname === "/api/v1") return send(200, resourceList("v1"));
  const groupVersion = /^\/apis\/([a-z0-9.]+\/v1)$/.exec(url.pathname)?.[1];
  if (groupVersion !== undefined && groups[groupVersion] !== undefined) return send(200, resourceList(groupVersion));
  const found = list(url.pathname);
  if (found !== undefined && url.searchParams.get("watch") === "true") return watch(found.resource, response);
  if (found === undefined || !(request.headers.accept ?? "").includes("as=Table")) {
    return send(404, { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404, message: `${url.pathname} not found` });
  }
  send(200, tableFor(found.resource, found.objects, { nowMs, includeObject, resourceVersion: "100" }));
}

/**
 * A watch whose every event carries a one-row Table; the column definitions ride on the first
 * event only, as upstream's watch encoder sends them. The stream then ends (kubectl exits 0).
 */
function watch(resource: string, response: http.ServerResponse): void {
  response.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
  const events: [string, Record<string, unknown>][] = [
    ["ADDED", creatingPod],
    ["MODIFIED", { ...creatingPod, status: runningPod.status }],
    ["DELETED", { ...creatingPod, metadata: { ...(creatingPod.metadata as object), deletionTimestamp: ago(0) } }],
  ];
  events.forEach(([type, object], index) => {
    const table = tableFor(resource, [object], { nowMs, includeObject: "Metadata", resourceVersion: "101", noHeaders: index > 0 });
    response.write(`${JSON.stringify({ type, object: table })}\n`);
  });
  response.end();
}

describe.skipIf(kubectl === undefined)("the real kubectl renders these Tables", () => {
  const server = http.createServer(answer);
  let cacheDir = "";
  let serverUrl = "";

  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "kubectl-cache-"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(cacheDir, { recursive: true, force: true });
  });

  async function get(...args: string[]): Promise<string> {
    // A fresh discovery cache per run, so that no other test's server answers for this one.
    const { stdout } = await run(kubectl ?? "kubectl", ["--server", serverUrl, "--cache-dir", cacheDir, "--request-timeout", "10s", "get", ...args], {
      timeout: 60_000,
    });
    return stdout;
  }

  it("get pods -A --show-labels: NAMESPACE and LABELS come from each row's PartialObjectMetadata", async () => {
    expect(await get("pods", "-A", "--show-labels")).toBe(
      [
        "NAMESPACE   NAME    READY   STATUS             RESTARTS     AGE     LABELS",
        "default     api-1   1/1     Running            0            3m10s   app=api,tier=back",
        "shop        web-1   1/1     Running            0            3m10s   app=web",
        "shop        web-2   0/1     CrashLoopBackOff   5 (5m ago)   3m10s   app=web",
        "shop        web-3   0/1     Init:1/2           0            3m10s   app=web",
        "shop        web-5   1/1     Terminating        0            3m10s   app=web",
        "",
      ].join("\n"),
    );
    const listRequest = requests.find((request) => request.path === "/api/v1/pods");
    expect(listRequest?.accept).toMatch(/^application\/json;as=Table;v=v1;g=meta\.k8s\.io/);
  }, 90_000);

  it("get pods -o wide: the priority-1 columns too", async () => {
    expect(await get("pods", "-n", "shop", "-o", "wide")).toBe(
      [
        "NAME    READY   STATUS             RESTARTS     AGE     IP           NODE     NOMINATED NODE   READINESS GATES",
        "web-1   1/1     Running            0            3m10s   10.244.1.7   node-1   <none>           <none>",
        "web-2   0/1     CrashLoopBackOff   5 (5m ago)   3m10s   10.244.1.8   node-1   <none>           <none>",
        "web-3   0/1     Init:1/2           0            3m10s   <none>       node-1   <none>           <none>",
        "web-5   1/1     Terminating        0            3m10s   10.244.1.7   node-1   <none>           <none>",
        "",
      ].join("\n"),
    );
  }, 90_000);

  it("get nodes -o wide and get deployments -o wide", async () => {
    expect(await get("nodes", "-o", "wide")).toBe(
      [
        "NAME     STATUS                        ROLES                  AGE    VERSION   INTERNAL-IP    EXTERNAL-IP    OS-IMAGE           KERNEL-VERSION     CONTAINER-RUNTIME",
        "node-1   Ready                         control-plane,master   2d3h   v1.32.0   192.168.0.11   <none>         Ubuntu 24.04 LTS   6.8.0-45-generic   containerd://1.7.22",
        "node-2   NotReady,SchedulingDisabled   worker                 10m    v1.32.0   192.168.0.12   203.0.113.12   <unknown>          <unknown>          <unknown>",
        "",
      ].join("\n"),
    );
    expect(await get("deployments", "-n", "shop", "-o", "wide")).toBe(
      [
        "NAME   READY   UP-TO-DATE   AVAILABLE   AGE    CONTAINERS   IMAGES                    SELECTOR",
        "web    2/3     1            2           5h3m   web,log      nginx:1.27,fluent-bit:3   app=web,track notin (canary)",
        "",
      ].join("\n"),
    );
  }, 90_000);

  it("without the rows' metadata, -A and --show-labels come out blank (why Metadata is the default)", async () => {
    includeObject = "None";
    try {
      const lines = (await get("pods", "-A", "--show-labels")).split("\n");
      expect(lines[1]).toMatch(/^\s+api-1\s+1\/1\s+Running\s+0\s+3m10s\s*$/);
    } finally {
      includeObject = "Metadata";
    }
  }, 90_000);

  it("get pods -w: the list, then each watch event's one-row Table", async () => {
    expect(await get("pods", "-n", "shop", "-w")).toBe(
      [
        "NAME    READY   STATUS             RESTARTS     AGE",
        "web-1   1/1     Running            0            3m10s",
        "web-2   0/1     CrashLoopBackOff   5 (5m ago)   3m10s",
        "web-3   0/1     Init:1/2           0            3m10s",
        "web-5   1/1     Terminating        0            3m10s",
        "web-6   0/1     ContainerCreating   0            4s",
        "web-6   1/1     Running             0            4s",
        "web-6   0/1     Terminating         0            4s",
        "",
      ].join("\n"),
    );
    const watchRequest = requests.find((request) => request.path === "/api/v1/namespaces/shop/pods" && request.accept.includes("as=Table"));
    expect(watchRequest).toBeDefined();
  }, 90_000);

  it("get services, endpoints, configmaps, secrets, replicasets, events, namespaces, leases", async () => {
    expect(await get("svc,ep,cm,secrets,rs,ev,leases", "-A", "-o", "wide")).toBe(
      [
        "NAMESPACE   NAME           TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)         AGE   SELECTOR",
        "shop        service/web    ClusterIP      10.96.0.10   <none>        80/TCP          60m   app=web",
        "shop        service/edge   LoadBalancer   10.96.4.3    <pending>     443:31443/TCP   10m   app=edge",
        "",
        "NAMESPACE   NAME            ENDPOINTS                         AGE",
        "shop        endpoints/web   10.244.1.7:8080,10.244.1.9:8080   60m",
        "",
        "NAMESPACE   NAME                   DATA   AGE",
        "shop        configmap/web-config   2      24h",
        "",
        "NAMESPACE   NAME             TYPE                DATA   AGE",
        "shop        secret/web-tls   kubernetes.io/tls   2      24h",
        "",
        "NAMESPACE   NAME                         DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES                    SELECTOR",
        "shop        replicaset.apps/web-7d4b9c   3         2         1       45s   web,log      nginx:1.27,fluent-bit:3   app=web,pod-template-hash=7d4b9c",
        "",
        "NAMESPACE   LAST SEEN   TYPE      REASON    OBJECT      SUBOBJECT              SOURCE            MESSAGE                                                      FIRST SEEN   COUNT   NAME",
        "shop        20s         Warning   BackOff   pod/web-2   spec.containers{web}   kubelet, node-1   Back-off restarting failed container web in pod web-2_shop   5m           12      event/web-2.181f3a",
        "",
        "NAMESPACE         NAME                               HOLDER   AGE",
        "kube-node-lease   lease.coordination.k8s.io/node-1   node-1   2d",
        "",
      ].join("\n"),
    );
    expect(await get("namespaces")).toBe(["NAME   STATUS   AGE", "shop   Active   2d", ""].join("\n"));
  }, 90_000);
});
