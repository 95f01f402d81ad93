// kubectl describe's layout for pods, deployments, replica sets, nodes and services (and a
// generic one for the rest): pure functions of the object, the objects it relates to, its
// events and the time.
import type { CoreEvent, KubeObject, Lease, Node, OwnerReference, Pod } from "../client/index.js";
import { DescribeWriter, describeEvents, describeTime, formatSelector } from "./describe-writer.js";
import { formatYaml } from "./object-output.js";
import { ageOf } from "./human-duration.js";
import { withoutTemplateHash, type Deployment, type PodTemplate, type ReplicaSet } from "./workloads.js";

export interface DescribeContext {
  readonly events: readonly CoreEvent[];
  readonly nowMs: number;
  /** Deployments: the ReplicaSets they own. Nodes: nothing. */
  readonly replicaSets?: readonly ReplicaSet[];
  /** ReplicaSets: their pods. Nodes: the pods bound to them. */
  readonly pods?: readonly Pod[];
  /** Services: their Endpoints object. */
  /** Nodes: their heartbeat Lease in kube-node-lease. */
  readonly lease?: Lease;
  readonly endpoints?: KubeObject & { subsets?: { addresses?: { ip: string }[]; ports?: { port: number; name?: string }[] }[] };
}

interface ContainerLike {
  name: string;
  image?: string;
  ports?: { containerPort: number; protocol?: string; hostPort?: number }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  command?: string[];
  args?: string[];
}

function header(writer: DescribeWriter, object: KubeObject, withCreation: boolean): void {
  writer.line(0, `Name:\t${object.metadata.name ?? ""}`);
  if (object.metadata.namespace !== undefined) writer.line(0, `Namespace:\t${object.metadata.namespace}`);
  if (withCreation) writer.line(0, `CreationTimestamp:\t${describeTime(object.metadata.creationTimestamp)}`);
}

function labelsAndAnnotations(writer: DescribeWriter, object: KubeObject): void {
  writer.map(0, "Labels", object.metadata.labels, "=");
  const annotations = { ...object.metadata.annotations };
  // kubectl leaves the client-side apply record out of describe.
  delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
  writer.map(0, "Annotations", annotations, ": ");
}

function controlledBy(writer: DescribeWriter, object: KubeObject): void {
  const owner = object.metadata.ownerReferences?.find((reference: OwnerReference) => reference.controller === true);
  if (owner !== undefined) writer.line(0, `Controlled By:\t${owner.kind}/${owner.name}`);
}

function portsText(container: ContainerLike, host: boolean): string {
  const ports = container.ports ?? [];
  if (ports.length === 0) return "<none>";
  return ports.map((port) => `${host ? (port.hostPort ?? 0) : port.containerPort}/${port.protocol ?? "TCP"}`).join(", ");
}

function resourcesSection(writer: DescribeWriter, level: number, title: string, values: Record<string, string | number> | undefined): void {
  const entries = Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return;
  writer.line(level, `${title}:`);
  for (const [name, quantity] of entries) writer.line(level + 1, `${name}:\t${String(quantity)}`);
}

function containerState(writer: DescribeWriter, title: string, state: NonNullable<NonNullable<Pod["status"]>["containerStatuses"]>[number]["state"]): void {
  if (state?.running !== undefined) {
    writer.line(2, `${title}:\tRunning`);
    writer.line(3, `Started:\t${describeTime(state.running.startedAt)}`);
  } else if (state?.waiting !== undefined) {
    writer.line(2, `${title}:\tWaiting`);
    if (state.waiting.reason !== undefined) writer.line(3, `Reason:\t${state.waiting.reason}`);
  } else if (state?.terminated !== undefined) {
    writer.line(2, `${title}:\tTerminated`);
    if (state.terminated.reason !== undefined) writer.line(3, `Reason:\t${state.terminated.reason}`);
    writer.line(3, `Exit Code:\t${state.terminated.exitCode}`);
    writer.line(3, `Started:\t${describeTime(state.terminated.startedAt)}`);
    writer.line(3, `Finished:\t${describeTime(state.terminated.finishedAt)}`);
  } else {
    writer.line(2, `${title}:\tWaiting`);
  }
}

/**
 * The Containers section: a template's (image, ports, resources, env, mounts) or a pod's (with
 * state, ready and restarts once the kubelet has reported the container).
 */
