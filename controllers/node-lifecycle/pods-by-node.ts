// Pod keys per node, kept from the pods informer's events. The controller keeps its own map
// rather than asking for an index on the shared pods informer, because indexes must be requested
// by the informer's first user and the order in which the manager builds controllers is not ours.
import { objectKey, type Pod } from "../../client/index.js";

export class PodsByNode {
  private readonly byNode = new Map<string, Set<string>>();

  add(pod: Pod): void {
    const node = pod.spec.nodeName;
    if (node === undefined || node === "") return;
    let keys = this.byNode.get(node);
    if (keys === undefined) this.byNode.set(node, (keys = new Set()));
    keys.add(objectKey(pod));
  }

  remove(pod: Pod): void {
    const node = pod.spec.nodeName;
    if (node === undefined) return;
    const keys = this.byNode.get(node);
    keys?.delete(objectKey(pod));
    if (keys?.size === 0) this.byNode.delete(node);
  }

  update(previous: Pod, pod: Pod): void {
    if (previous.spec.nodeName === pod.spec.nodeName) return;
    this.remove(previous);
    this.add(pod);
  }

  keys(node: string): string[] {
    return [...(this.byNode.get(node) ?? [])];
  }
}
