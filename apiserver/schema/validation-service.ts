// Service and Endpoints validation (pkg/apis/core/validation: ValidateService,
// ValidateServiceUpdate, ValidateEndpoints).
import type { FieldCause, JsonObject } from "./contract.js";
import { checkEnum, checkPortNumber, checkUnique, duplicate, forbidden, immutable, invalid, required, tooMany } from "./field-errors.js";
import { objectAt, objectsAt, stringAt, stringMapAt, stringsAt } from "./json.js";
import { dns1123Label, dns1123Subdomain, ipAddress, portName } from "./names.js";
import { validateLabels } from "./validation-meta.js";

const serviceTypes = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
const protocols = ["SCTP", "TCP", "UDP"];

function validateServicePort(port: JsonObject, at: string, type: string | undefined, requireName: boolean): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = stringAt(port, "name") ?? "";
  if (requireName && name === "") causes.push(required(`${at}.name`));
  // Service and endpoint port names are DNS-1123 labels (ValidateDNS1123Label): "80-8080" is valid.
  if (name !== "") for (const message of dns1123Label(name)) causes.push(invalid(`${at}.name`, name, message));
  if (port.port === undefined || port.port === 0) causes.push(required(`${at}.port`));
  else causes.push(...checkPortNumber(`${at}.port`, port.port));
  causes.push(...checkEnum(`${at}.protocol`, port.protocol, protocols, true));
  const targetPort = port.targetPort;
  if (typeof targetPort === "number") causes.push(...checkPortNumber(`${at}.targetPort`, targetPort));
  if (typeof targetPort === "string") for (const message of portName(targetPort)) causes.push(invalid(`${at}.targetPort`, targetPort, message));
  if (typeof port.nodePort === "number" && port.nodePort !== 0) {
    if (type !== "NodePort" && type !== "LoadBalancer") causes.push(forbidden(`${at}.nodePort`, `may not be used when \`type\` is '${type ?? ""}'`));
    else causes.push(...checkPortNumber(`${at}.nodePort`, port.nodePort));
  }
  return causes;
}

function validatePorts(spec: JsonObject, type: string | undefined): FieldCause[] {
  const ports = objectsAt(spec, "ports");
  const headless = spec.clusterIP === "None";
  if (ports.length === 0 && type !== "ExternalName" && !headless) return [required("spec.ports")];
  if (type === "ExternalName" && ports.length === 0) return [];
  const causes = ports.flatMap((port, index) => validateServicePort(port, `spec.ports[${index}]`, type, ports.length > 1));
  causes.push(...checkUnique(ports.map((port, index) => ({ field: `spec.ports[${index}].name`, value: port.name })).filter((entry) => entry.value !== undefined && entry.value !== "")));
  const seen = new Set<string>();
  ports.forEach((port, index) => {
    const key = `${String(port.port)}/${String(port.protocol)}`;
    if (seen.has(key)) causes.push(duplicate(`spec.ports[${index}]`, key));
    seen.add(key);
  });
  return causes;
}

function validateClusterIPs(spec: JsonObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const clusterIP = stringAt(spec, "clusterIP");
  if (clusterIP !== undefined && clusterIP !== "" && clusterIP !== "None") {
    for (const message of ipAddress(clusterIP)) causes.push(invalid("spec.clusterIP", clusterIP, message));
  }
  const clusterIPs = stringsAt(spec, "clusterIPs");
  if (clusterIPs.length > 0 && clusterIP !== undefined && clusterIP !== "" && clusterIPs[0] !== clusterIP) {
    causes.push(invalid("spec.clusterIPs", clusterIPs, "first value must match `clusterIP`"));
  }
  const families = stringsAt(spec, "ipFamilies");
  if (families.length > 2) causes.push(tooMany("spec.ipFamilies", families.length, 2));
  families.forEach((family, index) => causes.push(...checkEnum(`spec.ipFamilies[${index}]`, family, ["IPv4", "IPv6"])));
  causes.push(...checkUnique(families.map((family, index) => ({ field: `spec.ipFamilies[${index}]`, value: family }))));
  causes.push(...checkEnum("spec.ipFamilyPolicy", spec.ipFamilyPolicy, ["SingleStack", "PreferDualStack", "RequireDualStack"]));
  return causes;
}

