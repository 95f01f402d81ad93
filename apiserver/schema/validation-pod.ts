// PodSpec, Pod and Binding validation (pkg/apis/core/validation: ValidatePodSpec,
// ValidatePodCreate, ValidatePodUpdate, ValidatePodBinding), the rules users meet most.
import { isDeepStrictEqual } from "node:util";
import type { FieldCause, JsonObject } from "./contract.js";
import {
  checkEnum, checkNonNegative, checkUnique, duplicate, forbidden, invalid, notSupported, required,
} from "./field-errors.js";
import { objectAt, objectsAt, stringAt, stringMapAt, jsonCopy } from "./json.js";
import { dns1123Label, dns1123Subdomain, ipAddress, qualifiedName } from "./names.js";
import { validateContainer } from "./validation-container.js";
import { validateLabels } from "./validation-meta.js";

const restartPolicies = ["Always", "OnFailure", "Never"];
const dnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const tolerationOperators = ["Equal", "Exists"];
const taintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/** The volume sources (every Volume field but name). */
function sourcesOf(volume: JsonObject): string[] {
  return Object.keys(volume).filter((key) => key !== "name");
}

function validateVolumes(spec: JsonObject, field: string): { causes: FieldCause[]; names: Set<string> } {
  const causes: FieldCause[] = [];
  const names = new Set<string>();
  objectsAt(spec, "volumes").forEach((volume, index) => {
    const at = `${field}.volumes[${index}]`;
    const name = stringAt(volume, "name") ?? "";
    if (name === "") causes.push(required(`${at}.name`));
    else for (const message of dns1123Label(name)) causes.push(invalid(`${at}.name`, name, message));
    if (names.has(name)) causes.push(duplicate(`${at}.name`, name));
    names.add(name);
    const sources = sourcesOf(volume);
    if (sources.length === 0) causes.push(required(at, "must specify a volume type"));
    if (sources.length > 1) causes.push(forbidden(`${at}.${sources[1] ?? ""}`, "may not specify more than 1 volume type"));
    const requiredFields: Record<string, string> = {
      configMap: "name", secret: "secretName", persistentVolumeClaim: "claimName", hostPath: "path", nfs: "server", csi: "driver",
    };
    for (const [source, key] of Object.entries(requiredFields)) {
      const value = objectAt(volume, source);
      if (value !== undefined && (stringAt(value, key) ?? "") === "") causes.push(required(`${at}.${source}.${key}`));
    }
  });
  return { causes, names };
}

