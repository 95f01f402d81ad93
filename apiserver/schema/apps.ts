// apps/v1 Deployment and ReplicaSet, autoscaling/v1 Scale (Kubernetes 1.32).
import { labelSelector, objectMeta } from "./meta.js";
import { boolean, int32, int64, intOrString, kindStruct, mapList, optionalWith, string, struct, time } from "./dsl.js";
import { podTemplateSpec } from "./pod.js";

const appsV1 = "io.k8s.api.apps.v1.";

const deploymentStrategy = struct(`${appsV1}DeploymentStrategy`, {
  type: string,
  rollingUpdate: struct(`${appsV1}RollingUpdateDeployment`, { maxUnavailable: intOrString, maxSurge: intOrString }),
});

const deploymentCondition = struct(`${appsV1}DeploymentCondition`, {
  type: string, status: string, lastUpdateTime: time, lastTransitionTime: time, reason: string, message: string,
}, ["type", "status"]);

export const deployment = kindStruct(`${appsV1}Deployment`, { group: "apps", version: "v1", kind: "Deployment" }, {
  metadata: objectMeta,
  spec: struct(`${appsV1}DeploymentSpec`, {
    replicas: int32, selector: labelSelector, template: podTemplateSpec,
    strategy: optionalWith(deploymentStrategy, { "x-kubernetes-patch-strategy": "retainKeys" }),
    minReadySeconds: int32, revisionHistoryLimit: int32, paused: boolean, progressDeadlineSeconds: int32,
  }, ["selector", "template"]),
  status: struct(`${appsV1}DeploymentStatus`, {
    observedGeneration: int64, replicas: int32, updatedReplicas: int32, readyReplicas: int32,
    availableReplicas: int32, unavailableReplicas: int32,
    conditions: mapList(deploymentCondition, ["type"]), collisionCount: int32,
  }),
});

const replicaSetCondition = struct(`${appsV1}ReplicaSetCondition`, {
  type: string, status: string, lastTransitionTime: time, reason: string, message: string,
}, ["type", "status"]);

export const replicaSet = kindStruct(`${appsV1}ReplicaSet`, { group: "apps", version: "v1", kind: "ReplicaSet" }, {
  metadata: objectMeta,
  spec: struct(`${appsV1}ReplicaSetSpec`, {
    replicas: int32, minReadySeconds: int32, selector: labelSelector, template: podTemplateSpec,
  }, ["selector"]),
  status: struct(`${appsV1}ReplicaSetStatus`, {
    replicas: int32, fullyLabeledReplicas: int32, readyReplicas: int32, availableReplicas: int32,
    observedGeneration: int64, conditions: mapList(replicaSetCondition, ["type"]),
  }, ["replicas"]),
});

const autoscalingV1 = "io.k8s.api.autoscaling.v1.";

export const scale = kindStruct(`${autoscalingV1}Scale`, { group: "autoscaling", version: "v1", kind: "Scale" }, {
  metadata: objectMeta,
  spec: struct(`${autoscalingV1}ScaleSpec`, { replicas: int32 }),
  status: struct(`${autoscalingV1}ScaleStatus`, { replicas: int32, selector: string }, ["replicas"]),
});
