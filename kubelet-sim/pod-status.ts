// The PodStatus a kubelet 1.32 posts at each stage of a simulated pod's life: conditions in the
// order generateAPIPodStatus appends them, container statuses as containerd reports them.
import { formatTime, type Container, type ContainerStatus, type Pod, type PodCondition, type PodStatus } from "../client/index.js";
import { imageId, normalizeImage, sha256Hex } from "./images.js";
import { podQosClass } from "./qos.js";

export type PodStage = "accepted" | "creating" | "running" | "terminating" | "terminated";

/** What the node remembers of one pod; the API object is the rest of the truth. */
export interface PodRecord {
  readonly uid: string;
  readonly stage: PodStage;
  readonly firstSeenMs: number;
  /** When the containers start (first seen + the start delay). */
  readonly startAtMs: number;
  readonly startedAtMs?: number;
  /** When the containers have stopped (deletion seen + min(grace period, stop delay)). */
  readonly stopAtMs?: number;
  readonly podIP?: string;
  /** The last status written and what the server stored, to not rewrite what the server normalized. */
  readonly written?: { readonly desired: string; readonly stored: string };
}

export const containerIdScheme = "kube-lite-sim";

/** The conditions the kubelet owns (kubetypes.PodConditionsByKubelet); the others it keeps. */
const kubeletConditionTypes = new Set(["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]);

type OwnedCondition = Omit<PodCondition, "lastTransitionTime" | "lastProbeTime">;

/** The status manager's merge: foreign conditions first, transition time kept while the status holds. */
export function mergePodConditions(existing: readonly PodCondition[] | undefined, owned: readonly OwnedCondition[], nowMs: number): PodCondition[] {
  const previous = new Map((existing ?? []).map((c) => [c.type, c]));
  const foreign = (existing ?? []).filter((c) => !kubeletConditionTypes.has(c.type));
  return [
    ...foreign,
    ...owned.map((condition) => {
      const before = previous.get(condition.type);
      const lastTransitionTime = before !== undefined && before.status === condition.status && before.lastTransitionTime !== undefined ? before.lastTransitionTime : formatTime(nowMs);
      return { ...condition, lastProbeTime: null, lastTransitionTime };
    }),
  ];
}

function containerId(uid: string, name: string): string {
  return `${containerIdScheme}://${sha256Hex(`container:${uid}/${name}`)}`;
}

function unready(names: readonly string[]): string {
  return `[${names.join(" ")}]`;
}

function waitingStatus(container: Container, reason: string): ContainerStatus {
  return { name: container.name, state: { waiting: { reason } }, lastState: {}, ready: false, restartCount: 0, image: container.image ?? "", imageID: "", started: false };
}

function runningStatus(uid: string, container: Container, startedAtMs: number): ContainerStatus {
  return {
    name: container.name,
    state: { running: { startedAt: formatTime(startedAtMs) } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image: normalizeImage(container.image ?? ""),
    imageID: imageId(container.image ?? ""),
    containerID: containerId(uid, container.name),
    started: true,
  };
}

function terminatedStatus(uid: string, container: Container, startedAtMs: number, finishedAtMs: number): ContainerStatus {
  const id = containerId(uid, container.name);
  // containerID sits in the terminated state too upstream; the shared type leaves it out.
  const terminated = { exitCode: 0, reason: "Completed", startedAt: formatTime(startedAtMs), finishedAt: formatTime(finishedAtMs), containerID: id };
  return {
    name: container.name,
    state: { terminated },
    lastState: {},
    ready: false,
    restartCount: 0,
    image: normalizeImage(container.image ?? ""),
    imageID: imageId(container.image ?? ""),
    containerID: id,
    started: false,
  };
}

interface StageStatus {
  phase: NonNullable<PodStatus["phase"]>;
  conditions: OwnedCondition[];
  initContainerStatuses: ContainerStatus[];
  containerStatuses: ContainerStatus[];
  podIP: string | undefined;
}

function creatingStatus(pod: Pod): StageStatus {
  const init = pod.spec.initContainers ?? [];
  const names = pod.spec.containers.map((c) => c.name);
  const notReady = { status: "False" as const, reason: "ContainersNotReady", message: `containers with unready status: ${unready(names)}` };
  const initialized: OwnedCondition =
    init.length === 0
      ? { type: "Initialized", status: "True" }
      : { type: "Initialized", status: "False", reason: "ContainersNotInitialized", message: `containers with incomplete status: ${unready(init.map((c) => c.name))}` };
  return {
    phase: "Pending",
    conditions: [{ type: "PodReadyToStartContainers", status: "False" }, initialized, { type: "Ready", ...notReady }, { type: "ContainersReady", ...notReady }, { type: "PodScheduled", status: "True" }],
    initContainerStatuses: init.map((c) => waitingStatus(c, "PodInitializing")),
    containerStatuses: pod.spec.containers.map((c) => waitingStatus(c, init.length === 0 ? "ContainerCreating" : "PodInitializing")),
    podIP: undefined,
  };
}

function startedStatus(pod: Pod, record: PodRecord): StageStatus {
  const uid = record.uid;
  const startedAtMs = record.startedAtMs ?? record.startAtMs;
  return {
    phase: "Running",
    conditions: [
      { type: "PodReadyToStartContainers", status: "True" },
      { type: "Initialized", status: "True" },
      { type: "Ready", status: "True" },
      { type: "ContainersReady", status: "True" },
      { type: "PodScheduled", status: "True" },
    ],
    initContainerStatuses: (pod.spec.initContainers ?? []).map((c) => terminatedStatus(uid, c, startedAtMs, startedAtMs)),
    containerStatuses: pod.spec.containers.map((c) => runningStatus(uid, c, startedAtMs)),
    podIP: record.podIP,
  };
}

function completedStatus(pod: Pod, record: PodRecord): StageStatus {
  const startedAtMs = record.startedAtMs ?? record.startAtMs;
  const finishedAtMs = record.stopAtMs ?? startedAtMs;
  // A pod deleted before its containers ran ends Failed (kubelet's terminal phase since 1.27).
  const ran = record.startedAtMs !== undefined;
  const completed = { status: "False" as const, reason: ran ? "PodCompleted" : "PodFailed" };
  return {
    phase: ran ? "Succeeded" : "Failed",
    conditions: [
      { type: "PodReadyToStartContainers", status: "False" },
      { type: "Initialized", status: "True", reason: completed.reason },
      { type: "Ready", ...completed },
      { type: "ContainersReady", ...completed },
      { type: "PodScheduled", status: "True" },
    ],
    initContainerStatuses: (pod.spec.initContainers ?? []).map((c) => terminatedStatus(record.uid, c, startedAtMs, startedAtMs)),
    containerStatuses: pod.spec.containers.map((c) => (ran ? terminatedStatus(record.uid, c, startedAtMs, finishedAtMs) : waitingStatus(c, "ContainerCreating"))),
    podIP: record.podIP,
  };
}

function stageStatus(pod: Pod, record: PodRecord): StageStatus {
  switch (record.stage) {
    case "accepted":
    case "creating":
      return creatingStatus(pod);
    case "running":
    case "terminating":
      // Containers keep running through the grace period, as real ones do until they exit.
      return record.startedAtMs === undefined ? creatingStatus(pod) : startedStatus(pod, record);
    case "terminated":
      return completedStatus(pod, record);
  }
}

/** The whole status to PUT: what the kubelet owns recomputed, the rest of the current status kept. */
export function desiredPodStatus(pod: Pod, record: PodRecord, hostIP: string, nowMs: number): PodStatus {
  const current = pod.status ?? {};
  const stage = stageStatus(pod, record);
  const status: PodStatus = {
    ...current,
    phase: stage.phase,
    conditions: mergePodConditions(current.conditions, stage.conditions, nowMs),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    startTime: current.startTime ?? formatTime(record.firstSeenMs),
    containerStatuses: stage.containerStatuses,
    qosClass: current.qosClass ?? podQosClass(pod),
  };
  if (stage.initContainerStatuses.length > 0) status.initContainerStatuses = stage.initContainerStatuses;
  else delete status.initContainerStatuses;
  if (stage.podIP !== undefined) {
    status.podIP = stage.podIP;
    status.podIPs = [{ ip: stage.podIP }];
  } else {
    delete status.podIP;
    delete status.podIPs;
  }
  return status;
}