function containers(writer: DescribeWriter, level: number, list: readonly ContainerLike[], statuses?: NonNullable<Pod["status"]>["containerStatuses"]): void {
  writer.line(level, "Containers:");
  const inner = 2;
  for (const container of list) {
    const status = statuses?.find((s) => s.name === container.name);
    // A template's container names sit one space deeper than a pod's, as kubectl prints them.
    writer.line(1, `${level > 0 ? " " : ""}${container.name}:`);
    if (status?.containerID !== undefined) writer.line(inner, `Container ID:\t${status.containerID}`);
    writer.line(inner, `Image:\t${container.image ?? ""}`);
    if (status !== undefined) writer.line(inner, `Image ID:\t${status.imageID}`);
    writer.line(inner, `Port:\t${portsText(container, false)}`);
    writer.line(inner, `Host Port:\t${portsText(container, true)}`);
    if (container.command !== undefined) writer.line(inner, `Command:\t${container.command.join(" ")}`);
    if (container.args !== undefined) writer.line(inner, `Args:\t${container.args.join(" ")}`);
    if (status !== undefined) {
      containerState(writer, "State", status.state);
      if (status.lastState?.terminated !== undefined) containerState(writer, "Last State", status.lastState);
      writer.line(inner, `Ready:\t${status.ready ? "True" : "False"}`);
      writer.line(inner, `Restart Count:\t${status.restartCount}`);
    }
    resourcesSection(writer, inner, "Limits", container.resources?.limits);
    resourcesSection(writer, inner, "Requests", container.resources?.requests);
    const env = container.env ?? [];
    if (env.length === 0) writer.line(inner, "Environment:\t<none>");
    else {
      writer.line(inner, "Environment:");
      for (const variable of env) writer.line(inner + 1, `${variable.name}:\t${variable.value ?? ""}`);
    }
    const mounts = container.volumeMounts ?? [];
    if (mounts.length === 0) writer.line(inner, "Mounts:\t<none>");
    else {
      writer.line(inner, "Mounts:");
      for (const mount of mounts) writer.line(inner + 1, `${mount.mountPath} from ${mount.name} (${mount.readOnly === true ? "ro" : "rw"})`);
    }
  }
}

type PodSpecLike = { containers?: ContainerLike[]; volumes?: { name: string }[]; nodeSelector?: Record<string, string>; tolerations?: { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }[] };

function tolerationText(toleration: NonNullable<PodSpecLike["tolerations"]>[number]): string {
  const key = toleration.key ?? "";
  const value = toleration.operator === "Exists" || toleration.value === undefined ? "" : `=${toleration.value}`;
  const effect = toleration.effect === undefined || toleration.effect === "" ? "" : `:${toleration.effect}`;
  const seconds = toleration.tolerationSeconds === undefined ? "" : ` for ${toleration.tolerationSeconds}s`;
  return `${key}${value}${effect}${toleration.operator === "Exists" ? " op=Exists" : ""}${seconds}`;
}

function schedulingLines(writer: DescribeWriter, level: number, spec: PodSpecLike): void {
  const selector = Object.entries(spec.nodeSelector ?? {}).map(([key, value]) => `${key}=${value}`).join(",");
  writer.line(level, `Node-Selectors:\t${selector === "" ? "<none>" : selector}`);
  const tolerations = spec.tolerations ?? [];
  if (tolerations.length === 0) writer.line(level, "Tolerations:\t<none>");
  tolerations.forEach((toleration, index) => writer.line(level, `${index === 0 ? "Tolerations:" : ""}\t${tolerationText(toleration)}`));
}

function volumesLine(writer: DescribeWriter, level: number, spec: PodSpecLike): void {
  const volumes = spec.volumes ?? [];
  if (volumes.length === 0) writer.line(level, "Volumes:\t<none>");
  else {
    writer.line(level, "Volumes:");
    for (const volume of volumes) writer.line(level + 1, `${volume.name}:`);
  }
}

export function describePodTemplate(writer: DescribeWriter, template: PodTemplate | undefined): void {
  writer.line(0, "Pod Template:");
  writer.map(1, "Labels", template?.metadata?.labels, "=");
  if (Object.keys(template?.metadata?.annotations ?? {}).length > 0) writer.map(1, "Annotations", template?.metadata?.annotations, ": ");
  const spec = (template?.spec ?? {}) as PodSpecLike;
  containers(writer, 1, spec.containers ?? []);
  volumesLine(writer, 1, spec);
  schedulingLines(writer, 1, spec);
}

