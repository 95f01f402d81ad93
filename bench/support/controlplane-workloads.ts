// The control-plane bench's phases on one Deployment, all timed from the bench's own watches of
// pods, ReplicaSets, Deployments and Events in its namespace (receipt times on this process's
// performance.now() clock):
// - apply: create a Deployment of N replicas; when every pod exists, is bound, Running, Ready,
//   and when the Deployment's status says N available;
// - rollout: change the image; when the status says N updated and available and the old
//   ReplicaSet is at 0 (25% / 25% RollingUpdate);
// - reconcile: scale by +1, one step at a time: the scale write → the ReplicaSet's spec.replicas
//   (the deployment controller) and that → the new pod (the replicaset controller).
import { performance } from "node:perf_hooks";
import { currentResourceVersion } from "../apiserver-workloads.js";
import { type LatencySummary, round, summarize } from "./load.js";
import { type CpuSource, type CpuUse, cpuMark, cpuUse } from "./scheduler-cpu.js";
import { type ClusterTarget, cpuSources } from "./scheduler-workloads.js";
import { ObjectWatch, type WatchEvent, type WatchedObject } from "./controlplane-watch.js";

export interface PodTimes {
  addedAtMs: number;
  boundAtMs?: number;
  runningAtMs?: number;
  readyAtMs?: number;
  deletedAtMs?: number;
  /** First seen with a deletionTimestamp (or deleted). */
  terminatingAtMs?: number;
  /** Counted in the live Ready pods now (Ready and not terminating). */
  readyNow?: boolean;
  replicaSet?: string;
}

/** Pods as the bench's pod watch saw them: live = not terminating; the extremes since a reset. */
export interface PodPeaks {
  liveMax: number;
  liveReadyMin: number;
}

export interface ControlPlaneTarget extends ClusterTarget {
  readonly namespace: string;
  readonly deployment: string;
  readonly timeoutMs: number;
  /** Extra CPU sources: the controller-manager, scheduler and kubelet-sim. */
  readonly components: Record<string, CpuSource>;
  /** Throws when a component died. */
  readonly check: () => void;
}

const isReady = (o: WatchedObject) => o.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
const ownerOf = (o: WatchedObject) => o.metadata?.ownerReferences?.find((r) => r.controller === true)?.name;
const nameOf = (o: WatchedObject) => o.metadata?.name ?? "";

/** The bench's four watches on its namespace, opened once before the Deployment is created. */
export class NamespaceWatches {
  readonly pods = new Map<string, PodTimes>();
  /** Event writes (created or updated) by reason. */
  readonly eventReasons = new Map<string, number>();
  private lastEventAtMs = 0;
  /** Pods seen and not terminating, and those of them Ready. */
  private live = 0;
  private liveReady = 0;
  private peaks: PodPeaks = { liveMax: 0, liveReadyMin: 0 };
  /** performance.now() of the last Event seen. */
  get lastEventAt(): number {
    return this.lastEventAtMs;
  }
  readonly podWatch: ObjectWatch;
  readonly replicaSets: ObjectWatch;
  readonly deployments: ObjectWatch;
  readonly events: ObjectWatch;

  private constructor(server: string, namespace: string, resourceVersion: string) {
    this.podWatch = new ObjectWatch(server, `/api/v1/namespaces/${namespace}/pods`, resourceVersion, (e) => this.onPod(e));
    this.replicaSets = new ObjectWatch(server, `/apis/apps/v1/namespaces/${namespace}/replicasets`, resourceVersion);
    this.deployments = new ObjectWatch(server, `/apis/apps/v1/namespaces/${namespace}/deployments`, resourceVersion);
    this.events = new ObjectWatch(server, `/api/v1/namespaces/${namespace}/events`, resourceVersion, ({ object }) => {
      this.lastEventAtMs = performance.now();
      const reason = object.reason ?? "(none)";
      this.eventReasons.set(reason, (this.eventReasons.get(reason) ?? 0) + 1);
    });
  }

  static async open(target: ControlPlaneTarget): Promise<NamespaceWatches> {
    return new NamespaceWatches(target.apiserver.url, target.namespace, await currentResourceVersion(target.client, `/api/v1/namespaces/${target.namespace}/pods`));
  }

