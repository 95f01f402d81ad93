// Defaulting of the other core/v1 kinds (pkg/apis/core/v1/defaults.go, Kubernetes 1.32), plus
// the zero values Go always serializes for non-pointer structs (`status: {loadBalancer: {}}`).
import type { JsonObject } from "./contract.js";
import { ensureObject, objectAt, objectsAt, setDefault, stringAt, stringMapAt, jsonCopy } from "./json.js";

export function defaultService(service: JsonObject): void {
  const spec = ensureObject(service, "spec");
  setDefault(spec, "sessionAffinity", "None");
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === "ClientIP") {
    const clientIP = ensureObject(ensureObject(spec, "sessionAffinityConfig"), "clientIP");
    setDefault(clientIP, "timeoutSeconds", 10800);
  }
  setDefault(spec, "type", "ClusterIP");
  for (const port of objectsAt(spec, "ports")) {
    setDefault(port, "protocol", "TCP");
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === "") port.targetPort = port.port;
  }
  const type = stringAt(spec, "type");
  const externallyReachable = type === "NodePort" || type === "LoadBalancer";
  if (externallyReachable) setDefault(spec, "externalTrafficPolicy", "Cluster");
  if (externallyReachable || type === "ClusterIP") setDefault(spec, "internalTrafficPolicy", "Cluster");
  if (type === "LoadBalancer") {
    setDefault(spec, "allocateLoadBalancerNodePorts", true);
    // LoadBalancerIPMode (on by default since 1.30): ingress IPs are VIPs unless told otherwise.
    for (const ingress of objectsAt(objectAt(objectAt(service, "status"), "loadBalancer"), "ingress")) {
      if ((stringAt(ingress, "ip") ?? "") !== "" && ingress.ipMode === undefined) ingress.ipMode = "VIP";
    }
  }
  if (type !== "ExternalName") {
    // The service REST storage does this on create in a single-stack IPv4 cluster; a headless
    // service without a selector, whose families cannot be inferred, gets RequireDualStack.
    const headlessWithoutSelector = spec.clusterIP === "None" && Object.keys(stringMapAt(spec, "selector")).length === 0;
    setDefault(spec, "ipFamilyPolicy", headlessWithoutSelector ? "RequireDualStack" : "SingleStack");
    setDefault(spec, "ipFamilies", ["IPv4"]);
  }
  ensureObject(ensureObject(service, "status"), "loadBalancer");
}

export function defaultNamespace(namespace: JsonObject): void {
  // SetDefaults_Namespace: the immutable name label, for namespace selectors.
  const metadata = ensureObject(namespace, "metadata");
  const name = stringAt(metadata, "name");
  if (name !== undefined) ensureObject(metadata, "labels")["kubernetes.io/metadata.name"] = name;
  ensureObject(namespace, "spec");
  setDefault(ensureObject(namespace, "status"), "phase", "Active");
}

export function defaultSecret(secret: JsonObject): void {
  setDefault(secret, "type", "Opaque");
}

export function defaultNode(node: JsonObject): void {
  ensureObject(node, "spec");
  const status = ensureObject(node, "status");
  if (status.allocatable === undefined && status.capacity !== undefined) status.allocatable = jsonCopy(status.capacity);
  const kubeletEndpoint = ensureObject(ensureObject(status, "daemonEndpoints"), "kubeletEndpoint");
  setDefault(kubeletEndpoint, "Port", 0);
  const nodeInfo = ensureObject(status, "nodeInfo");
  for (const key of ["machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion", "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture"]) {
    if (nodeInfo[key] === undefined) nodeInfo[key] = "";
  }
}

export function defaultEndpoints(endpoints: JsonObject): void {
  for (const subset of objectsAt(endpoints, "subsets")) {
    for (const port of objectsAt(subset, "ports")) setDefault(port, "protocol", "TCP");
  }
}

export function defaultEvent(event: JsonObject): void {
  ensureObject(event, "involvedObject");
  ensureObject(event, "source");
  // Non-omitempty strings in the Go struct.
  for (const key of ["reportingComponent", "reportingInstance"]) if (event[key] === undefined) event[key] = "";
}

export function defaultLease(lease: JsonObject): void {
  ensureObject(lease, "spec");
}

/** A Pod's spec and status structs are always serialized. */
export function defaultPodShell(pod: JsonObject): JsonObject {
  ensureObject(pod, "status");
  return ensureObject(pod, "spec");
}

