// The ReplicaSet controller's shell: informer handlers feed expectations and the work queue;
// reconcile reads the caches, asks planReplicaSet what to do, and does it (adopt/release patches,
// pod creates in slow-start batches, deletes, the /status write).
import { formatTime, isNotFound, objectKey, resourceTypes, retryOnConflict, splitObjectKey, WorkQueue, KubeUnavailableError } from "../../client/index.js";
import type { EventRecorder, Informer, KubeClient, Pod } from "../../client/index.js";
import { runWorkers, type Controller, type ControllerContext } from "../controller.js";
import { adoptPatch, controllerOf, newControllerRef, releasePatch, resolveControllerRef } from "./controller-ref.js";
import { ControllerExpectations, expectationsTimeoutMs } from "./expectations.js";
import { selectorMatches } from "./label-selector.js";
import { patchOwnerReferences } from "./owner-patch.js";
import { isPodReady } from "./pod-state.js";
import { planReplicaSet, replicaSetStatusChanged, slowStartBatches, withReplicaFailure } from "./plan.js";
import type { ReplicaSet, ReplicaSetStatus } from "./types.js";

export const replicaSetComponent = "replicaset-controller";

export interface ReplicaSetControllerOptions {
  /** Monotonic ms for expectations (tests inject one). */
  readonly monotonicNowMs?: () => number;
  readonly expectationsTimeoutMs?: number;
}

