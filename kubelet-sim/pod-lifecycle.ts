// A simulated pod's life on its node, as a pure state machine: given the pod as seen, what the
// node remembers of it and the time, say what to write, which events to record, whether to
// delete it and when to look again. The shell does the IO; nothing here waits or reads a clock.
//
//   accepted ──(first look)──▶ creating ──(start delay)──▶ running
//       └───────────┴──────(deletionTimestamp)───────────────┴──▶ terminating ──(stop delay)──▶ terminated → delete
import type { Container, Pod, PodStatus } from "../client/index.js";
import { canonicalJson } from "./canonical-json.js";
import { formatGoDuration } from "./durations.js";
import { imageSizeBytes, pullPolicy } from "./images.js";
import { desiredPodStatus, type PodRecord } from "./pod-status.js";

export interface PodEventPlan {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
  /** The container the event is about ("spec.containers{web}"), as the kubelet's object reference says. */
  readonly fieldPath?: string;
}

export interface PodTimings {
  /** From first sight to running containers (image pull, create, start). */
  readonly startDelayMs: number;
  /** How long containers take to stop once told to; the grace period caps it. */
  readonly stopDelayMs: number;
}

export interface PodPlan {
  readonly record: PodRecord;
  /** PUT this as pods/<name>/status, when present. */
  readonly status?: PodStatus;
  /** Record these, in order, after the status write. */
  readonly events: readonly PodEventPlan[];
  /** Then delete the pod with gracePeriodSeconds 0 and a uid precondition. */
  readonly deletePod: boolean;
  /** Plan again at this time even if the pod does not change. */
  readonly wakeAtMs?: number;
}

/** Retry delay when no pod IP is free: the pod waits in ContainerCreating, as for a CNI error. */
export const podIpRetryMs = 1000;

const defaultTerminationGracePeriodSeconds = 30;

