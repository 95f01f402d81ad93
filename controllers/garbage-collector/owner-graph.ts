// The garbage collector's in-memory graph (upstream's GraphBuilder.uidToNode): every object the
// watched informers hold, by uid, with the uids of its dependents. An owner referenced but never
// seen (upstream's "virtual" node) is simply absent from `objects`; its dependents are still
// listed under its uid, so that they can be found when it turns out not to exist.
import type { KubeObject, ResourceType } from "../../client/index.js";

export interface GraphEntry {
  readonly type: ResourceType;
  readonly object: KubeObject;
}

export class OwnerGraph {
  private readonly objects = new Map<string, GraphEntry>();
  private readonly dependents = new Map<string, Set<string>>();

  get size(): number {
    return this.objects.size;
  }

  get(uid: string): GraphEntry | undefined {
    return this.objects.get(uid);
  }

  /** Records the object's current state; its owner links follow its ownerReferences. */
  upsert(type: ResourceType, object: KubeObject): void {
    const uid = object.metadata.uid;
    if (uid === undefined) return;
    const previous = this.objects.get(uid);
    if (previous !== undefined) this.unlink(uid, previous.object);
    this.objects.set(uid, { type, object });
    for (const reference of object.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(reference.uid);
      if (set === undefined) this.dependents.set(reference.uid, (set = new Set()));
      set.add(uid);
    }
  }

  remove(object: KubeObject): void {
    const uid = object.metadata.uid;
    if (uid === undefined) return;
    const previous = this.objects.get(uid);
    if (previous === undefined) return;
    this.unlink(uid, previous.object);
    this.objects.delete(uid);
  }

  /** Dependents present in the graph that still reference `ownerUid`. */
  dependentsOf(ownerUid: string): GraphEntry[] {
    const result: GraphEntry[] = [];
    for (const uid of this.dependents.get(ownerUid) ?? []) {
      const entry = this.objects.get(uid);
      if (entry !== undefined) result.push(entry);
    }
    return result;
  }

  private unlink(uid: string, object: KubeObject): void {
    for (const reference of object.metadata.ownerReferences ?? []) {
      const set = this.dependents.get(reference.uid);
      set?.delete(uid);
      if (set?.size === 0) this.dependents.delete(reference.uid);
    }
  }
}
