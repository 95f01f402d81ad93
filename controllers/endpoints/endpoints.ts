// What the Endpoints of a Service should hold (kube-controller-manager 1.32's endpoint
// controller, syncService): one address per pod that has an IP and is not terminating (or
// terminal), ready pods under `addresses`, the others under `notReadyAddresses`, ports resolved
// from each service port's targetPort, repacked into subsets grouped by identical port sets and
// sorted, so that comparing with the stored object tells whether a write is needed. Pure.
import { isDeepStrictEqual } from "node:util";
import type { KubeObject, ObjectReference, Pod } from "../../client/index.js";

export interface ServicePort {
  name?: string;
  protocol?: string;
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
}

export interface Service extends KubeObject {
  spec?: {
    selector?: Record<string, string>;
    ports?: ServicePort[];
    clusterIP?: string;
    type?: string;
    publishNotReadyAddresses?: boolean;
    ipFamilies?: string[];
  };
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

/** Endpoints hold at most this many addresses; the rest are cut and the object annotated. */
export const endpointsCapacityMax = 1000;
export const overCapacityAnnotation = "endpoints.kubernetes.io/over-capacity";
export const headlessServiceLabel = "service.kubernetes.io/headless";
/** Endpoints carrying this annotation are leader-election records, never garbage. */
export const leaderElectionAnnotation = "control-plane.alpha.kubernetes.io/leader";

/** Services without a selector (or ExternalName ones) get no Endpoints from this controller. */
export function managesEndpoints(service: Service): boolean {
  const selector = service.spec?.selector;
  return service.spec?.type !== "ExternalName" && selector !== undefined && Object.keys(selector).length > 0;
}

export function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True") ?? false;
}

/** ShouldPodBeInEndpoints. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  if ((pod.status?.podIP ?? "") === "" && (pod.status?.podIPs ?? []).length === 0) return false;
  return includeTerminating || pod.metadata.deletionTimestamp === undefined;
}

const isIpv6 = (ip: string): boolean => ip.includes(":");

/** The pod's IP of the service's family (podToEndpointAddressForService); undefined when it has none. */
function podIpFor(service: Service, pod: Pod): string | undefined {
  const clusterIP = service.spec?.clusterIP ?? "";
  const family = service.spec?.ipFamilies?.[0];
  const wantIpv6 = family !== undefined ? family === "IPv6" : clusterIP !== "" && clusterIP !== "None" ? isIpv6(clusterIP) : isIpv6(pod.status?.podIP ?? "");
  const candidates = (pod.status?.podIPs ?? []).map((entry) => entry.ip);
  if (candidates.length === 0 && pod.status?.podIP !== undefined) candidates.push(pod.status.podIP);
  return candidates.find((ip) => isIpv6(ip) === wantIpv6);
}

/** podutil.FindPort: a number is used as is; a name is looked up among the containers' ports. */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = servicePort.protocol ?? "TCP";
  for (const container of pod.spec.containers) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? "TCP") === protocol) return port.containerPort;
    }
  }
  return undefined;
}

interface Entry {
  readonly address: EndpointAddress;
  readonly ready: boolean;
  /** undefined: a headless service without ports (upstream's sentinel port). */
  readonly port: EndpointPort | undefined;
}

function addressKey(address: EndpointAddress): string {
  return `${address.ip}/${address.targetRef?.uid ?? ""}`;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  // LessEndpointAddress: the IP as a string, then the target's uid.
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? "";
  const ub = b.targetRef?.uid ?? "";
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  const byName = (a.name ?? "").localeCompare(b.name ?? "");
  if (byName !== 0) return byName;
  if (a.port !== b.port) return a.port - b.port;
  return (a.protocol ?? "").localeCompare(b.protocol ?? "");
}

/**
 * RepackSubsets: for each port, the set of addresses serving it; ports whose address sets are
 * identical share one subset. Addresses and ports sorted, subsets ordered by their first port
 * and first address (upstream orders by a hash; any fixed order serves comparison).
 */
export function repackSubsets(entries: readonly Entry[]): EndpointSubset[] {
  const byPort = new Map<string, { port: EndpointPort | undefined; addresses: Map<string, { address: EndpointAddress; ready: boolean }> }>();
  for (const entry of entries) {
    const portKey = entry.port === undefined ? "" : JSON.stringify([entry.port.name ?? "", entry.port.port, entry.port.protocol ?? "", entry.port.appProtocol ?? ""]);
    let group = byPort.get(portKey);
    if (group === undefined) byPort.set(portKey, (group = { port: entry.port, addresses: new Map() }));
    group.addresses.set(`${addressKey(entry.address)}/${String(entry.ready)}`, { address: entry.address, ready: entry.ready });
  }
  const byAddressSet = new Map<string, { ports: EndpointPort[]; addresses: { address: EndpointAddress; ready: boolean }[] }>();
  for (const { port, addresses } of byPort.values()) {
    const setKey = [...addresses.keys()].sort().join(",");
    let group = byAddressSet.get(setKey);
    if (group === undefined) byAddressSet.set(setKey, (group = { ports: [], addresses: [...addresses.values()] }));
    if (port !== undefined) group.ports.push(port);
  }
  const subsets = [...byAddressSet.values()].map(({ ports, addresses }) => {
    const ready = addresses.filter((a) => a.ready).map((a) => a.address).sort(compareAddresses);
    const notReady = addresses.filter((a) => !a.ready).map((a) => a.address).sort(compareAddresses);
    return {
      ...(ready.length > 0 ? { addresses: ready } : {}),
      ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}),
      ...(ports.length > 0 ? { ports: ports.sort(comparePorts) } : {}),
    };
  });
  const firstPort = (s: EndpointSubset): EndpointPort => s.ports?.[0] ?? { port: -1 };
  const firstAddress = (s: EndpointSubset): EndpointAddress => s.addresses?.[0] ?? s.notReadyAddresses?.[0] ?? { ip: "" };
  return subsets.sort((a, b) => comparePorts(firstPort(a), firstPort(b)) || compareAddresses(firstAddress(a), firstAddress(b)));
}

