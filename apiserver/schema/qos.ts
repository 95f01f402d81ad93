// A Pod's QoS class as upstream computes it (pkg/apis/core/helper/qos.GetPodQOS, 1.32): only
// cpu and memory count; Guaranteed when every container limits both and requests equal limits.
import type { JsonObject } from "./contract.js";
import { objectAt, objectsAt } from "./json.js";
import { parseQuantity } from "./quantity.js";

const qosResources = ["cpu", "memory"];

function addPositive(totals: Map<string, number>, list: JsonObject | undefined, found?: Set<string>): void {
  for (const name of qosResources) {
    const value = parseQuantity(list?.[name]);
    if (value === undefined || value <= 0) continue;
    totals.set(name, (totals.get(name) ?? 0) + value);
    found?.add(name);
  }
}

export function podQOSClass(spec: JsonObject | undefined): "Guaranteed" | "Burstable" | "BestEffort" {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const container of [...objectsAt(spec, "initContainers"), ...objectsAt(spec, "containers")]) {
    const resources = objectAt(container, "resources");
    addPositive(requests, objectAt(resources, "requests"));
    const limitsFound = new Set<string>();
    addPositive(limits, objectAt(resources, "limits"), limitsFound);
    if (!qosResources.every((name) => limitsFound.has(name))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, request] of requests) if (limits.get(name) !== request) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}
