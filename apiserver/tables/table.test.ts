import { describe, expect, it } from "vitest";
import { humanDuration, tableFor } from "./index.js";
import {
  ago,
  backOffEvent,
  completedPod,
  crashLoopPod,
  creatingPod,
  initCrashPod,
  initPod,
  lostPod,
  notReadyNode,
  nowMs,
  readyNode,
  replicaSet,
  rollingDeployment,
  runningPod,
  sidecarPod,
  terminatingPod,
  unscheduledPod,
} from "./test-objects.js";

type Table = {
  kind: string;
  apiVersion: string;
  metadata: Record<string, unknown>;
  columnDefinitions: { name: string; type: string; format: string; description: string; priority: number }[];
  rows: { cells: unknown[]; conditions?: unknown[]; object?: Record<string, unknown> }[];
};

function table(resource: string, objects: Record<string, unknown>[], includeObject: "None" | "Metadata" | "Object" = "None"): Table {
  return tableFor(resource, objects, { nowMs, includeObject, resourceVersion: "7" }) as Table;
}

function cells(resource: string, object: Record<string, unknown>): unknown[] {
  return table(resource, [object]).rows[0]?.cells ?? [];
}

function columns(resource: string): string[] {
  return table(resource, []).columnDefinitions.map((column) => (column.priority === 1 ? `${column.name} (wide)` : column.name));
}

describe("humanDuration (util/duration.HumanDuration)", () => {
  it.each<[number, string]>([
    [-2_000, "<invalid>"],
    [-1_500, "0s"],
    [0, "0s"],
    [5_000, "5s"],
    [119_999, "119s"],
    [120_000, "2m"],
    [190_000, "3m10s"],
    [599_000, "9m59s"],
    [600_000, "10m"],
    [179 * 60_000, "179m"],
    [3 * 3_600_000, "3h"],
    [5 * 3_600_000 + 3 * 60_000, "5h3m"],
    [8 * 3_600_000, "8h"],
    [47 * 3_600_000, "47h"],
    [48 * 3_600_000, "2d"],
    [51 * 3_600_000, "2d3h"],
    [8 * 86_400_000, "8d"],
    [729 * 86_400_000, "729d"],
    [730 * 86_400_000, "2y"],
    [740 * 86_400_000, "2y10d"],
    [9 * 365 * 86_400_000, "9y"],
  ])("%d ms → %s", (ms, printed) => {
    expect(humanDuration(ms)).toBe(printed);
  });
});

describe("the Table envelope", () => {
  it("is a meta.k8s.io/v1 Table with the list's resourceVersion, continue and remainingItemCount", () => {
    const result = tableFor("pods", [runningPod], { nowMs, includeObject: "Metadata", resourceVersion: "42", continueToken: "abc", remainingItemCount: 3 });
    expect(result).toMatchObject({ kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: { resourceVersion: "42", continue: "abc", remainingItemCount: 3 } });
    expect((tableFor("pods", [], { nowMs, includeObject: "None", resourceVersion: "" }) as Table).metadata).toEqual({});
  });

  it("carries each column's name, type, format, description and priority", () => {
    const [nameColumn, readyColumn] = table("pods", []).columnDefinitions;
    expect(nameColumn).toMatchObject({ name: "Name", type: "string", format: "name", priority: 0 });
    expect(nameColumn?.description).toMatch(/^Name must be unique within a namespace/);
    expect(readyColumn).toEqual({
      name: "Ready",
      type: "string",
      format: "",
      description: "The aggregate readiness state of this pod for accepting traffic.",
      priority: 0,
    });
  });

  it("embeds a PartialObjectMetadata by default (what -A and --show-labels read), the object, or nothing", () => {
    const metadataRow = table("pods", [runningPod], "Metadata").rows[0];
    expect(metadataRow?.object).toEqual({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: runningPod.metadata });
    expect(table("pods", [runningPod], "Object").rows[0]?.object).toBe(runningPod);
    expect(table("pods", [runningPod], "None").rows[0]).not.toHaveProperty("object");
  });

  it("leaves the column definitions out when asked (watch events after the first)", () => {
    const event = tableFor("pods", [runningPod], { nowMs, includeObject: "Metadata", resourceVersion: "9", noHeaders: true }) as Table;
    expect(event.columnDefinitions).toBeNull();
    expect(event.rows).toHaveLength(1);
  });

  it("keeps the objects' order, one row each", () => {
    expect(table("pods", [runningPod, crashLoopPod, initPod]).rows.map((row) => row.cells[0])).toEqual(["web-1", "web-2", "web-3"]);
  });
});

