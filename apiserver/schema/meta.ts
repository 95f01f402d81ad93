// meta/v1: ObjectMeta, ListMeta, Status, DeleteOptions, OwnerReference, ManagedFieldsEntry,
// LabelSelector, Condition (k8s.io/apimachinery/pkg/apis/meta/v1/types.go, 1.32).
import {
  atomicStruct, boolean, freeForm, int32, int64, list, mapList, setList, string, stringList, stringMap, struct, time,
} from "./dsl.js";

const metaV1 = "io.k8s.apimachinery.pkg.apis.meta.v1.";

export const ownerReference = atomicStruct(`${metaV1}OwnerReference`, {
  apiVersion: string, kind: string, name: string, uid: string, controller: boolean, blockOwnerDeletion: boolean,
}, ["apiVersion", "kind", "name", "uid"]);

export const managedFieldsEntry = struct(`${metaV1}ManagedFieldsEntry`, {
  manager: string, operation: string, apiVersion: string, time,
  fieldsType: string, fieldsV1: freeForm.meta({ id: `${metaV1}FieldsV1` }), subresource: string,
});

export const objectMeta = struct(`${metaV1}ObjectMeta`, {
  name: string, generateName: string, namespace: string, selfLink: string, uid: string,
  resourceVersion: string, generation: int64, creationTimestamp: time, deletionTimestamp: time,
  deletionGracePeriodSeconds: int64, labels: stringMap, annotations: stringMap,
  ownerReferences: mapList(ownerReference, ["uid"]), finalizers: setList(string, true),
  managedFields: list(managedFieldsEntry),
});

export const listMeta = struct(`${metaV1}ListMeta`, {
  selfLink: string, resourceVersion: string, continue: string, remainingItemCount: int64,
});

export const labelSelectorRequirement = struct(`${metaV1}LabelSelectorRequirement`, {
  key: string, operator: string, values: stringList,
}, ["key", "operator"]);

export const labelSelector = atomicStruct(`${metaV1}LabelSelector`, {
  matchLabels: stringMap, matchExpressions: list(labelSelectorRequirement),
});

export const condition = struct(`${metaV1}Condition`, {
  type: string, status: string, observedGeneration: int64, lastTransitionTime: time, reason: string, message: string,
}, ["type", "status", "lastTransitionTime", "reason", "message"]);

export const statusCause = struct(`${metaV1}StatusCause`, { reason: string, message: string, field: string });

export const statusDetails = struct(`${metaV1}StatusDetails`, {
  name: string, group: string, kind: string, uid: string, causes: list(statusCause), retryAfterSeconds: int32,
});

export const status = struct(`${metaV1}Status`, {
  kind: string, apiVersion: string, metadata: listMeta, status: string, message: string, reason: string,
  details: statusDetails, code: int32,
}, [], { "x-kubernetes-group-version-kind": [{ group: "", version: "v1", kind: "Status" }] });

export const preconditions = struct(`${metaV1}Preconditions`, { uid: string, resourceVersion: string });

export const deleteOptions = struct(`${metaV1}DeleteOptions`, {
  kind: string, apiVersion: string, gracePeriodSeconds: int64, preconditions, orphanDependents: boolean,
  propagationPolicy: string, dryRun: list(string), ignoreStoreReadErrorWithClusterBreakingPotential: boolean,
});
