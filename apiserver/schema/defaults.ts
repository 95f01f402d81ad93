// applyDefaults: Kubernetes' defaulting per kind, pure, keys re-emitted in struct order.
import type { JsonObject, KindKey } from "./contract.js";
import { jsonCopy } from "./json.js";
import { defaultEndpoints, defaultEvent, defaultLease, defaultNamespace, defaultNode, defaultPodShell, defaultSecret, defaultService } from "./defaults-core.js";
import { defaultPodOnly, defaultPodSpec } from "./defaults-pod.js";
import { defaultDeployment, defaultReplicaSet } from "./defaults-apps.js";
import { inStructOrder } from "./decode.js";

const defaulters: Record<string, (object: JsonObject) => void> = {
  "/Pod": (pod) => {
    const spec = defaultPodShell(pod);
    defaultPodOnly(spec);
    defaultPodSpec(spec);
  },
  "/Service": defaultService,
  "/Namespace": defaultNamespace,
  "/Secret": defaultSecret,
  "/Node": defaultNode,
  "/Endpoints": defaultEndpoints,
  "/Event": defaultEvent,
  "coordination.k8s.io/Lease": defaultLease,
  "apps/Deployment": defaultDeployment,
  "apps/ReplicaSet": defaultReplicaSet,
};

export function applyDefaults(kind: KindKey, object: Record<string, unknown>): Record<string, unknown> {
  const copy = jsonCopy(object);
  const defaulter = defaulters[`${kind.group}/${kind.kind}`];
  if (defaulter === undefined) return copy;
  defaulter(copy);
  // Defaults were appended at the ends of their objects.
  return inStructOrder(kind, copy);
}
