// Container validation (pkg/apis/core/validation: validateContainers and what it calls).
import type { FieldCause, JsonObject } from "./contract.js";
import {
  checkEnum, checkNonNegative, checkPortNumber, checkUnique, forbidden, invalid, notFound, required,
} from "./field-errors.js";
import { objectAt, objectsAt, stringAt } from "./json.js";
import { dns1123Label, envVarName, portName, qualifiedName } from "./names.js";
import { parseQuantity } from "./quantity.js";

const protocols = ["SCTP", "TCP", "UDP"];
const pullPolicies = ["Always", "IfNotPresent", "Never"];
const terminationMessagePolicies = ["File", "FallbackToLogsOnError"];
const handlerTypes = ["exec", "httpGet", "tcpSocket", "grpc", "sleep"];

function validatePorts(container: JsonObject, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const names: { field: string; value: unknown }[] = [];
  objectsAt(container, "ports").forEach((port, index) => {
    const at = `${field}.ports[${index}]`;
    const name = stringAt(port, "name");
    if (name !== undefined && name !== "") {
      for (const message of portName(name)) causes.push(invalid(`${at}.name`, name, message));
      names.push({ field: `${at}.name`, value: name });
    }
    if (port.containerPort === undefined || port.containerPort === 0) causes.push(required(`${at}.containerPort`));
    else causes.push(...checkPortNumber(`${at}.containerPort`, port.containerPort));
    if (port.hostPort !== 0) causes.push(...checkPortNumber(`${at}.hostPort`, port.hostPort));
    causes.push(...checkEnum(`${at}.protocol`, port.protocol, protocols, true));
  });
  return [...causes, ...checkUnique(names)];
}

