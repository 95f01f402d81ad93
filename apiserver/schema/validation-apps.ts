// Deployment, ReplicaSet and Scale validation (pkg/apis/apps/validation, autoscaling).
import type { FieldCause, JsonObject } from "./contract.js";
import { checkEnum, checkNonNegative, forbidden, immutable, invalid, required } from "./field-errors.js";
import { objectAt, stringMapAt } from "./json.js";
import { isEmptySelector, selectorMatches, validateLabelSelector } from "./validation-meta.js";
import { validateReplicatedTemplate } from "./validation-pod.js";
import { isDeepStrictEqual } from "node:util";

const percentPattern = /^[0-9]+%$/;

/** Selector required, non-empty, valid and matching the template's labels; template valid. */
function validateSelectorAndTemplate(spec: JsonObject, kind: string): FieldCause[] {
  const selector = objectAt(spec, "selector");
  const template = objectAt(spec, "template");
  const causes: FieldCause[] = [];
  if (selector === undefined) causes.push(required("spec.selector"));
  else if (isEmptySelector(selector)) causes.push(invalid("spec.selector", selector, `empty selector is invalid for ${kind}`));
  else causes.push(...validateLabelSelector(selector, "spec.selector"));
  if (template === undefined) {
    if (kind === "deployment") causes.push(required("spec.template"));
    return causes;
  }
  const labels = stringMapAt(objectAt(template, "metadata"), "labels");
  if (selector !== undefined && !isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    causes.push(invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"));
  }
  return [...causes, ...validateReplicatedTemplate(template, "spec.template")];
}

function validateIntOrPercent(value: unknown, field: string): FieldCause[] {
  if (typeof value === "number") return checkNonNegative(field, value);
  if (typeof value !== "string") return [];
  if (!percentPattern.test(value)) {
    return [invalid(field, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  }
  return Number.parseInt(value, 10) > 100 ? [invalid(field, value, "must not be greater than 100%")] : [];
}

function isZero(value: unknown): boolean {
  return value === 0 || (typeof value === "string" && percentPattern.test(value) && Number.parseInt(value, 10) === 0);
}

function validateStrategy(spec: JsonObject): FieldCause[] {
  const strategy = objectAt(spec, "strategy");
  const causes = checkEnum("spec.strategy.type", strategy?.type, ["Recreate", "RollingUpdate"], true);
  const rollingUpdate = objectAt(strategy, "rollingUpdate");
  if (strategy?.type === "Recreate" && rollingUpdate !== undefined) {
    causes.push(forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
  }
  if (rollingUpdate !== undefined) {
    causes.push(...validateIntOrPercent(rollingUpdate.maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable"));
    causes.push(...validateIntOrPercent(rollingUpdate.maxSurge, "spec.strategy.rollingUpdate.maxSurge"));
    if (isZero(rollingUpdate.maxUnavailable) && isZero(rollingUpdate.maxSurge)) {
      causes.push(invalid("spec.strategy.rollingUpdate.maxUnavailable", rollingUpdate.maxUnavailable, "may not be 0 when `maxSurge` is 0"));
    }
  }
  return causes;
}

export function validateDeployment(deployment: JsonObject): FieldCause[] {
  const spec = objectAt(deployment, "spec") ?? {};
  const causes = [...checkNonNegative("spec.replicas", spec.replicas), ...validateSelectorAndTemplate(spec, "deployment"), ...validateStrategy(spec)];
  causes.push(...checkNonNegative("spec.minReadySeconds", spec.minReadySeconds), ...checkNonNegative("spec.revisionHistoryLimit", spec.revisionHistoryLimit));
  const deadline = spec.progressDeadlineSeconds;
  if (typeof deadline === "number") {
    causes.push(...checkNonNegative("spec.progressDeadlineSeconds", deadline));
    if (typeof spec.minReadySeconds === "number" && deadline <= spec.minReadySeconds) {
      causes.push(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
    }
  }
  return causes;
}

export function validateReplicaSet(replicaSet: JsonObject): FieldCause[] {
  const spec = objectAt(replicaSet, "spec") ?? {};
  return [...checkNonNegative("spec.replicas", spec.replicas), ...checkNonNegative("spec.minReadySeconds", spec.minReadySeconds), ...validateSelectorAndTemplate(spec, "replicaset")];
}

/** apps/v1 selectors are immutable once created. */
export function validateSelectorUpdate(object: JsonObject, old: JsonObject): FieldCause[] {
  const selector = objectAt(objectAt(object, "spec"), "selector");
  return isDeepStrictEqual(selector, objectAt(objectAt(old, "spec"), "selector")) ? [] : [immutable("spec.selector", selector ?? null)];
}

const statusCounters = ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas", "fullyLabeledReplicas", "observedGeneration", "collisionCount"];

export function validateReplicatedStatus(object: JsonObject): FieldCause[] {
  const status = objectAt(object, "status") ?? {};
  const causes = statusCounters.flatMap((key) => checkNonNegative(`status.${key}`, status[key]));
  for (const key of ["readyReplicas", "availableReplicas", "updatedReplicas"]) {
    if (typeof status[key] === "number" && typeof status.replicas === "number" && status[key] > status.replicas) {
      causes.push(invalid(`status.${key}`, status[key], "cannot be greater than status.replicas"));
    }
  }
  return causes;
}

export function validateScale(scale: JsonObject): FieldCause[] {
  return checkNonNegative("spec.replicas", objectAt(scale, "spec")?.replicas);
}
