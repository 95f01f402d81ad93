import { describe, expect, it } from "vitest";
import { applyDefaults, decodeObject } from "./index.js";
import { defaultPullPolicy } from "./defaults-pod.js";
import { podManifest } from "./fixtures/manifests.js";

const core = (kind: string) => ({ group: "", version: "v1", kind });
const apps = (kind: string) => ({ group: "apps", version: "v1", kind });

describe("applyDefaults", () => {
  it("defaults a Pod as kube-apiserver 1.32 stores it", () => {
    const pod = applyDefaults(core("Pod"), podManifest);
    expect(pod).toEqual({
      kind: "Pod",
      apiVersion: "v1",
      metadata: podManifest.metadata,
      spec: {
        containers: [{
          name: "app", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }],
          resources: { limits: { cpu: "1", memory: "256Mi" }, requests: { cpu: "1", memory: "256Mi" } },
          terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File", imagePullPolicy: "Always",
        }],
        restartPolicy: "Always", terminationGracePeriodSeconds: 30, dnsPolicy: "ClusterFirst", securityContext: {},
        schedulerName: "default-scheduler", enableServiceLinks: true,
      },
      status: {},
    });
    expect(Object.keys(pod)).toEqual(["kind", "apiVersion", "metadata", "spec", "status"]);
  });

  it("is pure and idempotent", () => {
    const input = structuredClone(podManifest);
    const once = applyDefaults(core("Pod"), input);
    expect(input).toEqual(podManifest);
    expect(applyDefaults(core("Pod"), once)).toEqual(once);
  });

  it("picks the pull policy from the image tag", () => {
    expect(defaultPullPolicy("nginx")).toBe("Always");
    expect(defaultPullPolicy("nginx:latest")).toBe("Always");
    expect(defaultPullPolicy("nginx:1.27")).toBe("IfNotPresent");
    expect(defaultPullPolicy("localhost:5000/nginx")).toBe("Always");
    expect(defaultPullPolicy("nginx@sha256:abc")).toBe("IfNotPresent");
  });

  it("defaults probes, volumes and field selectors", () => {
    const pod = applyDefaults(core("Pod"), {
      spec: {
        containers: [{
          name: "a", image: "a:1",
          livenessProbe: { httpGet: { port: 80 }, timeoutSeconds: 0 },
          env: [{ name: "N", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
        }],
        volumes: [{ name: "s", secret: { secretName: "s" } }, { name: "e" }, { name: "h", hostPath: { path: "/x" } }],
      },
    });
    const spec = pod.spec as { containers: Record<string, unknown>[]; volumes: unknown[] };
    expect(spec.containers[0]?.livenessProbe).toEqual({
      httpGet: { path: "/", port: 80, scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3,
    });
    expect(spec.containers[0]?.env).toEqual([{ name: "N", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } }]);
    expect(spec.volumes).toEqual([
      { name: "s", secret: { secretName: "s", defaultMode: 420 } }, { name: "e", emptyDir: {} }, { name: "h", hostPath: { path: "/x", type: "" } },
    ]);
  });

  it("defaults a Deployment and its template without the Pod-only defaults", () => {
    const deployment = applyDefaults(apps("Deployment"), {
      kind: "Deployment", apiVersion: "apps/v1", metadata: { name: "d" },
      spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "c:1", resources: { limits: { cpu: "1" } } }] } } },
    });
    expect(deployment.spec).toEqual({
      replicas: 1,
      selector: { matchLabels: { a: "b" } },
      template: {
        metadata: { labels: { a: "b" } },
        spec: {
          containers: [{ name: "c", image: "c:1", resources: { limits: { cpu: "1" } }, terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File", imagePullPolicy: "IfNotPresent" }],
          restartPolicy: "Always", terminationGracePeriodSeconds: 30, dnsPolicy: "ClusterFirst", securityContext: {}, schedulerName: "default-scheduler",
        },
      },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
    expect(deployment.status).toEqual({});
  });

  it("leaves a Recreate strategy without rollingUpdate and defaults ReplicaSet replicas", () => {
    const deployment = applyDefaults(apps("Deployment"), { spec: { strategy: { type: "Recreate" } } });
    expect((deployment.spec as Record<string, unknown>).strategy).toEqual({ type: "Recreate" });
    expect((applyDefaults(apps("ReplicaSet"), { spec: {} }).spec as Record<string, unknown>).replicas).toBe(1);
  });

  it("defaults a Service", () => {
    const service = applyDefaults(core("Service"), { spec: { selector: { a: "b" }, ports: [{ port: 80 }, { port: 53, protocol: "UDP", targetPort: "dns" }] } });
    expect(service.spec).toEqual({
      ports: [{ protocol: "TCP", port: 80, targetPort: 80 }, { protocol: "UDP", port: 53, targetPort: "dns" }],
      selector: { a: "b" }, type: "ClusterIP", sessionAffinity: "None", ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack",
      internalTrafficPolicy: "Cluster",
    });
    expect(service.status).toEqual({ loadBalancer: {} });
    const balanced = applyDefaults(core("Service"), { spec: { type: "LoadBalancer" }, status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }, { hostname: "lb" }] } } });
    expect(balanced.status).toEqual({ loadBalancer: { ingress: [{ ip: "1.2.3.4", ipMode: "VIP" }, { hostname: "lb" }] } });
    const none = applyDefaults(core("Service"), { spec: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } } }).spec as Record<string, unknown>;
    expect(none.sessionAffinityConfig).toBeUndefined();
    const headless = applyDefaults(core("Service"), { spec: { clusterIP: "None" } }).spec as Record<string, unknown>;
    expect(headless.ipFamilyPolicy).toBe("RequireDualStack");
    const nodePort = applyDefaults(core("Service"), { spec: { type: "LoadBalancer", sessionAffinity: "ClientIP" } }).spec as Record<string, unknown>;
    expect(nodePort.externalTrafficPolicy).toBe("Cluster");
    expect(nodePort.allocateLoadBalancerNodePorts).toBe(true);
    expect(nodePort.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  it("defaults Namespace, Secret, Node and Endpoints", () => {
    expect(applyDefaults(core("Namespace"), { metadata: { name: "team" } })).toEqual({
      metadata: { name: "team", labels: { "kubernetes.io/metadata.name": "team" } }, spec: {}, status: { phase: "Active" },
    });
    expect(applyDefaults(core("Secret"), {}).type).toBe("Opaque");
    const node = applyDefaults(core("Node"), { status: { capacity: { cpu: "4" } } });
    expect((node.status as Record<string, unknown>).allocatable).toEqual({ cpu: "4" });
    expect((node.status as Record<string, unknown>).daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 0 } });
    const endpoints = applyDefaults(core("Endpoints"), { subsets: [{ ports: [{ port: 80 }] }] });
    expect(endpoints.subsets).toEqual([{ ports: [{ port: 80, protocol: "TCP" }] }]);
  });

  it("keeps a defaulted object decodable unchanged", () => {
    const pod = applyDefaults(core("Pod"), podManifest);
    expect(decodeObject(core("Pod"), pod)).toEqual({ ok: true, object: pod, unknownFields: [] });
  });
});