function conditionsTable(writer: DescribeWriter, conditions: readonly { type: string; status: string; reason?: string }[] | undefined, withReason: boolean): void {
  if (conditions === undefined || conditions.length === 0) return;
  writer.line(0, "Conditions:");
  writer.line(1, withReason ? "Type\tStatus\tReason" : "Type\tStatus");
  // kubectl underlines a deployment's condition headers, not a pod's.
  if (withReason) writer.line(1, "----\t------\t------");
  for (const condition of conditions) writer.line(1, withReason ? `${condition.type}\t${condition.status}\t${condition.reason ?? ""}` : `${condition.type} \t${condition.status} `);
}

export function describePod(pod: Pod, context: DescribeContext): string {
  const writer = new DescribeWriter();
  const spec = pod.spec as Pod["spec"] & PodSpecLike & { serviceAccountName?: string; priority?: number };
  header(writer, pod, false);
  if (spec.priority !== undefined) writer.line(0, `Priority:\t${spec.priority}`);
  if (spec.serviceAccountName !== undefined) writer.line(0, `Service Account:\t${spec.serviceAccountName}`);
  const node = spec.nodeName === undefined ? "<none>" : `${spec.nodeName}/${pod.status?.hostIP ?? ""}`;
  writer.line(0, `Node:\t${node}`);
  if (pod.status?.startTime !== undefined) writer.line(0, `Start Time:\t${describeTime(pod.status.startTime)}`);
  labelsAndAnnotations(writer, pod);
  if (pod.metadata.deletionTimestamp !== undefined) {
    writer.line(0, `Status:\tTerminating (lasts ${ageOf(pod.metadata.deletionTimestamp, context.nowMs)})`);
    writer.line(0, `Termination Grace Period:\t${pod.metadata.deletionGracePeriodSeconds ?? 0}s`);
  } else {
    writer.line(0, `Status:\t${pod.status?.phase ?? "Unknown"}`);
  }
  if (pod.status?.reason !== undefined) writer.line(0, `Reason:\t${pod.status.reason}`);
  if (pod.status?.message !== undefined) writer.line(0, `Message:\t${pod.status.message}`);
  writer.line(0, `IP:\t${pod.status?.podIP ?? ""}`);
  const ips = pod.status?.podIPs ?? [];
  if (ips.length === 0) writer.line(0, "IPs:\t<none>");
  else {
    writer.line(0, "IPs:");
    for (const ip of ips) writer.line(1, `IP:\t${ip.ip}`);
  }
  controlledBy(writer, pod);
  containers(writer, 0, spec.containers as ContainerLike[], pod.status?.containerStatuses ?? []);
  conditionsTable(writer, pod.status?.conditions, false);
  volumesLine(writer, 0, spec);
  writer.line(0, `QoS Class:\t${pod.status?.qosClass ?? "BestEffort"}`);
  schedulingLines(writer, 0, spec);
  describeEvents(writer, context.events, context.nowMs);
  return writer.toString();
}

function replicaSetsText(replicaSets: readonly ReplicaSet[]): string {
  if (replicaSets.length === 0) return "<none>";
  return replicaSets.map((rs) => `${rs.metadata.name ?? ""} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 0} replicas created)`).join(", ");
}

function sameTemplate(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return JSON.stringify(withoutTemplateHash(a)) === JSON.stringify(withoutTemplateHash(b));
}

