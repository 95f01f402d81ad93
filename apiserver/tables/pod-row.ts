// One pod's row, as upstream's printPod (Kubernetes 1.32) computes it: READY counts ready
// containers (and started, ready sidecars); STATUS walks init containers first ("Init:1/2",
// "Init:CrashLoopBackOff"), then the containers from last to first (a waiting or terminated
// reason wins: "ContainerCreating", "CrashLoopBackOff", "Completed", "ExitCode:1"), and a
// deletion timestamp makes a live pod "Terminating"; RESTARTS carries "(5m ago)".
import { ageSince, humanDuration } from "./human-duration.js";
import { at, count, list, record, text, timestampMs, type Json } from "./json-access.js";

export type TableRow = { cells: unknown[]; conditions?: RowCondition[] };
type RowCondition = { type: string; status: string; reason: string; message: string };

/** The pod's reason once the node that ran it is lost (pkg/util/node.NodeUnreachablePodReason). */
const nodeUnreachablePodReason = "NodeLost";

const completedConditions: Readonly<Record<string, RowCondition>> = {
  Succeeded: { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
  Failed: { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." },
};

/** A sidecar: an init container with restartPolicy Always (it keeps running beside the others). */
function isRestartableInitContainer(container: Json | undefined): boolean {
  return container !== undefined && container.restartPolicy === "Always";
}

function conditionStatus(pod: Json, type: string): string | undefined {
  const condition = list(at(pod, "status", "conditions")).find((candidate) => candidate.type === type);
  return condition === undefined ? undefined : text(condition.status);
}

/** The latest restart seen so far: the last termination of a container, in ms (0 is Go's zero time). */
function lastTerminationMs(status: Json): number {
  return timestampMs(at(status, "lastState", "terminated", "finishedAt")) ?? 0;
}

function terminatedReason(terminated: Json, prefix: string): string {
  if (text(terminated.reason) !== "") return `${prefix}${text(terminated.reason)}`;
  if (count(terminated.signal) !== 0) return `${prefix}Signal:${count(terminated.signal)}`;
  return `${prefix}ExitCode:${count(terminated.exitCode)}`;
}

type Progress = { reason: string; ready: number; restarts: number; lastRestartMs: number };

/** The init containers: the first one not done names the status; sidecars count as containers. */
function initContainerProgress(pod: Json, start: Progress): Progress & { initializing: boolean; sidecarRestarts: number; sidecarLastRestartMs: number } {
  const specs = list(at(pod, "spec", "initContainers"));
  const byName = new Map(specs.map((container) => [text(container.name), container]));
  const progress = { ...start, initializing: false, sidecarRestarts: 0, sidecarLastRestartMs: 0 };
  const statuses = list(at(pod, "status", "initContainerStatuses"));
  for (const [index, status] of statuses.entries()) {
    const sidecar = isRestartableInitContainer(byName.get(text(status.name)));
    progress.restarts += count(status.restartCount);
    progress.lastRestartMs = Math.max(progress.lastRestartMs, lastTerminationMs(status));
    if (sidecar) {
      progress.sidecarRestarts += count(status.restartCount);
      progress.sidecarLastRestartMs = Math.max(progress.sidecarLastRestartMs, lastTerminationMs(status));
    }
    const state = record(status.state);
    const terminated = state.terminated === undefined || state.terminated === null ? undefined : record(state.terminated);
    const waitingReason = text(at(state, "waiting", "reason"));
    if (terminated !== undefined && count(terminated.exitCode) === 0) continue;
    if (sidecar && status.started === true) {
      if (status.ready === true) progress.ready++;
      continue;
    }
    if (terminated !== undefined) progress.reason = terminatedReason(terminated, "Init:");
    else if (waitingReason !== "" && waitingReason !== "PodInitializing") progress.reason = `Init:${waitingReason}`;
    else progress.reason = `Init:${index}/${specs.length}`;
    progress.initializing = true;
    break;
  }
  return progress;
}

/** The app containers, from last to first, so that the first container's reason is the one shown. */
function containerProgress(pod: Json, start: Progress): Progress {
  const progress = { ...start };
  let hasRunning = false;
  const statuses = list(at(pod, "status", "containerStatuses"));
  for (const status of [...statuses].reverse()) {
    progress.restarts += count(status.restartCount);
    progress.lastRestartMs = Math.max(progress.lastRestartMs, lastTerminationMs(status));
    const state = record(status.state);
    const waitingReason = text(at(state, "waiting", "reason"));
    const terminated = state.terminated === undefined || state.terminated === null ? undefined : record(state.terminated);
    if (waitingReason !== "") progress.reason = waitingReason;
    else if (terminated !== undefined) progress.reason = terminatedReason(terminated, "");
    else if (status.ready === true && state.running !== undefined && state.running !== null) {
      hasRunning = true;
      progress.ready++;
    }
  }
  // A pod whose main container completed while a sidecar still runs is not "Completed".
  if (progress.reason === "Completed" && hasRunning) {
    progress.reason = conditionStatus(pod, "Ready") === "True" ? "Running" : "NotReady";
  }
  return progress;
}

function podReason(pod: Json): string {
  let reason = text(at(pod, "status", "phase"));
  if (text(at(pod, "status", "reason")) !== "") reason = text(at(pod, "status", "reason"));
  for (const condition of list(at(pod, "status", "conditions"))) {
    if (condition.type === "PodScheduled" && condition.reason === "SchedulingGated") reason = "SchedulingGated";
  }
  return reason;
}

function readinessGates(pod: Json): string {
  const gates = list(at(pod, "spec", "readinessGates"));
  if (gates.length === 0) return "<none>";
  const trueGates = gates.filter((gate) => conditionStatus(pod, text(gate.conditionType)) === "True").length;
  return `${trueGates}/${gates.length}`;
}

function withNone(value: string): string {
  return value === "" ? "<none>" : value;
}

export function podRow(pod: Json, nowMs: number): TableRow {
  const phase = text(at(pod, "status", "phase"));
  const initContainers = list(at(pod, "spec", "initContainers"));
  const totalContainers =
    list(at(pod, "spec", "containers")).length + initContainers.filter((container) => isRestartableInitContainer(container)).length;

  const init = initContainerProgress(pod, { reason: podReason(pod), ready: 0, restarts: 0, lastRestartMs: 0 });
  let progress: Progress = init;
  if (!init.initializing || conditionStatus(pod, "Initialized") === "True") {
    // Once initialized, only sidecar restarts still count from the init containers.
    progress = containerProgress(pod, { ...init, restarts: init.sidecarRestarts, lastRestartMs: init.sidecarLastRestartMs });
  }

  let reason = progress.reason;
  const deleting = timestampMs(at(pod, "metadata", "deletionTimestamp")) !== undefined;
  if (deleting && text(at(pod, "status", "reason")) === nodeUnreachablePodReason) reason = "Unknown";
  else if (deleting && phase !== "Succeeded" && phase !== "Failed") reason = "Terminating";

  let restarts = String(progress.restarts);
  if (progress.restarts !== 0 && progress.lastRestartMs !== 0) {
    restarts = `${progress.restarts} (${humanDuration(nowMs - progress.lastRestartMs)} ago)`;
  }

  const podIPs = list(at(pod, "status", "podIPs"));
  const row: TableRow = {
    cells: [
      text(at(pod, "metadata", "name")),
      `${progress.ready}/${totalContainers}`,
      reason,
      restarts,
      ageSince(at(pod, "metadata", "creationTimestamp"), nowMs),
      // The v1 → internal conversion upstream prints from fills podIPs from a lone podIP.
      withNone(podIPs.length > 0 ? text(podIPs[0]?.ip) : text(at(pod, "status", "podIP"))),
      withNone(text(at(pod, "spec", "nodeName"))),
      withNone(text(at(pod, "status", "nominatedNodeName"))),
      readinessGates(pod),
    ],
  };
  const completed = completedConditions[phase];
  if (completed !== undefined) row.conditions = [completed];
  return row;
}
