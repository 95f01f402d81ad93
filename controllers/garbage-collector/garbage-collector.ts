// The garbage collector's shell: every watched resource's informer feeds the owner graph; a work
// queue of uids drives reconcile, which does an owner's duties (orphan its dependents, or wait
// for them in the foreground and then drop the finalizer) and a dependent's (deleted when no
// owner of it is left). The cache only says when to look: before deleting or changing anything,
// the object and its owners are read live and their uids compared, because a cache may lag.
import {
  WorkQueue,
  isConflict,
  isNotFound,
  resourceTypes,
  retryOnConflict,
  type KubeObject,
  type OwnerReference,
  type ResourceType,
} from "../../client/index.js";
import { type Controller, type ControllerContext, runWorkers } from "../controller.js";
import {
  isBeingDeleted,
  isDeletingDependents,
  ownerStateOf,
  planDependent,
  planOwner,
  withUnblockedOwnerReferences,
  withoutFinalizer,
  withoutOwnerReferences,
  type DependentLink,
  type OwnerState,
} from "./decisions.js";
import { OwnerGraph, type GraphEntry } from "./owner-graph.js";

/**
 * Every resource the client knows except events (kube-controller-manager's default ignored
 * resources). Namespaces included: one deleted with propagationPolicy Orphan or Foreground waits
 * for this collector to remove `orphan` or `foregroundDeletion`, as any object.
 */
const watchedTypes: readonly ResourceType[] = Object.values(resourceTypes).filter((type) => type.resource !== "events");
/** kube-controller-manager's --concurrent-gc-syncs default. */
const gcWorkers = 20;
/** Owners verified absent, remembered by uid (uids are never reused): upstream's absentOwnerCache size. */
const absentOwnersMax = 500;

const typesByKind = new Map(Object.values(resourceTypes).map((type) => [`${type.apiVersion}/${type.kind}`, type as ResourceType]));

function sameOwnerLinks(previous: KubeObject, object: KubeObject): boolean {
  return JSON.stringify(previous.metadata.ownerReferences ?? []) === JSON.stringify(object.metadata.ownerReferences ?? []);
}

function sameDeletionState(previous: KubeObject, object: KubeObject): boolean {
  return previous.metadata.deletionTimestamp === object.metadata.deletionTimestamp && JSON.stringify(previous.metadata.finalizers ?? []) === JSON.stringify(object.metadata.finalizers ?? []);
}

class GarbageCollector implements Controller {
  readonly name = "garbage-collector-controller";
  private readonly graph = new OwnerGraph();
  private readonly queue = new WorkQueue();
  private readonly absentOwners = new Set<string>();

  constructor(private readonly ctx: ControllerContext) {
    for (const type of watchedTypes) {
      ctx.informers.informer<KubeObject>(type).addHandler({
        onAdd: (object) => {
          this.graph.upsert(type, object);
          if ((object.metadata.ownerReferences ?? []).length > 0 || isBeingDeleted(object)) this.enqueue(object);
        },
        onUpdate: (previous, object) => {
          this.graph.upsert(type, object);
          if (sameOwnerLinks(previous, object) && sameDeletionState(previous, object)) return;
          this.enqueue(object);
          this.enqueueWaitingOwners(previous);
          this.enqueueWaitingOwners(object);
        },
        onDelete: (object) => {
          this.graph.remove(object);
          // Its dependents lost an owner; owners waiting on it may be done.
          for (const dependent of this.graph.dependentsOf(object.metadata.uid ?? "")) this.enqueue(dependent.object);
          this.enqueueWaitingOwners(object);
        },
      });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.name, this.queue, gcWorkers, (uid) => this.reconcile(uid), this.ctx.logger, signal);
  }

  private enqueue(object: KubeObject): void {
    if (object.metadata.uid !== undefined) this.queue.add(object.metadata.uid);
  }

  private enqueueWaitingOwners(object: KubeObject): void {
    for (const reference of object.metadata.ownerReferences ?? []) {
      const owner = this.graph.get(reference.uid);
      if (owner !== undefined && isBeingDeleted(owner.object)) this.queue.add(reference.uid);
    }
  }

  private async reconcile(uid: string): Promise<void> {
    const entry = this.graph.get(uid);
    if (entry === undefined) return;
    await this.ownerDuties(uid, entry);
    await this.dependentDuties(uid, entry);
  }

  // ---------- as an owner ----------

  private links(ownerUid: string): DependentLink[] {
    const links: DependentLink[] = [];
    for (const dependent of this.graph.dependentsOf(ownerUid)) {
      const reference = dependent.object.metadata.ownerReferences?.find((r) => r.uid === ownerUid);
      if (reference !== undefined && dependent.object.metadata.uid !== undefined) links.push({ uid: dependent.object.metadata.uid, reference });
    }
    return links;
  }

  private async ownerDuties(uid: string, entry: GraphEntry): Promise<void> {
    const action = planOwner(entry.object, this.links(uid));
    switch (action.kind) {
      case "none":
        return;
      case "delete-dependents":
        // Each dependent's own reconcile sees its owner waiting and deletes it.
        for (const dependentUid of action.dependentUids) this.queue.add(dependentUid);
        return;
      case "orphan-dependents":
        for (const dependentUid of action.dependentUids) await this.orphan(dependentUid, uid);
        await this.removeFinalizer(entry, "orphan");
        return;
      case "remove-finalizer":
        await this.removeFinalizer(entry, action.finalizer);
        return;
    }
  }

