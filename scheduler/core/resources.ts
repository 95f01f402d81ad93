// What a pod asks for and what a node offers, as integers (cpu in millicores, the rest in
// whole units), computed once per object.
import type { PodSpec } from "../../client/index.js";
import { parseMilliQuantity, parseQuantity } from "./quantity.js";

/** A vector of resources. cpu and memory get fields because every decision reads them. */
export interface Resources {
  milliCpu: number;
  memory: number;
  /** Every other resource (ephemeral-storage, extended resources, hugepages) by name. */
  scalars: Map<string, number>;
}

export type ResourceList = Readonly<Record<string, string | number>>;

/** Used by the scoring of pods that leave cpu or memory out (upstream DefaultMilliCPURequest, DefaultMemoryRequest). */
export const defaultMilliCpuRequest = 100;
export const defaultMemoryRequestBytes = 200 * 1024 * 1024;

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, scalars: new Map() };
}

/** A resource list as a vector; "pods" is left out (it is a node's count, not a request). Unparsable quantities count 0. */
export function toResources(list: ResourceList | undefined): Resources {
  const result = emptyResources();
  if (list === undefined) return result;
  for (const [name, quantity] of Object.entries(list)) {
    if (name === "cpu") result.milliCpu = parseMilliQuantity(quantity) ?? 0;
    else if (name === "memory") result.memory = parseQuantity(quantity) ?? 0;
    else if (name !== "pods") result.scalars.set(name, parseQuantity(quantity) ?? 0);
  }
  return result;
}

export function addResources(target: Resources, other: Resources, sign = 1): void {
  target.milliCpu += sign * other.milliCpu;
  target.memory += sign * other.memory;
  for (const [name, value] of other.scalars) {
    const next = (target.scalars.get(name) ?? 0) + sign * value;
    if (next === 0) target.scalars.delete(name);
    else target.scalars.set(name, next);
  }
}

function maxResources(target: Resources, other: Resources): void {
  target.milliCpu = Math.max(target.milliCpu, other.milliCpu);
  target.memory = Math.max(target.memory, other.memory);
  for (const [name, value] of other.scalars) target.scalars.set(name, Math.max(target.scalars.get(name) ?? 0, value));
}

/** Fills in cpu and memory a container leaves out (missing, not zero), for scoring. */
function withNonZeroDefaults(list: ResourceList | undefined): Resources {
  const resources = toResources(list);
  if (list?.cpu === undefined) resources.milliCpu = defaultMilliCpuRequest;
  if (list?.memory === undefined) resources.memory = defaultMemoryRequestBytes;
  return resources;
}

/**
 * The pod's effective request (upstream resourcehelper.PodRequests): containers run together so
 * their requests add up; init containers run one at a time before them, so each only raises the
 * total to its own size; the RuntimeClass overhead comes on top. With `nonZero`, containers
 * that leave cpu or memory out count the scoring defaults, so that many request-less pods do
 * not all pile onto one node.
 */
export function podRequests(spec: PodSpec, nonZero = false): Resources {
  const containerResources = (list: ResourceList | undefined) => (nonZero ? withNonZeroDefaults(list) : toResources(list));
  const total = emptyResources();
  for (const container of spec.containers) addResources(total, containerResources(container.resources?.requests));
  for (const container of spec.initContainers ?? []) maxResources(total, containerResources(container.resources?.requests));
  if (spec.overhead !== undefined) addResources(total, toResources(spec.overhead));
  return total;
}

export function isZero(resources: Resources): boolean {
  return resources.milliCpu === 0 && resources.memory === 0 && resources.scalars.size === 0;
}
