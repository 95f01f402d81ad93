// Namespace, Node, ConfigMap, Secret, Event and Lease validation (pkg/apis/core/validation,
// pkg/apis/coordination/validation).
import { isDeepStrictEqual } from "node:util";
import type { FieldCause, JsonObject } from "./contract.js";
import { checkEnum, checkNonNegative, duplicate, forbidden, immutable, invalid, required, tooLong } from "./field-errors.js";
import { objectAt, objectsAt, stringAt, stringMapAt, stringsAt } from "./json.js";
import { configKey, qualifiedName } from "./names.js";

const maxConfigSize = 1024 * 1024;

export function validateNamespace(namespace: JsonObject): FieldCause[] {
  const causes: FieldCause[] = [];
  stringsAt(objectAt(namespace, "spec"), "finalizers").forEach((finalizer, index) => {
    for (const message of qualifiedName(finalizer)) causes.push(invalid(`spec.finalizers[${index}]`, finalizer, message));
  });
  causes.push(...checkEnum("status.phase", objectAt(namespace, "status")?.phase, ["Active", "Terminating"]));
  return causes;
}

export function validateNode(node: JsonObject, old: JsonObject | undefined): FieldCause[] {
  const spec = objectAt(node, "spec");
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  objectsAt(spec, "taints").forEach((taint, index) => {
    const at = `spec.taints[${index}]`;
    const key = stringAt(taint, "key") ?? "";
    for (const message of qualifiedName(key)) causes.push(invalid(`${at}.key`, key, message));
    causes.push(...checkEnum(`${at}.effect`, taint.effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"], true));
    const identity = `${key}:${String(taint.effect)}`;
    if (seen.has(identity)) causes.push(duplicate(at, identity));
    seen.add(identity);
  });
  const oldSpec = objectAt(old, "spec");
  const oldCIDRs = stringsAt(oldSpec, "podCIDRs");
  if (oldCIDRs.length > 0 && !isDeepStrictEqual(stringsAt(spec, "podCIDRs"), oldCIDRs)) {
    causes.push(forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"));
  }
  const oldProviderID = stringAt(oldSpec, "providerID") ?? "";
  if (oldProviderID !== "" && stringAt(spec, "providerID") !== oldProviderID) {
    causes.push(forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"));
  }
  return causes;
}

/** Keys of data and binaryData (or Secret data and stringData): valid, not repeated, 1 MiB in all. */
function validateConfigData(object: JsonObject, dataKeys: readonly [string, string]): FieldCause[] {
  const causes: FieldCause[] = [];
  const keys = new Set<string>();
  let size = 0;
  for (const field of dataKeys) {
    for (const [key, value] of Object.entries(objectAt(object, field) ?? {})) {
      for (const message of configKey(key)) causes.push(invalid(`${field}[${key}]`, key, message));
      if (keys.has(key) && field === dataKeys[1] && dataKeys[1] === "binaryData") causes.push(duplicate(`${field}[${key}]`, key));
      keys.add(key);
      size += typeof value === "string" ? value.length : 0;
    }
  }
  if (size > maxConfigSize) causes.push(tooLong(dataKeys[0], maxConfigSize));
  return causes;
}

/** With immutable: true, data may not change and immutable may not be unset. */
function validateImmutableData(object: JsonObject, old: JsonObject | undefined, dataKeys: readonly string[]): FieldCause[] {
  if (old?.immutable !== true) return [];
  const causes: FieldCause[] = [];
  if (object.immutable !== true) causes.push(forbidden("immutable", "field is immutable when `immutable` is set"));
  for (const key of dataKeys) {
    if (!isDeepStrictEqual(object[key] ?? {}, old[key] ?? {})) causes.push(forbidden(key, "field is immutable when `immutable` is set"));
  }
  return causes;
}

export function validateConfigMap(configMap: JsonObject, old: JsonObject | undefined): FieldCause[] {
  return [...validateConfigData(configMap, ["data", "binaryData"]), ...validateImmutableData(configMap, old, ["data", "binaryData"])];
}

const secretRequiredKeys: Record<string, string[]> = {
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
};

export function validateSecret(secret: JsonObject, old: JsonObject | undefined): FieldCause[] {
  const causes = [...validateConfigData(secret, ["data", "stringData"]), ...validateImmutableData(secret, old, ["data"])];
  const type = stringAt(secret, "type") ?? "Opaque";
  const data = { ...(objectAt(secret, "data") ?? {}), ...stringMapAt(secret, "stringData") };
  for (const key of secretRequiredKeys[type] ?? []) if (data[key] === undefined) causes.push(required(`data[${key}]`));
  if (type === "kubernetes.io/service-account-token" && (stringMapAt(objectAt(secret, "metadata"), "annotations")["kubernetes.io/service-account.name"] ?? "") === "") {
    causes.push(required("metadata.annotations[kubernetes.io/service-account.name]"));
  }
  if (type === "kubernetes.io/basic-auth" && data.username === undefined && data.password === undefined) {
    causes.push(required("data[username]", "either username or password must be specified"));
  }
  if (old !== undefined && (stringAt(old, "type") ?? "Opaque") !== type) causes.push(immutable("type", type));
  return causes;
}

/** legacyValidateEvent: events without eventTime (core/v1 style) must agree on the namespace. */
export function validateEvent(event: JsonObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const namespace = stringAt(objectAt(event, "metadata"), "namespace") ?? "";
  const involvedNamespace = stringAt(objectAt(event, "involvedObject"), "namespace") ?? "";
  const mismatch = invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace");
  if (event.eventTime === undefined) {
    if (involvedNamespace === "" ? namespace !== "" && namespace !== "default" : namespace !== involvedNamespace) causes.push(mismatch);
  } else {
    if (involvedNamespace === "" && namespace !== "default" && namespace !== "kube-system") causes.push(mismatch);
    for (const key of ["reportingComponent", "reportingInstance", "action", "reason"]) {
      if ((stringAt(event, key) ?? "") === "") causes.push(required(key));
    }
  }
  causes.push(...checkNonNegative("count", event.count));
  return causes;
}

export function validateLease(lease: JsonObject): FieldCause[] {
  const spec = objectAt(lease, "spec");
  const causes: FieldCause[] = [];
  if (typeof spec?.leaseDurationSeconds === "number" && spec.leaseDurationSeconds <= 0) {
    causes.push(invalid("spec.leaseDurationSeconds", spec.leaseDurationSeconds, "must be greater than 0"));
  }
  causes.push(...checkNonNegative("spec.leaseTransitions", spec?.leaseTransitions));
  causes.push(...checkEnum("spec.strategy", spec?.strategy, ["OldestEmulationVersion"]));
  return causes;
}