describe("pods", () => {
  it("has upstream's columns", () => {
    expect(columns("pods")).toEqual(["Name", "Ready", "Status", "Restarts", "Age", "IP (wide)", "Node (wide)", "Nominated Node (wide)", "Readiness Gates (wide)"]);
  });

  it.each<[string, Record<string, unknown>, unknown[]]>([
    ["running", runningPod, ["web-1", "1/1", "Running", "0", "3m10s", "10.244.1.7", "node-1", "<none>", "<none>"]],
    ["in CrashLoopBackOff, restarts with the last one's age", crashLoopPod, ["web-2", "0/1", "CrashLoopBackOff", "5 (5m ago)", "3m10s", "10.244.1.8", "node-1", "<none>", "<none>"]],
    ["initializing, second init container running", initPod, ["web-3", "0/1", "Init:1/2", "0", "3m10s", "<none>", "node-1", "<none>", "<none>"]],
    ["with a crashing init container", initCrashPod, ["web-4", "0/1", "Init:CrashLoopBackOff", "3 (40s ago)", "3m10s", "<none>", "node-1", "<none>", "<none>"]],
    ["terminating", terminatingPod, ["web-5", "1/1", "Terminating", "0", "3m10s", "10.244.1.7", "node-1", "<none>", "<none>"]],
    ["creating its containers", creatingPod, ["web-6", "0/1", "ContainerCreating", "0", "4s", "<none>", "node-1", "<none>", "<none>"]],
    ["completed", completedPod, ["job-1", "0/1", "Completed", "0", "3m10s", "10.244.2.3", "node-1", "<none>", "<none>"]],
    ["with a ready sidecar (a restartable init container)", sidecarPod, ["web-7", "2/2", "Running", "1 (60m ago)", "3m10s", "10.244.1.9", "node-1", "<none>", "<none>"]],
    ["unscheduled, nominated, with a readiness gate", unscheduledPod, ["web-8", "0/1", "Pending", "0", "3m10s", "<none>", "<none>", "node-3", "0/1"]],
    ["deleted on a lost node", lostPod, ["web-9", "1/1", "Unknown", "0", "3m10s", "<none>", "node-1", "<none>", "<none>"]],
  ])("%s", (_, pod, expected) => {
    expect(cells("pods", pod)).toEqual(expected);
  });

  it("the first init container still running: Init:0/1", () => {
    const pod = {
      metadata: { name: "p" },
      spec: { initContainers: [{ name: "i" }], containers: [{ name: "c" }] },
      status: { phase: "Pending", initContainerStatuses: [{ name: "i", state: { running: {} } }], containerStatuses: [{ name: "c", state: { waiting: { reason: "PodInitializing" } } }] },
    };
    expect(cells("pods", pod).slice(1, 3)).toEqual(["0/1", "Init:0/1"]);
  });

  it("marks finished pods with the Completed row condition", () => {
    expect(table("pods", [completedPod]).rows[0]?.conditions).toEqual([
      { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
    ]);
    expect(table("pods", [{ ...completedPod, status: { phase: "Failed" } }]).rows[0]?.conditions).toEqual([
      { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." },
    ]);
    expect(table("pods", [runningPod]).rows[0]).not.toHaveProperty("conditions");
  });

  it("STATUS follows container reasons: the first container's wins, exit codes and signals without a reason", () => {
    const withStatuses = (containerStatuses: object[]) => cells("pods", { ...runningPod, status: { phase: "Running", containerStatuses } })[2];
    expect(withStatuses([{ state: { waiting: { reason: "ImagePullBackOff" } } }, { state: { waiting: { reason: "ErrImagePull" } } }])).toBe("ImagePullBackOff");
    expect(withStatuses([{ state: { terminated: { exitCode: 3 } } }])).toBe("ExitCode:3");
    expect(withStatuses([{ state: { terminated: { exitCode: 137, signal: 9 } } }])).toBe("Signal:9");
    expect(withStatuses([{ state: { terminated: { exitCode: 0, reason: "Completed" } } }, { ready: true, state: { running: {} } }])).toBe("NotReady");
    expect(cells("pods", { ...runningPod, status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] } })[2]).toBe(
      "SchedulingGated",
    );
    expect(cells("pods", { ...runningPod, status: { phase: "Failed", reason: "Evicted" } })[2]).toBe("Evicted");
  });

  it("a pod without status or timestamps prints zero values", () => {
    expect(cells("pods", { metadata: { name: "bare" }, spec: { containers: [{ name: "a" }] } })).toEqual([
      "bare",
      "0/1",
      "",
      "0",
      "<unknown>",
      "<none>",
      "<none>",
      "<none>",
      "<none>",
    ]);
  });
});