function endpointAddress(service: Service, pod: Pod, ip: string): EndpointAddress {
  const { name = "", namespace = "", uid = "" } = pod.metadata;
  const spec = pod.spec as Pod["spec"] & { hostname?: string; subdomain?: string };
  const setHostname = spec.hostname !== undefined && spec.hostname !== "" && spec.subdomain === service.metadata.name && namespace === service.metadata.namespace;
  return {
    ip,
    ...(setHostname ? { hostname: spec.hostname } : {}),
    ...(pod.spec.nodeName === undefined ? {} : { nodeName: pod.spec.nodeName }),
    targetRef: { kind: "Pod", namespace, name, uid },
  };
}

/** The subsets the Service's Endpoints should hold, given the pods its selector matches. */
export function desiredSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const servicePorts = service.spec?.ports ?? [];
  const entries: Entry[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIpFor(service, pod);
    if (ip === undefined) continue;
    const address = endpointAddress(service, pod, ip);
    const ready = publishNotReady || isPodReady(pod);
    if (servicePorts.length === 0) {
      if (service.spec?.clusterIP === "None") entries.push({ address, ready, port: undefined });
      continue;
    }
    for (const servicePort of servicePorts) {
      const port = findPort(pod, servicePort);
      if (port === undefined) continue;
      entries.push({
        address,
        ready,
        port: {
          ...(servicePort.name === undefined || servicePort.name === "" ? {} : { name: servicePort.name }),
          port,
          protocol: servicePort.protocol ?? "TCP",
          ...(servicePort.appProtocol === undefined ? {} : { appProtocol: servicePort.appProtocol }),
        },
      });
    }
  }
  return repackSubsets(entries);
}

/**
 * truncateEndpoints, simplified: keeps ready addresses before not-ready ones, subset by subset,
 * up to the capacity. True when something was cut.
 */
export function truncateSubsets(subsets: EndpointSubset[]): boolean {
  const total = subsets.reduce((sum, s) => sum + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  if (total <= endpointsCapacityMax) return false;
  let room = endpointsCapacityMax;
  for (const subset of subsets) {
    const kept = (subset.addresses ?? []).slice(0, room);
    room -= kept.length;
    if (kept.length > 0) subset.addresses = kept;
    else delete subset.addresses;
  }
  for (const subset of subsets) {
    const kept = (subset.notReadyAddresses ?? []).slice(0, room);
    room -= kept.length;
    if (kept.length > 0) subset.notReadyAddresses = kept;
    else delete subset.notReadyAddresses;
  }
  subsets.splice(0, subsets.length, ...subsets.filter((s) => s.addresses !== undefined || s.notReadyAddresses !== undefined));
  return true;
}

function isHeadless(service: Service): boolean {
  const clusterIP = service.spec?.clusterIP ?? "";
  return clusterIP === "" || clusterIP === "None";
}

function withoutKey(map: Readonly<Record<string, string>> | undefined, key: string): Record<string, string> {
  const copy = { ...map };
  delete copy[key];
  return copy;
}

export type EndpointsPlan = { readonly kind: "none" } | { readonly kind: "create" | "update"; readonly endpoints: Endpoints };

/** What to write for a Service with a selector, given its pods and the stored Endpoints (if any). */
export function planEndpoints(service: Service, pods: readonly Pod[], current: Endpoints | undefined): EndpointsPlan {
  const subsets = desiredSubsets(service, pods);
  const truncated = truncateSubsets(subsets);
  const serviceLabels = service.metadata.labels ?? {};
  if (current !== undefined) {
    const currentLabels = withoutKey(current.metadata.labels, headlessServiceLabel);
    const annotationRight = truncated === (current.metadata.annotations?.[overCapacityAnnotation] !== undefined);
    if (isDeepStrictEqual(current.subsets ?? [], subsets) && isDeepStrictEqual(currentLabels, serviceLabels) && annotationRight) return { kind: "none" };
  }
  const labels = isHeadless(service) ? { ...serviceLabels, [headlessServiceLabel]: "" } : withoutKey(serviceLabels, headlessServiceLabel);
  const annotations = truncated ? { ...current?.metadata.annotations, [overCapacityAnnotation]: "truncated" } : withoutKey(current?.metadata.annotations, overCapacityAnnotation);
  const base: Endpoints = current === undefined ? { apiVersion: "v1", kind: "Endpoints", metadata: { name: service.metadata.name ?? "", namespace: service.metadata.namespace ?? "" } } : structuredClone(current);
  base.metadata.labels = labels;
  if (Object.keys(annotations).length > 0) base.metadata.annotations = annotations;
  else delete base.metadata.annotations;
  base.subsets = subsets;
  return { kind: current === undefined ? "create" : "update", endpoints: base };
}
