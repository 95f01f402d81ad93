// core/v1 Node and Namespace: the cluster-scoped kinds (Kubernetes 1.32).
import { objectMeta } from "./meta.js";
import {
  boolean, int32, int64, kindStruct, list, mapList, resourceList, setList, string, stringList, struct, time,
} from "./dsl.js";

const coreV1 = "io.k8s.api.core.v1.";

export const taint = struct(`${coreV1}Taint`, { key: string, value: string, effect: string, timeAdded: time }, ["key", "effect"]);

const nodeConfigSource = struct(`${coreV1}NodeConfigSource`, {
  configMap: struct(`${coreV1}ConfigMapNodeConfigSource`, {
    namespace: string, name: string, uid: string, resourceVersion: string, kubeletConfigKey: string,
  }, ["namespace", "name", "kubeletConfigKey"]),
});

const nodeSpec = struct(`${coreV1}NodeSpec`, {
  podCIDR: string, podCIDRs: setList(string, true), providerID: string, unschedulable: boolean,
  taints: list(taint), configSource: nodeConfigSource, externalID: string,
});

const nodeCondition = struct(`${coreV1}NodeCondition`, {
  type: string, status: string, lastHeartbeatTime: time, lastTransitionTime: time, reason: string, message: string,
}, ["type", "status"]);
const nodeAddress = struct(`${coreV1}NodeAddress`, { type: string, address: string }, ["type", "address"]);
export const nodeSystemInfo = struct(`${coreV1}NodeSystemInfo`, {
  machineID: string, systemUUID: string, bootID: string, kernelVersion: string, osImage: string,
  containerRuntimeVersion: string, kubeletVersion: string, kubeProxyVersion: string, operatingSystem: string,
  architecture: string,
  swap: struct(`${coreV1}NodeSwapStatus`, { capacity: int64 }),
}, ["machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion", "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture"]);
const daemonEndpoint = struct(`${coreV1}DaemonEndpoint`, { Port: int32 }, ["Port"]);
const nodeConfigStatus = struct(`${coreV1}NodeConfigStatus`, {
  assigned: nodeConfigSource, active: nodeConfigSource, lastKnownGood: nodeConfigSource, error: string,
});
const nodeRuntimeHandler = struct(`${coreV1}NodeRuntimeHandler`, {
  name: string,
  features: struct(`${coreV1}NodeRuntimeHandlerFeatures`, { recursiveReadOnlyMounts: boolean, userNamespaces: boolean }),
});

const nodeStatus = struct(`${coreV1}NodeStatus`, {
  capacity: resourceList, allocatable: resourceList, phase: string,
  conditions: mapList(nodeCondition, ["type"]), addresses: mapList(nodeAddress, ["type"]),
  daemonEndpoints: struct(`${coreV1}NodeDaemonEndpoints`, { kubeletEndpoint: daemonEndpoint }),
  nodeInfo: nodeSystemInfo,
  images: list(struct(`${coreV1}ContainerImage`, { names: stringList, sizeBytes: int64 })),
  volumesInUse: stringList,
  volumesAttached: list(struct(`${coreV1}AttachedVolume`, { name: string, devicePath: string }, ["name", "devicePath"])),
  config: nodeConfigStatus, runtimeHandlers: list(nodeRuntimeHandler),
  features: struct(`${coreV1}NodeFeatures`, { supplementalGroupsPolicy: boolean }),
});

export const node = kindStruct(`${coreV1}Node`, { group: "", version: "v1", kind: "Node" }, {
  metadata: objectMeta, spec: nodeSpec, status: nodeStatus,
});

const namespaceCondition = struct(`${coreV1}NamespaceCondition`, {
  type: string, status: string, lastTransitionTime: time, reason: string, message: string,
}, ["type", "status"]);

export const namespace = kindStruct(`${coreV1}Namespace`, { group: "", version: "v1", kind: "Namespace" }, {
  metadata: objectMeta,
  spec: struct(`${coreV1}NamespaceSpec`, { finalizers: list(string) }),
  status: struct(`${coreV1}NamespaceStatus`, { phase: string, conditions: mapList(namespaceCondition, ["type"]) }),
});

