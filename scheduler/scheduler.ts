// The scheduler shell: informers on nodes and pods feed the cache and the queue; while leading,
// one loop takes pods off the queue, decides with the pure core, assumes the pod on its node
// and binds it in the background (kube-scheduler's scheduling cycle and binding cycle).
//
// Decisions run one at a time on purpose: each must see the assumptions of the one before, and
// the core is synchronous, so nothing can change the cache between deciding and assuming.
import type { Logger } from "pino";
import {
  EventRecorder,
  Informer,
  formatTime,
  isNotFound,
  KubeApiError,
  type KubeClient,
  resourceTypes,
  systemClock,
  WorkQueue,
  type Clock,
  type Node,
  type Pod,
} from "../client/index.js";
import { podKey, SchedulerCache } from "./core/cache.js";
import { prepare, schedule, type ScheduleResult } from "./core/schedule.js";
import {
  conditionNeedsUpdate,
  defaultSchedulerName,
  nodeSchedulingInputChanged,
  podMaxUnschedulableMs,
  podSchedulingInputChanged,
  remainingBackoffMs,
  unschedulableCondition,
  wantsScheduling,
} from "./queueing.js";

export interface SchedulerOptions {
  readonly client: KubeClient;
  readonly logger: Logger;
  /** Only pods whose spec.schedulerName is this are scheduled (default "default-scheduler"). */
  readonly schedulerName?: string;
  /** Tie-breaks between equally scored nodes. */
  readonly random?: () => number;
  readonly clock?: Clock;
  /** Wall-clock milliseconds, for condition times. */
  readonly now?: () => number;
  /** Bindings in flight at once; the loop waits for a slot beyond this. */
  readonly bindConcurrency?: number;
  /** 0 = upstream's adaptive percentageOfNodesToScore. */
  readonly percentageOfNodesToScore?: number;
}

interface UnschedulableEntry {
  attempts: number;
  lastAttemptMs: number;
}

/** Wakes the loop when leadership ends; pod keys always contain a "/". */
const wakeKey = "\u0000wake";

export class Scheduler {
  readonly cache = new SchedulerCache();
  private readonly client: KubeClient;
  private readonly logger: Logger;
  private readonly schedulerName: string;
  private readonly random: () => number;
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly bindConcurrency: number;
  private readonly recorder: EventRecorder;
  private readonly queue: WorkQueue;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;
  private readonly unschedulable = new Map<string, UnschedulableEntry>();
  private startIndex = 0;
  private bindsInFlight = 0;
  private readonly bindSlotWaiters: (() => void)[] = [];
  private readonly bindsIdleWaiters: (() => void)[] = [];
  /** Counters for logs and tests. */
  readonly stats = { scheduled: 0, unschedulable: 0, bindFailures: 0 };

  constructor(private readonly options: SchedulerOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.schedulerName = options.schedulerName ?? defaultSchedulerName;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? systemClock;
    this.now = options.now ?? Date.now;
    this.bindConcurrency = options.bindConcurrency ?? 128;
    this.recorder = new EventRecorder(this.client, { component: this.schedulerName, logger: this.logger });
    this.queue = new WorkQueue({ clock: this.clock });
    this.nodes = new Informer<Node>(this.client, resourceTypes.nodes, { logger: this.logger });
    this.pods = new Informer<Pod>(this.client, resourceTypes.pods, { logger: this.logger });
    this.nodes.addHandler({
      onAdd: (node) => this.nodeChanged(node, undefined),
      onUpdate: (previous, node) => this.nodeChanged(node, previous),
      onDelete: (node) => this.cache.removeNode(node.metadata.name ?? ""),
    });
    this.pods.addHandler({
      onAdd: (pod) => this.podChanged(pod, undefined),
      onUpdate: (previous, pod) => this.podChanged(pod, previous),
      onDelete: (pod) => this.podDeleted(pod),
    });
  }

  start(): void {
    this.nodes.start();
    this.pods.start();
  }

  hasSynced(): boolean {
    return this.nodes.hasSynced() && this.pods.hasSynced();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([this.nodes.waitForSync(), this.pods.waitForSync()]);
  }

