// Realistic objects of every kind the apiserver serves, as kubectl, kubelets and controllers
// send them: the raw material the fuzz suite breaks one field at a time. Each is valid (the suite
// creates it with fieldValidation=Strict first, so every field here is one the schema knows).
export type JsonObject = Record<string, unknown>;

export interface FuzzResource {
  readonly kind: string;
  /** "/api/v1" or "/apis/<group>/<version>". */
  readonly groupVersionPath: string;
  /** The plural, as in URLs. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** A valid object of this kind with this name (and namespace, when namespaced). */
  object(name: string, namespace: string): JsonObject;
}

/** URL of the collection, in `namespace` when the resource is namespaced. */
export function collectionPath(resource: FuzzResource, namespace: string): string {
  return resource.namespaced ? `${resource.groupVersionPath}/namespaces/${namespace}/${resource.plural}` : `${resource.groupVersionPath}/${resource.plural}`;
}

export function objectPath(resource: FuzzResource, namespace: string, name: string): string {
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}

const time = "2026-11-25T17:00:00Z";

function podSpec(): JsonObject {
  return {
    initContainers: [{ name: "migrate", image: "busybox:1.36", command: ["sh", "-c", "echo migrate"] }],
    containers: [
      {
        name: "web",
        image: "nginx:1.27",
        imagePullPolicy: "IfNotPresent",
        args: ["-g", "daemon off;"],
        workingDir: "/srv",
        ports: [{ name: "http", containerPort: 80, protocol: "TCP" }, { containerPort: 9090 }],
        env: [
          { name: "MODE", value: "production" },
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "CPU_LIMIT", valueFrom: { resourceFieldRef: { containerName: "web", resource: "limits.cpu", divisor: "1m" } } },
          { name: "COLOR", valueFrom: { configMapKeyRef: { name: "settings", key: "color", optional: true } } },
          { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
        ],
        envFrom: [{ configMapRef: { name: "settings" } }, { prefix: "DB_", secretRef: { name: "db", optional: false } }],
        resources: { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "250m", memory: "128Mi", "ephemeral-storage": "1Gi" } },
        livenessProbe: { httpGet: { path: "/healthz", port: "http", httpHeaders: [{ name: "X-Probe", value: "1" }] }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2 },
        readinessProbe: { tcpSocket: { port: 80 }, failureThreshold: 3, successThreshold: 1 },
        startupProbe: { exec: { command: ["cat", "/tmp/ready"] } },
        lifecycle: { preStop: { exec: { command: ["nginx", "-s", "quit"] } } },
        volumeMounts: [{ name: "config", mountPath: "/etc/nginx/conf.d", readOnly: true }, { name: "cache", mountPath: "/cache" }],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, runAsUser: 101 },
        terminationMessagePolicy: "File",
      },
    ],
    volumes: [
      { name: "config", configMap: { name: "nginx-conf", items: [{ key: "default.conf", path: "default.conf" }], defaultMode: 420 } },
      { name: "cache", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      { name: "token", projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }] } },
      { name: "data", persistentVolumeClaim: { claimName: "web-data" } },
    ],
    affinity: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] }] } },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: "web" } }, topologyKey: "kubernetes.io/hostname" } }] },
    },
    tolerations: [{ key: "dedicated", operator: "Equal", value: "web", effect: "NoSchedule" }, { operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 }],
    nodeSelector: { "kubernetes.io/os": "linux" },
    securityContext: { fsGroup: 101, seccompProfile: { type: "RuntimeDefault" } },
    restartPolicy: "Always",
    terminationGracePeriodSeconds: 30,
    dnsPolicy: "ClusterFirst",
    serviceAccountName: "web",
    priority: 0,
  };
}

function template(): JsonObject {
  return { metadata: { labels: { app: "web", tier: "frontend" }, annotations: { "example.com/build": "42" } }, spec: podSpec() };
}

const core = "/api/v1";