  private onPod({ type, object, atMs }: WatchEvent): void {
    const name = nameOf(object);
    let times = this.pods.get(name);
    if (times === undefined) {
      times = { addedAtMs: atMs, replicaSet: ownerOf(object) };
      this.pods.set(name, times);
      this.live++;
    }
    if (type === "DELETED") times.deletedAtMs ??= atMs;
    if (times.boundAtMs === undefined && (object.spec?.nodeName ?? "") !== "") times.boundAtMs = atMs;
    if (times.runningAtMs === undefined && object.status?.phase === "Running") times.runningAtMs = atMs;
    if (times.readyAtMs === undefined && isReady(object)) times.readyAtMs = atMs;
    if (times.terminatingAtMs === undefined && (type === "DELETED" || object.metadata?.deletionTimestamp !== undefined)) {
      times.terminatingAtMs = atMs;
      this.live--;
    }
    const readyNow = times.terminatingAtMs === undefined && isReady(object);
    if (readyNow !== (times.readyNow ?? false)) {
      times.readyNow = readyNow;
      this.liveReady += readyNow ? 1 : -1;
    }
    this.peaks.liveMax = Math.max(this.peaks.liveMax, this.live);
    this.peaks.liveReadyMin = Math.min(this.peaks.liveReadyMin, this.liveReady);
  }

  /** Starts new extremes of the live pods from now; returns the object that keeps them. */
  resetPeaks(): PodPeaks {
    this.peaks = { liveMax: this.live, liveReadyMin: this.liveReady };
    return this.peaks;
  }

  /** Pods of `replicaSet` (all pods when undefined) that reached a state. */
  count(pick: (t: PodTimes) => number | undefined, replicaSet?: string): { count: number; lastAtMs: number } {
    let count = 0;
    let lastAtMs = 0;
    for (const times of this.pods.values()) {
      if (replicaSet !== undefined && times.replicaSet !== replicaSet) continue;
      const at = pick(times);
      if (at === undefined) continue;
      count++;
      lastAtMs = Math.max(lastAtMs, at);
    }
    return { count, lastAtMs };
  }

  /** Watch events by resource so far: the writes the bench can name. */
  writes(): WrittenObjects {
    const sum = (w: ObjectWatch) => w.eventsByType.ADDED + w.eventsByType.MODIFIED + w.eventsByType.DELETED;
    return { podCreates: this.podWatch.eventsByType.ADDED, podUpdates: this.podWatch.eventsByType.MODIFIED, podDeletes: this.podWatch.eventsByType.DELETED, events: sum(this.events), replicaSets: sum(this.replicaSets), deployments: sum(this.deployments), other: 0 };
  }

  /**
   * Waits until no Event was written for `quietMs` (at most `maxMs`): the recorders of the
   * scheduler and controller-manager write behind, and their backlog would land in the next
   * phase's writes, CPU and latency. Returns how long it waited.
   */
  async eventsDrained(target: ControlPlaneTarget, quietMs: number, maxMs: number): Promise<number> {
    const start = performance.now();
    await this.events.until(() => performance.now() - this.lastEventAtMs >= quietMs || performance.now() - start >= maxMs, maxMs + 1000, "events drained", target.check);
    return round(performance.now() - start, 0);
  }

  close(): void {
    for (const w of [this.podWatch, this.replicaSets, this.deployments, this.events]) w.close();
  }

  async until(done: () => boolean, target: ControlPlaneTarget, what: string): Promise<void> {
    await this.podWatch.until(done, target.timeoutMs, what, target.check);
  }
}

/** Store writes during a phase, by what the bench's watches saw (other = leases, nodes, ...). */
export interface WrittenObjects {
  readonly podCreates: number;
  readonly podUpdates: number;
  readonly podDeletes: number;
  readonly events: number;
  readonly replicaSets: number;
  readonly deployments: number;
  readonly other: number;
}

export interface PhaseCost {
  readonly cpu: CpuUse;
  /** Store revisions in the phase: every write in the cluster adds one. */
  readonly storeWrites: number;
  readonly written: WrittenObjects;
  /** Event writes in the phase by reason. */
  readonly eventsByReason: Record<string, number>;
}

/** Marks the start of a phase; `end()` gives its CPU and writes. */
async function phaseMeter(target: ControlPlaneTarget, watches: NamespaceWatches): Promise<{ end: (units: number) => Promise<PhaseCost> }> {
  const sources = cpuSources(target, target.components);
  const revision = async () => Number(await currentResourceVersion(target.client, `/api/v1/namespaces/${target.namespace}/pods`));
  const revisionBefore = await revision();
  const writtenBefore = watches.writes();
  const reasonsBefore = new Map(watches.eventReasons);
  const start = cpuMark(sources);
  return {
    end: async (units) => {
      const cpu = cpuUse(start, cpuMark(sources), units);
      const storeWrites = (await revision()) - revisionBefore;
      const after = watches.writes();
      const delta = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - writtenBefore[k as keyof WrittenObjects]])) as unknown as Record<keyof WrittenObjects, number>;
      const named = delta.podCreates + delta.podUpdates + delta.podDeletes + delta.events + delta.replicaSets + delta.deployments;
      const eventsByReason = Object.fromEntries([...watches.eventReasons].map(([reason, n]) => [reason, n - (reasonsBefore.get(reason) ?? 0)]).filter(([, n]) => n !== 0));
      return { cpu, storeWrites, written: { ...delta, other: storeWrites - named }, eventsByReason };
    },
  };
}

