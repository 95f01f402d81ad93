// The scheduler's view of the cluster: per-node aggregates kept up to date incrementally, so a
// decision reads O(nodes) small records and never walks the pods. Pods the scheduler decided
// on but has not yet seen bound through the watch are "assumed" onto their node (as
// kube-scheduler's cache does), so the next decision already counts them.
import assert from "node:assert/strict";
import type { Node, Pod, Taint } from "../../client/index.js";
import type { Labels, NodeIdentity } from "./node-affinity.js";
import { addResources, emptyResources, podRequests, type Resources, toResources } from "./resources.js";
import { parseQuantity } from "./quantity.js";

export const hostnameLabel = "kubernetes.io/hostname";
export const zoneLabel = "topology.kubernetes.io/zone";

/** What the cache keeps of one pod placed on a node, computed once. */
export interface PlacedPod {
  readonly key: string;
  readonly uid: string | undefined;
  readonly namespace: string;
  readonly priority: number;
  readonly requests: Resources;
  /** Requests with the scoring defaults for cpu and memory a container leaves out. */
  readonly nonZeroRequests: Resources;
  /** The uid of the controlling ownerReference: pods of one owner are spread. */
  readonly ownerUid: string | undefined;
  /** Being deleted: still holds resources, no longer counts for spreading (as upstream). */
  readonly terminating: boolean;
}

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
}

export function controllerOwnerUid(pod: Pod): string | undefined {
  return pod.metadata.ownerReferences?.find((reference) => reference.controller === true)?.uid;
}

export function toPlacedPod(pod: Pod): PlacedPod {
  return {
    key: podKey(pod),
    uid: pod.metadata.uid,
    namespace: pod.metadata.namespace ?? "",
    priority: pod.spec.priority ?? 0,
    requests: podRequests(pod.spec),
    nonZeroRequests: podRequests(pod.spec, true),
    ownerUid: controllerOwnerUid(pod),
    terminating: pod.metadata.deletionTimestamp !== undefined,
  };
}

/** Pods that finished hold no resources (kube-scheduler's informer leaves them out). */
export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

/** One node and what is placed on it. Read by the scheduling core; changed only by the cache. */
export class NodeInfo implements NodeIdentity {
  node: Node | undefined = undefined;
  labels: Labels = {};
  unschedulable = false;
  ready = false;
  /** NoSchedule and NoExecute taints: the ones the filter checks. */
  filterTaints: Taint[] = [];
  preferNoScheduleTaints: Taint[] = [];
  allocatable: Resources = emptyResources();
  allowedPodCount = 0;
  readonly requested: Resources = emptyResources();
  readonly nonZeroRequested: Resources = emptyResources();
  readonly pods = new Map<string, PlacedPod>();
  /** Non-terminating pods per controller owner uid. */
  readonly ownerCounts = new Map<string, number>();

  constructor(readonly name: string) {}

  setNode(node: Node): void {
    this.node = node;
    this.labels = node.metadata.labels ?? {};
    this.unschedulable = node.spec?.unschedulable === true;
    this.ready = node.status?.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True") === true;
    const taints = node.spec?.taints ?? [];
    this.filterTaints = taints.filter((taint) => taint.effect === "NoSchedule" || taint.effect === "NoExecute");
    this.preferNoScheduleTaints = taints.filter((taint) => taint.effect === "PreferNoSchedule");
    const allocatable = node.status?.allocatable;
    this.allocatable = toResources(allocatable);
    this.allowedPodCount = allocatable?.pods === undefined ? 0 : (parseQuantity(allocatable.pods) ?? 0);
  }

  /** The pod's count toward its owner on this node (0 when it has none or is being deleted). */
  ownerCount(ownerUid: string): number {
    return this.ownerCounts.get(ownerUid) ?? 0;
  }

  add(pod: PlacedPod): void {
    assert.ok(!this.pods.has(pod.key), `pod ${pod.key} placed twice on ${this.name}`);
    this.pods.set(pod.key, pod);
    this.account(pod, 1);
  }

  remove(key: string): void {
    const pod = this.pods.get(key);
    assert.ok(pod !== undefined, `pod ${key} is not on ${this.name}`);
    this.pods.delete(key);
    this.account(pod, -1);
  }

  private account(pod: PlacedPod, sign: 1 | -1): void {
    addResources(this.requested, pod.requests, sign);
    addResources(this.nonZeroRequested, pod.nonZeroRequests, sign);
    if (pod.ownerUid !== undefined && !pod.terminating) {
      const next = (this.ownerCounts.get(pod.ownerUid) ?? 0) + sign;
      if (next === 0) this.ownerCounts.delete(pod.ownerUid);
      else this.ownerCounts.set(pod.ownerUid, next);
    }
  }
}

