// core/v1 scheduling constraints: Affinity, Toleration, TopologySpreadConstraint (Kubernetes 1.32).
import { labelSelector } from "./meta.js";
import { atomicStruct, int32, int64, list, string, stringList, struct } from "./dsl.js";

const coreV1 = "io.k8s.api.core.v1.";

const nodeSelectorRequirement = struct(`${coreV1}NodeSelectorRequirement`, { key: string, operator: string, values: stringList }, ["key", "operator"]);
export const nodeSelectorTerm = atomicStruct(`${coreV1}NodeSelectorTerm`, {
  matchExpressions: list(nodeSelectorRequirement), matchFields: list(nodeSelectorRequirement),
});
export const nodeSelector = atomicStruct(`${coreV1}NodeSelector`, { nodeSelectorTerms: list(nodeSelectorTerm) }, ["nodeSelectorTerms"]);
const preferredSchedulingTerm = struct(`${coreV1}PreferredSchedulingTerm`, { weight: int32, preference: nodeSelectorTerm }, ["weight", "preference"]);
const nodeAffinity = struct(`${coreV1}NodeAffinity`, {
  requiredDuringSchedulingIgnoredDuringExecution: nodeSelector,
  preferredDuringSchedulingIgnoredDuringExecution: list(preferredSchedulingTerm),
});

const podAffinityTerm = struct(`${coreV1}PodAffinityTerm`, {
  labelSelector, namespaces: stringList, topologyKey: string, namespaceSelector: labelSelector,
  matchLabelKeys: stringList, mismatchLabelKeys: stringList,
}, ["topologyKey"]);
const weightedPodAffinityTerm = struct(`${coreV1}WeightedPodAffinityTerm`, { weight: int32, podAffinityTerm }, ["weight", "podAffinityTerm"]);
const podAffinityFields = {
  requiredDuringSchedulingIgnoredDuringExecution: list(podAffinityTerm),
  preferredDuringSchedulingIgnoredDuringExecution: list(weightedPodAffinityTerm),
};

export const affinity = struct(`${coreV1}Affinity`, {
  nodeAffinity,
  podAffinity: struct(`${coreV1}PodAffinity`, podAffinityFields),
  podAntiAffinity: struct(`${coreV1}PodAntiAffinity`, podAffinityFields),
});

export const toleration = struct(`${coreV1}Toleration`, {
  key: string, operator: string, value: string, effect: string, tolerationSeconds: int64,
});

export const topologySpreadConstraint = struct(`${coreV1}TopologySpreadConstraint`, {
  maxSkew: int32, topologyKey: string, whenUnsatisfiable: string, labelSelector, minDomains: int32,
  nodeAffinityPolicy: string, nodeTaintsPolicy: string, matchLabelKeys: stringList,
}, ["maxSkew", "topologyKey", "whenUnsatisfiable"]);