function parseTimeMs(text: string | undefined): number | undefined {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The node's first memory of a pod. A pod that already runs here (a restarted kubelet) is adopted
 * as it is — its containers never stopped — so nothing is re-announced and its IP is kept.
 */
export function newPodRecord(pod: Pod, nowMs: number, startDelayMs: number): PodRecord {
  const uid = pod.metadata.uid ?? "";
  const status = pod.status;
  const base = { uid, firstSeenMs: nowMs, startAtMs: nowMs + startDelayMs };
  if (status?.phase === "Succeeded" || status?.phase === "Failed") return { ...base, stage: "terminated" };
  const running = status?.phase === "Running" && (status.containerStatuses ?? []).length > 0 && (status.containerStatuses ?? []).every((c) => c.state?.running !== undefined);
  if (!running) return { ...base, stage: "accepted" };
  const startedAt = (status.containerStatuses ?? []).map((c) => parseTimeMs(c.state?.running?.startedAt)).find((ms) => ms !== undefined);
  return { ...base, stage: "running", startAtMs: startedAt ?? nowMs, startedAtMs: startedAt ?? nowMs, ...(status.podIP === undefined ? {} : { podIP: status.podIP }) };
}

function containerRefs(pod: Pod): { container: Container; fieldPath: string }[] {
  return [
    ...(pod.spec.initContainers ?? []).map((container) => ({ container, fieldPath: `spec.initContainers{${container.name}}` })),
    ...pod.spec.containers.map((container) => ({ container, fieldPath: `spec.containers{${container.name}}` })),
  ];
}

// Wording of kubelet 1.32 (images/image_manager.go, kuberuntime/kuberuntime_container.go).
function pullingEvents(pod: Pod): PodEventPlan[] {
  return containerRefs(pod)
    .filter(({ container }) => pullPolicy(container) === "Always")
    .map(({ container, fieldPath }) => ({ type: "Normal", reason: "Pulling", message: `Pulling image "${container.image ?? ""}"`, fieldPath }));
}

function startEvents(pod: Pod, pullMs: number): PodEventPlan[] {
  return containerRefs(pod).flatMap(({ container, fieldPath }) => {
    const image = container.image ?? "";
    const took = formatGoDuration(pullMs);
    const pulled =
      pullPolicy(container) === "Always"
        ? `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${imageSizeBytes(image)} bytes.`
        : `Container image "${image}" already present on machine`;
    return [
      { type: "Normal" as const, reason: "Pulled", message: pulled, fieldPath },
      { type: "Normal" as const, reason: "Created", message: `Created container: ${container.name}`, fieldPath },
      { type: "Normal" as const, reason: "Started", message: `Started container ${container.name}`, fieldPath },
    ];
  });
}

function killingEvents(pod: Pod): PodEventPlan[] {
  return pod.spec.containers.map((container) => ({ type: "Normal", reason: "Killing", message: `Stopping container ${container.name}`, fieldPath: `spec.containers{${container.name}}` }));
}

/** The grace period the deletion asked for, else the pod's own, else the API default (30 s). */
export function gracePeriodMs(pod: Pod): number {
  return 1000 * (pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? defaultTerminationGracePeriodSeconds);
}

interface Step {
  record: PodRecord;
  events: PodEventPlan[];
}

function stepDeletion(pod: Pod, record: PodRecord, nowMs: number, timings: PodTimings): Step {
  let next = record;
  const events: PodEventPlan[] = [];
  if (next.stage === "accepted" || next.stage === "creating" || next.stage === "running") {
    if (next.stage === "running") events.push(...killingEvents(pod));
    next = { ...next, stage: "terminating", stopAtMs: nowMs + Math.min(gracePeriodMs(pod), timings.stopDelayMs) };
  }
  if (next.stage === "terminating" && nowMs >= (next.stopAtMs ?? nowMs)) next = { ...next, stage: "terminated" };
  return { record: next, events };
}

function stepLife(pod: Pod, record: PodRecord, nowMs: number): Step {
  let next = record;
  const events: PodEventPlan[] = [];
  if (next.stage === "accepted") {
    events.push(...pullingEvents(pod));
    next = { ...next, stage: "creating" };
  }
  if (next.stage === "creating" && nowMs >= next.startAtMs && next.podIP !== undefined) {
    events.push(...startEvents(pod, next.startAtMs - next.firstSeenMs));
    next = { ...next, stage: "running", startedAtMs: nowMs };
  }
  return { record: next, events };
}

function wakeAt(record: PodRecord, nowMs: number): number | undefined {
  if (record.stage === "terminating") return record.stopAtMs;
  if (record.stage !== "creating") return undefined;
  return record.podIP === undefined ? Math.max(nowMs + podIpRetryMs, record.startAtMs) : record.startAtMs;
}

/** Whether `desired` must be written over the pod's current status. */
function needsWrite(current: PodStatus | undefined, desired: PodStatus, written: PodRecord["written"]): boolean {
  const desiredJson = canonicalJson(desired);
  const currentJson = canonicalJson(current ?? {});
  if (desiredJson === currentJson) return false;
  // The server may normalize what we wrote; that is not a change to undo (and would loop).
  return !(written?.desired === desiredJson && written.stored === currentJson);
}

export function planPod(pod: Pod, record: PodRecord, hostIP: string, nowMs: number, timings: PodTimings): PodPlan {
  const deleting = pod.metadata.deletionTimestamp !== undefined;
  const wasTerminated = record.stage === "terminated";
  const step = deleting ? stepDeletion(pod, record, nowMs, timings) : stepLife(pod, record, nowMs);
  const next = step.record;
  const wakeAtMs = wakeAt(next, nowMs);
  const plan = { record: next, events: step.events, deletePod: deleting && next.stage === "terminated", ...(wakeAtMs === undefined ? {} : { wakeAtMs }) };
  // A pod found already terminated (adopted after a restart) keeps the status it has.
  if (wasTerminated) return plan;
  const desired = desiredPodStatus(pod, next, hostIP, nowMs);
  return needsWrite(pod.status, desired, next.written) ? { ...plan, status: desired } : plan;
}

/** Remember what a status write sent and what the server answered. */
export function recordStatusWritten(record: PodRecord, desired: PodStatus, stored: PodStatus | undefined): PodRecord {
  return { ...record, written: { desired: canonicalJson(desired), stored: canonicalJson(stored ?? {}) } };
}
