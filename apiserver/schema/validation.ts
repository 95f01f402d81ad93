// validateObject: per-kind semantic validation with Kubernetes' causes, for create, update and
// the status, scale and binding subresources.
import type { FieldCause, JsonObject, KindKey } from "./contract.js";
import { objectAt } from "./json.js";
import type { NameCheck } from "./validation-meta.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "./validation-meta.js";
import { dns1035Label, dns1123Label, dns1123Subdomain } from "./names.js";
import { validateBinding, validatePodSpec, validatePodSpecUpdate, validatePodStatus } from "./validation-pod.js";
import { validateEndpoints, validateService, validateServiceUpdate } from "./validation-service.js";
import { validateDeployment, validateReplicaSet, validateReplicatedStatus, validateScale, validateSelectorUpdate } from "./validation-apps.js";
import { validateConfigMap, validateEvent, validateLease, validateNamespace, validateNode, validateSecret } from "./validation-core.js";

export interface ValidateOptions {
  operation: "create" | "update";
  old?: Record<string, unknown>;
  subresource?: "status" | "scale" | "binding";
}

interface KindRules {
  name: NameCheck;
  namespaced: boolean;
  /** Spec checks, on create and on update of the main resource. */
  object?: (object: JsonObject, old: JsonObject | undefined) => FieldCause[];
  /** Extra checks on update of the main resource (immutable fields). */
  update?: (object: JsonObject, old: JsonObject) => FieldCause[];
  /** Checks on update of the status subresource. */
  status?: (object: JsonObject) => FieldCause[];
}

const rules: Record<string, KindRules> = {
  "/Pod": {
    name: dns1123Subdomain, namespaced: true,
    object: (pod) => validatePodSpec(objectAt(pod, "spec"), "spec"),
    update: (pod, old) => validatePodSpecUpdate(objectAt(pod, "spec"), objectAt(old, "spec")),
    status: validatePodStatus,
  },
  "/Binding": { name: dns1123Subdomain, namespaced: true, object: validateBinding },
  "/Namespace": { name: dns1123Label, namespaced: false, object: validateNamespace, status: validateNamespace },
  "/Node": { name: dns1123Subdomain, namespaced: false, object: validateNode },
  "/Service": { name: dns1035Label, namespaced: true, object: validateService, update: validateServiceUpdate },
  "/Endpoints": { name: dns1123Subdomain, namespaced: true, object: validateEndpoints },
  "/ConfigMap": { name: dns1123Subdomain, namespaced: true, object: validateConfigMap },
  "/Secret": { name: dns1123Subdomain, namespaced: true, object: validateSecret },
  "/Event": { name: dns1123Subdomain, namespaced: true, object: validateEvent },
  "coordination.k8s.io/Lease": { name: dns1123Subdomain, namespaced: true, object: validateLease },
  "apps/Deployment": { name: dns1123Subdomain, namespaced: true, object: validateDeployment, update: validateSelectorUpdate, status: validateReplicatedStatus },
  "apps/ReplicaSet": { name: dns1123Subdomain, namespaced: true, object: validateReplicaSet, update: validateSelectorUpdate, status: validateReplicatedStatus },
  "autoscaling/Scale": { name: dns1123Subdomain, namespaced: true, object: validateScale },
};

export function validateObject(kind: KindKey, object: Record<string, unknown>, options: ValidateOptions): FieldCause[] {
  // /scale and /binding carry a Scale or a Binding whatever the parent kind.
  const subject: KindKey = options.subresource === "scale" ? { group: "autoscaling", version: "v1", kind: "Scale" }
    : options.subresource === "binding" ? { group: "", version: "v1", kind: "Binding" } : kind;
  const kindRules = rules[`${subject.group}/${subject.kind}`];
  if (kindRules === undefined) return [];
  const metadata = objectAt(object, "metadata");
  const old = options.operation === "update" ? options.old : undefined;
  const causes = validateObjectMeta(metadata, kindRules.namespaced, kindRules.name);
  if (old !== undefined && options.subresource !== "scale" && options.subresource !== "binding") {
    causes.push(...validateObjectMetaUpdate(metadata, objectAt(old, "metadata")));
  }
  if (options.subresource === "status") {
    causes.push(...(kindRules.status?.(object) ?? []));
    return causes;
  }
  causes.push(...(kindRules.object?.(object, old) ?? []));
  if (old !== undefined && options.subresource === undefined) causes.push(...(kindRules.update?.(object, old) ?? []));
  return causes;
}
