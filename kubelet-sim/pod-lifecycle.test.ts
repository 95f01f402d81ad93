import { describe, expect, it } from "vitest";
import type { Pod, PodStatus } from "../client/index.js";
import { gracePeriodMs, newPodRecord, planPod, podIpRetryMs, recordStatusWritten, type PodPlan } from "./pod-lifecycle.js";
import type { PodRecord } from "./pod-status.js";

const t0 = Date.parse("2026-11-25T20:00:00Z");
const hostIP = "172.18.0.2";
const timings = { startDelayMs: 1000, stopDelayMs: 500 };

function pod(overrides: Partial<Pod["spec"]> = {}, status?: PodStatus): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1", namespace: "default", uid: "uid-1", resourceVersion: "5" },
    spec: { nodeName: "node-1", containers: [{ name: "web", image: "nginx:1.27", imagePullPolicy: "IfNotPresent" }], ...overrides },
    status: status ?? {
      phase: "Pending",
      qosClass: "BestEffort",
      conditions: [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2026-11-25T19:59:59Z" }],
    },
  };
}

/** Plays the shell: the written status becomes the pod's, the record advances. */
function apply(current: Pod, plan: PodPlan): { pod: Pod; record: PodRecord } {
  if (plan.status === undefined) return { pod: current, record: plan.record };
  return { pod: { ...current, status: plan.status }, record: recordStatusWritten(plan.record, plan.status, plan.status) };
}

function condition(status: PodStatus | undefined, type: string) {
  return status?.conditions?.find((c) => c.type === type);
}

