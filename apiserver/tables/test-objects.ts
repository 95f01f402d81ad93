// Realistic objects, as a kubelet and the controllers leave them, for the table tests (and the
// kubectl rendering test). Times are relative to `nowMs` so that ages are exact.
export const nowMs = Date.parse("2026-01-01T12:00:00Z");

export function ago(seconds: number): string {
  return new Date(nowMs - seconds * 1000).toISOString().replace(".000Z", "Z");
}

function pod(name: string, extra: { metadata?: object; spec?: object; status?: object }): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "shop", uid: `uid-${name}`, resourceVersion: "100", creationTimestamp: ago(190), labels: { app: "web" }, ...extra.metadata },
    spec: { nodeName: "node-1", containers: [{ name: "web", image: "nginx:1.27" }], ...extra.spec },
    status: extra.status ?? {},
  };
}

const readyConditions = [
  { type: "Initialized", status: "True" },
  { type: "Ready", status: "True" },
  { type: "ContainersReady", status: "True" },
  { type: "PodScheduled", status: "True" },
];

export const runningPod = pod("web-1", {
  status: {
    phase: "Running",
    conditions: readyConditions,
    podIP: "10.244.1.7",
    podIPs: [{ ip: "10.244.1.7" }],
    containerStatuses: [{ name: "web", ready: true, started: true, restartCount: 0, state: { running: { startedAt: ago(180) } } }],
  },
});

export const crashLoopPod = pod("web-2", {
  status: {
    phase: "Running",
    conditions: [{ type: "Ready", status: "False" }],
    podIPs: [{ ip: "10.244.1.8" }],
    containerStatuses: [
      {
        name: "web",
        ready: false,
        restartCount: 5,
        state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 2m40s restarting failed container" } },
        lastState: { terminated: { exitCode: 1, reason: "Error", startedAt: ago(310), finishedAt: ago(300) } },
      },
    ],
  },
});

export const initPod = pod("web-3", {
  spec: { initContainers: [{ name: "migrate", image: "migrate:1" }, { name: "warm", image: "warm:1" }] },
  status: {
    phase: "Pending",
    conditions: [{ type: "Initialized", status: "False" }],
    initContainerStatuses: [
      { name: "migrate", ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
      { name: "warm", ready: false, restartCount: 0, state: { running: { startedAt: ago(20) } } },
    ],
    containerStatuses: [{ name: "web", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } }],
  },
});

export const initCrashPod = pod("web-4", {
  spec: { initContainers: [{ name: "migrate", image: "migrate:1" }] },
  status: {
    phase: "Pending",
    initContainerStatuses: [
      {
        name: "migrate",
        ready: false,
        restartCount: 3,
        state: { waiting: { reason: "CrashLoopBackOff" } },
        lastState: { terminated: { exitCode: 2, finishedAt: ago(40) } },
      },
    ],
    containerStatuses: [{ name: "web", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } }],
  },
});

export const terminatingPod = pod("web-5", {
  metadata: { deletionTimestamp: ago(-30), deletionGracePeriodSeconds: 30 },
  status: runningPod.status as object,
});

export const creatingPod = pod("web-6", {
  metadata: { creationTimestamp: ago(4) },
  status: {
    phase: "Pending",
    containerStatuses: [{ name: "web", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }],
  },
});

export const completedPod = pod("job-1", {
  spec: { restartPolicy: "Never" },
  status: {
    phase: "Succeeded",
    podIPs: [{ ip: "10.244.2.3" }],
    containerStatuses: [{ name: "web", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } }],
  },
});

export const sidecarPod = pod("web-7", {
  spec: { initContainers: [{ name: "proxy", image: "envoy:1", restartPolicy: "Always" }] },
  status: {
    phase: "Running",
    conditions: readyConditions,
    podIPs: [{ ip: "10.244.1.9" }],
    initContainerStatuses: [
      {
        name: "proxy",
        ready: true,
        started: true,
        restartCount: 1,
        state: { running: {} },
        lastState: { terminated: { exitCode: 137, finishedAt: ago(3600) } },
      },
    ],
    containerStatuses: [{ name: "web", ready: true, restartCount: 0, state: { running: {} } }],
  },
});