export function describeDeployment(deployment: Deployment, context: DescribeContext): string {
  const writer = new DescribeWriter();
  const status = deployment.status ?? {};
  const spec = deployment.spec as Deployment["spec"] & { minReadySeconds?: number; strategy?: { type?: string; rollingUpdate?: { maxSurge?: string | number; maxUnavailable?: string | number } } };
  header(writer, deployment, true);
  labelsAndAnnotations(writer, deployment);
  writer.line(0, `Selector:\t${formatSelector(spec.selector)}`);
  const unavailable = status.unavailableReplicas ?? 0;
  writer.line(0, `Replicas:\t${spec.replicas ?? 1} desired | ${status.updatedReplicas ?? 0} updated | ${status.replicas ?? 0} total | ${status.availableReplicas ?? 0} available | ${unavailable} unavailable`);
  writer.line(0, `StrategyType:\t${spec.strategy?.type ?? "RollingUpdate"}`);
  writer.line(0, `MinReadySeconds:\t${spec.minReadySeconds ?? 0}`);
  const rolling = spec.strategy?.rollingUpdate;
  if ((spec.strategy?.type ?? "RollingUpdate") === "RollingUpdate") writer.line(0, `RollingUpdateStrategy:\t${String(rolling?.maxUnavailable ?? "25%")} max unavailable, ${String(rolling?.maxSurge ?? "25%")} max surge`);
  describePodTemplate(writer, spec.template);
  conditionsTable(writer, status.conditions, true);
  if (context.replicaSets !== undefined && context.replicaSets.length > 0) {
    const newest = context.replicaSets.find((rs) => sameTemplate(rs.spec.template, spec.template));
    const old = context.replicaSets.filter((rs) => rs !== newest);
    writer.line(0, `OldReplicaSets:\t${replicaSetsText(old)}`);
    writer.line(0, `NewReplicaSet:\t${replicaSetsText(newest === undefined ? [] : [newest])}`);
  }
  describeEvents(writer, context.events, context.nowMs);
  return writer.toString();
}

export function describeReplicaSet(replicaSet: ReplicaSet, context: DescribeContext): string {
  const writer = new DescribeWriter();
  const spec = replicaSet.spec as ReplicaSet["spec"] & { selector?: Deployment["spec"]["selector"] };
  header(writer, replicaSet, false);
  writer.line(0, `Selector:\t${formatSelector(spec.selector)}`);
  labelsAndAnnotations(writer, replicaSet);
  controlledBy(writer, replicaSet);
  writer.line(0, `Replicas:\t${replicaSet.status?.replicas ?? 0} current / ${spec.replicas ?? 1} desired`);
  const pods = context.pods ?? [];
  const count = (phase: string): number => pods.filter((pod) => (pod.status?.phase ?? "Pending") === phase).length;
  writer.line(0, `Pods Status:\t${count("Running")} Running / ${count("Pending")} Waiting / ${count("Succeeded")} Succeeded / ${count("Failed")} Failed`);
  describePodTemplate(writer, spec.template);
  describeEvents(writer, context.events, context.nowMs);
  return writer.toString();
}

/** CPU in millicores and memory in bytes from Kubernetes quantities ("100m", "1", "64Mi", "1G"). */
export function parseQuantity(value: string | number | undefined): number {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(value.trim());
  if (match === null) return 0;
  const number = Number(match[1]);
  const factors: Record<string, number> = { "": 1, m: 0.001, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return number * (factors[match[2] ?? ""] ?? 1);
}

/** A sum back into the way kubectl prints it: "350m", "2", "192Mi". */
export function formatQuantity(resource: string, amount: number): string {
  if (amount === 0) return "0";
  if (resource === "cpu") {
    const millis = Math.round(amount * 1000);
    return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
  }
  for (const [suffix, factor] of [["Gi", 1024 ** 3], ["Mi", 1024 ** 2], ["Ki", 1024]] as const) if (amount % factor === 0) return `${amount / factor}${suffix}`;
  return String(amount);
}

function podTotals(pods: readonly Pod[], resource: string, kind: "requests" | "limits"): number {
  return pods.reduce((sum, pod) => sum + pod.spec.containers.reduce((inner, container) => inner + parseQuantity(container.resources?.[kind]?.[resource]), 0), 0);
}

function percentOf(amount: number, total: number): string {
  return total === 0 ? "0%" : `${Math.trunc((amount / total) * 100)}%`;
}

function nodeMap(writer: DescribeWriter, title: string, values: Record<string, string> | undefined): void {
  writer.line(0, `${title}:`);
  for (const [key, value] of Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b))) writer.line(1, `${key}:\t${value}`);
}