  private async orphan(dependentUid: string, ownerUid: string): Promise<void> {
    const dependent = this.graph.get(dependentUid);
    if (dependent === undefined) return;
    await this.rewriteLive(dependent, (live) => withoutOwnerReferences(live, [ownerUid]));
    this.ctx.logger.info({ controller: this.name, object: describe(dependent), owner: ownerUid }, "orphaned a dependent");
  }

  private async removeFinalizer(entry: GraphEntry, finalizer: string): Promise<void> {
    await this.rewriteLive(entry, (live) => withoutFinalizer(live, finalizer));
    this.ctx.logger.info({ controller: this.name, object: describe(entry), finalizer }, "removed finalizer: dependents handled");
  }

  /** Reads the object live, applies `change`, writes it back; retried on conflict; gone is fine. */
  private async rewriteLive(entry: GraphEntry, change: (live: KubeObject) => KubeObject | undefined): Promise<void> {
    const { name = "", namespace, uid } = entry.object.metadata;
    try {
      await retryOnConflict(async () => {
        const live = await this.ctx.client.get<KubeObject>(entry.type, name, namespace);
        if (live.metadata.uid !== uid) return;
        const changed = change(live);
        if (changed !== undefined) await this.ctx.client.update(entry.type, changed);
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  // ---------- as a dependent ----------

  /** Owner states as the cache sees them; undefined where only a live read can tell. */
  private cachedOwnerState(reference: OwnerReference): OwnerState | undefined {
    if (this.absentOwners.has(reference.uid)) return "absent";
    const owner = this.graph.get(reference.uid);
    return owner === undefined ? undefined : ownerStateOf(owner.object);
  }

  private async dependentDuties(uid: string, entry: GraphEntry): Promise<void> {
    const references = entry.object.metadata.ownerReferences ?? [];
    if (references.length === 0) return;
    if (isBeingDeleted(entry.object) && !isDeletingDependents(entry.object)) return;
    // Fast path: every owner present and not waiting — nothing to verify.
    if (references.every((reference) => this.cachedOwnerState(reference) === "solid")) return;
    const { name = "", namespace } = entry.object.metadata;
    let latest: KubeObject;
    try {
      latest = await this.ctx.client.get<KubeObject>(entry.type, name, namespace);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    if (latest.metadata.uid !== uid) return;
    const states = new Map<string, OwnerState>();
    for (const reference of latest.metadata.ownerReferences ?? []) states.set(reference.uid, await this.liveOwnerState(reference, namespace));
    const dependents = this.graph.dependentsOf(uid);
    const action = planDependent(latest, states, {
      hasDependents: dependents.length > 0,
      dependentIsDeletingDependents: dependents.some((dependent) => isDeletingDependents(dependent.object)),
    });
    if (action.kind === "none") return;
    const live: GraphEntry = { type: entry.type, object: latest };
    if (action.kind === "remove-owner-references") {
      await this.rewriteLive(live, (object) => withoutOwnerReferences(object, action.uids));
      this.ctx.logger.info({ controller: this.name, object: describe(live), owners: action.uids }, "removed references to owners that are gone or deleting");
      return;
    }
    if (action.unblockUids.length > 0) await this.rewriteLive(live, (object) => withUnblockedOwnerReferences(object, action.unblockUids));
    try {
      await this.ctx.client.delete(entry.type, name, { ...(namespace === undefined ? {} : { namespace }), propagationPolicy: action.policy, preconditions: { uid } });
      this.ctx.logger.info({ controller: this.name, object: describe(live), policy: action.policy }, "deleted a dependent whose owners are gone");
    } catch (error) {
      // Gone already, or replaced by another object of that name (the uid precondition failed).
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }

  /** isDangling: the owner read live by name, compared by uid. Unknown kinds count as present. */
  private async liveOwnerState(reference: OwnerReference, dependentNamespace: string | undefined): Promise<OwnerState> {
    if (this.absentOwners.has(reference.uid)) return "absent";
    const type = typesByKind.get(`${reference.apiVersion}/${reference.kind}`);
    if (type === undefined) return "solid";
    if (type.namespaced && dependentNamespace === undefined) return "solid";
    try {
      const owner = await this.ctx.client.get<KubeObject>(type, reference.name, type.namespaced ? dependentNamespace : undefined);
      if (owner.metadata.uid === reference.uid) return ownerStateOf(owner);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    this.rememberAbsent(reference.uid);
    return "absent";
  }

  private rememberAbsent(uid: string): void {
    this.absentOwners.add(uid);
    if (this.absentOwners.size > absentOwnersMax) {
      const oldest = this.absentOwners.values().next().value;
      if (oldest !== undefined) this.absentOwners.delete(oldest);
    }
  }
}

function describe(entry: GraphEntry): string {
  const { namespace, name } = entry.object.metadata;
  return `${entry.type.resource}/${namespace === undefined ? "" : `${namespace}/`}${name ?? ""}`;
}

/** The garbage collector (kube-controller-manager's garbage-collector-controller). */
export function newGarbageCollectorController(ctx: ControllerContext): Controller {
  return new GarbageCollector(ctx);
}