  /** Schedules until `signal` aborts (leadership lost or stopping); bindings in flight finish on their own. */
  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const wake = () => this.queue.add(wakeKey);
    signal.addEventListener("abort", wake, { once: true });
    try {
      await this.waitForSync();
      // Pods left over from an earlier term, or seen while following, get their turn.
      for (const pod of this.pods.list()) if (wantsScheduling(pod, this.schedulerName) && !this.cache.isPlaced(podKey(pod))) this.queue.add(podKey(pod));
      this.logger.info({ nodes: this.cache.nodes().length, pending: this.unschedulable.size + this.queue.len() }, "scheduling");
      while (!signal.aborted) {
        const key = await this.queue.get();
        if (key === undefined) return;
        if (key === wakeKey) {
          this.queue.done(key);
          continue;
        }
        if (signal.aborted) {
          // Leave it for the next term (or the next leader): it was not decided.
          this.queue.done(key);
          this.queue.add(key);
          return;
        }
        await this.scheduleOne(key);
      }
    } finally {
      signal.removeEventListener("abort", wake);
    }
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all([this.nodes.stop(), this.pods.stop()]);
    await this.waitForBinds();
    await this.recorder.flush();
  }

  // ---- informer handlers: keep the cache, enqueue keys ----

  private nodeChanged(node: Node, previous: Node | undefined): void {
    this.cache.setNode(node);
    if (previous === undefined || nodeSchedulingInputChanged(previous, node)) this.moveAllToActive();
  }

  private podChanged(pod: Pod, previous: Pod | undefined): void {
    const key = podKey(pod);
    this.cache.updatePod(pod);
    if (wantsScheduling(pod, this.schedulerName)) {
      if (previous === undefined || !this.unschedulable.has(key) || podSchedulingInputChanged(previous, pod)) this.queue.add(key);
      return;
    }
    this.unschedulable.delete(key);
    // A pod that finished frees its node's resources.
    if (previous !== undefined && previous.status?.phase !== pod.status?.phase && (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed")) this.moveAllToActive();
  }

  private podDeleted(pod: Pod): void {
    const key = podKey(pod);
    const wasPlaced = this.cache.isPlaced(key);
    this.cache.removePod(key);
    this.unschedulable.delete(key);
    this.queue.forget(key);
    if (wasPlaced) this.moveAllToActive();
  }

  /** A cluster event may have made room: retry the waiting pods once their back-off is over. */
  private moveAllToActive(): void {
    const nowMs = this.clock.now();
    for (const [key, entry] of this.unschedulable) this.queue.addAfter(key, remainingBackoffMs(entry.attempts, entry.lastAttemptMs, nowMs));
  }

  // ---- the scheduling cycle ----

  private async scheduleOne(key: string): Promise<void> {
    try {
      const pod = this.pods.get(key);
      if (pod === undefined || !wantsScheduling(pod, this.schedulerName) || this.cache.isPlaced(key)) {
        this.unschedulable.delete(key);
        return;
      }
      const result = schedule(prepare(pod), this.cache, { random: this.random, startIndex: this.startIndex, percentageOfNodesToScore: this.options.percentageOfNodesToScore });
      this.startIndex = result.nextStartIndex;
      if (result.kind === "bind") {
        // Assume before the next decision, with no await in between.
        this.cache.assume(pod, result.nodeName);
        this.unschedulable.delete(key);
        this.queue.forget(key);
        await this.acquireBindSlot();
        void this.bind(pod, result);
      } else {
        this.recordUnschedulable(pod, result.message);
      }
    } finally {
      this.queue.done(key);
    }
  }

  private recordUnschedulable(pod: Pod, message: string): void {
    const key = podKey(pod);
    const entry = this.unschedulable.get(key) ?? { attempts: 0, lastAttemptMs: 0 };
    entry.attempts++;
    entry.lastAttemptMs = this.clock.now();
    this.unschedulable.set(key, entry);
    this.stats.unschedulable++;
    // Retried on a cluster event (moveAllToActive), and at the latest after this long.
    this.queue.addAfter(key, podMaxUnschedulableMs);
    this.logger.info({ pod: key, attempts: entry.attempts, message }, "unschedulable");
    this.recorder.record(pod, "Warning", "FailedScheduling", message);
    const condition = unschedulableCondition(message, formatTime(this.now()));
    if (!conditionNeedsUpdate(pod, condition)) return;
    const patch = { status: { conditions: [condition] } };
    this.client
      .patch<Pod>(resourceTypes.pods, pod.metadata.name ?? "", patch, { namespace: pod.metadata.namespace, patchType: "strategic", subresource: "status" })
      .catch((error: unknown) => {
        if (!isNotFound(error)) this.logger.warn({ pod: key, err: error }, "could not set PodScheduled=False");
      });
  }

  // ---- the binding cycle ----

  private async bind(pod: Pod, result: Extract<ScheduleResult, { kind: "bind" }>): Promise<void> {
    const key = podKey(pod);
    const { namespace = "", name = "" } = pod.metadata;
    try {
      await this.client.bind(namespace, name, result.nodeName, pod.metadata.uid);
      this.stats.scheduled++;
      this.logger.info({ pod: key, node: result.nodeName, score: result.score, feasibleNodes: result.feasibleNodes }, "bound");
      this.recorder.record(pod, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to ${result.nodeName}`);
    } catch (error) {
      this.cache.forget(key, pod.metadata.uid);
      if (isNotFound(error)) return; // the pod is gone
      this.stats.bindFailures++;
      // 409: already bound (another scheduler won the race) — the watch brings the binding and
      // the retry finds the pod bound. Anything else: retry with back-off.
      const conflict = error instanceof KubeApiError && error.code === 409;
      if (conflict) this.logger.debug({ pod: key, node: result.nodeName }, "binding lost a race");
      else this.logger.warn({ pod: key, node: result.nodeName, err: error }, "binding failed");
      this.queue.addRateLimited(key);
    } finally {
      this.releaseBindSlot();
    }
  }

  private acquireBindSlot(): Promise<void> {
    if (this.bindsInFlight < this.bindConcurrency) {
      this.bindsInFlight++;
      return Promise.resolve();
    }
    // release hands its slot straight to the first waiter, so none can be taken in between.
    return new Promise((resolve) => this.bindSlotWaiters.push(resolve));
  }

  private releaseBindSlot(): void {
    const next = this.bindSlotWaiters.shift();
    if (next !== undefined) return next();
    this.bindsInFlight--;
    if (this.bindsInFlight === 0) for (const resolve of this.bindsIdleWaiters.splice(0)) resolve();
  }

  private waitForBinds(): Promise<void> {
    if (this.bindsInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.bindsIdleWaiters.push(resolve));
  }

  /** What /status reports. */
  status(): Record<string, unknown> {
    return {
      ...this.stats,
      nodes: this.cache.nodes().length,
      placedPods: this.cache.placedCount(),
      waiting: this.unschedulable.size,
      queued: this.queue.len(),
      bindsInFlight: this.bindsInFlight,
    };
  }

  /** The number of pods waiting after a failed attempt. */
  get unschedulableCount(): number {
    return this.unschedulable.size;
  }

  /** The informer's copy of a pod ("namespace/name"), for callers that report on it. */
  pod(key: string): Pod | undefined {
    return this.pods.get(key);
  }
}
