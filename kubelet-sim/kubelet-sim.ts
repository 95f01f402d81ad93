// The shell around the pure core: one process hosting one or many simulated kubelets.
//
// Per node: register the Node (or re-use it after a restart), renew its Lease every renew interval,
// post node status when it changed or the report frequency passed, and flip Ready back at once
// when someone else (the node lifecycle controller) marked it otherwise. Pods: one informer —
// `spec.nodeName=<node>` for a single node, as the kubelet watches; all scheduled pods with local
// dispatch when one process hosts many nodes (one watch stream instead of N, and one filter pass
// per event in the apiserver instead of N) — feeding a work queue whose worker runs planPod and
// does what it says: status PUT (resourceVersion precondition, re-read on conflict), events,
// delete with grace 0 and a uid precondition, and a wake-up for the next step.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import {
  EventRecorder,
  Informer,
  isAlreadyExists,
  isConflict,
  isNotFound,
  resourceTypes,
  splitObjectKey,
  WorkQueue,
  type KubeClient,
  type KubeObject,
  type Lease,
  type Node,
  type Pod,
} from "../client/index.js";
import { claimPodCidrs, nodeInternalIp, PodIpPool } from "./addresses.js";
import type { KubeletSimFlags } from "./flags.js";
import { nodeLeaseNamespace, renewedNodeLease } from "./node-lease.js";
import { buildNode, planNodeStatus, readyIsNotTrue, type NodeOptions } from "./node-status.js";
import { newPodRecord, planPod, recordStatusWritten, type PodTimings } from "./pod-lifecycle.js";
import type { PodRecord } from "./pod-status.js";

export interface KubeletSimOptions {
  readonly flags: KubeletSimFlags;
  readonly client: KubeClient;
  /**
   * The client events are sent with (default `client`). The kubelet has one of its own
   * (kubeDeps.EventClient), so a burst of events never queues the pods' status writes behind it.
   */
  readonly eventClient?: KubeClient;
  readonly logger: Logger;
  /** Wall-clock milliseconds, for the times written into objects. */
  readonly now?: () => number;
}

interface NodeAgent {
  readonly name: string;
  readonly options: NodeOptions;
  readonly pool: PodIpPool;
  readonly recorder: EventRecorder;
  uid: string | undefined;
  lease: Lease | undefined;
  lastReportMs: number | undefined;
  heartbeatFailures: number;
}

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** Where simulated nodes claim their pod ranges (node name → CIDR). */
const podCidrClaims = { namespace: "kube-system", name: "kube-lite-sim-pod-cidrs" } as const;

interface PodEntry {
  readonly nodeName: string;
  readonly record: PodRecord;
}

/**
 * Pod syncs in flight: one per node, at least 16 — each kubelet works on its own pods
 * independently, so a node's pods never wait for another node's. Their wait is the apiserver's
 * round trip: 16 for 100 nodes capped status writes at ~16 per round trip, and under a
 * 1,000-pod rollout the pods went Running 4 s after the last one was bound.
 */
function podWorkersFor(nodes: number): number {
  return Math.max(16, nodes);
}
/**
 * Heartbeats in flight at once: renewals per second are about workers ÷ round trip, and N nodes
 * need N ÷ renew interval of them — 8 workers kept up with 100 nodes but let 1,000 nodes' leases go
 * a whole lease duration unrenewed (bench:scheduler). One worker per 10 nodes, at least 8.
 */
function heartbeatWorkersFor(nodes: number): number {
  return Math.max(8, Math.ceil(nodes / 10));
}
const registrationConcurrency = 16;
/** A conflicting write is re-read and retried this many times before the queue's back-off takes over. */
const conflictAttemptsMax = 5;
const heartbeatRetryMinMs = 200;
/** Spreads many nodes' first heartbeats, so 500 nodes do not renew in the same instant forever. */
const firstHeartbeatSpreadMsMax = 2_000;

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  });
  await Promise.all(lanes);
}

/** Runs `write` against `current`; on a resourceVersion conflict re-reads and tries again. */
async function writeFresh<T>(current: T, reread: () => Promise<T>, write: (current: T) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write(current);
    } catch (error) {
      if (!isConflict(error) || attempt >= conflictAttemptsMax) throw error;
      current = await reread();
    }
  }
}

export class KubeletSim {
  private readonly agents = new Map<string, NodeAgent>();
  private readonly pods = new Map<string, PodEntry>();
  private readonly podQueue = new WorkQueue();
  private readonly heartbeatQueue = new WorkQueue();
  private readonly nodeInformer: Informer<Node>;
  private readonly podInformer: Informer<Pod>;
  private readonly workers: Promise<void>[] = [];
  private readonly stopping = new AbortController();
  private readonly now: () => number;
  private readonly timings: PodTimings;