describe("pod lifecycle", () => {
  it("first writes Pending with ContainerCreating, kubelet-owned conditions and no pod IP", () => {
    const p = pod();
    const record = { ...newPodRecord(p, t0, timings.startDelayMs), podIP: "10.244.1.2" };
    const plan = planPod(p, record, hostIP, t0, timings);
    expect(plan.record.stage).toBe("creating");
    expect(plan.wakeAtMs).toBe(t0 + 1000);
    expect(plan.events).toEqual([]); // IfNotPresent: nothing is pulled
    const status = plan.status;
    expect(status?.phase).toBe("Pending");
    expect(status?.podIP).toBeUndefined();
    expect(status?.hostIP).toBe(hostIP);
    expect(status?.hostIPs).toEqual([{ ip: hostIP }]);
    expect(status?.startTime).toBe("2026-11-25T20:00:00Z");
    expect(status?.qosClass).toBe("BestEffort");
    expect(status?.containerStatuses?.[0]).toMatchObject({ name: "web", ready: false, started: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } });
    expect(status?.conditions?.map((c) => [c.type, c.status])).toEqual([
      ["PodReadyToStartContainers", "False"],
      ["Initialized", "True"],
      ["Ready", "False"],
      ["ContainersReady", "False"],
      ["PodScheduled", "True"],
    ]);
    expect(condition(status, "Ready")).toMatchObject({ reason: "ContainersNotReady", message: "containers with unready status: [web]" });
    // The scheduler's PodScheduled keeps its transition time: its status did not change.
    expect(condition(status, "PodScheduled")?.lastTransitionTime).toBe("2026-11-25T19:59:59Z");
  });

  it("runs after the start delay: podIP, ready containers, Pulled/Created/Started in 1.32 wording", () => {
    let p = pod();
    let record: PodRecord = { ...newPodRecord(p, t0, timings.startDelayMs), podIP: "10.244.1.2" };
    ({ pod: p, record } = apply(p, planPod(p, record, hostIP, t0, timings)));
    const early = planPod(p, record, hostIP, t0 + 999, timings);
    expect(early.status).toBeUndefined();
    expect(early.record.stage).toBe("creating");
    const plan = planPod(p, record, hostIP, t0 + 1000, timings);
    expect(plan.record.stage).toBe("running");
    expect(plan.wakeAtMs).toBeUndefined();
    expect(plan.events).toEqual([
      { type: "Normal", reason: "Pulled", message: 'Container image "nginx:1.27" already present on machine', fieldPath: "spec.containers{web}" },
      { type: "Normal", reason: "Created", message: "Created container: web", fieldPath: "spec.containers{web}" },
      { type: "Normal", reason: "Started", message: "Started container web", fieldPath: "spec.containers{web}" },
    ]);
    const status = plan.status;
    expect(status?.phase).toBe("Running");
    expect(status?.podIP).toBe("10.244.1.2");
    expect(status?.podIPs).toEqual([{ ip: "10.244.1.2" }]);
    const container = status?.containerStatuses?.[0];
    expect(container).toMatchObject({ ready: true, started: true, image: "docker.io/library/nginx:1.27", state: { running: { startedAt: "2026-11-25T20:00:01Z" } } });
    expect(container?.containerID).toMatch(/^kube-lite-sim:\/\/[0-9a-f]{64}$/);
    expect(container?.imageID).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    for (const type of ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]) expect(condition(status, type)?.status).toBe("True");
    expect(condition(status, "Ready")?.lastTransitionTime).toBe("2026-11-25T20:00:01Z");
    expect(condition(status, "Initialized")?.lastTransitionTime).toBe("2026-11-25T20:00:00Z");
  });

  it("is idempotent once running: the same pod and record write nothing more", () => {
    let p = pod();
    let record: PodRecord = { ...newPodRecord(p, t0, 0), podIP: "10.244.1.2" };
    ({ pod: p, record } = apply(p, planPod(p, record, hostIP, t0, timings)));
    expect(p.status?.phase).toBe("Running");
    const again = planPod(p, record, hostIP, t0 + 60_000, timings);
    expect(again.status).toBeUndefined();
    expect(again.events).toEqual([]);
  });

  it("does not rewrite what the server normalized, but does rewrite a status someone else changed", () => {
    let p = pod();
    let record: PodRecord = { ...newPodRecord(p, t0, 0), podIP: "10.244.1.2" };
    const plan = planPod(p, record, hostIP, t0, timings);
    const desired = plan.status as PodStatus;
    const normalized: PodStatus = { ...desired, conditions: desired.conditions?.map(({ lastProbeTime: _dropped, ...c }) => c) };
    record = recordStatusWritten(plan.record, desired, normalized);
    p = { ...p, status: normalized };
    expect(planPod(p, record, hostIP, t0 + 5, timings).status).toBeUndefined();
    const tampered = { ...p, status: { ...normalized, phase: "Pending" as const } };
    expect(planPod(tampered, record, hostIP, t0 + 5, timings).status?.phase).toBe("Running");
  });

  it("records Pulling and a timed Pulled for an image pulled Always (untagged means :latest)", () => {
    const p = pod({ containers: [{ name: "app", image: "busybox" }] });
    const record: PodRecord = { ...newPodRecord(p, t0, 1500), podIP: "10.244.1.2" };
    const first = planPod(p, record, hostIP, t0, timings);
    expect(first.events).toEqual([{ type: "Normal", reason: "Pulling", message: 'Pulling image "busybox"', fieldPath: "spec.containers{app}" }]);
    const started = planPod(p, first.record, hostIP, t0 + 1500, timings);
    expect(started.events[0]?.message).toMatch(/^Successfully pulled image "busybox" in 1\.5s \(1\.5s including waiting\)\. Image size: \d+ bytes\.$/);
  });

  it("waits in ContainerCreating while no pod IP is free, and starts once one is", () => {
    const p = pod();
    const record = newPodRecord(p, t0, 0);
    const plan = planPod(p, record, hostIP, t0, timings);
    expect(plan.record.stage).toBe("creating");
    expect(plan.status?.phase).toBe("Pending");
    expect(plan.wakeAtMs).toBe(t0 + podIpRetryMs);
    const later = planPod(p, { ...plan.record, podIP: "10.244.1.9" }, hostIP, t0 + podIpRetryMs, timings);
    expect(later.record.stage).toBe("running");
  });

  it("starts init containers first and reports them Completed", () => {
    const p = pod({ initContainers: [{ name: "setup", image: "busybox:1.36" }] });
    const record: PodRecord = { ...newPodRecord(p, t0, 1000), podIP: "10.244.1.2" };
    const first = planPod(p, record, hostIP, t0, timings);
    expect(condition(first.status, "Initialized")).toMatchObject({ status: "False", reason: "ContainersNotInitialized", message: "containers with incomplete status: [setup]" });
    expect(first.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("PodInitializing");
    const started = planPod(p, first.record, hostIP, t0 + 1000, timings);
    expect(started.events.map((e) => `${e.reason} ${e.fieldPath ?? ""}`)).toEqual([
      "Pulled spec.initContainers{setup}",
      "Created spec.initContainers{setup}",
      "Started spec.initContainers{setup}",
      "Pulled spec.containers{web}",
      "Created spec.containers{web}",
      "Started spec.containers{web}",
    ]);
    expect(started.status?.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
  });
});

