// What kube-apiserver's default admission plugins do to the objects kube-lite serves:
// DefaultTolerationSeconds for pods, and cluster IPs for services (the ipallocator).
import { badRequest, ApiError } from "./errors.js";
import type { KubeObject } from "./storage.js";

export interface TolerationDefaults {
  readonly notReadySeconds: number;
  readonly unreachableSeconds: number;
}

/**
 * Adds the not-ready and unreachable NoExecute tolerations a pod does not already have
 * (plugin/pkg/admission/defaulttolerationseconds).
 */
export function addDefaultTolerations(pod: KubeObject, defaults: TolerationDefaults): void {
  const spec = pod.spec;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return;
  const podSpec = spec as Record<string, unknown>;
  const tolerations = Array.isArray(podSpec.tolerations) ? [...(podSpec.tolerations as unknown[])] : [];
  const tolerates = (key: string) =>
    tolerations.some((t) => {
      if (typeof t !== "object" || t === null) return false;
      const toleration = t as Record<string, unknown>;
      const effectMatches = toleration.effect === undefined || toleration.effect === "" || toleration.effect === "NoExecute";
      const keyMatches = toleration.key === key || ((toleration.key === undefined || toleration.key === "") && toleration.operator === "Exists");
      return effectMatches && keyMatches;
    });
  for (const [key, seconds] of [
    ["node.kubernetes.io/not-ready", defaults.notReadySeconds],
    ["node.kubernetes.io/unreachable", defaults.unreachableSeconds],
  ] as const) {
    if (!tolerates(key)) tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: seconds });
  }
  podSpec.tolerations = tolerations;
}

/** An IPv4 CIDR such as 10.96.0.0/12. */
export class ServiceIpRange {
  readonly base: number;
  readonly size: number;

  constructor(readonly cidr: string) {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    const bits = match === null ? Number.NaN : Number(match[5]);
    if (match === null || bits < 8 || bits > 30 || match.slice(1, 5).some((o) => Number(o) > 255)) {
      throw new Error(`--service-cluster-ip-range must be an IPv4 CIDR with a prefix from /8 to /30, like 10.96.0.0/12, not '${cidr}'`);
    }
    const address = match.slice(1, 5).reduce((acc, octet) => acc * 256 + Number(octet), 0);
    this.size = 2 ** (32 - bits);
    this.base = address - (address % this.size);
  }

  /** The first usable address (the `kubernetes` service's, 10.96.0.1 by default). */
  get first(): string {
    return ipText(this.base + 1);
  }

  contains(ip: string): boolean {
    const value = ipValue(ip);
    return value !== undefined && value > this.base && value < this.base + this.size - 1;
  }

  /** A random usable address other than the first (kept for the kubernetes service). */
  pick(random: () => number): string {
    return ipText(this.base + 2 + Math.floor(random() * (this.size - 3)));
  }
}

function ipValue(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function ipText(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** The registry key that reserves one cluster IP (written in the service's own transaction). */
export function clusterIpKey(ip: string): string {
  return `/registry/ranges/serviceips/${ip}`;
}

/** The cluster IP a service asks for: undefined to allocate one, "None" for a headless service. */
export function requestedClusterIp(service: KubeObject, range: ServiceIpRange): string | "None" | undefined {
  const spec = service.spec as Record<string, unknown> | undefined;
  const ip = spec?.clusterIP;
  if (ip === undefined || ip === "") return undefined;
  if (ip === "None") return "None";
  if (typeof ip !== "string" || ipValue(ip) === undefined) throw badRequest(`spec.clusterIP: Invalid value: "${String(ip)}": must be a valid IP address or "None"`);
  if (!range.contains(ip)) {
    throw new ApiError(422, "Invalid", `Service "${String((service.metadata as Record<string, unknown>)?.name ?? "")}" is invalid: spec.clusterIPs: Invalid value: ["${ip}"]: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${range.cidr}`);
  }
  return ip;
}

/** Writes the allocated IP into spec.clusterIP and spec.clusterIPs. */
export function setClusterIp(service: KubeObject, ip: string): void {
  const spec = (service.spec ?? {}) as Record<string, unknown>;
  spec.clusterIP = ip;
  spec.clusterIPs = [ip];
  service.spec = spec;
}
