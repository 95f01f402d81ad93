// A pod's QoS class as upstream computes it (pkg/apis/core/v1/helper/qos.GetPodQOS, 1.32): the
// kubelet writes it into every status it posts, so a status PUT must carry it.
import type { Container, Pod } from "../client/index.js";

const binaryMultipliers: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimalMultipliers: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A resource.Quantity in base units (cores, bytes); NaN when malformed (the apiserver refuses those first). */
export function quantityValue(quantity: string | number | undefined): number {
  if (quantity === undefined) return Number.NaN;
  if (typeof quantity === "number") return quantity;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE]?)$/.exec(quantity.trim());
  if (match === null) return Number.NaN;
  const [, digits = "", suffix = ""] = match;
  const multiplier = binaryMultipliers[suffix] ?? decimalMultipliers[suffix] ?? 10 ** Number(suffix.slice(1));
  return Number(digits) * multiplier;
}

const qosResources = ["cpu", "memory"] as const;
type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

interface Totals {
  requests: Map<string, number>;
  limits: Map<string, number>;
  everyContainerLimitsAll: boolean;
}

function addContainer(totals: Totals, container: Container): void {
  const limited = new Set<string>();
  for (const name of qosResources) {
    const request = quantityValue(container.resources?.requests?.[name]);
    const limit = quantityValue(container.resources?.limits?.[name]);
    // Only positive quantities count, as upstream's isSupportedQoSComputeResource + Sign() > 0.
    if (request > 0) totals.requests.set(name, (totals.requests.get(name) ?? 0) + request);
    if (limit > 0) {
      totals.limits.set(name, (totals.limits.get(name) ?? 0) + limit);
      limited.add(name);
    }
  }
  if (limited.size !== qosResources.length) totals.everyContainerLimitsAll = false;
}

export function podQosClass(pod: Pod): QosClass {
  const totals: Totals = { requests: new Map(), limits: new Map(), everyContainerLimitsAll: true };
  for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) addContainer(totals, container);
  if (totals.requests.size === 0 && totals.limits.size === 0) return "BestEffort";
  const requestsMatchLimits = [...totals.requests].every(([name, request]) => totals.limits.get(name) === request);
  return totals.everyContainerLimitsAll && requestsMatchLimits && totals.requests.size === totals.limits.size ? "Guaranteed" : "Burstable";
}