/** A resource whose objects are `build`'s fields under their apiVersion and kind. */
function define(kind: string, groupVersionPath: string, plural: string, namespaced: boolean, build: (name: string, namespace: string) => JsonObject): FuzzResource {
  const apiVersion = groupVersionPath === core ? "v1" : groupVersionPath.replace(/^\/apis\//, "");
  return { kind, groupVersionPath, plural, namespaced, object: (name, namespace) => ({ apiVersion, kind, ...build(name, namespace) }) };
}

export const fuzzResources: readonly FuzzResource[] = [
  define("Pod", core, "pods", true, (name, namespace) => ({
    metadata: { name, namespace, labels: { app: "web", tier: "frontend" }, annotations: { "example.com/owner": "team-a" } },
    spec: podSpec(),
  })),
  define("Deployment", "/apis/apps/v1", "deployments", true, (name, namespace) => ({
    metadata: { name, namespace, labels: { app: "web" } },
    spec: {
      replicas: 3,
      revisionHistoryLimit: 5,
      minReadySeconds: 2,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["frontend"] }] },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "25%" } },
      template: template(),
    },
  })),
  define("ReplicaSet", "/apis/apps/v1", "replicasets", true, (name, namespace) => ({
    metadata: { name, namespace, labels: { app: "web", "pod-template-hash": "5d4f" }, annotations: { "deployment.kubernetes.io/revision": "1" } },
    spec: { replicas: 2, minReadySeconds: 0, selector: { matchLabels: { app: "web", tier: "frontend" } }, template: template() },
  })),
  define("Service", core, "services", true, (name, namespace) => ({
    metadata: { name, namespace, labels: { app: "web" } },
    spec: {
      type: "ClusterIP",
      selector: { app: "web" },
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }, { name: "metrics", port: 9090, targetPort: 9090, appProtocol: "http" }],
      sessionAffinity: "None",
      ipFamilyPolicy: "SingleStack",
    },
  })),
  define("Endpoints", core, "endpoints", true, (name, namespace) => ({
    metadata: { name, namespace, labels: { app: "web" } },
    subsets: [{ addresses: [{ ip: "10.244.1.5", nodeName: "node-1", targetRef: { kind: "Pod", namespace, name: "web-1", uid: "u1" } }], notReadyAddresses: [{ ip: "10.244.2.7" }], ports: [{ name: "http", port: 8080, protocol: "TCP" }] }],
  })),
  define("ConfigMap", core, "configmaps", true, (name, namespace) => ({
    metadata: { name, namespace, labels: { app: "web" } },
    data: { color: "blue", "app.properties": "a=1\nb=2\n" },
    binaryData: { blob: "AAEC" },
  })),
  define("Secret", core, "secrets", true, (name, namespace) => ({ metadata: { name, namespace }, type: "Opaque", data: { password: "czNjcjN0" } })),
  define("Event", core, "events", true, (name, namespace) => ({
    metadata: { name, namespace },
    involvedObject: { kind: "Pod", namespace, name: "web-1", uid: "u", apiVersion: "v1", resourceVersion: "12", fieldPath: "spec.containers{web}" },
    reason: "Pulled",
    message: "Container image already present",
    source: { component: "kubelet", host: "node-1" },
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
    type: "Normal",
    reportingComponent: "kubelet",
    reportingInstance: "node-1",
  })),
  define("Lease", "/apis/coordination.k8s.io/v1", "leases", true, (name, namespace) => ({
    metadata: { name, namespace },
    spec: { holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2026-11-25T17:00:00.123456Z", acquireTime: "2026-11-25T16:00:00.000000Z", leaseTransitions: 0 },
  })),
  define("Node", core, "nodes", false, (name) => ({
    metadata: { name, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" } },
    spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"], taints: [{ key: "dedicated", value: "web", effect: "NoSchedule" }] },
    status: {
      capacity: { cpu: "4", memory: "8Gi", pods: "110" },
      allocatable: { cpu: "3900m", memory: "7680Mi", pods: "110" },
      conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: time, lastTransitionTime: time, reason: "KubeletReady", message: "kubelet is posting ready status" }],
      addresses: [{ type: "InternalIP", address: "10.0.0.11" }, { type: "Hostname", address: name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: "m",
        systemUUID: "s",
        bootID: "b",
        kernelVersion: "6.1",
        osImage: "Debian",
        containerRuntimeVersion: "containerd://1.7",
        kubeletVersion: "v1.32.0",
        kubeProxyVersion: "v1.32.0",
        operatingSystem: "linux",
        architecture: "amd64",
      },
    },
  })),
  define("Namespace", core, "namespaces", false, (name) => ({ metadata: { name, labels: { team: "a" }, annotations: { "example.com/owner": "team-a" } } })),
];

export function resourceOfKind(kind: string): FuzzResource {
  const found = fuzzResources.find((r) => r.kind === kind);
  if (found === undefined) throw new Error(`no fuzz resource ${kind}`);
  return found;
}