export function validateService(service: JsonObject): FieldCause[] {
  const spec = objectAt(service, "spec") ?? {};
  const type = stringAt(spec, "type");
  const causes = [...checkEnum("spec.type", type, serviceTypes, true), ...validatePorts(spec, type), ...validateClusterIPs(spec)];
  causes.push(...checkEnum("spec.sessionAffinity", spec.sessionAffinity, ["None", "ClientIP"], true));
  const timeout = objectAt(objectAt(spec, "sessionAffinityConfig"), "clientIP")?.timeoutSeconds;
  if (typeof timeout === "number" && (timeout <= 0 || timeout > 86400)) {
    causes.push(invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout, "must be greater than 0 and less than 86400"));
  }
  if (type === "ExternalName") {
    const externalName = stringAt(spec, "externalName") ?? "";
    if (externalName === "") causes.push(required("spec.externalName"));
    else for (const message of dns1123Subdomain(externalName.replace(/\.$/, ""))) causes.push(invalid("spec.externalName", externalName, message));
  }
  causes.push(...validateLabels(stringMapAt(spec, "selector"), "spec.selector"));
  causes.push(...checkEnum("spec.externalTrafficPolicy", spec.externalTrafficPolicy, ["Cluster", "Local"]));
  causes.push(...checkEnum("spec.internalTrafficPolicy", spec.internalTrafficPolicy, ["Cluster", "Local"]));
  if (spec.externalTrafficPolicy !== undefined && type !== "NodePort" && type !== "LoadBalancer") {
    causes.push(invalid("spec.externalTrafficPolicy", spec.externalTrafficPolicy, "may only be set for externally-accessible services"));
  }
  stringsAt(spec, "externalIPs").forEach((ip, index) => {
    for (const message of ipAddress(ip)) causes.push(invalid(`spec.externalIPs[${index}]`, ip, message));
  });
  return causes;
}

/** clusterIP may change only from empty (allocation) or when the type changes to/from ExternalName. */
export function validateServiceUpdate(service: JsonObject, old: JsonObject): FieldCause[] {
  const spec = objectAt(service, "spec");
  const oldSpec = objectAt(old, "spec");
  const externalName = spec?.type === "ExternalName" || oldSpec?.type === "ExternalName";
  const oldClusterIP = stringAt(oldSpec, "clusterIP") ?? "";
  if (externalName || oldClusterIP === "") return [];
  const causes: FieldCause[] = [];
  const clusterIP = stringAt(spec, "clusterIP") ?? "";
  if (clusterIP !== oldClusterIP) causes.push(immutable("spec.clusterIP", clusterIP));
  const clusterIPs = stringsAt(spec, "clusterIPs");
  const oldClusterIPs = stringsAt(oldSpec, "clusterIPs");
  if (oldClusterIPs.length > 0 && clusterIPs[0] !== oldClusterIPs[0]) causes.push(immutable("spec.clusterIPs[0]", clusterIPs[0] ?? ""));
  return causes;
}

export function validateEndpoints(endpoints: JsonObject): FieldCause[] {
  const causes: FieldCause[] = [];
  objectsAt(endpoints, "subsets").forEach((subset, subsetIndex) => {
    const at = `subsets[${subsetIndex}]`;
    for (const key of ["addresses", "notReadyAddresses"]) {
      objectsAt(subset, key).forEach((address, index) => {
        const ip = stringAt(address, "ip") ?? "";
        for (const message of ipAddress(ip)) causes.push(invalid(`${at}.${key}[${index}].ip`, ip, message));
      });
    }
    const ports = objectsAt(subset, "ports");
    ports.forEach((port, index) => {
      const portAt = `${at}.ports[${index}]`;
      const name = stringAt(port, "name") ?? "";
      if (ports.length > 1 && name === "") causes.push(required(`${portAt}.name`));
      if (name !== "") for (const message of dns1123Label(name)) causes.push(invalid(`${portAt}.name`, name, message));
      causes.push(...checkPortNumber(`${portAt}.port`, port.port));
      causes.push(...checkEnum(`${portAt}.protocol`, port.protocol, protocols, true));
    });
  });
  return causes;
}
