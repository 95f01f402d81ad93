// The rows of every resource but pods, as upstream's printers (Kubernetes 1.32) fill them. Cells
// keep upstream's JSON types: counts are numbers (int64 in Go), everything else strings; the
// server always prints the wide cells, kubectl hides priority-1 columns unless `-o wide`.
import { formatLabelSelector } from "../selectors/index.js";
import { ageSince } from "./human-duration.js";
import { at, count, list, record, size, strings, text, timestampMs, type Json } from "./json-access.js";
import type { TableRow } from "./pod-row.js";

const roleLabelPrefix = "node-role.kubernetes.io/";
const legacyRoleLabel = "kubernetes.io/role";

function name(object: Json): string {
  return text(at(object, "metadata", "name"));
}

function age(object: Json, nowMs: number): string {
  return ageSince(at(object, "metadata", "creationTimestamp"), nowMs);
}

/** Go's sort.Strings order, for output that does not depend on key order. */
function sorted(values: Iterable<string>): string[] {
  return [...values].sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)));
}

/** labels.FormatLabels: "a=b,c=d" sorted by key, "<none>" when empty. */
function formatLabels(labels: unknown): string {
  const map = record(labels);
  const keys = sorted(Object.keys(map));
  return keys.length === 0 ? "<none>" : keys.map((key) => `${key}=${text(map[key])}`).join(",");
}

/** layoutContainerCells: container names and images, comma separated. */
function containerCells(template: unknown): [string, string] {
  const containers = list(at(template, "spec", "containers"));
  return [containers.map((container) => text(container.name)).join(","), containers.map((container) => text(container.image)).join(",")];
}

/** spec.replicas after defaulting: the apiserver defaults an absent count to 1. */
function desiredReplicas(object: Json): number {
  const replicas = at(object, "spec", "replicas");
  return typeof replicas === "number" ? Math.trunc(replicas) : 1;
}

function nodeRow(node: Json, nowMs: number): TableRow {
  const ready = list(at(node, "status", "conditions")).find((condition) => condition.type === "Ready");
  const status: string[] = [];
  if (ready !== undefined) status.push(ready.status === "True" ? "Ready" : "NotReady");
  if (status.length === 0) status.push("Unknown");
  if (at(node, "spec", "unschedulable") === true) status.push("SchedulingDisabled");

  const roles = new Set<string>();
  for (const [key, value] of Object.entries(record(at(node, "metadata", "labels")))) {
    if (key.startsWith(roleLabelPrefix) && key.length > roleLabelPrefix.length) roles.add(key.slice(roleLabelPrefix.length));
    else if (key === legacyRoleLabel && text(value) !== "") roles.add(text(value));
  }
  const addresses = list(at(node, "status", "addresses"));
  const address = (type: string): string => text(addresses.find((candidate) => candidate.type === type)?.address) || "<none>";
  const info = record(at(node, "status", "nodeInfo"));
  const known = (value: unknown): string => text(value) || "<unknown>";
  return {
    cells: [
      name(node),
      status.join(","),
      roles.size === 0 ? "<none>" : sorted(roles).join(","),
      age(node, nowMs),
      text(info.kubeletVersion),
      address("InternalIP"),
      address("ExternalIP"),
      known(info.osImage),
      known(info.kernelVersion),
      known(info.containerRuntimeVersion),
    ],
  };
}

function deploymentRow(deployment: Json, nowMs: number): TableRow {
  const status = record(deployment.status);
  const template = at(deployment, "spec", "template");
  // Upstream prints the selector itself here, "<invalid>" when it does not convert.
  const selector = formatLabelSelector(at(deployment, "spec", "selector"));
  return {
    cells: [
      name(deployment),
      `${count(status.readyReplicas)}/${desiredReplicas(deployment)}`,
      count(status.updatedReplicas),
      count(status.availableReplicas),
      age(deployment, nowMs),
      ...containerCells(template),
      selector === "<error>" ? "<invalid>" : selector === "<none>" ? "" : selector,
    ],
  };
}

function replicaSetRow(replicaSet: Json, nowMs: number): TableRow {
  const status = record(replicaSet.status);
  return {
    cells: [
      name(replicaSet),
      desiredReplicas(replicaSet),
      count(status.replicas),
      count(status.readyReplicas),
      age(replicaSet, nowMs),
      ...containerCells(at(replicaSet, "spec", "template")),
      formatLabelSelector(at(replicaSet, "spec", "selector")),
    ],
  };
}

/** loadBalancerStatusStringer (wide): ingress IPs or hostnames, deduplicated. */
function loadBalancerIngress(service: Json): string[] {
  const found = list(at(service, "status", "loadBalancer", "ingress")).map((ingress) => text(ingress.ip) || text(ingress.hostname));
  return [...new Set(found.filter((value) => value !== ""))];
}