  constructor(private readonly options: KubeletSimOptions) {
    this.now = options.now ?? Date.now;
    const { flags, client, logger } = options;
    this.timings = { startDelayMs: flags.podStartDelayMs, stopDelayMs: flags.podStopDelayMs };
    const single = flags.nodeNames.length === 1 ? flags.nodeNames[0] : undefined;
    this.nodeInformer = new Informer<Node>(client, resourceTypes.nodes, { logger, ...(single === undefined ? {} : { fieldSelector: `metadata.name=${single}` }) });
    this.podInformer = new Informer<Pod>(client, resourceTypes.pods, { logger, fieldSelector: single === undefined ? "spec.nodeName!=" : `spec.nodeName=${single}` });
  }

  /** Registers every node (retrying until the apiserver answers), then starts heartbeats and pods. */
  async start(): Promise<void> {
    await this.registerAll();
    if (this.stopping.signal.aborted) return;
    this.nodeInformer.addHandler({ onAdd: (n) => this.nodeChanged(n), onUpdate: (_, n) => this.nodeChanged(n), onDelete: (n) => this.nodeChanged(n) });
    this.nodeInformer.start();
    await this.nodeInformer.waitForSync();
    const renewMs = this.options.flags.leaseRenewIntervalMs;
    for (const agent of this.agents.values()) {
      const spreadMs = this.agents.size === 1 ? 0 : Math.random() * Math.min(renewMs, firstHeartbeatSpreadMsMax);
      this.heartbeatQueue.addAfter(`lease/${agent.name}`, spreadMs);
      this.heartbeatQueue.addAfter(`status/${agent.name}`, this.options.flags.statusUpdateFrequencyMs + spreadMs);
    }
    for (let i = 0; i < heartbeatWorkersFor(this.agents.size); i++) this.workers.push(this.work(this.heartbeatQueue, (key) => this.heartbeat(key)));
    const enqueue = (pod: Pod): void => this.podChanged(pod);
    this.podInformer.addHandler({ onAdd: enqueue, onUpdate: (_, pod) => enqueue(pod), onDelete: enqueue });
    this.podInformer.start();
    await this.podInformer.waitForSync();
    this.reserveRunningPodIps();
    for (let i = 0; i < podWorkersFor(this.agents.size); i++) this.workers.push(this.work(this.podQueue, (key) => this.syncPod(key)));
    this.options.logger.info({ nodes: this.agents.size, pods: this.pods.size }, "kubelet-sim running");
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.podQueue.shutDown();
    this.heartbeatQueue.shutDown();
    await Promise.all([this.nodeInformer.stop(), this.podInformer.stop()]);
    await Promise.all(this.workers);
    await Promise.all([...this.agents.values()].map((agent) => agent.recorder.flush()));
  }

  get nodeCount(): number {
    return this.agents.size;
  }

  // ---- registration ----