describe("nodes", () => {
  it("has upstream's columns", () => {
    expect(columns("nodes")).toEqual([
      "Name",
      "Status",
      "Roles",
      "Age",
      "Version",
      "Internal-IP (wide)",
      "External-IP (wide)",
      "OS-Image (wide)",
      "Kernel-Version (wide)",
      "Container-Runtime (wide)",
    ]);
  });

  it("a ready node with roles from node-role.kubernetes.io/* and kubernetes.io/role", () => {
    expect(cells("nodes", readyNode)).toEqual([
      "node-1",
      "Ready",
      "control-plane,master",
      "2d3h",
      "v1.32.0",
      "192.168.0.11",
      "<none>",
      "Ubuntu 24.04 LTS",
      "6.8.0-45-generic",
      "containerd://1.7.22",
    ]);
  });

  it("a cordoned node whose kubelet stopped reporting", () => {
    expect(cells("nodes", notReadyNode)).toEqual([
      "node-2",
      "NotReady,SchedulingDisabled",
      "worker",
      "10m",
      "v1.32.0",
      "192.168.0.12",
      "203.0.113.12",
      "<unknown>",
      "<unknown>",
      "<unknown>",
    ]);
  });

  it("a node without a Ready condition is Unknown", () => {
    expect(cells("nodes", { metadata: { name: "n" } }).slice(0, 3)).toEqual(["n", "Unknown", "<none>"]);
  });
});

