// PodSpec defaulting as pkg/apis/core/v1/defaults.go does it (Kubernetes 1.32). The same
// defaults apply to Pods and to pod templates; `podOnly` adds what SetDefaults_Pod adds only
// to Pods (requests from limits, enableServiceLinks, host ports on the host network).
import type { JsonObject } from "./contract.js";
import { ensureObject, objectAt, objectsAt, setDefault, stringAt } from "./json.js";

const defaultFileMode = 0o644;

/** Tag "latest" or no tag (and no digest) pulls Always, anything else IfNotPresent. */
export function defaultPullPolicy(image: string | undefined): string {
  if (image === undefined) return "Always";
  if (image.includes("@")) return "IfNotPresent";
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  const tag = colon < 0 ? "latest" : lastSegment.slice(colon + 1);
  return tag === "latest" ? "Always" : "IfNotPresent";
}

function defaultHandler(handler: JsonObject | undefined): void {
  const httpGet = objectAt(handler, "httpGet");
  if (httpGet !== undefined) {
    setDefault(httpGet, "path", "/");
    setDefault(httpGet, "scheme", "HTTP");
  }
}

function defaultProbe(probe: JsonObject | undefined): void {
  if (probe === undefined) return;
  defaultHandler(probe);
  const grpc = objectAt(probe, "grpc");
  if (grpc !== undefined && grpc.service === undefined) grpc.service = "";
  // SetDefaults_Probe compares with 0: an explicit 0 is defaulted too.
  const probeDefaults = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };
  for (const [key, value] of Object.entries(probeDefaults)) if (probe[key] === undefined || probe[key] === 0) probe[key] = value;
}

function defaultFieldSelectors(holder: JsonObject | undefined): void {
  const fieldRef = objectAt(holder, "fieldRef");
  if (fieldRef !== undefined) setDefault(fieldRef, "apiVersion", "v1");
  // Quantity is a non-pointer struct: an absent divisor serializes as "0".
  const resourceFieldRef = objectAt(holder, "resourceFieldRef");
  if (resourceFieldRef !== undefined && resourceFieldRef.divisor === undefined) resourceFieldRef.divisor = "0";
}

function defaultContainer(container: JsonObject): void {
  for (const port of objectsAt(container, "ports")) setDefault(port, "protocol", "TCP");
  for (const env of objectsAt(container, "env")) defaultFieldSelectors(objectAt(env, "valueFrom"));
  // ResourceRequirements is a non-pointer struct: it is always serialized.
  ensureObject(container, "resources");
  defaultProbe(objectAt(container, "livenessProbe"));
  defaultProbe(objectAt(container, "readinessProbe"));
  defaultProbe(objectAt(container, "startupProbe"));
  const lifecycle = objectAt(container, "lifecycle");
  defaultHandler(objectAt(lifecycle, "postStart"));
  defaultHandler(objectAt(lifecycle, "preStop"));
  setDefault(container, "terminationMessagePath", "/dev/termination-log");
  setDefault(container, "terminationMessagePolicy", "File");
  setDefault(container, "imagePullPolicy", defaultPullPolicy(stringAt(container, "image")));
}

const volumeSourceDefaults: Record<string, Record<string, unknown>> = {
  hostPath: { type: "" },
  secret: { defaultMode: defaultFileMode },
  configMap: { defaultMode: defaultFileMode },
  downwardAPI: { defaultMode: defaultFileMode },
  projected: { defaultMode: defaultFileMode },
  iscsi: { iscsiInterface: "default" },
  azureDisk: { cachingMode: "ReadWrite", fsType: "ext4", readOnly: false, kind: "Shared" },
  scaleIO: { storageMode: "ThinProvisioned", fsType: "xfs" },
};

function defaultVolume(volume: JsonObject): void {
  const sources = Object.keys(volume).filter((key) => key !== "name");
  // SetDefaults_Volume: a volume with no source is an emptyDir.
  if (sources.length === 0) volume.emptyDir = {};
  for (const [source, defaults] of Object.entries(volumeSourceDefaults)) {
    const value = objectAt(volume, source);
    if (value === undefined) continue;
    for (const [key, defaultValue] of Object.entries(defaults)) if (value[key] === undefined) value[key] = defaultValue;
  }
  for (const item of objectsAt(objectAt(volume, "downwardAPI"), "items")) defaultFieldSelectors(item);
  for (const projection of objectsAt(objectAt(volume, "projected"), "sources")) {
    const token = objectAt(projection, "serviceAccountToken");
    if (token !== undefined) setDefault(token, "expirationSeconds", 3600);
    for (const item of objectsAt(objectAt(projection, "downwardAPI"), "items")) defaultFieldSelectors(item);
  }
  const claimSpec = objectAt(objectAt(objectAt(volume, "ephemeral"), "volumeClaimTemplate"), "spec");
  if (claimSpec !== undefined) setDefault(claimSpec, "volumeMode", "Filesystem");
}

export function defaultPodSpec(spec: JsonObject): void {
  for (const volume of objectsAt(spec, "volumes")) defaultVolume(volume);
  for (const key of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const container of objectsAt(spec, key)) defaultContainer(container);
  }
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  ensureObject(spec, "securityContext");
  setDefault(spec, "schedulerName", "default-scheduler");
}

/** What SetDefaults_Pod adds for Pods only (not for templates). */
export function defaultPodOnly(spec: JsonObject): void {
  for (const key of ["initContainers", "containers"]) {
    for (const container of objectsAt(spec, key)) {
      const resources = objectAt(container, "resources");
      const limits = objectAt(resources, "limits");
      if (resources === undefined || limits === undefined) continue;
      const requests = ensureObject(resources, "requests");
      for (const [name, value] of Object.entries(limits)) if (requests[name] === undefined) requests[name] = value;
    }
    if (spec.hostNetwork === true) {
      for (const container of objectsAt(spec, key)) {
        for (const port of objectsAt(container, "ports")) if (port.hostPort === undefined || port.hostPort === 0) port.hostPort = port.containerPort;
      }
    }
  }
  if (spec.enableServiceLinks === undefined) spec.enableServiceLinks = true;
}
