// core/v1 Service and Endpoints (Kubernetes 1.32).
import { objectMeta, condition } from "./meta.js";
import { boolean, int32, intOrString, kindStruct, list, mapList, protocol, string, stringMap, struct } from "./dsl.js";
import { objectReference } from "./pod.js";

const coreV1 = "io.k8s.api.core.v1.";

export const servicePort = struct(`${coreV1}ServicePort`, {
  name: string, protocol, appProtocol: string, port: int32, targetPort: intOrString, nodePort: int32,
}, ["port"]);

const sessionAffinityConfig = struct(`${coreV1}SessionAffinityConfig`, {
  clientIP: struct(`${coreV1}ClientIPConfig`, { timeoutSeconds: int32 }),
});

const serviceSpec = struct(`${coreV1}ServiceSpec`, {
  ports: mapList(servicePort, ["port", "protocol"]),
  selector: stringMap.meta({ "x-kubernetes-map-type": "atomic" }),
  clusterIP: string, clusterIPs: list(string), type: string, externalIPs: list(string), sessionAffinity: string,
  loadBalancerIP: string, loadBalancerSourceRanges: list(string), externalName: string,
  externalTrafficPolicy: string, healthCheckNodePort: int32, publishNotReadyAddresses: boolean,
  sessionAffinityConfig, ipFamilies: list(string), ipFamilyPolicy: string,
  allocateLoadBalancerNodePorts: boolean, loadBalancerClass: string, internalTrafficPolicy: string,
  trafficDistribution: string,
});

const portStatus = struct(`${coreV1}PortStatus`, { port: int32, protocol: string, error: string }, ["port", "protocol"]);
const loadBalancerIngress = struct(`${coreV1}LoadBalancerIngress`, {
  ip: string, hostname: string, ipMode: string, ports: list(portStatus),
});
const serviceStatus = struct(`${coreV1}ServiceStatus`, {
  loadBalancer: struct(`${coreV1}LoadBalancerStatus`, { ingress: list(loadBalancerIngress) }),
  conditions: mapList(condition, ["type"]),
});

export const service = kindStruct(`${coreV1}Service`, { group: "", version: "v1", kind: "Service" }, {
  metadata: objectMeta, spec: serviceSpec, status: serviceStatus,
});

const endpointAddress = struct(`${coreV1}EndpointAddress`, {
  ip: string, hostname: string, nodeName: string, targetRef: objectReference,
}, ["ip"], { "x-kubernetes-map-type": "atomic" });
const endpointPort = struct(`${coreV1}EndpointPort`, {
  name: string, port: int32, protocol, appProtocol: string,
}, ["port"], { "x-kubernetes-map-type": "atomic" });
const endpointSubset = struct(`${coreV1}EndpointSubset`, {
  addresses: list(endpointAddress), notReadyAddresses: list(endpointAddress), ports: list(endpointPort),
});

export const endpoints = kindStruct(`${coreV1}Endpoints`, { group: "", version: "v1", kind: "Endpoints" }, {
  metadata: objectMeta, subsets: list(endpointSubset),
});