describe("workloads", () => {
  it("deployments: READY ready/desired, UP-TO-DATE and AVAILABLE as numbers, wide containers, images, selector", () => {
    expect(columns("deployments")).toEqual(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers (wide)", "Images (wide)", "Selector (wide)"]);
    expect(cells("deployments", rollingDeployment)).toEqual([
      "web",
      "2/3",
      1,
      2,
      "5h3m",
      "web,log",
      "nginx:1.27,fluent-bit:3",
      "app=web,track notin (canary)",
    ]);
  });

  it("deployments: a fresh one without status, replicas defaulted to 1", () => {
    expect(cells("deployments", { metadata: { name: "new", creationTimestamp: ago(1) }, spec: { selector: { matchLabels: { a: "b" } } } })).toEqual([
      "new",
      "0/1",
      0,
      0,
      "1s",
      "",
      "",
      "a=b",
    ]);
  });

  it("replicasets: DESIRED, CURRENT, READY as numbers", () => {
    expect(columns("replicasets")).toEqual(["Name", "Desired", "Current", "Ready", "Age", "Containers (wide)", "Images (wide)", "Selector (wide)"]);
    expect(table("replicasets", []).columnDefinitions[1]?.type).toBe("integer");
    expect(cells("replicasets", replicaSet)).toEqual([
      "web-7d4b9c",
      3,
      2,
      1,
      "45s",
      "web,log",
      "nginx:1.27,fluent-bit:3",
      "app=web,pod-template-hash=7d4b9c",
    ]);
  });
});

describe("services and endpoints", () => {
  const service = (spec: object, status: object = {}) => ({ metadata: { name: "web", creationTimestamp: ago(3600) }, spec, status });

  it("has upstream's columns", () => {
    expect(columns("services")).toEqual(["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector (wide)"]);
    expect(columns("endpoints")).toEqual(["Name", "Endpoints", "Age"]);
  });

  it.each<[string, object, object, unknown[]]>([
    [
      "ClusterIP",
      { type: "ClusterIP", clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ports: [{ port: 80, protocol: "TCP" }, { port: 53, protocol: "UDP" }], selector: { tier: "front", app: "web" } },
      {},
      ["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "60m", "app=web,tier=front"],
    ],
    [
      "NodePort with an external IP",
      { type: "NodePort", clusterIPs: ["10.96.4.2"], externalIPs: ["198.51.100.7"], ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }] },
      {},
      ["web", "NodePort", "10.96.4.2", "198.51.100.7", "80:30080/TCP", "60m", "<none>"],
    ],
    ["LoadBalancer waiting for its address", { type: "LoadBalancer", clusterIPs: ["10.96.4.3"], ports: [] }, {}, ["web", "LoadBalancer", "10.96.4.3", "<pending>", "<none>", "60m", "<none>"]],
    [
      "LoadBalancer with ingress",
      { type: "LoadBalancer", clusterIPs: ["10.96.4.3"], ports: [{ port: 443, nodePort: 31443, protocol: "TCP" }] },
      { loadBalancer: { ingress: [{ ip: "203.0.113.5" }, { hostname: "lb.example.com" }] } },
      ["web", "LoadBalancer", "10.96.4.3", "203.0.113.5,lb.example.com", "443:31443/TCP", "60m", "<none>"],
    ],
    ["ExternalName", { type: "ExternalName", externalName: "db.example.com" }, {}, ["web", "ExternalName", "<none>", "db.example.com", "<none>", "60m", "<none>"]],
    ["headless", { type: "ClusterIP", clusterIP: "None", ports: [{ port: 5432, protocol: "TCP" }] }, {}, ["web", "ClusterIP", "None", "<none>", "5432/TCP", "60m", "<none>"]],
  ])("services: %s", (_, spec, status, expected) => {
    expect(cells("services", service(spec, status))).toEqual(expected);
  });

  it("endpoints: the first three address:port pairs, then how many more", () => {
    const endpoints = {
      metadata: { name: "web", creationTimestamp: ago(30) },
      subsets: [
        { addresses: [{ ip: "10.244.1.7" }, { ip: "10.244.2.3" }], ports: [{ name: "http", port: 8080, protocol: "TCP" }, { name: "metrics", port: 9090 }] },
        { addresses: [{ ip: "fd00::5" }], ports: [{ port: 8080 }] },
      ],
    };
    expect(cells("endpoints", endpoints)).toEqual(["web", "10.244.1.7:8080,10.244.2.3:8080,10.244.1.7:9090 + 2 more...", "30s"]);
    expect(cells("endpoints", { metadata: { name: "db" }, subsets: [{ addresses: [{ ip: "fd00::5" }], ports: [{ port: 5432 }] }] })[1]).toBe("[fd00::5]:5432");
    expect(cells("endpoints", { metadata: { name: "headless" }, subsets: [{ addresses: [{ ip: "10.0.0.1" }] }] })[1]).toBe("10.0.0.1");
    expect(cells("endpoints", { metadata: { name: "none" } })[1]).toBe("<none>");
  });
});

