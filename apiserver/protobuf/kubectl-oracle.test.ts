// The oracle is kubectl itself: for each `kubectl create <kind>` command, the protobuf body it
// POSTs to a recording server must decode to exactly the JSON the same command prints with
// `--dry-run=client -o json` (the same typed object, JSON-encoded by kubectl's own Go code).
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeKubernetesProtobuf, ProtobufDecodeError, protobufContentType } from "./index.js";

const run = promisify(execFile);
const kubectlFound = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
const opensslFound = spawnSync("openssl", ["version"], { encoding: "utf8" }).status === 0;
if (!kubectlFound) console.log("kubectl-oracle: skipped, no kubectl on PATH");

interface RecordedPost {
  path: string;
  contentType: string;
  body: Buffer;
}

function resource(name: string, kind: string, namespaced: boolean, shortNames: string[]): Record<string, unknown> {
  const verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];
  return { name, singularName: kind.toLowerCase(), namespaced, kind, verbs, shortNames };
}

// Legacy discovery, enough for kubectl to map the kinds it creates (shapes as apiserver/discovery.ts).
const discovery: Record<string, unknown> = {
  "/version": { major: "1", minor: "32", gitVersion: "v1.32.0", platform: "linux/amd64" },
  "/api": { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] },
  "/apis": {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [
      {
        name: "apps",
        versions: [{ groupVersion: "apps/v1", version: "v1" }],
        preferredVersion: { groupVersion: "apps/v1", version: "v1" },
      },
    ],
  },
  "/api/v1": {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: "v1",
    resources: [
      resource("namespaces", "Namespace", false, ["ns"]),
      resource("configmaps", "ConfigMap", true, ["cm"]),
      resource("secrets", "Secret", true, []),
      resource("services", "Service", true, ["svc"]),
    ],
  },
  "/apis/apps/v1": {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: "apps/v1",
    resources: [resource("deployments", "Deployment", true, ["deploy"])],
  },
};

function answer(response: http.ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(value));
}

