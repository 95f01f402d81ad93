// garbage-collector — deletes objects whose owners are gone (Background), deletes an owner's
// dependents first when it is deleted in the Foreground, and orphans them for Orphan deletions,
// from an owner graph built from ownerReferences across every watched resource.
export { newGarbageCollectorController } from "./garbage-collector.js";
