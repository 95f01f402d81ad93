// Handcrafted schemas modelled on upstream's Pod and Deployment OpenAPI (the patch strategies,
// merge keys and list types are upstream's), for the tests of the patch and apply engines.
import type { PatchSchema, SchemaNode } from "./types.js";

const ref = (name: string): SchemaNode => ({ $ref: `#/components/schemas/${name}` });
const string: SchemaNode = { type: "string" };
const integer: SchemaNode = { type: "integer" };
const stringMap: SchemaNode = { type: "object", additionalProperties: string };
const stringList: SchemaNode = { type: "array", items: string };
const mapList = (item: string, keys: string[], strategy = "merge"): SchemaNode => ({
  type: "array",
  items: ref(item),
  "x-kubernetes-patch-merge-key": keys[0],
  "x-kubernetes-patch-strategy": strategy,
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": keys,
});

const components: Record<string, SchemaNode> = {
  ObjectMeta: {
    type: "object",
    properties: {
      name: string,
      generateName: string,
      namespace: string,
      uid: string,
      resourceVersion: string,
      generation: integer,
      creationTimestamp: string,
      deletionTimestamp: string,
      labels: stringMap,
      annotations: stringMap,
      finalizers: { ...stringList, "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set" },
      ownerReferences: mapList("OwnerReference", ["uid"]),
      managedFields: { type: "array", items: { type: "object", "x-kubernetes-preserve-unknown-fields": true }, "x-kubernetes-list-type": "atomic" },
    },
  },
  OwnerReference: {
    type: "object",
    properties: { apiVersion: string, kind: string, name: string, uid: string, controller: { type: "boolean" } },
    "x-kubernetes-map-type": "atomic",
  },
  Toleration: { type: "object", properties: { key: string, operator: string, value: string, effect: string, tolerationSeconds: integer } },
  PodSpec: {
    type: "object",
    properties: {
      containers: mapList("Container", ["name"]),
      initContainers: mapList("Container", ["name"]),
      volumes: mapList("Volume", ["name"], "merge,retainKeys"),
      tolerations: { type: "array", items: ref("Toleration"), "x-kubernetes-list-type": "atomic" },
      imagePullSecrets: mapList("LocalObjectReference", ["name"]),
      nodeName: string,
      restartPolicy: string,
      terminationGracePeriodSeconds: integer,
      nodeSelector: { ...stringMap, "x-kubernetes-map-type": "atomic" },
      securityContext: { type: "object", properties: { runAsUser: integer, runAsNonRoot: { type: "boolean" } } },
    },
  },
  LocalObjectReference: { type: "object", properties: { name: string }, "x-kubernetes-map-type": "atomic" },
  Container: {
    type: "object",
    properties: {
      name: string,
      image: string,
      imagePullPolicy: string,
      command: stringList,
      args: stringList,
      ports: mapList("ContainerPort", ["containerPort", "protocol"]),
      env: mapList("EnvVar", ["name"]),
      volumeMounts: mapList("VolumeMount", ["mountPath"]),
      resources: {
        type: "object",
        properties: { limits: { type: "object", additionalProperties: { "x-kubernetes-int-or-string": true } }, requests: { type: "object", additionalProperties: { "x-kubernetes-int-or-string": true } } },
      },
    },
  },
  ContainerPort: {
    type: "object",
    properties: { containerPort: integer, protocol: { type: "string", default: "TCP" }, name: string, hostPort: integer },
  },
  EnvVar: { type: "object", properties: { name: string, value: string, valueFrom: { type: "object", properties: { fieldRef: { type: "object", properties: { fieldPath: string } } } } } },
  VolumeMount: { type: "object", properties: { name: string, mountPath: string, readOnly: { type: "boolean" } } },
  Volume: {
    type: "object",
    properties: {
      name: string,
      emptyDir: { type: "object", properties: { medium: string } },
      configMap: { type: "object", properties: { name: string, defaultMode: integer } },
      secret: { type: "object", properties: { secretName: string } },
    },
  },
  PodCondition: { type: "object", properties: { type: string, status: string, reason: string, lastTransitionTime: string } },
  PodStatus: { type: "object", properties: { phase: string, podIP: string, conditions: mapList("PodCondition", ["type"]) } },
  Pod: {
    type: "object",
    properties: { apiVersion: string, kind: string, metadata: ref("ObjectMeta"), spec: { allOf: [ref("PodSpec")] }, status: ref("PodStatus") },
  },
  LabelSelector: { type: "object", properties: { matchLabels: stringMap }, "x-kubernetes-map-type": "atomic" },
  PodTemplateSpec: { type: "object", properties: { metadata: ref("ObjectMeta"), spec: ref("PodSpec") } },
  DeploymentStrategy: {
    type: "object",
    properties: {
      type: string,
      rollingUpdate: { type: "object", properties: { maxSurge: { "x-kubernetes-int-or-string": true }, maxUnavailable: { "x-kubernetes-int-or-string": true } } },
    },
  },
  DeploymentSpec: {
    type: "object",
    properties: {
      replicas: integer,
      selector: ref("LabelSelector"),
      template: ref("PodTemplateSpec"),
      strategy: { allOf: [ref("DeploymentStrategy")], "x-kubernetes-patch-strategy": "retainKeys" },
      minReadySeconds: integer,
      paused: { type: "boolean" },
    },
  },
  DeploymentCondition: { type: "object", properties: { type: string, status: string, reason: string } },
  Deployment: {
    type: "object",
    properties: {
      apiVersion: string,
      kind: string,
      metadata: ref("ObjectMeta"),
      spec: ref("DeploymentSpec"),
      status: { type: "object", properties: { replicas: integer, observedGeneration: integer, conditions: mapList("DeploymentCondition", ["type"]) } },
    },
  },
};

export const podSchema: PatchSchema = { root: ref("Pod"), components };
export const deploymentSchema: PatchSchema = { root: ref("Deployment"), components };
/** A kind without any schema: every list is atomic, every map granular. */
export const emptySchema: PatchSchema = { root: { type: "object", "x-kubernetes-preserve-unknown-fields": true }, components: {} };