export interface DeploymentShape {
  readonly replicas: number;
  readonly image: string;
  readonly cpuRequest: string;
  readonly memoryRequest: string;
}

export function deploymentManifest(target: ControlPlaneTarget, shape: DeploymentShape): Record<string, unknown> {
  const labels = { app: target.deployment };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: target.deployment, namespace: target.namespace, labels },
    spec: {
      replicas: shape.replicas,
      selector: { matchLabels: labels },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "web", image: shape.image, resources: { requests: { cpu: shape.cpuRequest, memory: shape.memoryRequest } } }] },
      },
    },
  };
}

const deploymentPath = (target: ControlPlaneTarget) => `/apis/apps/v1/namespaces/${target.namespace}/deployments/${target.deployment}`;

/** A JSON merge patch of the Deployment; resolves at the answer. */
async function patchDeployment(target: ControlPlaneTarget, patch: unknown): Promise<void> {
  const response = await fetch(`${target.apiserver.url}${deploymentPath(target)}`, { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify(patch), signal: AbortSignal.timeout(30_000) });
  if (response.status !== 200) throw new Error(`PATCH ${deploymentPath(target)}: ${response.status} ${(await response.text()).slice(0, 300)}`);
}

/** The Deployment's status has caught up with its spec: every replica updated and available. */
function rolledOut(o: WatchedObject, replicas: number, image?: string): boolean {
  const s = o.status;
  return (
    (image === undefined || o.spec?.template?.spec?.containers?.[0]?.image === image) &&
    s?.observedGeneration === o.metadata?.generation &&
    s?.updatedReplicas === replicas &&
    s?.availableReplicas === replicas &&
    s?.replicas === replicas
  );
}

/** Ms from `t0`, rounded; NaN when the moment never came. */
const since = (t0: number, atMs: number | undefined) => (atMs === undefined || atMs === 0 ? Number.NaN : round(atMs - t0, 0));

export interface ApplyResult extends PhaseCost {
  readonly replicas: number;
  readonly createAnswerMs: number;
  readonly firstReplicaSetMs: number;
  readonly firstPodMs: number;
  readonly allPodsExistMs: number;
  readonly allBoundMs: number;
  readonly allRunningMs: number;
  readonly allReadyMs: number;
  /** The Deployment's status first said availableReplicas = N. */
  readonly deploymentAvailableMs: number;
  /** Cumulative pods created / bound / Running / Ready at the end of each second. */
  readonly timeline: readonly TimelineRow[];
  /**
   * The phase again, up to the last Event its recorders wrote behind (kubelets and schedulers
   * send events asynchronously, so some land after the last pod is Ready): its CPU and writes
   * include them, so it is what 1,000 pods cost whatever the recorders' timing.
   */
  readonly withTrailingEvents: PhaseCost & { readonly lastEventMs: number };
}

export interface TimelineRow {
  readonly second: number;
  readonly exist: number;
  readonly bound: number;
  readonly running: number;
  readonly ready: number;
}

function timeline(watches: NamespaceWatches, t0: number, endMs: number): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (let second = 1; second <= Math.ceil((endMs - t0) / 1000); second++) {
    const at = t0 + second * 1000;
    const by = (pick: (t: PodTimes) => number | undefined) => watches.count((t) => {
      const v = pick(t);
      return v !== undefined && v <= at ? v : undefined;
    }).count;
    rows.push({ second, exist: by((t) => t.addedAtMs), bound: by((t) => t.boundAtMs), running: by((t) => t.runningAtMs), ready: by((t) => t.readyAtMs) });
  }
  return rows;
}