export function describeNode(node: Node, context: DescribeContext): string {
  const writer = new DescribeWriter();
  const roles = Object.keys(node.metadata.labels ?? {}).filter((key) => key.startsWith("node-role.kubernetes.io/")).map((key) => key.slice("node-role.kubernetes.io/".length));
  writer.line(0, `Name:\t${node.metadata.name ?? ""}`);
  writer.line(0, `Roles:\t${roles.length === 0 ? "<none>" : roles.join(",")}`);
  labelsAndAnnotations(writer, node);
  writer.line(0, `CreationTimestamp:\t${describeTime(node.metadata.creationTimestamp)}`);
  const taints = node.spec?.taints ?? [];
  if (taints.length === 0) writer.line(0, "Taints:\t<none>");
  taints.forEach((taint, index) => writer.line(0, `${index === 0 ? "Taints:" : ""}\t${taint.key}${taint.value === undefined ? "" : `=${taint.value}`}:${taint.effect}`));
  writer.line(0, `Unschedulable:\t${node.spec?.unschedulable === true ? "true" : "false"}`);
  if (context.lease === undefined) writer.line(0, `Lease:\tFailed to get lease: leases.coordination.k8s.io "${node.metadata.name ?? ""}" not found`);
  else {
    writer.line(0, "Lease:");
    writer.line(1, `HolderIdentity:\t${context.lease.spec?.holderIdentity ?? "<unset>"}`);
    writer.line(1, `AcquireTime:\t${describeTime(context.lease.spec?.acquireTime)}`);
    writer.line(1, `RenewTime:\t${describeTime(context.lease.spec?.renewTime)}`);
  }
  const conditions = node.status?.conditions ?? [];
  if (conditions.length > 0) {
    writer.line(0, "Conditions:");
    writer.line(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage");
    writer.line(1, "----\t------\t-----------------\t------------------\t------\t-------");
    for (const condition of conditions) {
      // kubectl ends each cell of these rows with a blank: the columns sit three apart.
      writer.line(1, `${condition.type} \t${condition.status} \t${describeTime(condition.lastHeartbeatTime)} \t${describeTime(condition.lastTransitionTime)} \t${condition.reason ?? ""} \t${condition.message ?? ""}`);
    }
  }
  writer.line(0, "Addresses:");
  for (const address of node.status?.addresses ?? []) writer.line(1, `${address.type}:\t${address.address}`);
  nodeMap(writer, "Capacity", node.status?.capacity);
  nodeMap(writer, "Allocatable", node.status?.allocatable);
  const info = node.status?.nodeInfo;
  if (info !== undefined) {
    writer.line(0, "System Info:");
    const fields: [string, string][] = [
      ["Machine ID", info.machineID],
      ["System UUID", info.systemUUID],
      ["Boot ID", info.bootID],
      ["Kernel Version", info.kernelVersion],
      ["OS Image", info.osImage],
      ["Operating System", info.operatingSystem],
      ["Architecture", info.architecture],
      ["Container Runtime Version", info.containerRuntimeVersion],
      ["Kubelet Version", info.kubeletVersion],
      ["Kube-Proxy Version", info.kubeProxyVersion],
    ];
    for (const [title, value] of fields) writer.line(1, `${title}:\t${value}`);
  }
  if (node.spec?.podCIDR !== undefined) writer.line(0, `PodCIDR:\t${node.spec.podCIDR}`);
  if (node.spec?.podCIDRs !== undefined) writer.line(0, `PodCIDRs:\t${node.spec.podCIDRs.join(",")}`);
  const pods = (context.pods ?? []).filter((pod) => pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed");
  const allocatable = node.status?.allocatable ?? {};
  const share = (resource: string, amount: number): string => `${formatQuantity(resource, amount)} (${percentOf(amount, parseQuantity(allocatable[resource]))})`;
  writer.line(0, `Non-terminated Pods:\t(${pods.length} in total)`);
  // kubectl leaves an empty column after Name.
  writer.line(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge");
  writer.line(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---");
  for (const pod of pods) {
    const cells = [
      share("cpu", podTotals([pod], "cpu", "requests")),
      share("cpu", podTotals([pod], "cpu", "limits")),
      share("memory", podTotals([pod], "memory", "requests")),
      share("memory", podTotals([pod], "memory", "limits")),
    ];
    writer.line(1, `${pod.metadata.namespace ?? ""}\t${pod.metadata.name ?? ""}\t\t${cells.join("\t")}\t${ageOf(pod.metadata.creationTimestamp, context.nowMs)}`);
  }
  writer.line(0, "Allocated resources:");
  writer.line(1, "(Total limits may be over 100 percent, i.e., overcommitted.)");
  writer.line(1, "Resource\tRequests\tLimits");
  writer.line(1, "--------\t--------\t------");
  const hugePages = Object.keys(node.status?.capacity ?? {}).filter((resource) => resource.startsWith("hugepages-")).sort();
  for (const resource of ["cpu", "memory", "ephemeral-storage", ...hugePages]) writer.line(1, `${resource}\t${share(resource, podTotals(pods, resource, "requests"))}\t${share(resource, podTotals(pods, resource, "limits"))}`);
  describeEvents(writer, context.events, context.nowMs);
  return writer.toString();
}

type ServiceSpec = {
  selector?: Record<string, string>;
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilyPolicy?: string;
  ipFamilies?: string[];
  ports?: { name?: string; port: number; protocol?: string; targetPort?: number | string; nodePort?: number }[];
  sessionAffinity?: string;
  internalTrafficPolicy?: string;
};

export function describeService(service: KubeObject & { spec?: ServiceSpec }, context: DescribeContext): string {
  const writer = new DescribeWriter();
  const spec = service.spec ?? {};
  header(writer, service, false);
  labelsAndAnnotations(writer, service);
  const selector = Object.entries(spec.selector ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => `${key}=${value}`).join(",");
  writer.line(0, `Selector:\t${selector === "" ? "<none>" : selector}`);
  writer.line(0, `Type:\t${spec.type ?? "ClusterIP"}`);
  if (spec.ipFamilyPolicy !== undefined) writer.line(0, `IP Family Policy:\t${spec.ipFamilyPolicy}`);
  if (spec.ipFamilies !== undefined) writer.line(0, `IP Families:\t${spec.ipFamilies.join(",")}`);
  writer.line(0, `IP:\t${spec.clusterIP ?? ""}`);
  writer.line(0, `IPs:\t${(spec.clusterIPs ?? (spec.clusterIP === undefined ? [] : [spec.clusterIP])).join(",")}`);
  const subsets = context.endpoints?.subsets ?? [];
  for (const port of spec.ports ?? []) {
    const protocol = port.protocol ?? "TCP";
    writer.line(0, `Port:\t${port.name ?? "<unset>"}  ${port.port}/${protocol}`);
    writer.line(0, `TargetPort:\t${String(port.targetPort ?? port.port)}/${protocol}`);
    if (port.nodePort !== undefined) writer.line(0, `NodePort:\t${port.name ?? "<unset>"}  ${port.nodePort}/${protocol}`);
    const addresses = subsets.flatMap((subset) => {
      const match = subset.ports?.find((p) => (p.name ?? "") === (port.name ?? "")) ?? subset.ports?.[0];
      return match === undefined ? [] : (subset.addresses ?? []).map((address) => `${address.ip}:${match.port}`);
    });
    writer.line(0, `Endpoints:\t${addresses.length === 0 ? "<none>" : addresses.join(",")}`);
  }
  writer.line(0, `Session Affinity:\t${spec.sessionAffinity ?? "None"}`);
  if (spec.internalTrafficPolicy !== undefined) writer.line(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}`);
  describeEvents(writer, context.events, context.nowMs);
  return writer.toString();
}

export function describeNamespace(namespace: KubeObject & { status?: { phase?: string } }): string {
  const writer = new DescribeWriter();
  header(writer, namespace, false);
  labelsAndAnnotations(writer, namespace);
  writer.line(0, `Status:\t${namespace.status?.phase ?? "Active"}`);
  return writer.toString();
}

/** Any other kind: the header, then the rest of the object as YAML, then its events. */
export function describeGeneric(object: KubeObject & Record<string, unknown>, context: DescribeContext): string {
  const writer = new DescribeWriter();
  header(writer, object, false);
  labelsAndAnnotations(writer, object);
  const { metadata: _metadata, apiVersion, kind, ...rest } = object;
  writer.line(0, `API Version:\t${String(apiVersion ?? "")}`);
  writer.line(0, `Kind:\t${String(kind ?? "")}`);
  const body = Object.keys(rest).length === 0 ? "" : formatYaml(rest);
  for (const line of body.split("\n").filter((text) => text !== "")) writer.line(0, line.replace(/\t/g, " "));
  describeEvents(writer, context.events, context.nowMs);
  return writer.toString();
}