function serviceExternalIP(service: Json): string {
  const externalIPs = strings(at(service, "spec", "externalIPs"));
  switch (text(at(service, "spec", "type"))) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const ingress = loadBalancerIngress(service);
      if (externalIPs.length > 0) return [...ingress, ...externalIPs].join(",");
      return ingress.length > 0 ? ingress.join(",") : "<pending>";
    }
    case "ExternalName":
      return text(at(service, "spec", "externalName"));
    default:
      return "<unknown>";
  }
}

function servicePorts(service: Json): string {
  const ports = list(at(service, "spec", "ports")).map((port) => {
    const nodePort = count(port.nodePort);
    return nodePort > 0 ? `${count(port.port)}:${nodePort}/${text(port.protocol)}` : `${count(port.port)}/${text(port.protocol)}`;
  });
  return ports.length === 0 ? "<none>" : ports.join(",");
}

function serviceRow(service: Json, nowMs: number): TableRow {
  const clusterIPs = strings(at(service, "spec", "clusterIPs"));
  // An object written without clusterIPs still has clusterIP (upstream defaulting copies it over).
  const clusterIP = clusterIPs[0] ?? (text(at(service, "spec", "clusterIP")) || "<none>");
  return {
    cells: [
      name(service),
      text(at(service, "spec", "type")),
      clusterIP,
      serviceExternalIP(service),
      servicePorts(service),
      age(service, nowMs),
      formatLabels(at(service, "spec", "selector")),
    ],
  };
}

/** net.JoinHostPort: IPv6 addresses in brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** formatEndpoints: the first three address:port pairs, then "+ N more...". */
function formatEndpoints(endpoints: Json): string {
  const subsets = list(endpoints.subsets);
  if (subsets.length === 0) return "<none>";
  const maximum = 3;
  const shown: string[] = [];
  let total = 0;
  for (const subset of subsets) {
    const addresses = list(subset.addresses).map((address) => text(address.ip));
    const ports = list(subset.ports);
    // A headless service may have no ports: its addresses alone.
    const pairs = ports.length === 0 ? [addresses] : ports.map((port) => addresses.map((ip) => joinHostPort(ip, count(port.port))));
    for (const group of pairs) {
      total += group.length;
      shown.push(...group.slice(0, Math.max(0, maximum - shown.length)));
    }
  }
  const joined = shown.join(",");
  return total > maximum ? `${joined} + ${total - maximum} more...` : joined;
}

function eventRow(event: Json, nowMs: number): TableRow {
  const firstSeen = ageSince(timestampMs(event.firstTimestamp) === undefined ? event.eventTime : event.firstTimestamp, nowMs);
  let lastSeen = timestampMs(event.lastTimestamp) === undefined ? firstSeen : ageSince(event.lastTimestamp, nowMs);
  let occurrences = count(event.count);
  if (event.series !== undefined && event.series !== null) {
    lastSeen = ageSince(at(event, "series", "lastObservedTime"), nowMs);
    occurrences = count(at(event, "series", "count"));
  } else if (occurrences === 0) {
    occurrences = 1; // singleton events of the events.k8s.io API carry no count
  }
  const involved = record(event.involvedObject);
  const kind = text(involved.kind).toLowerCase();
  const component = text(at(event, "source", "component")) || text(event.reportingComponent);
  const instance = text(at(event, "source", "host")) || text(event.reportingInstance);
  return {
    cells: [
      lastSeen,
      text(event.type),
      text(event.reason),
      text(involved.name) === "" ? kind : `${kind}/${text(involved.name)}`,
      text(involved.fieldPath),
      instance === "" ? component : `${component}, ${instance}`,
      text(event.message).trim(),
      firstSeen,
      occurrences,
      name(event),
    ],
  };
}

type RowPrinter = (object: Json, nowMs: number) => TableRow;

export const rowPrinters: Readonly<Record<string, RowPrinter>> = {
  nodes: nodeRow,
  namespaces: (namespace, nowMs) => ({ cells: [name(namespace), text(at(namespace, "status", "phase")), age(namespace, nowMs)] }),
  deployments: deploymentRow,
  replicasets: replicaSetRow,
  services: serviceRow,
  endpoints: (endpoints, nowMs) => ({ cells: [name(endpoints), formatEndpoints(endpoints), age(endpoints, nowMs)] }),
  configmaps: (configMap, nowMs) => ({ cells: [name(configMap), size(configMap.data) + size(configMap.binaryData), age(configMap, nowMs)] }),
  secrets: (secret, nowMs) => ({ cells: [name(secret), text(secret.type), size(secret.data), age(secret, nowMs)] }),
  events: eventRow,
  leases: (lease, nowMs) => ({ cells: [name(lease), text(at(lease, "spec", "holderIdentity")), age(lease, nowMs)] }),
};

/** The row of a resource without a printer: Name and Age. */
export function defaultRow(object: Json, nowMs: number): TableRow {
  return { cells: [name(object), age(object, nowMs)] };
}
