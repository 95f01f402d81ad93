// The node lifecycle controller's shell (kube-controller-manager 1.32's node-lifecycle-controller
// with its taint-eviction-controller): every nodeMonitorPeriodMs it folds what it sees of each node
// (Lease renewals, status heartbeats) into a health record kept on its own clock, marks silent
// nodes Unknown, queues them for the NoExecute taint at their zone's rate, and evicts pods that
// do not tolerate a node's NoExecute taints. Decisions live in node-health.ts, taints.ts and
// tainting-queue.ts; this file reads caches, writes to the apiserver and keeps the timers.
import {
  WorkQueue,
  formatTime,
  isConflict,
  isNotFound,
  objectKey,
  resourceTypes,
  type EventRecorder,
  type Informer,
  type Lease,
  type Node,
  type NodeCondition,
  type Pod,
  type Taint,
} from "../../client/index.js";
import { runWorkers, type Controller, type ControllerContext } from "../controller.js";
import {
  isExcludedFromDisruptionChecks,
  observeNodeHealth,
  planDisruption,
  podsOnTransition,
  readyCondition,
  nodeGracePeriodMs,
  staleNodeConditions,
  zoneKey,
  type NodeHealth,
  type ZoneState,
} from "./node-health.js";
import { PodsByNode } from "./pods-by-node.js";
import {
  evictionDecision,
  hasTaint,
  isEvictable,
  markNotReadyOnArrival,
  noScheduleTaintsFor,
  notReadyTaintKey,
  podMarkedNotReady,
  podWithDisruptionTarget,
  swapNoExecuteTaints,
  taintActionFor,
  taintFirstSeenAfter,
  taintIdentity,
  taintingPassActionFor,
  unreachableTaintKey,
} from "./taints.js";
import { TaintingQueue } from "./tainting-queue.js";

/** How often queued nodes are tried for tainting (upstream's NodeEvictionPeriod). */
const taintingPassPeriodMs = 100;
/** A node whose tainting failed is tried again after this. */
const taintingRetryMs = 50;
/** Nodes handled at once in a monitor pass (upstream's nodeUpdateWorkerSize). */
const nodeUpdateConcurrency = 8;
/** Attempts at a node status write that loses resourceVersion races. */
const nodeUpdateAttemptsMax = 5;
const nodeLeaseNamespace = "kube-node-lease";
const monitorPass = "monitor-node-health";
const taintingPass = "no-execute-tainting";

/** The node with `taints` as its taints; undefined when there is nothing to change. */
function withTaints(node: Node, taints: Taint[] | undefined): Node | undefined {
  if (taints === undefined) return undefined;
  const updated = structuredClone(node);
  updated.spec = { ...updated.spec, taints };
  return updated;
}

/** A node that never posted status is seen as Ready Unknown since its creation. */
function neverPostedReadyCondition(node: Node): NodeCondition {
  const created = node.metadata.creationTimestamp;
  return { type: "Ready", status: "Unknown", ...(created === undefined ? {} : { lastHeartbeatTime: created, lastTransitionTime: created }) };
}

function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((taint) => taint.effect === "NoExecute");
}

