// Small builders of Node and Pod objects for the scheduler's unit tests and benchmarks.
import type { Node, Pod, PodSpec, Taint } from "../../client/index.js";

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  ready?: boolean;
  extra?: Record<string, string>;
}

export function makeNode(name: string, options: NodeOptions = {}): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...options.labels } },
    spec: { unschedulable: options.unschedulable, taints: options.taints },
    status: {
      allocatable: { cpu: options.cpu ?? "4", memory: options.memory ?? "8Gi", pods: options.pods ?? "110", ...options.extra },
      conditions: [{ type: "Ready", status: options.ready === false ? "False" : "True" }],
    },
  };
}

export interface PodOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  extra?: Record<string, string>;
  ownerUid?: string;
  nodeName?: string;
  priority?: number;
  spec?: Partial<PodSpec>;
}

export function makePod(name: string, options: PodOptions = {}): Pod {
  const requests: Record<string, string> = { ...options.extra };
  if (options.cpu !== undefined) requests.cpu = options.cpu;
  if (options.memory !== undefined) requests.memory = options.memory;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: options.namespace ?? "default",
      uid: `uid-${name}`,
      ownerReferences: options.ownerUid === undefined ? undefined : [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: options.ownerUid, controller: true }],
    },
    spec: {
      containers: [{ name: "app", image: "nginx", resources: { requests } }],
      nodeName: options.nodeName,
      priority: options.priority,
      ...options.spec,
    },
  };
}
