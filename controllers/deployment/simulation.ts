// A deterministic model of the Deployment's world for unit tests: planDeployment's actions are
// applied to in-memory objects, an ideal ReplicaSet controller keeps each ReplicaSet's pods at
// spec.replicas (deleting not-ready pods first) and reports exact status, and pods turn ready one
// at a time. Not part of the controller's surface.
import type { Pod } from "../../client/index.js";
import { formatTime } from "../../client/index.js";
import type { ReplicaSet } from "../replicaset/index.js";
import { planDeployment } from "./plan.js";
import type { DeploymentAction } from "./planner.js";
import type { Deployment } from "./types.js";

export interface SimulatedPod {
  readonly name: string;
  readonly owner: string;
  ready: boolean;
}

export class DeploymentWorld {
  deployment: Deployment;
  readonly replicaSets = new Map<string, ReplicaSet>();
  pods: SimulatedPod[] = [];
  readonly events: string[] = [];
  nowMs = Date.parse("2026-01-01T00:00:00Z");
  /** A ReplicaSet that deleted pods reports its status a round late (stale-high counts). */
  statusAfterDeletesLate = false;
  private readonly lateStatuses: ReplicaSet[] = [];
  private serial = 0;

  constructor(deployment: Deployment) {
    this.deployment = structuredClone(deployment);
  }

  /** A user edit of the spec: generation goes up as the apiserver does it. */
  editSpec(change: (deployment: Deployment) => void): void {
    change(this.deployment);
    this.deployment.metadata.generation = (this.deployment.metadata.generation ?? 1) + 1;
  }

  /** One sync of the Deployment controller; returns the actions it took. */
  syncDeployment(): DeploymentAction[] {
    this.nowMs += 1000;
    const pods = this.pods.map((pod) => this.asPod(pod));
    const { actions } = planDeployment(this.deployment, [...this.replicaSets.values()], pods, this.nowMs);
    for (const action of actions) this.apply(action);
    return actions;
  }

  private apply(action: DeploymentAction): void {
    switch (action.kind) {
      case "createReplicaSet": {
        const name = action.replicaSet.metadata.name ?? "";
        const replicaSet = structuredClone(action.replicaSet);
        replicaSet.metadata.uid = `uid-${name}`;
        replicaSet.metadata.generation = 1;
        replicaSet.metadata.creationTimestamp = formatTime(this.nowMs);
        replicaSet.status = { replicas: 0 };
        this.replicaSets.set(name, replicaSet);
        return;
      }
      case "updateReplicaSet": {
        const name = action.replicaSet.metadata.name ?? "";
        const current = this.replicaSets.get(name);
        if (current === undefined) throw new Error(`update of missing ReplicaSet ${name}`);
        const next = structuredClone(action.replicaSet);
        next.status = current.status;
        if (JSON.stringify(next.spec) !== JSON.stringify(current.spec)) next.metadata.generation = (current.metadata.generation ?? 1) + 1;
        this.replicaSets.set(name, next);
        return;
      }
      case "deleteReplicaSet":
        this.replicaSets.delete(action.replicaSet.metadata.name ?? "");
        this.pods = this.pods.filter((pod) => pod.owner !== action.replicaSet.metadata.uid);
        return;
      case "updateDeploymentStatus":
        this.deployment = { ...this.deployment, metadata: { ...this.deployment.metadata, annotations: action.deployment.metadata.annotations }, status: structuredClone(action.deployment.status) };
        return;
      case "event":
        this.events.push(`${action.reason}: ${action.message}`);
        return;
      case "adoptReplicaSet":
      case "releaseReplicaSet":
        return;
    }
  }

  /**
   * The ReplicaSet controller: pods to spec.replicas (not ready ones go first), exact status. It
   * creates for every ReplicaSet before it deletes for any (the worst order for maxSurge), and
   * `between` looks at the pods in that moment. Says whether it reported statuses held back.
   */
  syncReplicaSets(between: () => void = () => undefined): boolean {
    // Statuses held back last round are reported now, from the pods as they are.
    const late = this.lateStatuses.splice(0);
    for (const replicaSet of late) this.reportStatus(replicaSet);
    const owned = (replicaSet: ReplicaSet) => this.pods.filter((pod) => pod.owner === replicaSet.metadata.uid);
    for (const replicaSet of this.replicaSets.values()) {
      const wanted = replicaSet.spec.replicas ?? 1;
      for (let count = owned(replicaSet).length; count < wanted; count += 1) this.pods.push({ name: `${replicaSet.metadata.name ?? ""}-${(this.serial += 1)}`, owner: replicaSet.metadata.uid ?? "", ready: false });
    }
    between();
    for (const replicaSet of this.replicaSets.values()) {
      const pods = owned(replicaSet);
      const wanted = replicaSet.spec.replicas ?? 1;
      if (pods.length > wanted) {
        const doomed = new Set([...pods].sort((a, b) => Number(a.ready) - Number(b.ready)).slice(0, pods.length - wanted));
        this.pods = this.pods.filter((pod) => !doomed.has(pod));
        if (this.statusAfterDeletesLate) {
          this.lateStatuses.push(replicaSet);
          continue;
        }
      }
      this.reportStatus(replicaSet);
    }
    return late.length > 0;
  }

  reportStatus(replicaSet: ReplicaSet): void {
    const owned = this.pods.filter((pod) => pod.owner === replicaSet.metadata.uid);
    const ready = owned.filter((pod) => pod.ready).length;
    replicaSet.status = { ...replicaSet.status, replicas: owned.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: replicaSet.metadata.generation ?? 1 };
  }

  /** Statuses still to report: the world has not settled while there are any. */
  hasLateStatuses(): boolean {
    return this.lateStatuses.length > 0;
  }

  /** The oldest not-ready pod turns ready (and so available). False when none is waiting. */
  onePodReady(): boolean {
    const waiting = this.pods.find((pod) => !pod.ready);
    if (waiting === undefined) return false;
    waiting.ready = true;
    for (const replicaSet of this.replicaSets.values()) if (!this.lateStatuses.includes(replicaSet)) this.reportStatus(replicaSet);
    return true;
  }

  replicaSetOf(pod: SimulatedPod): ReplicaSet | undefined {
    return [...this.replicaSets.values()].find((replicaSet) => replicaSet.metadata.uid === pod.owner);
  }

  private asPod(pod: SimulatedPod): Pod {
    const owner = this.replicaSetOf(pod);
    return {
      metadata: {
        name: pod.name,
        namespace: "default",
        uid: `uid-${pod.name}`,
        labels: { ...owner?.spec.template.metadata?.labels },
        ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner?.metadata.name ?? "", uid: pod.owner, controller: true }],
      },
      spec: { containers: [], nodeName: "node-1" },
      status: { phase: "Running", conditions: [{ type: "Ready", status: pod.ready ? "True" : "False" }] },
    };
  }
}

export function deploymentFixture(replicas: number, strategy: Deployment["spec"]["strategy"], image = "nginx:1.27"): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", uid: "uid-web", generation: 1, creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } },
      ...(strategy === undefined ? {} : { strategy }),
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {},
  };
}
