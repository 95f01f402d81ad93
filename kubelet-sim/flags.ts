// `kube-lite kubelet-sim` flags: the kubelet's own names where it has them
// (--node-status-update-frequency, --node-lease-duration-seconds, --max-pods, --node-labels).
import { parseArgs } from "node:util";
import { parseDurationMs, parseServerList } from "../client/index.js";
import { defaultNodeLeaseDurationSeconds, nodeLeaseRenewIntervalFraction } from "./node-lease.js";
import { defaultNodeResources } from "./node-status.js";
import { quantityValue } from "./qos.js";

export const kubeletSimUsage = `Usage: kube-lite kubelet-sim --server URL[,URL...] [flags]

  --server URLS                          apiservers, comma-separated (the client fails over between them)
  --node NAME                            the node to simulate (default node-1)
  --nodes N                              simulate N nodes in this process instead: <prefix>1..<prefix>N
  --node-prefix PREFIX                   name prefix with --nodes (default sim-)
  --cpu QUANTITY                         capacity and allocatable cpu (default ${defaultNodeResources.cpu})
  --memory QUANTITY                      capacity and allocatable memory (default ${defaultNodeResources.memory})
  --max-pods N                           pods capacity (default ${defaultNodeResources.maxPods})
  --ephemeral-storage QUANTITY           ephemeral-storage capacity (default ${defaultNodeResources.ephemeralStorage})
  --labels K=V,...                       extra node labels (also --node-labels)
  --node-lease-duration-seconds N        the node Lease's duration (default ${defaultNodeLeaseDurationSeconds}); renewed every quarter of it
  --node-lease-renew-interval DURATION   renew the Lease this often instead (e.g. 500ms)
  --node-status-update-frequency D       how often node status is computed (default 10s)
  --node-status-report-frequency D       post an unchanged status this often (default 5m)
  --pod-start-delay DURATION             from a pod's arrival to running containers (default 1s)
  --pod-stop-delay DURATION              how long containers take to stop, capped by the grace period (default 500ms)
  --log-level LEVEL                      pino level (default info)`;

export class UsageError extends Error {}

export interface KubeletSimFlags {
  readonly servers: readonly string[];
  readonly nodeNames: readonly string[];
  readonly cpu: string;
  readonly memory: string;
  readonly maxPods: number;
  readonly ephemeralStorage: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly leaseDurationSeconds: number;
  readonly leaseRenewIntervalMs: number;
  readonly statusUpdateFrequencyMs: number;
  readonly statusReportFrequencyMs: number;
  readonly podStartDelayMs: number;
  readonly podStopDelayMs: number;
  readonly logLevel: string;
}

/** Keeps huge --nodes values from exhausting the machine by accident. */
export const nodesPerProcessMax = 10_000;

function positiveInt(value: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, not '${value}'`);
  return n;
}

function quantity(value: string, flag: string): string {
  if (!(quantityValue(value) > 0)) throw new UsageError(`${flag} must be a positive quantity like 4, 500m or 8Gi, not '${value}'`);
  return value;
}

function duration(value: string, flag: string, allowZero: boolean): number {
  let ms: number;
  try {
    ms = parseDurationMs(value, flag);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!allowZero && ms <= 0) throw new UsageError(`${flag} must be positive, not '${value}'`);
  return ms;
}

/** "k=v,k2=v2" → labels; a key without '=' is refused. */
export function parseLabels(value: string | undefined, flag: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const term of (value ?? "").split(",").map((t) => t.trim()).filter((t) => t !== "")) {
    const equals = term.indexOf("=");
    if (equals <= 0) throw new UsageError(`${flag} takes key=value pairs separated by commas, not '${term}'`);
    labels[term.slice(0, equals)] = term.slice(equals + 1);
  }
  return labels;
}

function nodeNames(node: string | undefined, nodes: string | undefined, prefix: string): string[] {
  if (nodes === undefined) return [node ?? "node-1"];
  if (node !== undefined) throw new UsageError("give either --node or --nodes, not both");
  const count = positiveInt(nodes, "--nodes", nodesPerProcessMax);
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}

export function parseKubeletSimFlags(argv: readonly string[]): KubeletSimFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        server: { type: "string" },
        node: { type: "string" },
        nodes: { type: "string" },
        "node-prefix": { type: "string", default: "sim-" },
        cpu: { type: "string", default: defaultNodeResources.cpu },
        memory: { type: "string", default: defaultNodeResources.memory },
        "max-pods": { type: "string", default: String(defaultNodeResources.maxPods) },
        "ephemeral-storage": { type: "string", default: defaultNodeResources.ephemeralStorage },
        labels: { type: "string" },
        "node-labels": { type: "string" },
        "node-lease-duration-seconds": { type: "string", default: String(defaultNodeLeaseDurationSeconds) },
        "node-lease-renew-interval": { type: "string" },
        "node-status-update-frequency": { type: "string", default: "10s" },
        "node-status-report-frequency": { type: "string", default: "5m" },
        "pod-start-delay": { type: "string", default: "1s" },
        "pod-stop-delay": { type: "string", default: "500ms" },
        "log-level": { type: "string", default: "info" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let servers: string[];
  try {
    servers = parseServerList(values.server);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const leaseDurationSeconds = positiveInt(values["node-lease-duration-seconds"], "--node-lease-duration-seconds");
  const renew = values["node-lease-renew-interval"];
  return {
    servers,
    nodeNames: nodeNames(values.node, values.nodes, values["node-prefix"]),
    cpu: quantity(values.cpu, "--cpu"),
    memory: quantity(values.memory, "--memory"),
    maxPods: positiveInt(values["max-pods"], "--max-pods"),
    ephemeralStorage: quantity(values["ephemeral-storage"], "--ephemeral-storage"),
    labels: { ...parseLabels(values["node-labels"], "--node-labels"), ...parseLabels(values.labels, "--labels") },
    leaseDurationSeconds,
    leaseRenewIntervalMs: renew === undefined ? leaseDurationSeconds * 1000 * nodeLeaseRenewIntervalFraction : duration(renew, "--node-lease-renew-interval", false),
    statusUpdateFrequencyMs: duration(values["node-status-update-frequency"], "--node-status-update-frequency", false),
    statusReportFrequencyMs: duration(values["node-status-report-frequency"], "--node-status-report-frequency", false),
    podStartDelayMs: duration(values["pod-start-delay"], "--pod-start-delay", true),
    podStopDelayMs: duration(values["pod-stop-delay"], "--pod-stop-delay", true),
    logLevel: values["log-level"],
  };
}