async function forEachConcurrently<T>(items: readonly T[], limit: number, action: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await action(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
}

class NodeLifecycleController implements Controller {
  readonly name = "node-lifecycle-controller";
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  private readonly podsByNode = new PodsByNode();
  private readonly recorder: EventRecorder;
  private readonly evictionRecorder: EventRecorder;
  private readonly health = new Map<string, NodeHealth>();
  private readonly knownNodes = new Set<string>();
  private zoneStates: ReadonlyMap<string, ZoneState> = new Map();
  private readonly taintingQueues = new Map<string, TaintingQueue>();
  private readonly nodesToRetry = new Set<string>();
  /** Pods keyed for eviction: work queue of pod keys, with delayed adds for toleration deadlines. */
  private readonly evictions = new WorkQueue();
  private readonly scheduledEvictions = new Set<string>();
  /** When we first saw each NoExecute taint (taintIdentity), forgotten when it goes. */
  private taintFirstSeen: ReadonlyMap<string, number> = new Map();
  private readonly passes = new WorkQueue();
  /** Node names whose NoSchedule condition taints need checking. */
  private readonly nodeUpdates = new WorkQueue();

  constructor(private readonly ctx: ControllerContext) {
    this.recorder = ctx.recorder("node-controller");
    this.evictionRecorder = ctx.recorder("taint-eviction-controller");
    this.nodes = ctx.informers.informer<Node>(resourceTypes.nodes);
    this.leases = ctx.informers.informer<Lease>(resourceTypes.leases);
    this.pods = ctx.informers.informer<Pod>(resourceTypes.pods);
    this.pods.addHandler({
      onAdd: (pod) => {
        this.podsByNode.add(pod);
        if (pod.spec.nodeName !== undefined) this.evictions.add(objectKey(pod));
      },
      onUpdate: (previous, pod) => {
        this.podsByNode.update(previous, pod);
        const moved = previous.spec.nodeName !== pod.spec.nodeName;
        const tolerationsChanged = JSON.stringify(previous.spec.tolerations) !== JSON.stringify(pod.spec.tolerations);
        if (moved || tolerationsChanged) this.evictions.add(objectKey(pod));
      },
      onDelete: (pod) => {
        this.podsByNode.remove(pod);
        this.evictions.add(objectKey(pod));
      },
    });
    const nodeTaintsChanged = (previous: Node | undefined, node: Node | undefined, name: string): void => {
      const before = noExecuteTaints(previous);
      const after = noExecuteTaints(node);
      if (previous !== undefined && node !== undefined && JSON.stringify(before) === JSON.stringify(after)) return;
      this.noteTaints(name, before, after);
      for (const key of this.podsByNode.keys(name)) this.evictions.add(key);
    };
    this.nodes.addHandler({
      onAdd: (node) => {
        this.nodeUpdates.add(node.metadata.name ?? "");
        nodeTaintsChanged(undefined, node, node.metadata.name ?? "");
      },
      onUpdate: (previous, node) => {
        this.nodeUpdates.add(node.metadata.name ?? "");
        nodeTaintsChanged(previous, node, node.metadata.name ?? "");
      },
      onDelete: (node) => nodeTaintsChanged(node, undefined, node.metadata.name ?? ""),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    // The two periodic passes are keys of a queue of their own, each re-added after its period:
    // the queue's shutdown on abort ends them, and never runs one pass twice at once.
    this.passes.add(monitorPass);
    this.passes.add(taintingPass);
    await Promise.all([
      runWorkers(this.name, this.evictions, this.ctx.settings.workers, (key) => this.reconcileEviction(key), this.ctx.logger, signal),
      runWorkers(`${this.name}-passes`, this.passes, 2, (pass) => this.runPass(pass), this.ctx.logger, signal),
      runWorkers(`${this.name}-noschedule`, this.nodeUpdates, this.ctx.settings.workers, (name) => this.reconcileNoScheduleTaints(name), this.ctx.logger, signal),
    ]);
  }

  private async runPass(pass: string): Promise<void> {
    try {
      if (pass === monitorPass) await this.monitorNodeHealth();
      else await this.doNoExecuteTaintingPass();
    } catch (error) {
      this.ctx.logger.warn({ controller: this.name, pass, error: (error as Error).message }, "pass failed");
    } finally {
      this.passes.addAfter(pass, pass === monitorPass ? this.ctx.settings.nodeMonitorPeriodMs : taintingPassPeriodMs);
    }
  }

  // ---------- node health ----------

  private async monitorNodeHealth(): Promise<void> {
    const nodes = this.nodes.list();
    const seen = new Set(nodes.map((node) => node.metadata.name ?? ""));
    for (const node of nodes) {
      const name = node.metadata.name ?? "";
      this.ensureZone(zoneKey(node));
      if (this.knownNodes.has(name)) continue;
      this.knownNodes.add(name);
      this.recorder.record(node, "Normal", "RegisteredNode", `Registered Node ${name} in Controller`);
      await this.markNodeAsReachable(node).catch((error: unknown) => this.logFailure("removing taints", name, error));
    }
    for (const name of [...this.knownNodes]) {
      if (seen.has(name)) continue;
      this.knownNodes.delete(name);
      this.health.delete(name);
      this.nodesToRetry.delete(name);
      this.recorder.record({ apiVersion: "v1", kind: "Node", metadata: { name } }, "Normal", "RemovingNode", `Removing Node ${name} from Controller`);
    }
    const zoneReadyStatuses = new Map<string, (string | undefined)[]>();
    await forEachConcurrently(nodes, nodeUpdateConcurrency, async (node) => {
      const current = await this.updateNodeHealth(node);
      if (current === undefined) return;
      if (!isExcludedFromDisruptionChecks(node)) {
        const zone = zoneKey(node);
        const statuses = zoneReadyStatuses.get(zone) ?? [];
        statuses.push(current.current?.status);
        zoneReadyStatuses.set(zone, statuses);
      }
      await this.processTaintBaseEviction(node, current.observed);
      await this.markPodsOnTransition(node, current.observed, current.current);
    });
    await this.handleDisruption(zoneReadyStatuses);
  }

  /** tryUpdateNodeHealth; undefined when the node could not be updated (skipped this pass). */
  private async updateNodeHealth(cached: Node): Promise<{ observed: NodeCondition; current: NodeCondition | undefined } | undefined> {
    const name = cached.metadata.name ?? "";
    let seen = cached;
    let health: NodeHealth | undefined;
    try {
      const written = await this.rewriteNode(
        cached,
        (node) => {
          seen = node;
          const now = this.ctx.now();
          health = observeNodeHealth(this.health.get(name), node, this.leases.get(`${nodeLeaseNamespace}/${name}`), now);
          this.health.set(name, health);
          const gracePeriodMs = nodeGracePeriodMs(node, this.ctx.settings.nodeMonitorGracePeriodMs, this.ctx.settings.nodeStartupGracePeriodMs);
          const conditions = staleNodeConditions(node, health, now, gracePeriodMs, formatTime);
          if (conditions === undefined) return undefined;
          const updated = structuredClone(node);
          updated.status = { ...updated.status, conditions };
          return updated;
        },
        "status",
      );
      const observed = readyCondition(seen) ?? neverPostedReadyCondition(seen);
      if (written === undefined) return { observed, current: readyCondition(seen) };
      const current = readyCondition(written);
      if (health !== undefined) this.health.set(name, { ...health, readyTransitionTimestampMs: this.ctx.now(), readyTransition: current?.lastTransitionTime, readyHeartbeat: current?.lastHeartbeatTime });
      return { observed, current };
    } catch (error) {
      this.logFailure("updating node health (no pods will be evicted this pass)", name, error);
      return undefined;
    }
  }

  private async processTaintBaseEviction(node: Node, observed: NodeCondition): Promise<void> {
    const name = node.metadata.name ?? "";
    const queue = this.ensureZone(zoneKey(node));
    const action = taintActionFor(node, observed);
    try {
      if (action.kind === "untaint") {
        await this.markNodeAsReachable(node);
      } else if (action.kind === "swap") {
        await this.swapTaints(node, [action.add], [action.remove]);
      } else if (!hasTaint(node, action.add)) {
        // Not tainted yet: wait in the zone's queue (a node already queued keeps its place).
        queue.add(name, this.ctx.now());
      }
    } catch (error) {
      this.logFailure("changing taints", name, error);
    }
  }

  private async markPodsOnTransition(node: Node, observed: NodeCondition, current: NodeCondition | undefined): Promise<void> {
    const name = node.metadata.name ?? "";
    const step = podsOnTransition(observed, current, this.nodesToRetry.has(name));
    if (step.recordNotReady) this.recorder.record(node, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
    if (step.markPods) {
      try {
        await this.markPodsNotReady(name);
      } catch (error) {
        this.logFailure("marking pods NotReady (queued for retry)", name, error);
        this.nodesToRetry.add(name);
        return;
      }
    }
    this.nodesToRetry.delete(name);
  }

  private async markPodsNotReady(nodeName: string): Promise<void> {
    const failures: unknown[] = [];
    for (const key of this.podsByNode.keys(nodeName)) {
      const pod = this.pods.get(key);
      if (pod === undefined || pod.spec.nodeName !== nodeName) continue;
      await this.markPodNotReady(pod).catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw new Error(`${failures.length} pods of node ${nodeName} could not be marked NotReady: ${String(failures[0])}`);
  }

  /** MarkPodsNotReady for one pod (a no-op when it has no Ready condition or it is False already). */
  private async markPodNotReady(pod: Pod): Promise<void> {
    const updated = podMarkedNotReady(pod, formatTime(this.ctx.now()));
    if (updated === undefined) return;
    try {
      await this.ctx.client.update(resourceTypes.pods, updated, { subresource: "status" });
      this.recorder.record(pod, "Warning", "NodeNotReady", "Node is not ready");
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  private async handleDisruption(zoneReadyStatuses: ReadonlyMap<string, readonly (string | undefined)[]>): Promise<void> {
    const { settings } = this.ctx;
    const plan = planDisruption(this.zoneStates, zoneReadyStatuses, settings.unhealthyZoneThreshold, settings);
    const now = this.ctx.now();
    // Rates first: a node must not be tainted by the tainting pass after it was untainted here.
    if (plan.kind !== "unchanged") {
      for (const [zone, rate] of plan.rates) this.ensureZone(zone).setRate(rate, now);
    }
    this.zoneStates = plan.zoneStates;
    const fullyDisrupted = plan.zoneStates.size > 0 && [...plan.zoneStates.values()].every((state) => state === "FullDisruption");
    if (fullyDisrupted) {
      // Not only on entering: a taint written just before (by a tainting pass already under way,
      // or not yet in our cache when we untainted) is removed on the next pass.
      for (const node of this.nodes.list()) {
        await this.markNodeAsReachable(node).catch((error: unknown) => this.logFailure("removing taints", node.metadata.name ?? "", error));
      }
    }
    if (plan.kind === "enter-full-disruption") {
      this.ctx.logger.info({ controller: this.name }, "all nodes are not Ready: entered master disruption mode, taints removed, evictions stopped");
    } else if (plan.kind === "exit-full-disruption") {
      // Every node gets a full grace period again, measured from now.
      for (const [name, health] of this.health) this.health.set(name, { ...health, probeTimestampMs: now, readyTransitionTimestampMs: now });
      this.ctx.logger.info({ controller: this.name }, "some nodes are Ready: exited master disruption mode");
    }
  }

  private ensureZone(zone: string): TaintingQueue {
    let queue = this.taintingQueues.get(zone);
    if (queue === undefined) this.taintingQueues.set(zone, (queue = new TaintingQueue(this.ctx.settings.nodeEvictionRatePerSecond, this.ctx.now())));
    return queue;
  }

  // ---------- taints ----------

  private async doNoExecuteTaintingPass(): Promise<void> {
    for (const queue of this.taintingQueues.values()) {
      for (let name = queue.next(this.ctx.now()); name !== undefined; name = queue.next(this.ctx.now())) {
        const node = this.nodes.get(name);
        if (node === undefined) continue;
        const action = taintingPassActionFor(readyCondition(node));
        if (action.kind === "retry") queue.retry(name, this.ctx.now() + taintingRetryMs);
        if (action.kind !== "swap") continue;
        try {
          await this.swapTaints(node, [action.add], [action.remove]);
        } catch (error) {
          this.logFailure("tainting", name, error);
          queue.retry(name, this.ctx.now() + taintingRetryMs);
        }
      }
    }
  }

  private async markNodeAsReachable(node: Node): Promise<void> {
    await this.swapTaints(node, [], [unreachableTaintKey, notReadyTaintKey]);
    this.taintingQueues.get(zoneKey(node))?.remove(node.metadata.name ?? "");
  }

  /** SwapNodeControllerTaint. */
  private async swapTaints(cached: Node, add: readonly string[], remove: readonly string[]): Promise<void> {
    await this.rewriteNode(cached, (node) => withTaints(node, swapNoExecuteTaints(node, add, remove, formatTime(this.ctx.now()))));
  }

  /** doNoScheduleTaintingPass for one node: the NoSchedule taints its conditions call for. */
  private async reconcileNoScheduleTaints(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (node === undefined) return;
    await this.rewriteNode(node, (current) => withTaints(current, noScheduleTaintsFor(current, formatTime(this.ctx.now()))));
  }

  /**
   * Writes `change(node)` back — from the cached node first, then re-read after each conflict —
   * and resolves with what was written; undefined when there was nothing to write or the node is gone.
   */
  private async rewriteNode(cached: Node, change: (node: Node) => Node | undefined, subresource?: "status"): Promise<Node | undefined> {
    let node = cached;
    for (let attempt = 1; ; attempt++) {
      const updated = change(node);
      if (updated === undefined) return undefined;
      try {
        return await this.ctx.client.update<Node>(resourceTypes.nodes, updated, subresource === undefined ? {} : { subresource });
      } catch (error) {
        if (isNotFound(error)) return undefined;
        if (!isConflict(error) || attempt >= nodeUpdateAttemptsMax) throw error;
        node = await this.ctx.client.get<Node>(resourceTypes.nodes, node.metadata.name ?? "");
      }
    }
  }

  // ---------- taint eviction ----------

  private async reconcileEviction(key: string): Promise<void> {
    const pod = this.pods.get(key);
    const node = pod?.spec.nodeName === undefined ? undefined : this.nodes.get(pod.spec.nodeName);
    // processPod: a pod that lands on (or is first seen on) a node known not Ready is NotReady too.
    if (pod !== undefined && node !== undefined && markNotReadyOnArrival(pod, readyCondition(node)?.status)) await this.markPodNotReady(pod);
    const taints = noExecuteTaints(node);
    if (pod === undefined || node === undefined || taints.length === 0) {
      this.cancelEviction(key, pod);
      return;
    }
    if (!isEvictable(pod)) return;
    const nodeName = node.metadata.name ?? "";
    const now = this.ctx.now();
    const decision = evictionDecision(pod, taints, (taint) => this.taintFirstSeen.get(taintIdentity(nodeName, taint)) ?? now);
    if (decision.kind === "keep") {
      this.cancelEviction(key, pod);
      return;
    }
    if (decision.kind === "evict-at" && decision.atMs > now) {
      this.scheduledEvictions.add(key);
      this.evictions.addAfter(key, decision.atMs - now);
      return;
    }
    this.scheduledEvictions.delete(key);
    await this.evict(pod);
  }

  /** Remembers when each NoExecute taint of a node was first seen; forgets the ones that went. */
  private noteTaints(nodeName: string, before: readonly Taint[], after: readonly Taint[]): void {
    this.taintFirstSeen = taintFirstSeenAfter(this.taintFirstSeen, nodeName, before, after, this.ctx.now());
  }

  private cancelEviction(key: string, pod: Pod | undefined): void {
    if (!this.scheduledEvictions.delete(key)) return;
    if (pod !== undefined) this.evictionRecorder.record(pod, "Normal", "TaintManagerEviction", `Cancelling deletion of Pod ${key}`);
  }

  /** addConditionAndDeletePod: DisruptionTarget on the live pod, then a delete of that very pod (uid). */
  private async evict(cached: Pod): Promise<void> {
    const key = objectKey(cached);
    const { name = "", namespace } = cached.metadata;
    try {
      const live = await this.ctx.client.get<Pod>(resourceTypes.pods, name, namespace);
      if (live.metadata.uid !== cached.metadata.uid || !isEvictable(live)) return;
      this.evictionRecorder.record(live, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${key}`);
      const marked = podWithDisruptionTarget(live, formatTime(this.ctx.now()));
      if (marked !== undefined) await this.ctx.client.update(resourceTypes.pods, marked, { subresource: "status" });
      await this.ctx.client.delete(resourceTypes.pods, name, { ...(namespace === undefined ? {} : { namespace }), preconditions: { uid: live.metadata.uid ?? "" } });
      this.ctx.logger.info({ controller: this.name, pod: key, node: cached.spec.nodeName }, "evicted pod from a NoExecute-tainted node");
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }

  private logFailure(what: string, node: string, error: unknown): void {
    this.ctx.logger.warn({ controller: this.name, node, error: (error as Error).message }, `${what} failed`);
  }
}

/** The node lifecycle controller, with the taint-eviction controller running inside it. */
export function newNodeLifecycleController(ctx: ControllerContext): Controller {
  return new NodeLifecycleController(ctx);
}
