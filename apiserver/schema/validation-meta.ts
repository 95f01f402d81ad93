// ObjectMeta, label, annotation and label-selector validation (apimachinery's
// ValidateObjectMeta, ValidateLabels, ValidateAnnotations, ValidateLabelSelector).
import type { FieldCause, JsonObject } from "./contract.js";
import { checkEnum, forbidden, immutable, invalid, required, tooLong } from "./field-errors.js";
import { objectAt, objectsAt, stringAt, stringMapAt, stringsAt } from "./json.js";
import { labelValue, qualifiedName } from "./names.js";

export type NameCheck = (name: string) => string[];

const totalAnnotationSizeLimit = 256 * 1024;

export function validateLabels(labels: Record<string, string>, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const message of qualifiedName(key)) causes.push(invalid(field, key, message));
    for (const message of labelValue(value)) causes.push(invalid(field, value, message));
  }
  return causes;
}

function validateAnnotations(annotations: Record<string, string>, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    for (const message of qualifiedName(key.toLowerCase())) causes.push(invalid(field, key, message));
    size += key.length + value.length;
  }
  if (size > totalAnnotationSizeLimit) causes.push(tooLong(field, totalAnnotationSizeLimit));
  return causes;
}

function validateOwnerReferences(metadata: JsonObject, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  let controllers = 0;
  objectsAt(metadata, "ownerReferences").forEach((reference, index) => {
    const at = `${field}[${index}]`;
    for (const key of ["apiVersion", "kind", "name", "uid"]) {
      if (stringAt(reference, key) === undefined || stringAt(reference, key) === "") causes.push(required(`${at}.${key}`));
    }
    if (reference.controller === true) controllers += 1;
  });
  if (controllers > 1) causes.push(invalid(field, "", "Only one reference can have Controller set to true"));
  return causes;
}

/** metadata checks common to every kind; `nameCheck` is the kind's name rule. */
export function validateObjectMeta(metadata: JsonObject | undefined, namespaced: boolean, nameCheck: NameCheck): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = stringAt(metadata, "name");
  const generateName = stringAt(metadata, "generateName");
  if (name === undefined || name === "") {
    causes.push(required("metadata.name", "name or generateName is required"));
  } else {
    for (const message of nameCheck(name)) causes.push(invalid("metadata.name", name, message));
  }
  if (generateName !== undefined && generateName !== "") {
    // generateName gets a random suffix: only its prefix must be valid.
    const prefix = generateName.replace(/-$/, "");
    for (const message of nameCheck(`${prefix}a`)) causes.push(invalid("metadata.generateName", generateName, message));
  }
  const namespace = stringAt(metadata, "namespace");
  if (namespaced && (namespace === undefined || namespace === "")) causes.push(required("metadata.namespace"));
  if (!namespaced && namespace !== undefined && namespace !== "") causes.push(forbidden("metadata.namespace", "not allowed on this type"));
  causes.push(...validateLabels(stringMapAt(metadata, "labels"), "metadata.labels"));
  causes.push(...validateAnnotations(stringMapAt(metadata, "annotations"), "metadata.annotations"));
  causes.push(...validateOwnerReferences(metadata ?? {}, "metadata.ownerReferences"));
  stringsAt(metadata, "finalizers").forEach((finalizer, index) => {
    for (const message of qualifiedName(finalizer)) causes.push(invalid(`metadata.finalizers[${index}]`, finalizer, message));
  });
  return causes;
}

export function validateObjectMetaUpdate(metadata: JsonObject | undefined, old: JsonObject | undefined): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const key of ["name", "namespace"]) {
    const value = metadata?.[key];
    if (old !== undefined && value !== old[key]) causes.push(immutable(`metadata.${key}`, value));
  }
  // An object being deleted takes no new finalizers (ValidateNoNewFinalizers): only DELETE adds them.
  if (old?.deletionTimestamp !== undefined) {
    const kept = new Set(stringsAt(old, "finalizers"));
    const added = [...new Set(stringsAt(metadata, "finalizers").filter((finalizer) => !kept.has(finalizer)))].sort();
    if (added.length > 0) {
      causes.push(forbidden("metadata.finalizers", `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}`));
    }
  }
  return causes;
}

const selectorOperators = ["In", "NotIn", "Exists", "DoesNotExist"];

export function validateLabelSelector(selector: JsonObject | undefined, field: string): FieldCause[] {
  if (selector === undefined) return [];
  const causes = validateLabels(stringMapAt(selector, "matchLabels"), `${field}.matchLabels`);
  objectsAt(selector, "matchExpressions").forEach((expression, index) => {
    const at = `${field}.matchExpressions[${index}]`;
    const operator = stringAt(expression, "operator");
    causes.push(...checkEnum(`${at}.operator`, operator, selectorOperators, true));
    const values = stringsAt(expression, "values");
    if ((operator === "In" || operator === "NotIn") && values.length === 0) {
      causes.push(required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    }
    if ((operator === "Exists" || operator === "DoesNotExist") && values.length > 0) {
      causes.push(forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    }
    const key = stringAt(expression, "key") ?? "";
    for (const message of qualifiedName(key)) causes.push(invalid(`${at}.key`, key, message));
  });
  return causes;
}

/** Whether a label selector selects the given labels (matchLabels and matchExpressions). */
export function selectorMatches(selector: JsonObject | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return false;
  for (const [key, value] of Object.entries(stringMapAt(selector, "matchLabels"))) if (labels[key] !== value) return false;
  return objectsAt(selector, "matchExpressions").every((expression) => {
    const key = stringAt(expression, "key") ?? "";
    const values = stringsAt(expression, "values");
    const present = Object.hasOwn(labels, key);
    switch (stringAt(expression, "operator")) {
      case "In": return present && values.includes(labels[key] ?? "");
      case "NotIn": return !present || !values.includes(labels[key] ?? "");
      case "Exists": return present;
      case "DoesNotExist": return !present;
      default: return false;
    }
  });
}

export function isEmptySelector(selector: JsonObject | undefined): boolean {
  return Object.keys(objectAt(selector, "matchLabels") ?? {}).length === 0 && objectsAt(selector, "matchExpressions").length === 0;
}