function podKey(pod: Pod): string {
  return objectKey(pod);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A create whose answer never came may have happened: the informer will tell (as Job's timeout rule). */
function mayHaveHappened(error: unknown): boolean {
  return error instanceof KubeUnavailableError && error.outcomeUnknown;
}

class ReplicaSetController implements Controller {
  readonly name = "replicaset";
  private readonly queue = new WorkQueue();
  private readonly expectations: ControllerExpectations;
  private readonly client: KubeClient;
  private readonly recorder: EventRecorder;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;

  constructor(
    private readonly context: ControllerContext,
    options: ReplicaSetControllerOptions,
  ) {
    this.client = context.client;
    this.recorder = context.recorder(replicaSetComponent);
    this.expectations = new ControllerExpectations(options.monotonicNowMs ?? (() => performance.now()), options.expectationsTimeoutMs ?? expectationsTimeoutMs);
    this.replicaSets = context.informers.informer<ReplicaSet>(resourceTypes.replicasets);
    this.pods = context.informers.informer<Pod>(resourceTypes.pods);
    this.replicaSets.addHandler({
      onAdd: (replicaSet) => this.queue.add(objectKey(replicaSet)),
      onUpdate: (_previous, replicaSet) => this.queue.add(objectKey(replicaSet)),
      onDelete: (replicaSet) => {
        this.expectations.delete(objectKey(replicaSet));
        this.queue.add(objectKey(replicaSet));
      },
    });
    this.pods.addHandler({
      onAdd: (pod) => this.podAdded(pod),
      onUpdate: (previous, pod) => this.podUpdated(previous, pod),
      onDelete: (pod) => this.podDeleted(pod),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.name, this.queue, this.context.settings.workers, (key) => this.reconcile(key), this.context.logger, signal);
  }

  // ---------- handlers: expectations and enqueueing only ----------

  private owner(pod: Pod): ReplicaSet | undefined {
    return resolveControllerRef(this.replicaSets, "ReplicaSet", pod);
  }

  /** Every ReplicaSet whose selector matches an orphan: one of them may adopt it. */
  private enqueueMatching(pod: Pod): void {
    for (const replicaSet of this.replicaSets.byIndex("namespace", pod.metadata.namespace ?? "")) {
      if (selectorMatches(replicaSet.spec.selector, pod.metadata.labels)) this.queue.add(objectKey(replicaSet));
    }
  }

  private podAdded(pod: Pod): void {
    if (pod.metadata.deletionTimestamp !== undefined) {
      // Seen already being deleted (e.g. after a restart): never a creation observation.
      this.podDeleted(pod);
      return;
    }
    if (controllerOf(pod) === undefined) {
      this.enqueueMatching(pod);
      return;
    }
    const owner = this.owner(pod);
    if (owner === undefined) return;
    this.expectations.creationObserved(objectKey(owner));
    this.queue.add(objectKey(owner));
  }

  private podUpdated(previous: Pod, pod: Pod): void {
    if (previous.metadata.resourceVersion === pod.metadata.resourceVersion) return; // a resync
    const labelsChanged = JSON.stringify(previous.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {});
    if (pod.metadata.deletionTimestamp !== undefined) {
      // Graceful deletion: the pod is as good as gone for counting, so tell the owner now.
      this.podDeleted(pod);
      if (labelsChanged) this.podDeleted(previous);
      return;
    }
    const previousReference = controllerOf(previous);
    const reference = controllerOf(pod);
    const referenceChanged = previousReference?.uid !== reference?.uid;
    if (referenceChanged && previousReference !== undefined) {
      const formerOwner = this.owner(previous);
      if (formerOwner !== undefined) this.queue.add(objectKey(formerOwner));
    }
    if (reference !== undefined) {
      const owner = this.owner(pod);
      if (owner === undefined) return;
      this.queue.add(objectKey(owner));
      const minReadySeconds = owner.spec.minReadySeconds ?? 0;
      // It turns available minReadySeconds after turning ready: look again then.
      if (minReadySeconds > 0 && !isPodReady(previous) && isPodReady(pod)) this.queue.addAfter(objectKey(owner), minReadySeconds * 1000 + 1000);
      return;
    }
    if (labelsChanged || referenceChanged) this.enqueueMatching(pod);
  }

  private podDeleted(pod: Pod): void {
    const owner = this.owner(pod);
    if (owner === undefined) return;
    this.expectations.deletionObserved(objectKey(owner), podKey(pod));
    this.queue.add(objectKey(owner));
  }

  // ---------- reconcile ----------

  private relatedPods(replicaSet: ReplicaSet, namespacePods: readonly Pod[]): Pod[] | undefined {
    const family = controllerOf(replicaSet);
    if (family === undefined) return undefined;
    const siblings = new Set(
      this.replicaSets
        .byIndex("namespace", replicaSet.metadata.namespace ?? "")
        .filter((other) => controllerOf(other)?.uid === family.uid)
        .map((other) => other.metadata.uid),
    );
    return namespacePods.filter((pod) => siblings.has(controllerOf(pod)?.uid));
  }

  private async reconcile(key: string): Promise<void> {
    const replicaSet = this.replicaSets.get(key);
    if (replicaSet === undefined) {
      this.expectations.delete(key);
      return;
    }
    const namespace = splitObjectKey(key).namespace ?? "";
    const namespacePods = this.pods.byIndex("namespace", namespace);
    const plan = planReplicaSet(replicaSet, namespacePods, this.expectations.satisfied(key), this.context.now(), this.relatedPods(replicaSet, namespacePods));
    await this.claim(replicaSet, plan.adopt, plan.release);
    let manageError: Error | undefined;
    try {
      if (plan.create > 0) await this.createPods(key, replicaSet, plan.create);
      else if (plan.delete.length > 0) await this.deletePods(key, replicaSet, plan.delete);
    } catch (error) {
      manageError = error instanceof Error ? error : new Error(String(error));
    }
    const status = withReplicaFailure(plan.status, replicaSet.spec.replicas ?? 1, manageError, formatTime(this.context.now()));
    await this.writeStatus(replicaSet, status);
    if (manageError !== undefined) throw manageError;
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs);
  }

  private async claim(replicaSet: ReplicaSet, adopt: readonly Pod[], release: readonly Pod[]): Promise<void> {
    const namespace = replicaSet.metadata.namespace;
    if (adopt.length > 0) {
      // RecheckDeletionTimestamp: adopt only for a ReplicaSet that still exists and is not going.
      const fresh = await this.client.get<ReplicaSet>(resourceTypes.replicasets, replicaSet.metadata.name ?? "", namespace);
      if (fresh.metadata.uid !== replicaSet.metadata.uid) throw new Error(`original ReplicaSet ${namespace ?? ""}/${replicaSet.metadata.name ?? ""} is gone: got uid ${fresh.metadata.uid ?? ""}, wanted ${replicaSet.metadata.uid ?? ""}`);
      if (fresh.metadata.deletionTimestamp !== undefined) throw new Error(`ReplicaSet ${namespace ?? ""}/${replicaSet.metadata.name ?? ""} is being deleted; not adopting`);
      const reference = newControllerRef(replicaSet, "apps/v1", "ReplicaSet");
      await Promise.all(adopt.map((pod) => patchOwnerReferences(this.client, resourceTypes.pods, pod, adoptPatch(pod, reference))));
    }
    await Promise.all(release.map((pod) => patchOwnerReferences(this.client, resourceTypes.pods, pod, releasePatch(pod, replicaSet.metadata.uid ?? ""))));
  }

  private async createPods(key: string, replicaSet: ReplicaSet, count: number): Promise<void> {
    this.expectations.expectCreations(key, count);
    const template = replicaSet.spec.template;
    const pod: Pod = {
      metadata: {
        generateName: `${replicaSet.metadata.name ?? ""}-`,
        namespace: replicaSet.metadata.namespace,
        ...(template.metadata?.labels === undefined ? {} : { labels: structuredClone(template.metadata.labels) }),
        ...(template.metadata?.annotations === undefined ? {} : { annotations: structuredClone(template.metadata.annotations) }),
        ...(template.metadata?.finalizers === undefined ? {} : { finalizers: structuredClone(template.metadata.finalizers) }),
        ownerReferences: [newControllerRef(replicaSet, "apps/v1", "ReplicaSet")],
      },
      spec: structuredClone(template.spec),
    };
    let created = 0;
    let failure: unknown;
    for (const size of slowStartBatches(count)) {
      const results = await Promise.allSettled(Array.from({ length: size }, () => this.client.create<Pod>(resourceTypes.pods, pod)));
      for (const result of results) {
        if (result.status === "fulfilled") {
          created += 1;
          this.recorder.record(replicaSet, "Normal", "SuccessfulCreate", `Created pod: ${result.value.metadata.name ?? ""}`);
        } else if (mayHaveHappened(result.reason)) {
          created += 1;
          failure ??= result.reason;
        } else {
          failure ??= result.reason;
          this.recorder.record(replicaSet, "Warning", "FailedCreate", `Error creating: ${errorMessage(result.reason)}`);
        }
      }
      if (failure !== undefined) break;
    }
    // Pods never created will never be observed: stop waiting for them.
    for (let skipped = count - created; skipped > 0; skipped -= 1) this.expectations.creationObserved(key);
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
  }

  private async deletePods(key: string, replicaSet: ReplicaSet, pods: readonly Pod[]): Promise<void> {
    this.expectations.expectDeletions(key, pods.map(podKey));
    const results = await Promise.allSettled(
      pods.map(async (pod) => {
        try {
          await this.client.delete(resourceTypes.pods, pod.metadata.name ?? "", { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
          this.recorder.record(replicaSet, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name ?? ""}`);
        } catch (error) {
          if (mayHaveHappened(error)) throw error;
          // The informer will not show this deletion: stop waiting for it.
          this.expectations.deletionObserved(key, podKey(pod));
          if (isNotFound(error)) return;
          this.recorder.record(replicaSet, "Warning", "FailedDelete", `Error deleting: ${errorMessage(error)}`);
          throw error;
        }
      }),
    );
    const failed = results.find((result) => result.status === "rejected");
    if (failed !== undefined) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }

  private async writeStatus(replicaSet: ReplicaSet, status: ReplicaSetStatus): Promise<void> {
    if (!replicaSetStatusChanged(replicaSet, status)) return;
    let current: ReplicaSet = replicaSet;
    await retryOnConflict(async () => {
      try {
        await this.client.update<ReplicaSet>(resourceTypes.replicasets, { ...structuredClone(current), status }, { subresource: "status" });
      } catch (error) {
        if (isNotFound(error)) return;
        // Re-read so the next attempt carries the current resourceVersion.
        current = await this.client.get<ReplicaSet>(resourceTypes.replicasets, replicaSet.metadata.name ?? "", replicaSet.metadata.namespace);
        throw error;
      }
    }, 2);
  }
}

export function newReplicaSetController(context: ControllerContext, options: ReplicaSetControllerOptions = {}): Controller {
  return new ReplicaSetController(context, options);
}