  private async registerAll(): Promise<void> {
    const { flags, logger } = this.options;
    for (let backoffMs = 500; !this.stopping.signal.aborted; backoffMs = Math.min(backoffMs * 2, 10_000)) {
      try {
        const existing = new Map((await this.options.client.list<Node>(resourceTypes.nodes)).items.map((n) => [n.metadata.name ?? "", n]));
        this.createAgents(await this.claimPodCidrs(existing));
        const unregistered = [...this.agents.values()].filter((a) => a.uid === undefined);
        await forEachLimited(unregistered, registrationConcurrency, (agent) => this.registerNode(agent, existing.get(agent.name)));
        logger.info({ nodes: flags.nodeNames.length, first: flags.nodeNames[0] }, "nodes registered");
        return;
      } catch (error) {
        logger.warn({ error: (error as Error).message, retryInMs: backoffMs }, "registration failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  }

  /**
   * Claims pod ranges in the shared table (a ConfigMap, written with a resourceVersion
   * precondition): two processes started at once cannot both take one range, which choosing
   * from a list of Nodes alone would allow.
   */
  private async claimPodCidrs(existing: ReadonlyMap<string, Node>): Promise<Record<string, string>> {
    const { client, flags } = this.options;
    const nodeCidrs = new Map([...existing].flatMap(([name, n]) => (n.spec?.podCIDR === undefined ? [] : [[name, n.spec.podCIDR] as const])));
    for (let attempt = 1; ; attempt++) {
      let table: ConfigMap | undefined;
      try {
        table = await client.get<ConfigMap>(resourceTypes.configmaps, podCidrClaims.name, podCidrClaims.namespace);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      const claims = claimPodCidrs(table?.data ?? {}, flags.nodeNames, nodeCidrs);
      if (flags.nodeNames.every((name) => table?.data?.[name] === claims[name])) return claims;
      try {
        if (table === undefined) await client.create<ConfigMap>(resourceTypes.configmaps, { metadata: { ...podCidrClaims }, data: claims });
        else await client.update<ConfigMap>(resourceTypes.configmaps, { ...table, data: claims });
        return claims;
      } catch (error) {
        if (!(isConflict(error) || isAlreadyExists(error)) || attempt >= conflictAttemptsMax * 4) throw error;
      }
    }
  }

  private createAgents(claims: Readonly<Record<string, string>>): void {
    const { flags, client, logger } = this.options;
    for (const name of flags.nodeNames) {
      const podCidr = claims[name];
      if (this.agents.has(name) || podCidr === undefined) continue;
      const options: NodeOptions = { name, cpu: flags.cpu, memory: flags.memory, maxPods: flags.maxPods, ephemeralStorage: flags.ephemeralStorage, labels: flags.labels, podCidr, internalIp: nodeInternalIp(podCidr), bootId: randomUUID() };
      const recorder = new EventRecorder(this.options.eventClient ?? client, { component: "kubelet", host: name, logger });
      this.agents.set(name, { name, options, pool: new PodIpPool(podCidr), recorder, uid: undefined, lease: undefined, lastReportMs: undefined, heartbeatFailures: 0 });
    }
  }

  private async registerNode(agent: NodeAgent, existing: Node | undefined): Promise<void> {
    const { client, logger } = this.options;
    if (existing === undefined) {
      const nowMs = this.now();
      try {
        const created = await client.create<Node>(resourceTypes.nodes, buildNode(agent.options, nowMs));
        agent.uid = created.metadata.uid;
        agent.lastReportMs = nowMs;
        logger.debug({ node: agent.name, podCIDR: agent.options.podCidr }, "registered node");
        return;
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        existing = await client.get<Node>(resourceTypes.nodes, agent.name);
      }
    }
    // A restarted kubelet re-uses its Node: it claims a pod range if it has none, and posts status now.
    agent.uid = existing.metadata.uid;
    if (existing.spec?.podCIDR === undefined) {
      existing = await client.patch<Node>(resourceTypes.nodes, agent.name, { spec: { podCIDR: agent.options.podCidr, podCIDRs: [agent.options.podCidr] } });
    }
    await this.postNodeStatus(agent, existing, true);
    logger.debug({ node: agent.name }, "re-registered existing node");
  }

  // ---- heartbeats: Lease and node status ----

  private nodeChanged(node: Node): void {
    const agent = this.agents.get(node.metadata.name ?? "");
    // Ready not True was written by someone else (the node lifecycle controller): answer at once.
    if (agent !== undefined && (readyIsNotTrue(node) || this.nodeInformer.get(agent.name) === undefined)) this.heartbeatQueue.add(`status/${agent.name}`);
  }

  private async heartbeat(key: string): Promise<void> {
    const [kind, name = ""] = key.split("/");
    const agent = this.agents.get(name);
    if (agent === undefined) return;
    const intervalMs = kind === "lease" ? this.options.flags.leaseRenewIntervalMs : this.options.flags.statusUpdateFrequencyMs;
    try {
      if (kind === "lease") await this.renewLease(agent);
      else await this.syncNodeStatus(agent);
      agent.heartbeatFailures = 0;
      this.heartbeatQueue.addAfter(key, intervalMs);
    } catch (error) {
      // The lease controller's back-off: quick retries, never slower than the interval.
      agent.heartbeatFailures += 1;
      this.heartbeatQueue.addAfter(key, Math.min(intervalMs, heartbeatRetryMinMs * 2 ** Math.min(agent.heartbeatFailures, 10)));
      throw error;
    }
  }

  private async renewLease(agent: NodeAgent): Promise<void> {
    const { client, flags } = this.options;
    const read = async (): Promise<Lease | undefined> => {
      try {
        return await client.get<Lease>(resourceTypes.leases, agent.name, nodeLeaseNamespace);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    };
    for (let attempt = 1; ; attempt++) {
      const desired = renewedNodeLease(agent.lease, { nodeName: agent.name, nodeUid: agent.uid, leaseDurationSeconds: flags.leaseDurationSeconds }, this.now());
      try {
        agent.lease = desired.metadata.resourceVersion === undefined ? await client.create(resourceTypes.leases, desired) : await client.update(resourceTypes.leases, desired);
        return;
      } catch (error) {
        // Our copy is stale (restart, someone else's write, deleted): read the live one and renew that.
        if (!(isConflict(error) || isAlreadyExists(error) || isNotFound(error)) || attempt >= conflictAttemptsMax) throw error;
        agent.lease = await read();
      }
    }
  }

  private async syncNodeStatus(agent: NodeAgent): Promise<void> {
    const cached = this.nodeInformer.get(agent.name);
    if (cached !== undefined) return this.postNodeStatus(agent, cached, false);
    // Someone deleted our Node: register it again, as a restarted kubelet would.
    agent.uid = undefined;
    agent.lease = undefined;
    await this.registerNode(agent, undefined);
  }

  private async postNodeStatus(agent: NodeAgent, node: Node, force: boolean): Promise<void> {
    const { client, flags } = this.options;
    await writeFresh(
      node,
      () => client.get<Node>(resourceTypes.nodes, agent.name),
      async (current) => {
        const nowMs = this.now();
        const status = planNodeStatus(current, agent.options, nowMs, force ? undefined : agent.lastReportMs, flags.statusReportFrequencyMs);
        if (status === undefined) return;
        await client.update<Node>(resourceTypes.nodes, { ...current, status }, { subresource: "status" });
        agent.lastReportMs = nowMs;
      },
    );
  }

  // ---- pods ----

  private podChanged(pod: Pod): void {
    const key = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
    if (this.agents.has(pod.spec.nodeName ?? "") || this.pods.has(key)) this.podQueue.add(key);
  }

  /** Before any new pod gets an address, the ones still running from a previous life keep theirs. */
  private reserveRunningPodIps(): void {
    for (const pod of this.podInformer.list()) {
      const agent = this.agents.get(pod.spec.nodeName ?? "");
      if (agent !== undefined && pod.status?.phase === "Running" && pod.status.podIP !== undefined) agent.pool.reserve(pod.status.podIP);
    }
  }

  private forgetPod(key: string): void {
    const entry = this.pods.get(key);
    if (entry === undefined) return;
    if (entry.record.podIP !== undefined) this.agents.get(entry.nodeName)?.pool.release(entry.record.podIP);
    this.pods.delete(key);
  }

  /** The node's memory of the pod, created (with an address) at first sight. */
  private podRecord(key: string, pod: Pod, agent: NodeAgent): PodRecord {
    let record = this.pods.get(key)?.record;
    if (record !== undefined && record.uid !== pod.metadata.uid) {
      this.forgetPod(key); // a new pod under an old name
      record = undefined;
    }
    if (record === undefined) {
      record = newPodRecord(pod, this.now(), this.timings.startDelayMs);
      if (record.podIP !== undefined) agent.pool.reserve(record.podIP);
    }
    if (record.podIP === undefined && (record.stage === "accepted" || record.stage === "creating")) {
      const podIP = agent.pool.allocate();
      if (podIP !== undefined) record = { ...record, podIP };
    }
    // Saved before any write, so a failed write does not leak the address.
    this.pods.set(key, { nodeName: agent.name, record });
    return record;
  }

  private async syncPod(key: string): Promise<void> {
    const cached = this.podInformer.get(key);
    const agent = this.agents.get(cached?.spec.nodeName ?? "");
    if (cached === undefined || agent === undefined) return this.forgetPod(key);
    const { client } = this.options;
    const { namespace, name } = splitObjectKey(key);
    const record = this.podRecord(key, cached, agent);
    try {
      await writeFresh(
        cached,
        () => client.get<Pod>(resourceTypes.pods, name, namespace),
        async (pod) => {
          const nowMs = this.now();
          const plan = planPod(pod, record, agent.options.internalIp, nowMs, this.timings);
          let next = plan.record;
          if (plan.status !== undefined) {
            const stored = await client.update<Pod>(resourceTypes.pods, { ...pod, status: plan.status }, { subresource: "status" });
            next = recordStatusWritten(plan.record, plan.status, stored.status);
          }
          this.pods.set(key, { nodeName: agent.name, record: next });
          for (const event of plan.events) agent.recorder.record(pod, event.type, event.reason, event.message, event.fieldPath);
          if (plan.deletePod) await this.deletePod(pod);
          if (plan.wakeAtMs !== undefined) this.podQueue.addAfter(key, plan.wakeAtMs - nowMs);
        },
      );
    } catch (error) {
      if (isNotFound(error)) return this.forgetPod(key);
      throw error;
    }
  }

  private async deletePod(pod: Pod): Promise<void> {
    const { name = "", namespace, uid } = pod.metadata;
    try {
      await this.options.client.delete(resourceTypes.pods, name, { namespace, gracePeriodSeconds: 0, preconditions: uid === undefined ? undefined : { uid } });
    } catch (error) {
      // Gone already, or a new pod took the name (uid precondition): nothing of ours to delete.
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }

  private async work(queue: WorkQueue, handle: (key: string) => Promise<void>): Promise<void> {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        await handle(key);
        queue.forget(key);
      } catch (error) {
        this.options.logger.warn({ key, error: (error as Error).message }, "sync failed; retrying");
        if (queue === this.podQueue) queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  }
}