export class SchedulerCache {
  private readonly nodeInfos = new Map<string, NodeInfo>();
  /** Nodes that exist (not just pods naming them), in the order they arrived. */
  private nodeList: NodeInfo[] = [];
  private readonly podNodes = new Map<string, string>();
  private readonly assumedPods = new Set<string>();

  /** The nodes a decision considers. Do not change the returned records. */
  nodes(): readonly NodeInfo[] {
    return this.nodeList;
  }

  node(name: string): NodeInfo | undefined {
    const info = this.nodeInfos.get(name);
    return info?.node === undefined ? undefined : info;
  }

  setNode(node: Node): void {
    const name = node.metadata.name ?? "";
    const info = this.nodeInfoFor(name);
    if (info.node === undefined) this.nodeList.push(info);
    info.setNode(node);
  }

  removeNode(name: string): void {
    const info = this.nodeInfos.get(name);
    if (info?.node === undefined) return;
    info.node = undefined;
    this.nodeList = this.nodeList.filter((candidate) => candidate !== info);
    // Pods on a deleted node keep their record until they go too (upstream keeps a ghost node).
    if (info.pods.size === 0) this.nodeInfos.delete(name);
  }

  /**
   * A pod as the informer sees it. Bound pods are placed on their node (this confirms an
   * assumed pod); finished pods are dropped; pods without a node change nothing, so an
   * assumption survives updates that arrive before the binding does.
   */
  updatePod(pod: Pod): void {
    const key = podKey(pod);
    if (isTerminal(pod)) {
      this.removePod(key);
      return;
    }
    const nodeName = pod.spec.nodeName;
    if (nodeName === undefined || nodeName === "") return;
    this.assumedPods.delete(key);
    // Status updates of a running pod change nothing the cache keeps: skip re-parsing it.
    const placed = this.podNodes.get(key) === nodeName ? this.placedPod(key) : undefined;
    if (placed !== undefined && placed.uid === pod.metadata.uid && placed.terminating === (pod.metadata.deletionTimestamp !== undefined)) return;
    this.place(toPlacedPod(pod), nodeName);
  }

  removePod(key: string): void {
    this.unplace(key);
    this.assumedPods.delete(key);
  }

  /** Counts the pod on the node the scheduler chose, before the binding comes back. */
  assume(pod: Pod, nodeName: string): void {
    const key = podKey(pod);
    assert.ok(!this.podNodes.has(key), `assuming pod ${key} that is already placed`);
    this.place(toPlacedPod(pod), nodeName);
    this.assumedPods.add(key);
  }

  /**
   * Undoes assume() after the binding failed; a pod confirmed meanwhile stays, and so does a
   * pod of the same name created since (another uid).
   */
  forget(key: string, uid?: string): void {
    if (!this.assumedPods.has(key)) return;
    if (uid !== undefined && this.placedPod(key)?.uid !== uid) return;
    this.removePod(key);
  }

  /** What the cache holds for a placed pod. */
  placedPod(key: string): PlacedPod | undefined {
    const nodeName = this.podNodes.get(key);
    return nodeName === undefined ? undefined : this.nodeInfos.get(nodeName)?.pods.get(key);
  }

  isAssumed(key: string): boolean {
    return this.assumedPods.has(key);
  }

  /** Whether the pod is placed (bound or assumed) — such a pod is not scheduled again. */
  isPlaced(key: string): boolean {
    return this.podNodes.has(key);
  }

  placedCount(): number {
    return this.podNodes.size;
  }

  private nodeInfoFor(name: string): NodeInfo {
    let info = this.nodeInfos.get(name);
    if (info === undefined) {
      info = new NodeInfo(name);
      this.nodeInfos.set(name, info);
    }
    return info;
  }

  private place(pod: PlacedPod, nodeName: string): void {
    this.unplace(pod.key);
    this.nodeInfoFor(nodeName).add(pod);
    this.podNodes.set(pod.key, nodeName);
  }

  private unplace(key: string): void {
    const nodeName = this.podNodes.get(key);
    if (nodeName === undefined) return;
    const info = this.nodeInfos.get(nodeName);
    assert.ok(info !== undefined, `pod ${key} placed on ${nodeName}, which the cache lost`);
    info.remove(key);
    this.podNodes.delete(key);
    if (info.node === undefined && info.pods.size === 0) this.nodeInfos.delete(nodeName);
  }
}
