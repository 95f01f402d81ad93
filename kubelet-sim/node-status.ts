// The Node a kubelet 1.32 registers and the status it keeps posting (pkg/kubelet/kubelet_node_status.go,
// pkg/kubelet/nodestatus/setters.go), for a simulated machine.
import { formatTime, type Node, type NodeCondition, type NodeStatus } from "../client/index.js";
import { canonicalJson } from "./canonical-json.js";
import { sha256Hex } from "./images.js";

export const kubeletVersion = "v1.32.0";
export const containerRuntimeVersion = "kube-lite-sim://1";

export interface NodeOptions {
  readonly name: string;
  readonly cpu: string;
  readonly memory: string;
  readonly maxPods: number;
  readonly ephemeralStorage: string;
  /** Extra labels (--labels); they override the kubelet's defaults, as --node-labels does upstream. */
  readonly labels: Readonly<Record<string, string>>;
  readonly podCidr: string;
  readonly internalIp: string;
  /** A new one each time the kubelet (the simulated machine) starts. */
  readonly bootId: string;
}

export const defaultNodeResources = { cpu: "4", memory: "8Gi", maxPods: 110, ephemeralStorage: "100Gi" } as const;

/** Labels the kubelet sets on its Node (getNodeLabels / updateDefaultLabels), beta ones included. */
export function kubeletLabels(name: string): Record<string, string> {
  return {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
  };
}

/** A stable id derived from the node name, formatted as a UUID or as /etc/machine-id. */
function nameId(kind: string, name: string, uuid: boolean): string {
  const hex = sha256Hex(`${kind}:${name}`).slice(0, 32);
  return uuid ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` : hex;
}

function resources(options: NodeOptions): Record<string, string> {
  return {
    cpu: options.cpu,
    "ephemeral-storage": options.ephemeralStorage,
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    memory: options.memory,
    pods: String(options.maxPods),
  };
}

type OwnedNodeCondition = Pick<NodeCondition, "type" | "status" | "reason" | "message">;

// Setter order and wording of nodestatus.MemoryPressureCondition, DiskPressureCondition,
// PIDPressureCondition and ReadyCondition. A simulated machine is never under pressure.
const healthyConditions: readonly OwnedNodeCondition[] = [
  { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
  { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
  { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
  { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
];

/**
 * The setters' update in place: every owned condition gets a fresh heartbeat; its transition time
 * moves only when its status changes; conditions others own (NetworkUnavailable) stay where they are.
 */
export function updateNodeConditions(existing: readonly NodeCondition[] | undefined, nowMs: number): NodeCondition[] {
  const now = formatTime(nowMs);
  const result = (existing ?? []).map((condition) => ({ ...condition }));
  for (const owned of healthyConditions) {
    const index = result.findIndex((c) => c.type === owned.type);
    const before = index < 0 ? undefined : result[index];
    const lastTransitionTime = before !== undefined && before.status === owned.status && before.lastTransitionTime !== undefined ? before.lastTransitionTime : now;
    const condition = { ...owned, lastHeartbeatTime: now, lastTransitionTime };
    if (index < 0) result.push(condition);
    else result[index] = condition;
  }
  return result;
}

/** Everything the kubelet reports, given what the Node says now. */
export function nodeStatus(options: NodeOptions, current: NodeStatus | undefined, nowMs: number): NodeStatus {
  return {
    ...current,
    capacity: resources(options),
    // No reservations or eviction thresholds on a simulated machine: all of it is allocatable.
    allocatable: resources(options),
    conditions: updateNodeConditions(current?.conditions, nowMs),
    addresses: [
      { type: "InternalIP", address: options.internalIp },
      { type: "Hostname", address: options.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: nameId("machine", options.name, false),
      systemUUID: nameId("system", options.name, true),
      bootID: options.bootId,
      kernelVersion: "6.8.0-kube-lite",
      osImage: "kube-lite simulated node",
      containerRuntimeVersion,
      kubeletVersion,
      // KEP-4004: deprecated, and the kubelet no longer fills it in.
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: "amd64",
    },
  };
}

/** The Node to create at registration (initialNode). */
export function buildNode(options: NodeOptions, nowMs: number): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: options.name,
      labels: { ...kubeletLabels(options.name), ...options.labels },
      annotations: { "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
    },
    // The node IPAM controller's job upstream; nothing else here allocates pod ranges.
    spec: { podCIDR: options.podCidr, podCIDRs: [options.podCidr] },
    status: nodeStatus(options, undefined, nowMs),
  };
}

function withoutHeartbeats(status: NodeStatus): string {
  return canonicalJson({ ...status, conditions: (status.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: undefined })) });
}

/**
 * tryUpdateNodeStatus' rule: post when something other than heartbeats changed (Ready set to
 * Unknown by the node lifecycle controller is such a change, so it flips back at once), or when
 * the report frequency has passed since the last post; otherwise post nothing.
 */
export function planNodeStatus(node: Node, options: NodeOptions, nowMs: number, lastReportMs: number | undefined, reportFrequencyMs: number): NodeStatus | undefined {
  const next = nodeStatus(options, node.status, nowMs);
  const changed = withoutHeartbeats(next) !== withoutHeartbeats(node.status ?? {});
  const due = lastReportMs === undefined || nowMs - lastReportMs >= reportFrequencyMs;
  return changed || due ? next : undefined;
}

/** Whether the Ready condition says anything but True (someone else wrote it: react now). */
export function readyIsNotTrue(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === "Ready")?.status !== "True";
}
