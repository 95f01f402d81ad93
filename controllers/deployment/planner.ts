// The working state of one Deployment sync: copies of the Deployment and its ReplicaSets that the
// steps change in place (as upstream changes the objects its writes return), and the actions
// those changes need, in order. planDeployment (plan.ts) drives it.
import type { EventType } from "../../client/index.js";
import { newControllerRef, type ReplicaSet } from "../replicaset/index.js";
import { getCondition, hasProgressDeadline, newCondition, reasons, setCondition } from "./conditions.js";
import { computeHash, podTemplateHashLabel } from "./pod-template-hash.js";
import { findNewReplicaSet } from "./replica-set-lists.js";
import { maxRevision, replicasAnnotationsNeedUpdate, revisionAnnotation, setDeploymentRevision, setNewReplicaSetAnnotations, setReplicasAnnotations } from "./revisions.js";
import { desiredReplicas, maxSurge, newReplicaSetReplicas, specReplicas } from "./rollout-math.js";
import type { Deployment } from "./types.js";
import { formatTime } from "../../client/index.js";

export type DeploymentAction =
  /** Strategic-merge patch: this Deployment becomes the ReplicaSet's controller. */
  | { readonly kind: "adoptReplicaSet"; readonly replicaSet: ReplicaSet }
  /** Strategic-merge patch: the ReplicaSet no longer matches; drop our controller reference. */
  | { readonly kind: "releaseReplicaSet"; readonly replicaSet: ReplicaSet }
  | { readonly kind: "createReplicaSet"; readonly replicaSet: ReplicaSet }
  /** PUT of the whole ReplicaSet (replicas, annotations, minReadySeconds). */
  | { readonly kind: "updateReplicaSet"; readonly replicaSet: ReplicaSet }
  | { readonly kind: "deleteReplicaSet"; readonly replicaSet: ReplicaSet }
  /** PUT of the Deployment's /status (which also carries its annotations, as upstream's UpdateStatus). */
  | { readonly kind: "updateDeploymentStatus"; readonly deployment: Deployment }
  /** An Event on the Deployment, recorded once the actions before it succeeded. */
  | { readonly kind: "event"; readonly type: EventType; readonly reason: string; readonly message: string };

export class Planner {
  readonly actions: DeploymentAction[] = [];

  constructor(
    /** The working copy: status and annotations change here and are written once at the end. */
    readonly deployment: Deployment,
    readonly nowMs: number,
  ) {}

  event(type: EventType, reason: string, message: string): void {
    this.actions.push({ kind: "event", type, reason, message });
  }

  private update(replicaSet: ReplicaSet): void {
    this.actions.push({ kind: "updateReplicaSet", replicaSet: structuredClone(replicaSet) });
  }

  /** scaleReplicaSet: size and replicas annotations in one PUT; an Event when the size changed. */
  scaleReplicaSet(replicaSet: ReplicaSet, newScale: number, operation: string): boolean {
    const desired = desiredReplicas(this.deployment);
    const max = desired + maxSurge(this.deployment);
    const sizeNeedsUpdate = specReplicas(replicaSet) !== newScale;
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(replicaSet, desired, max)) return false;
    const oldScale = specReplicas(replicaSet);
    replicaSet.spec.replicas = newScale;
    setReplicasAnnotations(replicaSet, desired, max);
    this.update(replicaSet);
    if (sizeNeedsUpdate) this.event("Normal", "ScalingReplicaSet", `Scaled ${operation} replica set ${replicaSet.metadata.name ?? ""} from ${oldScale} to ${newScale}`);
    return sizeNeedsUpdate;
  }

  /** scaleReplicaSetAndRecordEvent. */
  scaleAndRecord(replicaSet: ReplicaSet, newScale: number): boolean {
    if (specReplicas(replicaSet) === newScale) return false;
    return this.scaleReplicaSet(replicaSet, newScale, specReplicas(replicaSet) < newScale ? "up" : "down");
  }

  deleteReplicaSet(replicaSet: ReplicaSet): void {
    this.actions.push({ kind: "deleteReplicaSet", replicaSet: structuredClone(replicaSet) });
  }

  private condition(type: string, status: "True" | "False" | "Unknown", reason: string, message: string): void {
    this.deployment.status ??= {};
    setCondition(this.deployment.status, newCondition(type, status, reason, message, this.nowMs));
  }

  /**
   * getNewReplicaSet: the ReplicaSet running the Deployment's template, its revision raised
   * above the old ones; created (replicas as the strategy allows) when `create` and missing.
   */
  newReplicaSet(replicaSets: ReplicaSet[], oldReplicaSets: readonly ReplicaSet[], create: boolean): ReplicaSet | undefined {
    const deployment = this.deployment;
    const existing = findNewReplicaSet(deployment, replicaSets);
    const newRevision = maxRevision(oldReplicaSets) + 1;
    const desired = desiredReplicas(deployment);
    const max = desired + maxSurge(deployment);
    if (existing !== undefined) {
      const annotationsUpdated = setNewReplicaSetAnnotations(deployment, existing, newRevision, true, desired, max);
      const minReadySeconds = deployment.spec.minReadySeconds ?? 0;
      if (annotationsUpdated || (existing.spec.minReadySeconds ?? 0) !== minReadySeconds) {
        existing.spec.minReadySeconds = minReadySeconds;
        this.update(existing);
        // As upstream: the Deployment's own revision follows on the sync this write triggers.
        return existing;
      }
      setDeploymentRevision(deployment, existing.metadata.annotations?.[revisionAnnotation] ?? "");
      if (hasProgressDeadline(deployment) && getCondition(deployment.status, "Progressing") === undefined) {
        this.condition("Progressing", "True", reasons.foundNewReplicaSet, `Found new replica set "${existing.metadata.name ?? ""}"`);
      }
      return existing;
    }
    if (!create) return undefined;
    const created = this.replicaSetFor(deployment);
    created.spec.replicas = newReplicaSetReplicas(deployment, [...oldReplicaSets, created], created);
    setNewReplicaSetAnnotations(deployment, created, newRevision, false, desired, max);
    this.actions.push({ kind: "createReplicaSet", replicaSet: structuredClone(created) });
    const replicas = specReplicas(created);
    const name = created.metadata.name ?? "";
    if (replicas > 0) this.event("Normal", "ScalingReplicaSet", `Scaled up replica set ${name} from 0 to ${replicas}`);
    setDeploymentRevision(deployment, String(newRevision));
    if (hasProgressDeadline(deployment)) this.condition("Progressing", "True", reasons.newReplicaSetCreated, `Created new replica set "${name}"`);
    // The rest of this sync sees it as the apiserver will have it.
    created.metadata.creationTimestamp = formatTime(this.nowMs);
    created.status = { replicas: 0 };
    replicaSets.push(created);
    return created;
  }

  /** The new ReplicaSet for the Deployment's template: `<deployment>-<pod-template-hash>`. */
  private replicaSetFor(deployment: Deployment): ReplicaSet {
    const hash = computeHash(deployment.spec.template, deployment.status?.collisionCount);
    const template = structuredClone(deployment.spec.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [podTemplateHashLabel]: hash } };
    const selector = structuredClone(deployment.spec.selector);
    selector.matchLabels = { ...selector.matchLabels, [podTemplateHashLabel]: hash };
    return {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${deployment.metadata.name ?? ""}-${hash}`,
        namespace: deployment.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [newControllerRef(deployment, "apps/v1", "Deployment")],
      },
      spec: { replicas: 0, minReadySeconds: deployment.spec.minReadySeconds ?? 0, selector, template },
    };
  }
}
