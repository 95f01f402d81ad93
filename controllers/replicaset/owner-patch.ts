// Writing an adoption or release (ControllerRefManager's patch calls), shared by the ReplicaSet
// controller (pods) and the Deployment controller (ReplicaSets).
import { isInvalid, isNotFound, type KubeClient, type KubeObject, type resourceTypes } from "../../client/index.js";

type ChildType = typeof resourceTypes.pods | typeof resourceTypes.replicasets;

/** Strategic-merge patch of a child's ownerReferences; a child that is gone or invalid is left alone, as upstream does. */
export async function patchOwnerReferences(client: KubeClient, type: ChildType, child: KubeObject, patch: unknown): Promise<void> {
  try {
    await client.patch(type, child.metadata.name ?? "", patch, { namespace: child.metadata.namespace, patchType: "strategic" });
  } catch (error) {
    if (isNotFound(error) || isInvalid(error)) return;
    throw error;
  }
}
