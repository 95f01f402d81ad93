// core/v1 Pod: PodSpec, PodTemplateSpec, PodStatus, Binding (k8s.io/api/core/v1/types.go, 1.32).
import { objectMeta } from "./meta.js";
import {
  atomicMergeList, atomicStruct, boolean, int32, int64, kindStruct, list, mapList, resourceList, string, stringList,
  stringMap, struct, time,
} from "./dsl.js";
import { appArmorProfile, container, ephemeralContainer, resourceRequirements, seccompProfile, seLinuxOptions, windowsOptions } from "./container.js";
import { localObjectReference, volume } from "./volumes.js";
import { affinity, toleration, topologySpreadConstraint } from "./affinity.js";

const coreV1 = "io.k8s.api.core.v1.";

const podSecurityContext = struct(`${coreV1}PodSecurityContext`, {
  seLinuxOptions, windowsOptions, runAsUser: int64, runAsGroup: int64, runAsNonRoot: boolean,
  supplementalGroups: list(int64), supplementalGroupsPolicy: string, fsGroup: int64,
  sysctls: list(struct(`${coreV1}Sysctl`, { name: string, value: string }, ["name", "value"])),
  fsGroupChangePolicy: string, seccompProfile, appArmorProfile, seLinuxChangePolicy: string,
});
const podDNSConfig = struct(`${coreV1}PodDNSConfig`, {
  nameservers: stringList, searches: stringList,
  options: list(struct(`${coreV1}PodDNSConfigOption`, { name: string, value: string })),
});
const hostAlias = struct(`${coreV1}HostAlias`, { ip: string, hostnames: stringList }, ["ip"]);
const podReadinessGate = struct(`${coreV1}PodReadinessGate`, { conditionType: string }, ["conditionType"]);
const podSchedulingGate = struct(`${coreV1}PodSchedulingGate`, { name: string }, ["name"]);
const podResourceClaim = struct(`${coreV1}PodResourceClaim`, {
  name: string, resourceClaimName: string, resourceClaimTemplateName: string,
}, ["name"]);

export const podSpec = struct(`${coreV1}PodSpec`, {
  volumes: mapList(volume, ["name"], "merge,retainKeys"),
  initContainers: mapList(container, ["name"]),
  containers: mapList(container, ["name"]),
  ephemeralContainers: mapList(ephemeralContainer, ["name"]),
  restartPolicy: string, terminationGracePeriodSeconds: int64, activeDeadlineSeconds: int64, dnsPolicy: string,
  nodeSelector: stringMap.meta({ "x-kubernetes-map-type": "atomic" }), serviceAccountName: string, serviceAccount: string,
  automountServiceAccountToken: boolean, nodeName: string, hostNetwork: boolean, hostPID: boolean, hostIPC: boolean,
  shareProcessNamespace: boolean, securityContext: podSecurityContext,
  imagePullSecrets: mapList(localObjectReference, ["name"]), hostname: string, subdomain: string, affinity,
  schedulerName: string, tolerations: list(toleration), hostAliases: mapList(hostAlias, ["ip"]),
  priorityClassName: string, priority: int32, dnsConfig: podDNSConfig, readinessGates: list(podReadinessGate),
  runtimeClassName: string, enableServiceLinks: boolean, preemptionPolicy: string, overhead: resourceList,
  topologySpreadConstraints: mapList(topologySpreadConstraint, ["topologyKey", "whenUnsatisfiable"]),
  setHostnameAsFQDN: boolean, os: struct(`${coreV1}PodOS`, { name: string }, ["name"]), hostUsers: boolean,
  schedulingGates: mapList(podSchedulingGate, ["name"]),
  resourceClaims: mapList(podResourceClaim, ["name"], "merge,retainKeys"),
  resources: resourceRequirements,
}, ["containers"]);

export const podTemplateSpec = struct(`${coreV1}PodTemplateSpec`, { metadata: objectMeta, spec: podSpec });

const podCondition = struct(`${coreV1}PodCondition`, {
  type: string, status: string, lastProbeTime: time, lastTransitionTime: time, reason: string, message: string,
}, ["type", "status"]);
const containerState = struct(`${coreV1}ContainerState`, {
  waiting: struct(`${coreV1}ContainerStateWaiting`, { reason: string, message: string }),
  running: struct(`${coreV1}ContainerStateRunning`, { startedAt: time }),
  terminated: struct(`${coreV1}ContainerStateTerminated`, {
    exitCode: int32, signal: int32, reason: string, message: string, startedAt: time, finishedAt: time, containerID: string,
  }, ["exitCode"]),
});
const containerStatus = struct(`${coreV1}ContainerStatus`, {
  name: string, state: containerState, lastState: containerState, ready: boolean, restartCount: int32, image: string,
  imageID: string, containerID: string, started: boolean, allocatedResources: resourceList,
  resources: resourceRequirements,
  volumeMounts: mapList(struct(`${coreV1}VolumeMountStatus`, {
    name: string, mountPath: string, readOnly: boolean, recursiveReadOnly: string,
  }, ["name", "mountPath"]), ["mountPath"]),
  user: struct(`${coreV1}ContainerUser`, {
    linux: struct(`${coreV1}LinuxContainerUser`, { uid: int64, gid: int64, supplementalGroups: list(int64) }, ["uid", "gid"]),
  }),
  allocatedResourcesStatus: mapList(struct(`${coreV1}ResourceStatus`, {
    name: string,
    resources: mapList(struct(`${coreV1}ResourceHealth`, { resourceID: string, health: string }, ["resourceID"]), ["resourceID"], undefined),
  }, ["name"]), ["name"], undefined),
}, ["name", "ready", "restartCount", "image", "imageID"]);
const podIP = struct(`${coreV1}PodIP`, { ip: string }, ["ip"]);
const hostIP = struct(`${coreV1}HostIP`, { ip: string }, ["ip"]);

export const podStatus = struct(`${coreV1}PodStatus`, {
  phase: string, conditions: mapList(podCondition, ["type"]), message: string, reason: string,
  nominatedNodeName: string, hostIP: string, hostIPs: atomicMergeList(hostIP, "ip"), podIP: string,
  podIPs: mapList(podIP, ["ip"]), startTime: time, initContainerStatuses: list(containerStatus),
  containerStatuses: list(containerStatus), qosClass: string, ephemeralContainerStatuses: list(containerStatus),
  resize: string,
  resourceClaimStatuses: mapList(struct(`${coreV1}PodResourceClaimStatus`, { name: string, resourceClaimName: string }, ["name"]), ["name"], "merge,retainKeys"),
});

export const pod = kindStruct(`${coreV1}Pod`, { group: "", version: "v1", kind: "Pod" }, {
  metadata: objectMeta, spec: podSpec, status: podStatus,
});

export const objectReference = atomicStruct(`${coreV1}ObjectReference`, {
  kind: string, namespace: string, name: string, uid: string, apiVersion: string, resourceVersion: string, fieldPath: string,
});

export const binding = kindStruct(`${coreV1}Binding`, { group: "", version: "v1", kind: "Binding" }, {
  metadata: objectMeta, target: objectReference,
}, ["target"]);