describe("config, namespaces, events, leases", () => {
  it("configmaps count data and binaryData keys", () => {
    expect(columns("configmaps")).toEqual(["Name", "Data", "Age"]);
    expect(cells("configmaps", { metadata: { name: "cfg", creationTimestamp: ago(86400) }, data: { a: "1", b: "2" }, binaryData: { c: "AA==" } })).toEqual(["cfg", 3, "24h"]);
  });

  it("secrets print their type and key count", () => {
    expect(columns("secrets")).toEqual(["Name", "Type", "Data", "Age"]);
    expect(cells("secrets", { metadata: { name: "tls", creationTimestamp: ago(7) }, type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } })).toEqual([
      "tls",
      "kubernetes.io/tls",
      2,
      "7s",
    ]);
  });

  it("namespaces print their phase", () => {
    expect(columns("namespaces")).toEqual(["Name", "Status", "Age"]);
    expect(cells("namespaces", { metadata: { name: "shop", creationTimestamp: ago(90) }, status: { phase: "Active" } })).toEqual(["shop", "Active", "90s"]);
  });

  it("events: last seen, type, reason, object, wide subobject, source, message, first seen, count, name", () => {
    expect(columns("events")).toEqual([
      "Last Seen",
      "Type",
      "Reason",
      "Object",
      "Subobject (wide)",
      "Source (wide)",
      "Message",
      "First Seen (wide)",
      "Count (wide)",
      "Name (wide)",
    ]);
    const event = { ...backOffEvent, message: `${backOffEvent.message}\n` }; // printed trimmed
    expect(cells("events", event)).toEqual([
      "20s",
      "Warning",
      "BackOff",
      "pod/web-2",
      "spec.containers{web}",
      "kubelet, node-1",
      "Back-off restarting failed container web in pod web-2_shop",
      "5m",
      12,
      "web-2.181f3a",
    ]);
  });

  it("events of the events.k8s.io API: eventTime, series, reporting controller, no count", () => {
    const event = {
      metadata: { name: "e" },
      involvedObject: { kind: "Node" },
      reason: "Starting",
      type: "Normal",
      eventTime: ago(70),
      reportingComponent: "kube-proxy",
      reportingInstance: "node-1",
      source: {},
    };
    expect(cells("events", event)).toEqual(["70s", "Normal", "Starting", "node", "", "kube-proxy, node-1", "", "70s", 1, "e"]);
    expect(cells("events", { ...event, series: { count: 4, lastObservedTime: ago(3) } })).toEqual([
      "3s",
      "Normal",
      "Starting",
      "node",
      "",
      "kube-proxy, node-1",
      "",
      "70s",
      4,
      "e",
    ]);
  });

  it("leases print their holder", () => {
    expect(columns("leases")).toEqual(["Name", "Holder", "Age"]);
    expect(cells("leases", { metadata: { name: "node-1", creationTimestamp: ago(3) }, spec: { holderIdentity: "node-1" } })).toEqual(["node-1", "node-1", "3s"]);
    expect(cells("leases", { metadata: { name: "free", creationTimestamp: ago(3) }, spec: {} })).toEqual(["free", "", "3s"]);
  });

  it("a resource without a printer gets Name and Age", () => {
    expect(table("widgets", []).columnDefinitions.map((column) => [column.name, column.format])).toEqual([
      ["Name", "name"],
      ["Age", ""],
    ]);
    expect(cells("widgets", { metadata: { name: "w", creationTimestamp: ago(61) } })).toEqual(["w", "61s"]);
    expect(cells("widgets", { metadata: { name: "w" } })).toEqual(["w", "<unknown>"]);
  });
});