describe("pod deletion", () => {
  function runningPod(): { pod: Pod; record: PodRecord } {
    const p = pod();
    return apply(p, planPod(p, { ...newPodRecord(p, t0, 0), podIP: "10.244.1.2" }, hostIP, t0, timings));
  }

  it("records Killing, then after min(grace, stop delay) writes terminated containers and deletes", () => {
    const { pod: running, record } = runningPod();
    const deleting: Pod = { ...running, metadata: { ...running.metadata, deletionTimestamp: "2026-11-25T20:00:40Z", deletionGracePeriodSeconds: 30 } };
    const killing = planPod(deleting, record, hostIP, t0 + 10_000, timings);
    expect(killing.events).toEqual([{ type: "Normal", reason: "Killing", message: "Stopping container web", fieldPath: "spec.containers{web}" }]);
    expect(killing.deletePod).toBe(false);
    expect(killing.record.stage).toBe("terminating");
    expect(killing.wakeAtMs).toBe(t0 + 10_500);
    expect(killing.status).toBeUndefined(); // containers still run through the grace period
    const done = planPod(deleting, killing.record, hostIP, t0 + 10_500, timings);
    expect(done.events).toEqual([]);
    expect(done.deletePod).toBe(true);
    expect(done.status?.phase).toBe("Succeeded");
    expect(done.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: false, state: { terminated: { exitCode: 0, reason: "Completed", finishedAt: "2026-11-25T20:00:10Z" } } });
    expect(condition(done.status, "Ready")).toMatchObject({ status: "False", reason: "PodCompleted" });
  });

  it("lets a short grace period cut the stop delay", () => {
    const { pod: running, record } = runningPod();
    const deleting: Pod = { ...running, metadata: { ...running.metadata, deletionTimestamp: "x", deletionGracePeriodSeconds: 0 } };
    const plan = planPod(deleting, record, hostIP, t0 + 10_000, { startDelayMs: 0, stopDelayMs: 5_000 });
    expect(plan.events.map((e) => e.reason)).toEqual(["Killing"]);
    expect(plan.deletePod).toBe(true);
  });

  it("deletes a pod that never started without Killing, as Failed", () => {
    const p: Pod = { ...pod(), metadata: { ...pod().metadata, deletionTimestamp: "x", deletionGracePeriodSeconds: 30 } };
    const plan = planPod(p, newPodRecord(p, t0, 10_000), hostIP, t0, { startDelayMs: 10_000, stopDelayMs: 0 });
    expect(plan.events).toEqual([]);
    expect(plan.deletePod).toBe(true);
    expect(plan.status?.phase).toBe("Failed");
  });

  it("takes the grace period from the deletion, then the spec, then 30 s", () => {
    expect(gracePeriodMs({ ...pod(), metadata: { deletionGracePeriodSeconds: 3 } })).toBe(3000);
    expect(gracePeriodMs(pod({ terminationGracePeriodSeconds: 7 }))).toBe(7000);
    expect(gracePeriodMs(pod())).toBe(30_000);
  });
});

describe("a restarted kubelet", () => {
  it("adopts a running pod without events, keeping its IP and start time", () => {
    const status: PodStatus = {
      phase: "Running",
      podIP: "10.244.1.7",
      containerStatuses: [{ name: "web", ready: true, restartCount: 0, image: "x", imageID: "y", state: { running: { startedAt: "2026-11-25T19:00:00Z" } } }],
    };
    const record = newPodRecord(pod({}, status), t0, 1000);
    expect(record).toMatchObject({ stage: "running", podIP: "10.244.1.7", startedAtMs: Date.parse("2026-11-25T19:00:00Z") });
    const plan = planPod(pod({}, status), record, hostIP, t0, timings);
    expect(plan.events).toEqual([]);
    expect(plan.status?.containerStatuses?.[0]?.state?.running?.startedAt).toBe("2026-11-25T19:00:00Z");
  });

  it("leaves a finished pod's status alone and only deletes it when asked", () => {
    const finished = pod({}, { phase: "Succeeded" });
    const record = newPodRecord(finished, t0, 0);
    expect(planPod(finished, record, hostIP, t0, timings)).toMatchObject({ deletePod: false, events: [] });
    expect(planPod(finished, record, hostIP, t0, timings).status).toBeUndefined();
    const deleting: Pod = { ...finished, metadata: { ...finished.metadata, deletionTimestamp: "x" } };
    const plan = planPod(deleting, record, hostIP, t0, timings);
    expect(plan.deletePod).toBe(true);
    expect(plan.status).toBeUndefined();
  });
});