function startRecordingServer(posts: RecordedPost[]): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = (request.url ?? "/").split("?")[0] ?? "/";
      if (request.method === "GET" && path in discovery) return answer(response, 200, discovery[path]);
      if (request.method !== "POST") return answer(response, 404, { kind: "Status", code: 404, reason: "NotFound" });
      const body = Buffer.concat(chunks);
      posts.push({ path, contentType: request.headers["content-type"] ?? "", body });
      try {
        answer(response, 201, decodeKubernetesProtobuf(body).object);
      } catch (error) {
        const message = error instanceof ProtobufDecodeError ? error.message : String(error);
        answer(response, 400, { kind: "Status", apiVersion: "v1", status: "Failure", message, code: 400 });
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe.skipIf(!kubectlFound)("kubectl create bodies decode to kubectl's own JSON", () => {
  const posts: RecordedPost[] = [];
  let server: http.Server;
  let serverUrl = "";
  let workDir = "";

  async function kubectl(args: readonly string[]): Promise<string> {
    const env = { ...process.env, KUBECONFIG: join(workDir, "no-kubeconfig"), HOME: workDir };
    const common = ["--server", serverUrl, "--cache-dir", join(workDir, "cache")];
    const { stdout } = await run("kubectl", [...common, ...args], { env, timeout: 20_000 });
    return stdout;
  }

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), "kubectl-oracle-"));
    writeFileSync(join(workDir, "app.properties"), "color=blue\nsize=large\n");
    writeFileSync(join(workDir, "settings.env"), "# comment\nMODE=fast\nLEVEL=3\n");
    writeFileSync(join(workDir, "blob.bin"), Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41]));
    writeFileSync(join(workDir, "unicode.txt"), "héllo wörld ✓\n");
    mkdirSync(join(workDir, "config-dir"));
    writeFileSync(join(workDir, "config-dir", "a.conf"), "alpha\n");
    writeFileSync(join(workDir, "config-dir", "b.json"), '{"beta": true}\n');
    if (opensslFound) {
      spawnSync("openssl", [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=oracle.test",
        "-keyout", join(workDir, "tls.key"), "-out", join(workDir, "tls.crt"),
      ]);
    }
    server = await startRecordingServer(posts);
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(workDir, { recursive: true, force: true });
  });

  const file = (name: string): string => join(workDir, name);
  const cases: { title: string; args: () => string[]; kind: string; skip?: boolean }[] = [
    { title: "configmap from literals", kind: "ConfigMap", args: () => ["create", "configmap", "cm-literal", "--from-literal=a=b", "--from-literal=empty="] },
    { title: "configmap from files, env file and binary", kind: "ConfigMap", args: () => ["create", "configmap", "cm-files", `--from-file=${file("app.properties")}`, `--from-file=blob=${file("blob.bin")}`, `--from-file=${file("unicode.txt")}`] },
    { title: "configmap from env file, hashed name", kind: "ConfigMap", args: () => ["create", "configmap", "cm-env", `--from-env-file=${file("settings.env")}`, "--append-hash", "-n", "team-a"] },
    { title: "configmap from a directory, with the last-applied annotation", kind: "ConfigMap", args: () => ["create", "configmap", "cm-dir", `--from-file=${file("config-dir")}`, "--save-config"] },
    { title: "secret generic", kind: "Secret", args: () => ["create", "secret", "generic", "s-generic", "--from-literal=password=s3cr3t", `--from-file=${file("blob.bin")}`] },
    { title: "secret generic with a type", kind: "Secret", args: () => ["create", "secret", "generic", "s-typed", "--type=example.com/custom", "--from-literal=k=v"] },
    { title: "secret docker-registry", kind: "Secret", args: () => ["create", "secret", "docker-registry", "s-registry", "--docker-server=registry.example.com", "--docker-username=user", "--docker-password=pass", "--docker-email=user@example.com"] },
    { title: "secret tls", kind: "Secret", skip: !opensslFound, args: () => ["create", "secret", "tls", "s-tls", `--cert=${file("tls.crt")}`, `--key=${file("tls.key")}`] },
    { title: "namespace", kind: "Namespace", args: () => ["create", "namespace", "team-b"] },
    { title: "namespace with the last-applied annotation", kind: "Namespace", args: () => ["create", "namespace", "team-c", "--save-config"] },
    { title: "deployment, two images, replicas and port", kind: "Deployment", args: () => ["create", "deployment", "web", "--image=nginx:1.27", "--image=busybox", "--replicas=3", "--port=8080"] },
    { title: "deployment with one image, a port and the last-applied annotation", kind: "Deployment", args: () => ["create", "deployment", "api", "--image=registry.example.com/api:v2", "--port=443", "--save-config", "-n", "team-a"] },
    { title: "deployment with zero replicas and a command", kind: "Deployment", args: () => ["create", "deployment", "sleeper", "--image=busybox", "--replicas=0", "--", "sleep", "3600"] },
    { title: "service clusterip", kind: "Service", args: () => ["create", "service", "clusterip", "svc-a", "--tcp=80:8080", "--tcp=443:8443"] },
    { title: "service clusterip headless", kind: "Service", args: () => ["create", "service", "clusterip", "svc-headless", "--clusterip=None"] },
    { title: "service nodeport", kind: "Service", args: () => ["create", "service", "nodeport", "svc-node", "--tcp=80:8080", "--node-port=30080"] },
    { title: "service loadbalancer", kind: "Service", args: () => ["create", "service", "loadbalancer", "svc-lb", "--tcp=5678:8080"] },
    { title: "service externalname", kind: "Service", args: () => ["create", "service", "externalname", "svc-ext", "--external-name=example.com"] },
  ];

  for (const testCase of cases) {
    it.skipIf(testCase.skip === true)(testCase.title, async () => {
      const postsBefore = posts.length;
      // Flags go before any `--`, after which everything is the container's command.
      const [verb = "create", ...rest] = testCase.args();
      const expected = JSON.parse(await kubectl([verb, "--dry-run=client", "-o", "json", ...rest])) as unknown;
      expect(posts.length).toBe(postsBefore);

      await kubectl(testCase.args());
      const recorded = posts.at(-1);
      expect(posts.length).toBe(postsBefore + 1);
      expect(recorded?.contentType).toBe(protobufContentType);
      const decoded = decodeKubernetesProtobuf(recorded?.body ?? new Uint8Array(0));
      expect(decoded.kind).toBe(testCase.kind);
      expect(decoded.object).toEqual(expected);
    });
  }
});