export const unscheduledPod = pod("web-8", {
  spec: { nodeName: undefined, readinessGates: [{ conditionType: "example.com/feature" }] },
  status: { phase: "Pending", nominatedNodeName: "node-3", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
});

export const lostPod = pod("web-9", {
  metadata: { deletionTimestamp: ago(10) },
  status: { phase: "Running", reason: "NodeLost", containerStatuses: [{ name: "web", ready: true, restartCount: 0, state: { running: {} } }] },
});

export const readyNode = {
  apiVersion: "v1",
  kind: "Node",
  metadata: {
    name: "node-1",
    creationTimestamp: ago(2 * 86400 + 3 * 3600),
    labels: { "kubernetes.io/hostname": "node-1", "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "master" },
  },
  spec: {},
  status: {
    conditions: [
      { type: "MemoryPressure", status: "False" },
      { type: "Ready", status: "True", reason: "KubeletReady" },
    ],
    addresses: [
      { type: "InternalIP", address: "192.168.0.11" },
      { type: "Hostname", address: "node-1" },
    ],
    nodeInfo: { kubeletVersion: "v1.32.0", osImage: "Ubuntu 24.04 LTS", kernelVersion: "6.8.0-45-generic", containerRuntimeVersion: "containerd://1.7.22" },
  },
};

export const notReadyNode = {
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "node-2", creationTimestamp: ago(600), labels: { "node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/": "" } },
  spec: { unschedulable: true },
  status: {
    conditions: [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" }],
    addresses: [
      { type: "InternalIP", address: "192.168.0.12" },
      { type: "ExternalIP", address: "203.0.113.12" },
    ],
    nodeInfo: { kubeletVersion: "v1.32.0" },
  },
};

const webTemplate = {
  metadata: { labels: { app: "web" } },
  spec: {
    containers: [
      { name: "web", image: "nginx:1.27" },
      { name: "log", image: "fluent-bit:3" },
    ],
  },
};

/** Rolling from nginx:1.26 to 1.27: one new pod up, two old ones still serving. */
export const rollingDeployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop", generation: 2, creationTimestamp: ago(5 * 3600 + 3 * 60) },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "track", operator: "NotIn", values: ["canary"] }] },
    template: webTemplate,
  },
  status: { observedGeneration: 2, replicas: 4, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 2 },
};

export const replicaSet = {
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name: "web-7d4b9c", namespace: "shop", creationTimestamp: ago(45) },
  spec: { replicas: 3, selector: { matchLabels: { app: "web", "pod-template-hash": "7d4b9c" } }, template: webTemplate },
  status: { replicas: 2, readyReplicas: 1, availableReplicas: 1 },
};

export const clusterIPService = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web", namespace: "shop", creationTimestamp: ago(3600) },
  spec: { type: "ClusterIP", clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ports: [{ port: 80, protocol: "TCP", targetPort: 8080 }], selector: { app: "web" } },
};

export const loadBalancerService = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "edge", namespace: "shop", creationTimestamp: ago(600) },
  spec: { type: "LoadBalancer", clusterIPs: ["10.96.4.3"], ports: [{ port: 443, nodePort: 31443, protocol: "TCP" }], selector: { app: "edge" } },
  status: { loadBalancer: {} },
};

export const webEndpoints = {
  apiVersion: "v1",
  kind: "Endpoints",
  metadata: { name: "web", namespace: "shop", creationTimestamp: ago(3600) },
  subsets: [{ addresses: [{ ip: "10.244.1.7" }, { ip: "10.244.1.9" }], ports: [{ port: 8080, protocol: "TCP" }] }],
};

export const configMap = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "web-config", namespace: "shop", creationTimestamp: ago(86400) },
  data: { "nginx.conf": "events {}", "mime.types": "" },
};

export const tlsSecret = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "web-tls", namespace: "shop", creationTimestamp: ago(86400) },
  type: "kubernetes.io/tls",
  data: { "tls.crt": "Y2VydA==", "tls.key": "a2V5" },
};

export const shopNamespace = {
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name: "shop", creationTimestamp: ago(2 * 86400) },
  status: { phase: "Active" },
};

export const backOffEvent = {
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: "web-2.181f3a", namespace: "shop", creationTimestamp: ago(300) },
  involvedObject: { kind: "Pod", name: "web-2", namespace: "shop", fieldPath: "spec.containers{web}" },
  reason: "BackOff",
  message: "Back-off restarting failed container web in pod web-2_shop",
  type: "Warning",
  source: { component: "kubelet", host: "node-1" },
  firstTimestamp: ago(300),
  lastTimestamp: ago(20),
  count: 12,
};

export const nodeLease = {
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name: "node-1", namespace: "kube-node-lease", creationTimestamp: ago(2 * 86400) },
  spec: { holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2026-01-01T11:59:58.000000Z" },
};