export async function applyToRunning(target: ControlPlaneTarget, watches: NamespaceWatches, shape: DeploymentShape): Promise<ApplyResult> {
  const n = shape.replicas;
  const meter = await phaseMeter(target, watches);
  const firstReplicaSet = watches.replicaSets.next(() => true, target.timeoutMs, "the Deployment's first ReplicaSet");
  const available = watches.deployments.next((e) => e.object.status?.availableReplicas === n, target.timeoutMs, `the Deployment's status: ${n} available`);
  const t0 = performance.now();
  await target.client.expect(201, "POST", `/apis/apps/v1/namespaces/${target.namespace}/deployments`, JSON.stringify(deploymentManifest(target, shape)));
  const answeredAtMs = performance.now();
  await watches.until(() => watches.count((t) => t.readyAtMs).count >= n, target, `${n} pods Ready`);
  const [rs, dep] = await Promise.all([firstReplicaSet, available]);
  const cost = await meter.end(n);
  // Idle for a second after the last Event: what the CPU meter adds meanwhile is heartbeats.
  await watches.eventsDrained(target, 1000, 120_000);
  const withTrailingEvents = { ...(await meter.end(n)), lastEventMs: since(t0, watches.lastEventAt) };
  const first = Math.min(...[...watches.pods.values()].map((t) => t.addedAtMs));
  const last = (pick: (t: PodTimes) => number | undefined) => since(t0, watches.count(pick).lastAtMs);
  return {
    replicas: n,
    createAnswerMs: since(t0, answeredAtMs),
    firstReplicaSetMs: since(t0, rs.atMs),
    firstPodMs: since(t0, first),
    allPodsExistMs: last((t) => t.addedAtMs),
    allBoundMs: last((t) => t.boundAtMs),
    allRunningMs: last((t) => t.runningAtMs),
    allReadyMs: last((t) => t.readyAtMs),
    deploymentAvailableMs: since(t0, dep.atMs),
    timeline: timeline(watches, t0, Math.max(dep.atMs, watches.count((t) => t.readyAtMs).lastAtMs)),
    ...cost,
    withTrailingEvents,
  };
}

export interface RolloutResult extends PhaseCost {
  readonly replicas: number;
  readonly newReplicaSetMs: number;
  readonly newPodsReadyMs: number;
  readonly oldReplicaSetAtZeroMs: number;
  /** The Deployment's status first said updated = available = replicas = N (observedGeneration current). */
  readonly completeMs: number;
  /** Both of the above: the rollout's end. */
  readonly rolloutMs: number;
  readonly oldPodsGoneMs: number;
  /**
   * Extremes of the Deployment's status during the rollout (limits: N + 25% and N − 25%). Each
   * ReplicaSet's status counts the pods its last sync saw before acting, as Kubernetes' does, so
   * the sum can pass N + 25% for a moment while an old ReplicaSet's deletions are not yet counted.
   */
  readonly statusReplicasMax: number;
  readonly statusAvailableMin: number;
  /** Extremes of the pods themselves, from the bench's pod watch: live = not terminating. */
  readonly podsLiveMax: number;
  readonly podsLiveReadyMin: number;
}

export async function rollout(target: ControlPlaneTarget, watches: NamespaceWatches, n: number, image: string): Promise<RolloutResult> {
  const oldReplicaSet = [...watches.replicaSets.latest.values()].find((o) => (o.spec?.replicas ?? 0) > 0);
  if (oldReplicaSet === undefined) throw new Error("no ReplicaSet with replicas before the rollout");
  const oldName = nameOf(oldReplicaSet);
  let replicasMax = 0;
  let availableMin = Number.POSITIVE_INFINITY;
  const meter = await phaseMeter(target, watches);
  const peaks = watches.resetPeaks();
  const newReplicaSet = watches.replicaSets.next((e) => e.type === "ADDED", target.timeoutMs, "the new ReplicaSet");
  const oldAtZero = watches.replicaSets.next((e) => nameOf(e.object) === oldName && e.object.spec?.replicas === 0 && (e.object.status?.replicas ?? 0) === 0, target.timeoutMs, "the old ReplicaSet at 0");
  const complete = watches.deployments.next(
    (e) => {
      replicasMax = Math.max(replicasMax, e.object.status?.replicas ?? 0);
      availableMin = Math.min(availableMin, e.object.status?.availableReplicas ?? 0);
      return rolledOut(e.object, n, image);
    },
    target.timeoutMs,
    "the rollout complete in the Deployment's status",
  );
  const t0 = performance.now();
  await patchDeployment(target, { spec: { template: { spec: { containers: [{ name: "web", image }] } } } });
  const [created, zero, done] = await Promise.all([newReplicaSet, oldAtZero, complete]);
  const newName = nameOf(created.object);
  await watches.until(() => watches.count((t) => t.readyAtMs, newName).count >= n && watches.count((t) => (t.deletedAtMs === undefined ? 0 : undefined), oldName).count === 0, target, "new pods Ready and old pods gone");
  const cost = await meter.end(n);
  return {
    replicas: n,
    newReplicaSetMs: since(t0, created.atMs),
    newPodsReadyMs: since(t0, watches.count((t) => t.readyAtMs, newName).lastAtMs),
    oldReplicaSetAtZeroMs: since(t0, zero.atMs),
    completeMs: since(t0, done.atMs),
    rolloutMs: since(t0, Math.max(zero.atMs, done.atMs)),
    oldPodsGoneMs: since(t0, watches.count((t) => t.deletedAtMs, oldName).lastAtMs),
    statusReplicasMax: replicasMax,
    statusAvailableMin: availableMin,
    podsLiveMax: peaks.liveMax,
    podsLiveReadyMin: peaks.liveReadyMin,
    ...cost,
  };
}

