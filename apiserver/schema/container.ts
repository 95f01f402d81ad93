// core/v1 Container and everything in it (k8s.io/api/core/v1/types.go, Kubernetes 1.32).
import {
  atomicStruct, boolean, int32, int64, intOrString, list, mapList, protocol, quantity, resourceList, string, stringList, struct,
} from "./dsl.js";

const coreV1 = "io.k8s.api.core.v1.";

export const objectFieldSelector = atomicStruct(`${coreV1}ObjectFieldSelector`, { apiVersion: string, fieldPath: string }, ["fieldPath"]);
export const resourceFieldSelector = atomicStruct(`${coreV1}ResourceFieldSelector`, {
  containerName: string, resource: string, divisor: quantity,
}, ["resource"]);
const configMapKeySelector = atomicStruct(`${coreV1}ConfigMapKeySelector`, { name: string, key: string, optional: boolean }, ["key"]);
const secretKeySelector = atomicStruct(`${coreV1}SecretKeySelector`, { name: string, key: string, optional: boolean }, ["key"]);

const envVarSource = struct(`${coreV1}EnvVarSource`, {
  fieldRef: objectFieldSelector, resourceFieldRef: resourceFieldSelector,
  configMapKeyRef: configMapKeySelector, secretKeyRef: secretKeySelector,
});
const envVar = struct(`${coreV1}EnvVar`, { name: string, value: string, valueFrom: envVarSource }, ["name"]);
const envFromSource = struct(`${coreV1}EnvFromSource`, {
  prefix: string,
  configMapRef: atomicStruct(`${coreV1}ConfigMapEnvSource`, { name: string, optional: boolean }),
  secretRef: atomicStruct(`${coreV1}SecretEnvSource`, { name: string, optional: boolean }),
});

export const containerPort = struct(`${coreV1}ContainerPort`, {
  name: string, hostPort: int32, containerPort: int32, protocol, hostIP: string,
}, ["containerPort"]);

const resourceClaim = struct(`${coreV1}ResourceClaim`, { name: string, request: string }, ["name"]);
export const resourceRequirements = struct(`${coreV1}ResourceRequirements`, {
  limits: resourceList, requests: resourceList, claims: mapList(resourceClaim, ["name"], undefined),
});

const volumeMount = struct(`${coreV1}VolumeMount`, {
  name: string, readOnly: boolean, recursiveReadOnly: string, mountPath: string, subPath: string,
  mountPropagation: string, subPathExpr: string,
}, ["name", "mountPath"]);
const volumeDevice = struct(`${coreV1}VolumeDevice`, { name: string, devicePath: string }, ["name", "devicePath"]);
const resizePolicy = struct(`${coreV1}ContainerResizePolicy`, { resourceName: string, restartPolicy: string }, ["resourceName", "restartPolicy"]);

const execAction = struct(`${coreV1}ExecAction`, { command: stringList });
const httpHeader = struct(`${coreV1}HTTPHeader`, { name: string, value: string }, ["name", "value"]);
const httpGetAction = struct(`${coreV1}HTTPGetAction`, {
  path: string, port: intOrString, host: string, scheme: string, httpHeaders: list(httpHeader),
}, ["port"]);
const tcpSocketAction = struct(`${coreV1}TCPSocketAction`, { port: intOrString, host: string }, ["port"]);
const grpcAction = struct(`${coreV1}GRPCAction`, { port: int32, service: string }, ["port"]);
const sleepAction = struct(`${coreV1}SleepAction`, { seconds: int64 }, ["seconds"]);

export const probe = struct(`${coreV1}Probe`, {
  exec: execAction, httpGet: httpGetAction, tcpSocket: tcpSocketAction, grpc: grpcAction,
  initialDelaySeconds: int32, timeoutSeconds: int32, periodSeconds: int32, successThreshold: int32,
  failureThreshold: int32, terminationGracePeriodSeconds: int64,
});
export const lifecycleHandler = struct(`${coreV1}LifecycleHandler`, {
  exec: execAction, httpGet: httpGetAction, tcpSocket: tcpSocketAction, sleep: sleepAction,
});
const lifecycle = struct(`${coreV1}Lifecycle`, { postStart: lifecycleHandler, preStop: lifecycleHandler });

const capabilities = struct(`${coreV1}Capabilities`, { add: stringList, drop: stringList });
export const seLinuxOptions = struct(`${coreV1}SELinuxOptions`, { user: string, role: string, type: string, level: string });
export const windowsOptions = struct(`${coreV1}WindowsSecurityContextOptions`, {
  gmsaCredentialSpecName: string, gmsaCredentialSpec: string, runAsUserName: string, hostProcess: boolean,
});
export const seccompProfile = struct(`${coreV1}SeccompProfile`, { type: string, localhostProfile: string }, ["type"], {
  "x-kubernetes-unions": [{ discriminator: "type", "fields-to-discriminateBy": { localhostProfile: "LocalhostProfile" } }],
});
export const appArmorProfile = struct(`${coreV1}AppArmorProfile`, { type: string, localhostProfile: string }, ["type"]);

const securityContext = struct(`${coreV1}SecurityContext`, {
  capabilities, privileged: boolean, seLinuxOptions, windowsOptions, runAsUser: int64, runAsGroup: int64,
  runAsNonRoot: boolean, readOnlyRootFilesystem: boolean, allowPrivilegeEscalation: boolean, procMount: string,
  seccompProfile, appArmorProfile,
});

/** The fields Container and EphemeralContainer share, in Container's order. */
const containerFields = {
    name: string, image: string, command: stringList, args: stringList, workingDir: string,
    ports: mapList(containerPort, ["containerPort", "protocol"]), envFrom: list(envFromSource),
    env: mapList(envVar, ["name"]), resources: resourceRequirements, resizePolicy: list(resizePolicy),
    restartPolicy: string, volumeMounts: mapList(volumeMount, ["mountPath"]),
    volumeDevices: mapList(volumeDevice, ["devicePath"]), livenessProbe: probe, readinessProbe: probe,
    startupProbe: probe, lifecycle, terminationMessagePath: string, terminationMessagePolicy: string,
    imagePullPolicy: string, securityContext, stdin: boolean, stdinOnce: boolean, tty: boolean,
};

export const container = struct(`${coreV1}Container`, containerFields, ["name"]);
export const ephemeralContainer = struct(`${coreV1}EphemeralContainer`, {
  ...containerFields, targetContainerName: string,
}, ["name"]);
