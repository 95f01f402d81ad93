import { describe, expect, it } from "vitest";
import { applyDefaults, validateObject } from "./index.js";
import type { FieldCause, KindKey } from "./index.js";
import { deploymentManifest, podManifest, serviceManifest } from "./fixtures/manifests.js";

type Json = Record<string, unknown>;
const core = (kind: string): KindKey => ({ group: "", version: "v1", kind });
const apps = (kind: string): KindKey => ({ group: "apps", version: "v1", kind });

const validPod = applyDefaults(core("Pod"), podManifest);
const validDeployment = applyDefaults(apps("Deployment"), deploymentManifest);
const validService = applyDefaults(core("Service"), serviceManifest);
const validReplicaSet = applyDefaults(apps("ReplicaSet"), {
  metadata: { name: "rs", namespace: "default" },
  spec: { selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "a", image: "a:1" }] } } },
});

/** A copy of `object` changed by `change`. */
function changed(object: Json, change: (copy: Json) => void): Json {
  const copy = structuredClone(object);
  change(copy);
  return copy;
}

function steps(path: string): string[] {
  return path.replace(/\[(\d+)\]/g, ".$1").split(".");
}

function get(object: Json, path: string): unknown {
  let current: unknown = object;
  if (path === "") return current;
  for (const step of steps(path)) current = (current as Json)[step];
  return current;
}

/** Sets a value at a dotted path ("spec.containers[0].image") in a test object. */
function set(object: Json, path: string, value: unknown): void {
  const parts = steps(path);
  const last = parts.pop() ?? "";
  (get(object, parts.join(".")) as Json)[last] = value;
}

function unset(object: Json, path: string): void {
  const parts = steps(path);
  const last = parts.pop() ?? "";
  delete (get(object, parts.join(".")) as Json)[last];
}

function fields(causes: FieldCause[]): string[] {
  return causes.map((cause) => `${cause.field} ${cause.reason}`);
}

const create = { operation: "create" } as const;

describe("validateObject accepts valid objects", () => {
  it.each([
    ["Pod", core("Pod"), validPod],
    ["Deployment", apps("Deployment"), validDeployment],
    ["Service", core("Service"), validService],
    ["ReplicaSet", apps("ReplicaSet"), validReplicaSet],
    ["Namespace", core("Namespace"), applyDefaults(core("Namespace"), { metadata: { name: "team-a" } })],
    ["ConfigMap", core("ConfigMap"), { metadata: { name: "c", namespace: "default" }, data: { "app.properties": "x=1" } }],
    ["Secret", core("Secret"), applyDefaults(core("Secret"), { metadata: { name: "s", namespace: "default" }, data: { password: "cGFzcw==" } })],
    ["Node", core("Node"), applyDefaults(core("Node"), { metadata: { name: "node-1" }, spec: { taints: [{ key: "a", effect: "NoSchedule" }] } })],
    ["Lease", { group: "coordination.k8s.io", version: "v1", kind: "Lease" }, { metadata: { name: "l", namespace: "kube-node-lease" }, spec: { holderIdentity: "n", leaseDurationSeconds: 40 } }],
    ["Endpoints", core("Endpoints"), { metadata: { name: "web", namespace: "default" }, subsets: [{ addresses: [{ ip: "10.0.0.1" }], ports: [{ port: 80, protocol: "TCP" }] }] }],
    ["Event", core("Event"), { metadata: { name: "pod.1", namespace: "default" }, involvedObject: { kind: "Pod", namespace: "default", name: "p" }, type: "Normal" }],
  ])("%s", (_name, kind, object) => {
    expect(validateObject(kind, object, create)).toEqual([]);
  });
});