function validateEnv(container: JsonObject, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  objectsAt(container, "env").forEach((env, index) => {
    const at = `${field}.env[${index}]`;
    const name = stringAt(env, "name") ?? "";
    if (name === "") causes.push(required(`${at}.name`));
    else for (const message of envVarName(name)) causes.push(invalid(`${at}.name`, name, message));
    const valueFrom = objectAt(env, "valueFrom");
    if (valueFrom === undefined) return;
    const sources = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"].filter((key) => valueFrom[key] !== undefined);
    if (sources.length === 0) causes.push(invalid(`${at}.valueFrom`, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
    if (sources.length > 1) causes.push(invalid(`${at}.valueFrom`, "", "may not have more than one field specified at a time"));
    if (stringAt(env, "value") !== undefined && stringAt(env, "value") !== "") {
      causes.push(invalid(`${at}.valueFrom`, "", "may not be specified when `value` is not empty"));
    }
    for (const key of ["configMapKeyRef", "secretKeyRef"]) {
      const reference = objectAt(valueFrom, key);
      if (reference !== undefined && (stringAt(reference, "key") ?? "") === "") causes.push(required(`${at}.valueFrom.${key}.key`));
    }
    const fieldRef = objectAt(valueFrom, "fieldRef");
    if (fieldRef !== undefined && (stringAt(fieldRef, "fieldPath") ?? "") === "") causes.push(required(`${at}.valueFrom.fieldRef.fieldPath`));
    const resourceFieldRef = objectAt(valueFrom, "resourceFieldRef");
    if (resourceFieldRef !== undefined && (stringAt(resourceFieldRef, "resource") ?? "") === "") causes.push(required(`${at}.valueFrom.resourceFieldRef.resource`));
  });
  return causes;
}

const standardResources = ["cpu", "memory", "ephemeral-storage"];

/** validateContainerResourceName: a standard resource, hugepages-<size>, or a domain-prefixed extended resource. */
function resourceNameErrors(name: string): string[] {
  const syntax = qualifiedName(name);
  if (syntax.length > 0) return syntax;
  if (standardResources.includes(name) || name.startsWith("hugepages-")) return [];
  if (!name.includes("/")) return ["must be a standard resource type or fully qualified"];
  if (name.startsWith("requests.")) return ["must be a standard resource for containers"];
  return [];
}

function isExtendedResource(name: string): boolean {
  return name.includes("/") && !name.startsWith("kubernetes.io/") && !name.startsWith("requests.");
}

/** Quantities >= 0, valid resource names, requests <= limits; extended resources are not overcommitted. */
function validateResources(resources: JsonObject | undefined, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const parsed: Record<"limits" | "requests", Map<string, number>> = { limits: new Map(), requests: new Map() };
  for (const group of ["limits", "requests"] as const) {
    for (const [name, quantity] of Object.entries(objectAt(resources, group) ?? {})) {
      const at = `${field}.${group}[${name}]`;
      for (const message of resourceNameErrors(name)) causes.push(invalid(at, name, message));
      const value = parseQuantity(quantity);
      if (value === undefined) causes.push(invalid(at, quantity, "must be a valid quantity"));
      else if (value < 0) causes.push(invalid(at, quantity, "must be greater than or equal to 0"));
      else parsed[group].set(name, value);
    }
  }
  for (const [name, request] of parsed.requests) {
    const limit = parsed.limits.get(name);
    if (isExtendedResource(name) && limit !== request) {
      causes.push(invalid(`${field}.requests[${name}]`, objectAt(resources, "requests")?.[name], `must be equal to ${name} limit of ${String(objectAt(resources, "limits")?.[name] ?? "0")}`));
      continue;
    }
    if (limit !== undefined && request > limit) {
      const limitText = String(objectAt(resources, "limits")?.[name]);
      causes.push(invalid(`${field}.requests[${name}]`, objectAt(resources, "requests")?.[name], `must be less than or equal to ${name} limit of ${limitText}`));
    }
  }
  return causes;
}

function validateHandler(handler: JsonObject, field: string, noneMessage: string): FieldCause[] {
  const present = handlerTypes.filter((key) => handler[key] !== undefined);
  if (present.length === 0) return [required(field, noneMessage)];
  const causes = present.length > 1 ? [forbidden(`${field}.${present[1] ?? ""}`, "may not specify more than 1 handler type")] : [];
  for (const key of ["httpGet", "tcpSocket"]) {
    const action = objectAt(handler, key);
    if (action === undefined) continue;
    const port = action.port;
    if (typeof port === "number") causes.push(...checkPortNumber(`${field}.${key}.port`, port));
    else if (typeof port === "string") for (const message of portName(port)) causes.push(invalid(`${field}.${key}.port`, port, message));
    else causes.push(required(`${field}.${key}.port`));
  }
  const scheme = stringAt(objectAt(handler, "httpGet"), "scheme");
  causes.push(...checkEnum(`${field}.httpGet.scheme`, scheme, ["HTTP", "HTTPS"]));
  return causes;
}

function validateProbe(probe: JsonObject | undefined, field: string, successMustBeOne: boolean): FieldCause[] {
  if (probe === undefined) return [];
  const causes = validateHandler(probe, field, "must specify a handler type");
  for (const key of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds"]) {
    causes.push(...checkNonNegative(`${field}.${key}`, probe[key]));
  }
  if (successMustBeOne && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    causes.push(invalid(`${field}.successThreshold`, probe.successThreshold, "must be 1"));
  }
  return causes;
}

export interface ContainerContext {
  volumeNames: ReadonlySet<string>;
  /** initContainers may restart Always (sidecars) and may not have probes otherwise. */
  role: "container" | "initContainer" | "ephemeralContainer";
}

export function validateContainer(container: JsonObject, field: string, context: ContainerContext): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = stringAt(container, "name") ?? "";
  if (name === "") causes.push(required(`${field}.name`));
  else for (const message of dns1123Label(name)) causes.push(invalid(`${field}.name`, name, message));
  if ((stringAt(container, "image") ?? "").trim() === "") causes.push(required(`${field}.image`));
  causes.push(...validatePorts(container, field), ...validateEnv(container, field));
  causes.push(...validateResources(objectAt(container, "resources"), `${field}.resources`));
  causes.push(...checkEnum(`${field}.imagePullPolicy`, container.imagePullPolicy, pullPolicies, true));
  causes.push(...checkEnum(`${field}.terminationMessagePolicy`, container.terminationMessagePolicy, terminationMessagePolicies, true));
  const mountPaths = new Set<string>();
  objectsAt(container, "volumeMounts").forEach((mount, index) => {
    const at = `${field}.volumeMounts[${index}]`;
    const volumeName = stringAt(mount, "name") ?? "";
    if (volumeName === "") causes.push(required(`${at}.name`));
    else if (!context.volumeNames.has(volumeName)) causes.push(notFound(`${at}.name`, volumeName));
    const mountPath = stringAt(mount, "mountPath") ?? "";
    if (mountPath === "") causes.push(required(`${at}.mountPath`));
    else if (mountPaths.has(mountPath)) causes.push(invalid(`${at}.mountPath`, mountPath, "must be unique"));
    mountPaths.add(mountPath);
  });
  const restartPolicy = container.restartPolicy;
  if (restartPolicy !== undefined) {
    if (context.role === "initContainer") causes.push(...checkEnum(`${field}.restartPolicy`, restartPolicy, ["Always"]));
    else causes.push(forbidden(`${field}.restartPolicy`, "may not be set for non-init containers"));
  }
  const sidecar = context.role === "initContainer" && restartPolicy === "Always";
  if (context.role === "container" || sidecar) {
    causes.push(...validateProbe(objectAt(container, "livenessProbe"), `${field}.livenessProbe`, true));
    causes.push(...validateProbe(objectAt(container, "readinessProbe"), `${field}.readinessProbe`, false));
    causes.push(...validateProbe(objectAt(container, "startupProbe"), `${field}.startupProbe`, true));
  } else {
    for (const key of ["livenessProbe", "readinessProbe", "startupProbe", "lifecycle"]) {
      if (container[key] !== undefined) causes.push(forbidden(`${field}.${key}`, `may not be set for ${context.role === "initContainer" ? "init containers without restartPolicy=Always" : "ephemeral containers"}`));
    }
  }
  const lifecycle = objectAt(container, "lifecycle");
  for (const hook of ["postStart", "preStop"]) {
    const handler = objectAt(lifecycle, hook);
    if (handler !== undefined && (context.role === "container" || sidecar)) causes.push(...validateHandler(handler, `${field}.lifecycle.${hook}`, "must specify a handler type"));
  }
  return causes;
}
