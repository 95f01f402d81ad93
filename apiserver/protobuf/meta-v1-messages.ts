// k8s.io/apimachinery meta/v1 (ObjectMeta and friends) and k8s.io/api apps/v1 (Deployment)
// generated.proto. metav1.Time, resource.Quantity, intstr.IntOrString and metav1.FieldsV1 have
// their own JSON forms and are decoded by special-types.ts, not from a table.
import type { MessageTable } from "./schema.js";

export const metaV1Messages: MessageTable = {
  ObjectMeta: [
    "1 name string", "2 generateName string", "3 namespace string", "4 selfLink string", "5 uid string",
    "6 resourceVersion string", "7 generation int64", "8 creationTimestamp Time req", "9 deletionTimestamp Time",
    "10 deletionGracePeriodSeconds int64 ptr", "11 labels map<string>", "12 annotations map<string>",
    "13 ownerReferences []OwnerReference", "14 finalizers []string", "17 managedFields []ManagedFieldsEntry",
  ],
  OwnerReference: [
    "5 apiVersion string req", "1 kind string req", "3 name string req", "4 uid string req",
    "6 controller bool ptr", "7 blockOwnerDeletion bool ptr",
  ],
  ManagedFieldsEntry: [
    "1 manager string", "2 operation string", "3 apiVersion string", "4 time Time", "6 fieldsType string",
    "7 fieldsV1 FieldsV1", "8 subresource string",
  ],
  LabelSelector: ["1 matchLabels map<string>", "2 matchExpressions []LabelSelectorRequirement"],
  LabelSelectorRequirement: ["1 key string req", "2 operator string req", "3 values []string"],
  Condition: [
    "1 type string req", "2 status string req", "3 observedGeneration int64", "4 lastTransitionTime Time req",
    "5 reason string req", "6 message string req",
  ],
};

export const appsV1Messages: MessageTable = {
  Deployment: ["1 metadata ObjectMeta req", "2 spec DeploymentSpec req", "3 status DeploymentStatus req"],
  DeploymentSpec: [
    "1 replicas int32 ptr", "2 selector LabelSelector ptr req", "3 template PodTemplateSpec req", "4 strategy DeploymentStrategy req",
    "5 minReadySeconds int32", "6 revisionHistoryLimit int32 ptr", "7 paused bool",
    "9 progressDeadlineSeconds int32 ptr", "10 podReplacementPolicy string ptr",
  ],
  DeploymentStrategy: ["1 type string", "2 rollingUpdate RollingUpdateDeployment"],
  RollingUpdateDeployment: ["1 maxUnavailable IntOrString", "2 maxSurge IntOrString"],
  DeploymentStatus: [
    "1 observedGeneration int64", "2 replicas int32", "3 updatedReplicas int32", "7 readyReplicas int32",
    "4 availableReplicas int32", "5 unavailableReplicas int32", "9 terminatingReplicas int32 ptr",
    "6 conditions []DeploymentCondition", "8 collisionCount int32 ptr",
  ],
  DeploymentCondition: [
    "1 type string req", "2 status string req", "6 lastUpdateTime Time req", "7 lastTransitionTime Time req",
    "4 reason string", "5 message string",
  ],
};