function validateTolerations(spec: JsonObject, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  objectsAt(spec, "tolerations").forEach((toleration, index) => {
    const at = `${field}.tolerations[${index}]`;
    const key = stringAt(toleration, "key") ?? "";
    if (key !== "") for (const message of qualifiedName(key)) causes.push(invalid(`${at}.key`, key, message));
    const operator = stringAt(toleration, "operator") ?? "Equal";
    causes.push(...checkEnum(`${at}.operator`, toleration.operator, tolerationOperators));
    if (key === "" && operator !== "Exists") causes.push(invalid(`${at}.operator`, operator, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
    if (operator === "Exists" && (stringAt(toleration, "value") ?? "") !== "") causes.push(invalid(`${at}.operator`, toleration, "value must be empty when `operator` is 'Exists'"));
    causes.push(...checkEnum(`${at}.effect`, toleration.effect, taintEffects));
    if (toleration.tolerationSeconds !== undefined && toleration.effect !== "NoExecute") {
      causes.push(invalid(`${at}.effect`, toleration.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
  });
  return causes;
}

function validateTopologySpread(spec: JsonObject, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  objectsAt(spec, "topologySpreadConstraints").forEach((constraint, index) => {
    const at = `${field}.topologySpreadConstraints[${index}]`;
    if (typeof constraint.maxSkew !== "number" || constraint.maxSkew <= 0) causes.push(invalid(`${at}.maxSkew`, constraint.maxSkew ?? 0, "must be greater than zero"));
    if ((stringAt(constraint, "topologyKey") ?? "") === "") causes.push(required(`${at}.topologyKey`, "can not be empty"));
    causes.push(...checkEnum(`${at}.whenUnsatisfiable`, constraint.whenUnsatisfiable, ["DoNotSchedule", "ScheduleAnyway"], true));
  });
  return causes;
}

function validateContainerLists(spec: JsonObject, field: string, volumeNames: Set<string>): FieldCause[] {
  const causes: FieldCause[] = [];
  const names: { field: string; value: unknown }[] = [];
  const lists = [["initContainers", "initContainer"], ["containers", "container"], ["ephemeralContainers", "ephemeralContainer"]] as const;
  for (const [key, role] of lists) {
    objectsAt(spec, key).forEach((container, index) => {
      const at = `${field}.${key}[${index}]`;
      causes.push(...validateContainer(container, at, { volumeNames, role }));
      names.push({ field: `${at}.name`, value: stringAt(container, "name") ?? "" });
    });
  }
  return [...causes, ...checkUnique(names.filter((entry) => entry.value !== ""))];
}

export function validatePodSpec(spec: JsonObject | undefined, field: string): FieldCause[] {
  if (spec === undefined) return [required(field)];
  const volumes = validateVolumes(spec, field);
  const causes = [...volumes.causes];
  if (objectsAt(spec, "containers").length === 0) causes.push(required(`${field}.containers`));
  causes.push(...validateContainerLists(spec, field, volumes.names));
  causes.push(...checkEnum(`${field}.restartPolicy`, spec.restartPolicy, restartPolicies, true));
  causes.push(...checkEnum(`${field}.dnsPolicy`, spec.dnsPolicy, dnsPolicies, true));
  if (spec.dnsPolicy === "None" && objectAt(spec, "dnsConfig") === undefined) {
    causes.push(required(`${field}.dnsConfig`, "must provide `dnsConfig` when `dnsPolicy` is None"));
  }
  causes.push(...validateLabels(stringMapAt(spec, "nodeSelector"), `${field}.nodeSelector`));
  causes.push(...checkNonNegative(`${field}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds));
  if (typeof spec.activeDeadlineSeconds === "number" && spec.activeDeadlineSeconds < 1) {
    causes.push(invalid(`${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, "must be between 1 and 2147483647, inclusive"));
  }
  for (const key of ["hostname", "subdomain"]) {
    const value = stringAt(spec, key);
    if (value !== undefined && value !== "") for (const message of dns1123Label(value)) causes.push(invalid(`${field}.${key}`, value, message));
  }
  for (const key of ["serviceAccountName", "nodeName", "priorityClassName"]) {
    const value = stringAt(spec, key);
    if (value !== undefined && value !== "") for (const message of dns1123Subdomain(value)) causes.push(invalid(`${field}.${key}`, value, message));
  }
  causes.push(...validateTolerations(spec, field), ...validateTopologySpread(spec, field));
  objectsAt(spec, "schedulingGates").forEach((gate, index) => {
    const name = stringAt(gate, "name") ?? "";
    for (const message of qualifiedName(name)) causes.push(invalid(`${field}.schedulingGates[${index}].name`, name, message));
  });
  return causes;
}

/** A template's pods must restart Always and may not have a deadline (Deployment, ReplicaSet). */
export function validateReplicatedTemplate(template: JsonObject | undefined, field: string): FieldCause[] {
  const spec = objectAt(template, "spec");
  const causes = [...validateLabels(stringMapAt(objectAt(template, "metadata"), "labels"), `${field}.metadata.labels`), ...validatePodSpec(spec, `${field}.spec`)];
  if (spec !== undefined && spec.restartPolicy !== undefined && spec.restartPolicy !== "Always") {
    causes.push(notSupported(`${field}.spec.restartPolicy`, spec.restartPolicy, ["Always"]));
  }
  if (spec?.activeDeadlineSeconds !== undefined) causes.push(forbidden(`${field}.spec.activeDeadlineSeconds`, "activeDeadlineSeconds in ReplicaSet is not Supported"));
  return causes;
}

const mutablePodFields = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/** ValidatePodUpdate: only images, the deadline, added tolerations and removed gates may change. */
export function validatePodSpecUpdate(spec: JsonObject | undefined, old: JsonObject | undefined): FieldCause[] {
  if (spec === undefined || old === undefined) return [];
  const causes: FieldCause[] = [];
  const comparable = jsonCopy(spec);
  for (const key of ["containers", "initContainers"]) {
    const oldContainers = objectsAt(old, key);
    objectsAt(comparable, key).forEach((container, index) => {
      const oldImage = oldContainers[index]?.image;
      if ((stringAt(container, "image") ?? "") === "") causes.push(required(`spec.${key}[${index}].image`));
      if (oldImage !== undefined) container.image = oldImage;
    });
  }
  const oldDeadline = old.activeDeadlineSeconds;
  const deadline = spec.activeDeadlineSeconds;
  if (typeof oldDeadline === "number" && (typeof deadline !== "number" || deadline > oldDeadline)) {
    causes.push(invalid("spec.activeDeadlineSeconds", deadline ?? null, "must be less than or equal to previous value"));
  }
  comparable.activeDeadlineSeconds = old.activeDeadlineSeconds;
  const oldTolerations = objectsAt(old, "tolerations");
  const kept = oldTolerations.every((toleration) => objectsAt(spec, "tolerations").some((candidate) => isDeepStrictEqual(candidate, toleration)));
  if (!kept) causes.push(forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
  comparable.tolerations = old.tolerations;
  const oldGates = objectsAt(old, "schedulingGates");
  const gates = objectsAt(spec, "schedulingGates");
  if (!gates.every((gate) => oldGates.some((candidate) => isDeepStrictEqual(candidate, gate)))) {
    causes.push(forbidden("spec.schedulingGates", "only deletion is allowed, but found new scheduling gate"));
  }
  comparable.schedulingGates = old.schedulingGates;
  for (const key of Object.keys(comparable)) if (comparable[key] === undefined) delete comparable[key];
  if (!isDeepStrictEqual(comparable, old)) causes.push(forbidden("spec", mutablePodFields));
  return causes;
}

/** ValidatePodStatusUpdate: addresses are IPs, the nominated node a valid node name. */
export function validatePodStatus(pod: JsonObject): FieldCause[] {
  const status = objectAt(pod, "status");
  const causes: FieldCause[] = [];
  const nominated = stringAt(status, "nominatedNodeName") ?? "";
  if (nominated !== "") for (const message of dns1123Subdomain(nominated)) causes.push(invalid("status.nominatedNodeName", nominated, message));
  for (const key of ["podIP", "hostIP"]) {
    const ip = stringAt(status, key) ?? "";
    if (ip !== "") for (const message of ipAddress(ip)) causes.push(invalid(`status.${key}`, ip, message));
  }
  for (const key of ["podIPs", "hostIPs"]) {
    const entries = objectsAt(status, key);
    entries.forEach((entry, index) => {
      const ip = stringAt(entry, "ip") ?? "";
      for (const message of ipAddress(ip)) causes.push(invalid(`status.${key}[${index}].ip`, ip, message));
    });
    causes.push(...checkUnique(entries.map((entry, index) => ({ field: `status.${key}[${index}].ip`, value: entry.ip }))));
  }
  causes.push(...checkEnum("status.phase", status?.phase, ["Pending", "Running", "Succeeded", "Failed", "Unknown"]));
  return causes;
}

export function validateBinding(binding: JsonObject): FieldCause[] {
  const target = objectAt(binding, "target");
  const causes: FieldCause[] = [];
  const kind = stringAt(target, "kind") ?? "";
  if (kind !== "" && kind !== "Node") causes.push(notSupported("target.kind", kind, ["Node", "<empty>"]));
  if ((stringAt(target, "name") ?? "") === "") causes.push(required("target.name"));
  return causes;
}