export interface ReconcileSample {
  readonly replicas: number;
  /** Bench's PATCH send → its watch sees the Deployment's new spec.replicas. */
  readonly writeSeenMs: number;
  /** Deployment seen changed → ReplicaSet seen with the new spec.replicas (deployment controller). */
  readonly deploymentControllerMs: number;
  /** ReplicaSet seen changed → the new pod seen (replicaset controller). */
  readonly replicaSetControllerMs: number;
  /** PATCH send → the new pod seen: both controllers and three store writes. */
  readonly sendToPodMs: number;
  /** Store revisions between the Deployment's write and the ReplicaSet's, and the ReplicaSet's and the pod's. */
  readonly revisionsBetween: readonly [number, number];
}

export interface ReconcileResult extends PhaseCost {
  readonly steps: number;
  readonly writeSeen: LatencySummary;
  readonly deploymentController: LatencySummary;
  readonly replicaSetController: LatencySummary;
  readonly sendToPod: LatencySummary;
  readonly samples: readonly ReconcileSample[];
}

const revisionOf = (e: WatchEvent) => Number(e.object.metadata?.resourceVersion ?? Number.NaN);

/** One +1 step: scale, then wait for the Deployment to be settled again before the next. */
async function scaleStep(target: ControlPlaneTarget, watches: NamespaceWatches, replicas: number): Promise<ReconcileSample> {
  const replicaSet = [...watches.replicaSets.latest.values()].find((o) => (o.spec?.replicas ?? 0) > 0);
  if (replicaSet === undefined) throw new Error("no ReplicaSet with replicas");
  const rsName = nameOf(replicaSet);
  const what = `scale to ${replicas}`;
  const depSeen = watches.deployments.next((e) => e.object.spec?.replicas === replicas, target.timeoutMs, `${what}: the Deployment`);
  const rsSeen = watches.replicaSets.next((e) => nameOf(e.object) === rsName && e.object.spec?.replicas === replicas, target.timeoutMs, `${what}: the ReplicaSet`);
  const podSeen = watches.podWatch.next((e) => e.type === "ADDED" && ownerOf(e.object) === rsName, target.timeoutMs, `${what}: the new pod`);
  const sentAtMs = performance.now();
  await patchDeployment(target, { spec: { replicas } });
  const [dep, rs, pod] = await Promise.all([depSeen, rsSeen, podSeen]);
  await watches.deployments.until(() => {
    const o = watches.deployments.latest.get(target.deployment);
    return o !== undefined && rolledOut(o, replicas);
  }, target.timeoutMs, `${what}: settled`, target.check);
  return {
    replicas,
    writeSeenMs: round(dep.atMs - sentAtMs, 2),
    deploymentControllerMs: round(rs.atMs - dep.atMs, 2),
    replicaSetControllerMs: round(pod.atMs - rs.atMs, 2),
    sendToPodMs: round(pod.atMs - sentAtMs, 2),
    revisionsBetween: [revisionOf(rs) - revisionOf(dep), revisionOf(pod) - revisionOf(rs)],
  };
}

export async function reconcileLatency(target: ControlPlaneTarget, watches: NamespaceWatches, from: number, steps: number): Promise<ReconcileResult> {
  const meter = await phaseMeter(target, watches);
  const samples: ReconcileSample[] = [];
  for (let step = 1; step <= steps; step++) samples.push(await scaleStep(target, watches, from + step));
  const cost = await meter.end(steps);
  const of = (pick: (s: ReconcileSample) => number) => summarize(samples.map(pick));
  return {
    steps,
    writeSeen: of((s) => s.writeSeenMs),
    deploymentController: of((s) => s.deploymentControllerMs),
    replicaSetController: of((s) => s.replicaSetControllerMs),
    sendToPod: of((s) => s.sendToPodMs),
    samples,
    ...cost,
  };
}