describe("validateObject refuses", () => {
  const podCases: [string, (pod: Json) => void, string][] = [
    ["a missing name", (pod) => { unset(pod, "metadata.name"); }, "metadata.name FieldValueRequired"],
    ["an upper-case name", (pod) => { set(pod, "metadata.name", "Demo"); }, "metadata.name FieldValueInvalid"],
    ["a missing namespace", (pod) => { unset(pod, "metadata.namespace"); }, "metadata.namespace FieldValueRequired"],
    ["a bad label key", (pod) => { set(pod, "metadata.labels", { "a b": "c" }); }, "metadata.labels FieldValueInvalid"],
    ["a bad label value", (pod) => { set(pod, "metadata.labels", { a: "-x-" }); }, "metadata.labels FieldValueInvalid"],
    ["oversized annotations", (pod) => { set(pod, "metadata.annotations", { a: "x".repeat(300 * 1024) }); }, "metadata.annotations FieldValueTooLong"],
    ["two controllers", (pod) => { set(pod, "metadata.ownerReferences", [1, 2].map((n) => ({ apiVersion: "v1", kind: "K", name: `n${n}`, uid: `u${n}`, controller: true }))); }, "metadata.ownerReferences FieldValueInvalid"],
    ["no containers", (pod) => { set(pod, "spec.containers", []); }, "spec.containers FieldValueRequired"],
    ["a missing image", (pod) => { unset(pod, "spec.containers[0].image"); }, "spec.containers[0].image FieldValueRequired"],
    ["a bad container name", (pod) => { set(pod, "spec.containers[0].name", "App_1"); }, "spec.containers[0].name FieldValueInvalid"],
    ["duplicate container names", (pod) => { set(pod, "spec.containers[1]", structuredClone(get(pod, "spec.containers[0]"))); }, "spec.containers[1].name FieldValueDuplicate"],
    ["port 0", (pod) => { set(pod, "spec.containers[0].ports[0].containerPort", 70000); }, "spec.containers[0].ports[0].containerPort FieldValueInvalid"],
    ["a bad protocol", (pod) => { set(pod, "spec.containers[0].ports[0].protocol", "HTTP"); }, "spec.containers[0].ports[0].protocol FieldValueNotSupported"],
    ["duplicate port names", (pod) => { set(pod, "spec.containers[0].ports", [{ name: "http", containerPort: 80, protocol: "TCP" }, { name: "http", containerPort: 81, protocol: "TCP" }]); }, "spec.containers[0].ports[1].name FieldValueDuplicate"],
    ["a bad port name", (pod) => { set(pod, "spec.containers[0].ports[0].name", "HTTP"); }, "spec.containers[0].ports[0].name FieldValueInvalid"],
    ["a negative quantity", (pod) => { set(pod, "spec.containers[0].resources.limits.cpu", "-1"); set(pod, "spec.containers[0].resources.requests.cpu", "-1"); }, "spec.containers[0].resources.limits[cpu] FieldValueInvalid"],
    ["an unqualified resource name", (pod) => { set(pod, "spec.containers[0].resources.limits.gpu", "1"); }, "spec.containers[0].resources.limits[gpu] FieldValueInvalid"],
    ["an overcommitted extended resource", (pod) => { set(pod, "spec.containers[0].resources.requests", { "example.com/gpu": "1" }); }, "spec.containers[0].resources.requests[example.com/gpu] FieldValueInvalid"],
    ["requests above limits", (pod) => { set(pod, "spec.containers[0].resources.requests.memory", "1Gi"); }, "spec.containers[0].resources.requests[memory] FieldValueInvalid"],
    ["an env var without name", (pod) => { set(pod, "spec.containers[0].env", [{ value: "x" }]); }, "spec.containers[0].env[0].name FieldValueRequired"],
    ["value and valueFrom", (pod) => { set(pod, "spec.containers[0].env", [{ name: "A", value: "x", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }]); }, "spec.containers[0].env[0].valueFrom FieldValueInvalid"],
    ["a mount of an unknown volume", (pod) => { set(pod, "spec.containers[0].volumeMounts", [{ name: "nope", mountPath: "/x" }]); }, "spec.containers[0].volumeMounts[0].name FieldValueInvalid"],
    ["duplicate volumes", (pod) => { set(pod, "spec.volumes", [{ name: "v", emptyDir: {} }, { name: "v", emptyDir: {} }]); }, "spec.volumes[1].name FieldValueDuplicate"],
    ["two volume sources", (pod) => { set(pod, "spec.volumes", [{ name: "v", emptyDir: {}, hostPath: { path: "/x", type: "" } }]); }, "spec.volumes[0].hostPath FieldValueForbidden"],
    ["a bad restart policy", (pod) => { set(pod, "spec.restartPolicy", "Sometimes"); }, "spec.restartPolicy FieldValueNotSupported"],
    ["a bad DNS policy", (pod) => { set(pod, "spec.dnsPolicy", "Google"); }, "spec.dnsPolicy FieldValueNotSupported"],
    ["a bad pull policy", (pod) => { set(pod, "spec.containers[0].imagePullPolicy", "Sometimes"); }, "spec.containers[0].imagePullPolicy FieldValueNotSupported"],
    ["a probe without handler", (pod) => { set(pod, "spec.containers[0].livenessProbe", { periodSeconds: 1 }); }, "spec.containers[0].livenessProbe FieldValueRequired"],
    ["a liveness success threshold of 2", (pod) => { set(pod, "spec.containers[0].livenessProbe", { exec: { command: ["x"] }, successThreshold: 2 }); }, "spec.containers[0].livenessProbe.successThreshold FieldValueInvalid"],
    ["a toleration value with Exists", (pod) => { set(pod, "spec.tolerations", [{ key: "a", operator: "Exists", value: "b" }]); }, "spec.tolerations[0].operator FieldValueInvalid"],
    ["a bad toleration effect", (pod) => { set(pod, "spec.tolerations", [{ key: "a", operator: "Exists", effect: "Never" }]); }, "spec.tolerations[0].effect FieldValueNotSupported"],
    ["a zero maxSkew", (pod) => { set(pod, "spec.topologySpreadConstraints", [{ maxSkew: 0, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" }]); }, "spec.topologySpreadConstraints[0].maxSkew FieldValueInvalid"],
    ["a zero active deadline", (pod) => { set(pod, "spec.activeDeadlineSeconds", 0); }, "spec.activeDeadlineSeconds FieldValueInvalid"],
    ["a bad hostname", (pod) => { set(pod, "spec.hostname", "A.B"); }, "spec.hostname FieldValueInvalid"],
    ["an owner reference without uid", (pod) => { set(pod, "metadata.ownerReferences", [{ apiVersion: "v1", kind: "K", name: "n" }]); }, "metadata.ownerReferences[0].uid FieldValueRequired"],
    ["a bad finalizer", (pod) => { set(pod, "metadata.finalizers", ["a b"]); }, "metadata.finalizers[0] FieldValueInvalid"],
    ["a bad generateName", (pod) => { set(pod, "metadata.generateName", "Web-"); }, "metadata.generateName FieldValueInvalid"],
    ["two env sources", (pod) => { set(pod, "spec.containers[0].env", [{ name: "A", valueFrom: { fieldRef: { fieldPath: "x" }, secretKeyRef: { key: "k" } } }]); }, "spec.containers[0].env[0].valueFrom FieldValueInvalid"],
    ["a configMapKeyRef without key", (pod) => { set(pod, "spec.containers[0].env", [{ name: "A", valueFrom: { configMapKeyRef: { name: "c" } } }]); }, "spec.containers[0].env[0].valueFrom.configMapKeyRef.key FieldValueRequired"],
    ["a bad env name", (pod) => { set(pod, "spec.containers[0].env", [{ name: "1A=B" }]); }, "spec.containers[0].env[0].name FieldValueInvalid"],
    ["a probe with two handlers", (pod) => { set(pod, "spec.containers[0].readinessProbe", { exec: { command: ["x"] }, tcpSocket: { port: 80 } }); }, "spec.containers[0].readinessProbe.tcpSocket FieldValueForbidden"],
    ["an httpGet probe on port 0", (pod) => { set(pod, "spec.containers[0].readinessProbe", { httpGet: { port: 0 } }); }, "spec.containers[0].readinessProbe.httpGet.port FieldValueInvalid"],
    ["a duplicate mount path", (pod) => { set(pod, "spec.volumes", [{ name: "v", emptyDir: {} }]); set(pod, "spec.containers[0].volumeMounts", [{ name: "v", mountPath: "/x" }, { name: "v", mountPath: "/x" }]); }, "spec.containers[0].volumeMounts[1].mountPath FieldValueInvalid"],
    ["a configMap volume without name", (pod) => { set(pod, "spec.volumes", [{ name: "v", configMap: {} }]); }, "spec.volumes[0].configMap.name FieldValueRequired"],
    ["a bad whenUnsatisfiable", (pod) => { set(pod, "spec.topologySpreadConstraints", [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "Maybe" }]); }, "spec.topologySpreadConstraints[0].whenUnsatisfiable FieldValueNotSupported"],
    ["a bad scheduling gate", (pod) => { set(pod, "spec.schedulingGates", [{ name: "a b" }]); }, "spec.schedulingGates[0].name FieldValueInvalid"],
    ["dnsPolicy None without dnsConfig", (pod) => { set(pod, "spec.dnsPolicy", "None"); }, "spec.dnsConfig FieldValueRequired"],
    ["tolerationSeconds without NoExecute", (pod) => { set(pod, "spec.tolerations", [{ key: "a", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 5 }]); }, "spec.tolerations[0].effect FieldValueInvalid"],
    ["a bad nodeSelector", (pod) => { set(pod, "spec.nodeSelector", { "a b": "c" }); }, "spec.nodeSelector FieldValueInvalid"],
    ["restartPolicy on a regular container", (pod) => { set(pod, "spec.containers[0].restartPolicy", "Always"); }, "spec.containers[0].restartPolicy FieldValueForbidden"],
    ["a sidecar restartPolicy other than Always", (pod) => { set(pod, "spec.initContainers", [{ name: "i", image: "i", imagePullPolicy: "Always", terminationMessagePolicy: "File", restartPolicy: "Never" }]); }, "spec.initContainers[0].restartPolicy FieldValueNotSupported"],
    ["a negative grace period", (pod) => { set(pod, "spec.terminationGracePeriodSeconds", -1); }, "spec.terminationGracePeriodSeconds FieldValueInvalid"],
    ["a probe on an init container", (pod) => { set(pod, "spec.initContainers", [{ name: "i", image: "i", imagePullPolicy: "Always", terminationMessagePolicy: "File", livenessProbe: { exec: { command: ["x"] } } }]); }, "spec.initContainers[0].livenessProbe FieldValueForbidden"],
  ];
  it.each(podCases)("a Pod with %s", (_name, change, expected) => {
    expect(fields(validateObject(core("Pod"), changed(validPod, change), create))).toContain(expected);
  });

  const deploymentCases: [string, (deployment: Json) => void, string][] = [
    ["no selector", (d) => { unset(d, "spec.selector"); }, "spec.selector FieldValueRequired"],
    ["an empty selector", (d) => { set(d, "spec.selector", {}); }, "spec.selector FieldValueInvalid"],
    ["a selector not matching the template", (d) => { set(d, "spec.template.metadata.labels", { app: "other", tier: "frontend" }); }, "spec.template.metadata.labels FieldValueInvalid"],
    ["negative replicas", (d) => { set(d, "spec.replicas", -1); }, "spec.replicas FieldValueInvalid"],
    ["restartPolicy Never", (d) => { set(d, "spec.template.spec.restartPolicy", "Never"); }, "spec.template.spec.restartPolicy FieldValueNotSupported"],
    ["a bad percent", (d) => { set(d, "spec.strategy.rollingUpdate.maxSurge", "1.5%"); }, "spec.strategy.rollingUpdate.maxSurge FieldValueInvalid"],
    ["maxSurge and maxUnavailable 0", (d) => { set(d, "spec.strategy.rollingUpdate", { maxSurge: 0, maxUnavailable: "0%" }); }, "spec.strategy.rollingUpdate.maxUnavailable FieldValueInvalid"],
    ["rollingUpdate with Recreate", (d) => { set(d, "spec.strategy.type", "Recreate"); }, "spec.strategy.rollingUpdate FieldValueForbidden"],
    ["a bad strategy type", (d) => { set(d, "spec.strategy", { type: "BlueGreen" }); }, "spec.strategy.type FieldValueNotSupported"],
    ["a container without image in the template", (d) => { unset(d, "spec.template.spec.containers[0].image"); }, "spec.template.spec.containers[0].image FieldValueRequired"],
    ["a bad selector operator", (d) => { set(d, "spec.selector.matchExpressions[0].operator", "Maybe"); }, "spec.selector.matchExpressions[0].operator FieldValueNotSupported"],
    ["In without values", (d) => { set(d, "spec.selector.matchExpressions[0].values", []); }, "spec.selector.matchExpressions[0].values FieldValueRequired"],
    ["Exists with values", (d) => { set(d, "spec.selector.matchExpressions[0].operator", "Exists"); }, "spec.selector.matchExpressions[0].values FieldValueForbidden"],
    ["a bad selector key", (d) => { set(d, "spec.selector.matchExpressions[0].key", "a b"); }, "spec.selector.matchExpressions[0].key FieldValueInvalid"],
    ["a negative revisionHistoryLimit", (d) => { set(d, "spec.revisionHistoryLimit", -1); }, "spec.revisionHistoryLimit FieldValueInvalid"],
    ["a percent above 100", (d) => { set(d, "spec.strategy.rollingUpdate.maxUnavailable", "150%"); }, "spec.strategy.rollingUpdate.maxUnavailable FieldValueInvalid"],
    ["an activeDeadlineSeconds in the template", (d) => { set(d, "spec.template.spec.activeDeadlineSeconds", 10); }, "spec.template.spec.activeDeadlineSeconds FieldValueForbidden"],
    ["a deadline not above minReadySeconds", (d) => { set(d, "spec.minReadySeconds", 700); }, "spec.progressDeadlineSeconds FieldValueInvalid"],
  ];
  it.each(deploymentCases)("a Deployment with %s", (_name, change, expected) => {
    expect(fields(validateObject(apps("Deployment"), changed(validDeployment, change), create))).toContain(expected);
  });

  const serviceCases: [string, (service: Json) => void, string][] = [
    ["a name that is not a DNS-1035 label", (s) => { set(s, "metadata.name", "1web"); }, "metadata.name FieldValueInvalid"],
    ["no ports", (s) => { set(s, "spec.ports", []); }, "spec.ports FieldValueRequired"],
    ["port 0", (s) => { set(s, "spec.ports[0].port", 0); }, "spec.ports[0].port FieldValueRequired"],
    ["port 70000", (s) => { set(s, "spec.ports[0].port", 70000); }, "spec.ports[0].port FieldValueInvalid"],
    ["an unnamed port among two", (s) => { unset(s, "spec.ports[1].name"); }, "spec.ports[1].name FieldValueRequired"],
    ["duplicate port names", (s) => { set(s, "spec.ports[1].name", "http"); }, "spec.ports[1].name FieldValueDuplicate"],
    ["a bad type", (s) => { set(s, "spec.type", "Ingress"); }, "spec.type FieldValueNotSupported"],
    ["a nodePort on ClusterIP", (s) => { set(s, "spec.ports[0].nodePort", 30080); }, "spec.ports[0].nodePort FieldValueForbidden"],
    ["a bad target port name", (s) => { set(s, "spec.ports[0].targetPort", "HTTP_PORT"); }, "spec.ports[0].targetPort FieldValueInvalid"],
    ["a bad session affinity", (s) => { set(s, "spec.sessionAffinity", "Sticky"); }, "spec.sessionAffinity FieldValueNotSupported"],
    ["a bad cluster IP", (s) => { set(s, "spec.clusterIP", "10.0.0.300"); }, "spec.clusterIP FieldValueInvalid"],
    ["a zero ClientIP timeout", (s) => { set(s, "spec.sessionAffinity", "ClientIP"); set(s, "spec.sessionAffinityConfig", { clientIP: { timeoutSeconds: 0 } }); }, "spec.sessionAffinityConfig.clientIP.timeoutSeconds FieldValueInvalid"],
    ["externalTrafficPolicy on ClusterIP", (s) => { set(s, "spec.externalTrafficPolicy", "Local"); }, "spec.externalTrafficPolicy FieldValueInvalid"],
    ["a bad external IP", (s) => { set(s, "spec.externalIPs", ["x"]); }, "spec.externalIPs[0] FieldValueInvalid"],
    ["three IP families", (s) => { set(s, "spec.ipFamilies", ["IPv4", "IPv6", "IPv4"]); }, "spec.ipFamilies FieldValueTooMany"],
    ["a bad IP family policy", (s) => { set(s, "spec.ipFamilyPolicy", "Any"); }, "spec.ipFamilyPolicy FieldValueNotSupported"],
    ["clusterIPs not starting with clusterIP", (s) => { set(s, "spec.clusterIP", "10.96.0.1"); set(s, "spec.clusterIPs", ["10.96.0.2"]); }, "spec.clusterIPs FieldValueInvalid"],
    ["a duplicate port and protocol", (s) => { set(s, "spec.ports[1].port", 80); }, "spec.ports[1] FieldValueDuplicate"],
    ["a bad selector label", (s) => { set(s, "spec.selector", { app: "-" }); }, "spec.selector FieldValueInvalid"],
    ["ExternalName without name", (s) => { set(s, "spec.type", "ExternalName"); }, "spec.externalName FieldValueRequired"],
  ];
  it.each(serviceCases)("a Service with %s", (_name, change, expected) => {
    expect(fields(validateObject(core("Service"), changed(validService, change), create))).toContain(expected);
  });

  it("other kinds' rules", () => {
    expect(fields(validateObject(core("Namespace"), { metadata: { name: "team.a" } }, create))).toContain("metadata.name FieldValueInvalid");
    expect(fields(validateObject(core("Namespace"), { metadata: { name: "a", namespace: "b" } }, create))).toContain("metadata.namespace FieldValueForbidden");
    expect(fields(validateObject(core("ConfigMap"), { metadata: { name: "c", namespace: "d" }, data: { "a/b": "x" } }, create))).toContain("data[a/b] FieldValueInvalid");
    expect(fields(validateObject(core("Secret"), { metadata: { name: "s", namespace: "d" }, type: "kubernetes.io/tls", data: { "tls.crt": "eA==" } }, create))).toContain("data[tls.key] FieldValueRequired");
    expect(fields(validateObject(core("Node"), { metadata: { name: "n" }, spec: { taints: [{ key: "a", effect: "Sometimes" }] } }, create))).toContain("spec.taints[0].effect FieldValueNotSupported");
    expect(fields(validateObject(core("Endpoints"), { metadata: { name: "e", namespace: "d" }, subsets: [{ addresses: [{ ip: "x" }] }] }, create))).toContain("subsets[0].addresses[0].ip FieldValueInvalid");
    expect(fields(validateObject(core("Event"), { metadata: { name: "e", namespace: "d" }, involvedObject: { namespace: "other" } }, create))).toContain("involvedObject.namespace FieldValueInvalid");
    expect(fields(validateObject({ group: "coordination.k8s.io", version: "v1", kind: "Lease" }, { metadata: { name: "l", namespace: "d" }, spec: { leaseDurationSeconds: 0 } }, create))).toContain("spec.leaseDurationSeconds FieldValueInvalid");
    expect(fields(validateObject(apps("ReplicaSet"), changed(validReplicaSet, (rs) => { set(rs, "spec.replicas", -2); }), create))).toContain("spec.replicas FieldValueInvalid");
    expect(fields(validateObject(core("Namespace"), { metadata: { name: "a" }, status: { phase: "Gone" } }, create))).toContain("status.phase FieldValueNotSupported");
    expect(fields(validateObject(core("ConfigMap"), { metadata: { name: "c", namespace: "d" }, data: { a: "1" }, binaryData: { a: "MQ==" } }, create))).toContain("binaryData[a] FieldValueDuplicate");
    expect(fields(validateObject(core("ConfigMap"), { metadata: { name: "c", namespace: "d" }, data: { a: "x".repeat(1024 * 1024 + 1) } }, create))).toContain("data FieldValueTooLong");
    expect(fields(validateObject(core("Secret"), { metadata: { name: "s", namespace: "d" }, type: "kubernetes.io/service-account-token" }, create))).toContain("metadata.annotations[kubernetes.io/service-account.name] FieldValueRequired");
    expect(fields(validateObject(core("Secret"), { metadata: { name: "s", namespace: "d" }, type: "kubernetes.io/basic-auth" }, create))).toContain("data[username] FieldValueRequired");
    expect(fields(validateObject(core("Node"), { metadata: { name: "n" }, spec: { taints: [{ key: "a", effect: "NoSchedule" }, { key: "a", effect: "NoSchedule" }] } }, create))).toContain("spec.taints[1] FieldValueDuplicate");
    expect(fields(validateObject(core("Endpoints"), { metadata: { name: "e", namespace: "d" }, subsets: [{ ports: [{ port: 80, protocol: "TCP" }, { port: 81, protocol: "TCP" }] }] }, create))).toContain("subsets[0].ports[1].name FieldValueRequired");
    expect(fields(validateObject(core("Event"), { metadata: { name: "e", namespace: "d" }, involvedObject: { namespace: "d" }, eventTime: "2026-11-25T17:00:00.000000Z" }, create))).toEqual([
      "reportingComponent FieldValueRequired", "reportingInstance FieldValueRequired", "action FieldValueRequired", "reason FieldValueRequired",
    ]);
    const lease = { group: "coordination.k8s.io", version: "v1", kind: "Lease" };
    expect(fields(validateObject(lease, { metadata: { name: "l", namespace: "d" }, spec: { leaseTransitions: -1, strategy: "Newest" } }, create))).toEqual([
      "spec.leaseTransitions FieldValueInvalid", "spec.strategy FieldValueNotSupported",
    ]);
  });
});

describe("validateObject on update", () => {
  const update = (old: Json) => ({ operation: "update", old }) as const;

  it("lets a Pod change its image but not its other spec fields", () => {
    expect(validateObject(core("Pod"), changed(validPod, (pod) => { set(pod, "spec.containers[0].image", "nginx:2"); }), update(validPod))).toEqual([]);
    expect(fields(validateObject(core("Pod"), changed(validPod, (pod) => { set(pod, "spec.restartPolicy", "Never"); }), update(validPod)))).toContain("spec FieldValueForbidden");
    expect(fields(validateObject(core("Pod"), changed(validPod, (pod) => { set(pod, "spec.tolerations", [{ operator: "Exists" }]); }), update(validPod)))).toEqual([]);
    const tolerated = changed(validPod, (pod) => { set(pod, "spec.tolerations", [{ operator: "Exists" }]); set(pod, "spec.activeDeadlineSeconds", 60); set(pod, "spec.schedulingGates", [{ name: "g" }]); });
    expect(fields(validateObject(core("Pod"), changed(tolerated, (pod) => { set(pod, "spec.tolerations", []); }), update(tolerated)))).toEqual(["spec.tolerations FieldValueForbidden"]);
    expect(fields(validateObject(core("Pod"), changed(tolerated, (pod) => { set(pod, "spec.activeDeadlineSeconds", 120); }), update(tolerated)))).toEqual(["spec.activeDeadlineSeconds FieldValueInvalid"]);
    expect(fields(validateObject(core("Pod"), changed(tolerated, (pod) => { set(pod, "spec.schedulingGates", [{ name: "g" }, { name: "h" }]); }), update(tolerated)))).toEqual(["spec.schedulingGates FieldValueForbidden"]);
    expect(validateObject(core("Pod"), changed(tolerated, (pod) => { set(pod, "spec.schedulingGates", []); set(pod, "spec.activeDeadlineSeconds", 30); }), update(tolerated))).toEqual([]);
  });

  it("keeps Deployment and ReplicaSet selectors immutable", () => {
    const moved = changed(validDeployment, (d) => { set(d, "spec.selector", { matchLabels: { app: "web", tier: "frontend" } }); });
    expect(fields(validateObject(apps("Deployment"), moved, update(validDeployment)))).toContain("spec.selector FieldValueInvalid");
    const movedSet = changed(validReplicaSet, (rs) => { set(rs, "spec.selector.matchLabels", { app: "b" }); set(rs, "spec.template.metadata.labels", { app: "b" }); });
    expect(fields(validateObject(apps("ReplicaSet"), movedSet, update(validReplicaSet)))).toContain("spec.selector FieldValueInvalid");
  });

  it("keeps a Service's clusterIP and an object's name", () => {
    const allocated = changed(validService, (s) => { set(s, "spec.clusterIP", "10.96.0.10"); set(s, "spec.clusterIPs", ["10.96.0.10"]); });
    const moved = changed(allocated, (s) => { set(s, "spec.clusterIP", "10.96.0.11"); set(s, "spec.clusterIPs", ["10.96.0.11"]); });
    expect(fields(validateObject(core("Service"), moved, update(allocated)))).toContain("spec.clusterIP FieldValueInvalid");
    const movedList = changed(allocated, (s) => { set(s, "spec.clusterIPs", ["10.96.0.11"]); });
    expect(fields(validateObject(core("Service"), movedList, update(allocated)))).toContain("spec.clusterIPs[0] FieldValueInvalid");
    const external = changed(allocated, (s) => { set(s, "spec.type", "ExternalName"); set(s, "spec.externalName", "example.com"); set(s, "spec.clusterIP", ""); set(s, "spec.clusterIPs", []); });
    expect(fields(validateObject(core("Service"), external, update(allocated))).filter((cause) => cause.startsWith("spec.clusterIP"))).toEqual([]);
    const renamed = changed(allocated, (s) => { set(s, "metadata.name", "other"); });
    expect(fields(validateObject(core("Service"), renamed, update(allocated)))).toContain("metadata.name FieldValueInvalid");
  });

  it("freezes immutable ConfigMaps and Secrets", () => {
    const old = { metadata: { name: "c", namespace: "d" }, immutable: true, data: { a: "1" } };
    expect(fields(validateObject(core("ConfigMap"), { ...old, data: { a: "2" } }, update(old)))).toContain("data FieldValueForbidden");
    expect(fields(validateObject(core("ConfigMap"), { ...old, immutable: false }, update(old)))).toContain("immutable FieldValueForbidden");
    const secret = { ...old, type: "Opaque", data: { a: "MQ==" } };
    expect(fields(validateObject(core("Secret"), { ...secret, data: { a: "Mg==" } }, update(secret)))).toContain("data FieldValueForbidden");
    expect(fields(validateObject(core("Secret"), { ...secret, immutable: undefined, type: "x" }, update({ ...secret, immutable: false })))).toContain("type FieldValueInvalid");
  });

  it("takes no new finalizers on an object being deleted, and lets finalizers go", () => {
    const deleting = { metadata: { name: "c", namespace: "d", deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["example.com/a"] } };
    const added = validateObject(core("ConfigMap"), { metadata: { ...deleting.metadata, finalizers: ["example.com/a", "orphan", "example.com/b"] } }, update(deleting));
    expect(added).toEqual([{ field: "metadata.finalizers", reason: "FieldValueForbidden", message: 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b", "orphan"}' }]);
    expect(validateObject(core("ConfigMap"), { metadata: { ...deleting.metadata, finalizers: [] } }, update(deleting))).toEqual([]);
    const live = { metadata: { name: "c", namespace: "d" } };
    expect(validateObject(core("ConfigMap"), { metadata: { ...live.metadata, finalizers: ["example.com/b"] } }, update(live))).toEqual([]);
  });

  it("keeps a Node's podCIDRs once set", () => {
    const node = { metadata: { name: "n" }, spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"] } };
    const moved = { metadata: { name: "n" }, spec: { podCIDR: "10.244.2.0/24", podCIDRs: ["10.244.2.0/24"] } };
    expect(fields(validateObject(core("Node"), moved, update(node)))).toEqual(["spec.podCIDRs FieldValueForbidden"]);
  });

  it("checks the scale, binding and status subresources", () => {
    const scale = { metadata: { name: "web", namespace: "default" }, spec: { replicas: -1 } };
    expect(fields(validateObject(apps("Deployment"), scale, { operation: "update", old: validDeployment, subresource: "scale" }))).toEqual(["spec.replicas FieldValueInvalid"]);
    const binding = { metadata: { name: "demo", namespace: "default" }, target: { kind: "Pod" } };
    expect(fields(validateObject(core("Pod"), binding, { operation: "create", subresource: "binding" }))).toEqual(["target.kind FieldValueNotSupported", "target.name FieldValueRequired"]);
    const podStatus = changed(validPod, (pod) => { set(pod, "status", { phase: "Lost", podIP: "10.0.0.300", podIPs: [{ ip: "10.0.0.1" }, { ip: "10.0.0.1" }], nominatedNodeName: "Node_1" }); });
    expect(fields(validateObject(core("Pod"), podStatus, { operation: "update", old: validPod, subresource: "status" }))).toEqual([
      "status.nominatedNodeName FieldValueInvalid", "status.podIP FieldValueInvalid", "status.podIPs[1].ip FieldValueDuplicate", "status.phase FieldValueNotSupported",
    ]);
    const status = changed(validDeployment, (d) => { set(d, "status", { replicas: 1, readyReplicas: 2 }); });
    expect(fields(validateObject(apps("Deployment"), status, { operation: "update", old: validDeployment, subresource: "status" }))).toEqual(["status.readyReplicas FieldValueInvalid"]);
  });
});
