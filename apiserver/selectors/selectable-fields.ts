// Which fields each resource offers to field selectors, with the object's values: upstream's
// registry GetAttrs / SelectableFields for the values, and the scheme's field label conversion
// functions (pkg/apis/core/v1/conversion.go, apps/v1) for which labels a request may name and
// the error a request naming another one gets.
import type { FieldRequirement } from "./field-selector.js";
import { SelectorError } from "./selector-error.js";
import { goQuote } from "./validation.js";

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function integer(value: unknown): string {
  return typeof value === "number" && Number.isFinite(value) ? String(Math.trunc(value)) : "0";
}

/** Go's strconv.FormatBool of a bool that defaults to false. */
function flag(value: unknown): string {
  return value === true ? "true" : "false";
}

/** generic.ObjectMetaFieldsSet: metadata.namespace only for namespaced kinds. */
function metadataFields(object: Json, namespaced: boolean): Record<string, string> {
  const metadata = record(object.metadata);
  const fields: Record<string, string> = { "metadata.name": text(metadata.name) };
  if (namespaced) fields["metadata.namespace"] = text(metadata.namespace);
  return fields;
}

function podFields(pod: Json): Record<string, string> {
  const spec = record(pod.spec);
  const status = record(pod.status);
  const podIPs = Array.isArray(status.podIPs) ? status.podIPs : [];
  // Upstream reads podIPs[0]; an object written before podIPs existed has only podIP.
  const podIP = podIPs.length > 0 ? text(record(podIPs[0]).ip) : text(status.podIP);
  return {
    "spec.nodeName": text(spec.nodeName),
    // The deprecated alias the v1 conversion still accepts (it is rewritten to spec.nodeName).
    "spec.host": text(spec.nodeName),
    "spec.restartPolicy": text(spec.restartPolicy),
    "spec.schedulerName": text(spec.schedulerName),
    "spec.serviceAccountName": text(spec.serviceAccountName),
    "spec.hostNetwork": flag(spec.hostNetwork),
    "status.phase": text(status.phase),
    "status.podIP": podIP,
    "status.nominatedNodeName": text(status.nominatedNodeName),
    ...metadataFields(pod, true),
  };
}

function eventFields(event: Json): Record<string, string> {
  const involved = record(event.involvedObject);
  const source = record(event.source);
  const sourceComponent = text(source.component);
  return {
    "involvedObject.kind": text(involved.kind),
    "involvedObject.namespace": text(involved.namespace),
    "involvedObject.name": text(involved.name),
    "involvedObject.uid": text(involved.uid),
    "involvedObject.apiVersion": text(involved.apiVersion),
    "involvedObject.resourceVersion": text(involved.resourceVersion),
    "involvedObject.fieldPath": text(involved.fieldPath),
    reason: text(event.reason),
    reportingComponent: text(event.reportingComponent),
    source: sourceComponent !== "" ? sourceComponent : text(event.reportingComponent),
    type: text(event.type),
    ...metadataFields(event, true),
  };
}

type ResourceFields = {
  values: (object: Json) => Record<string, string>;
  /** The message for a field label this resource does not support. */
  unsupported: (field: string) => string;
  /** Labels the conversion function accepts without the registry offering a value (they read as ""). */
  acceptedWithoutValue?: readonly string[];
};

const notSupported = (field: string): string => `field label not supported: ${field}`;

/** runtime.DefaultMetaV1FieldSelectorConversion, for kinds without a conversion function of their own. */
const notKnown = (field: string): string =>
  `${goQuote(field)} is not a known field selector: only ${goQuote("metadata.name")}, ${goQuote("metadata.namespace")}`;

const resourceFields: Readonly<Record<string, ResourceFields>> = {
  // status.podIPs passes the v1 conversion, but the pod registry never offers it ("TODO: add podIPs").
  pods: { values: podFields, unsupported: notSupported, acceptedWithoutValue: ["status.podIPs"] },
  nodes: {
    values: (node) => ({ ...metadataFields(node, false), "spec.unschedulable": flag(record(node.spec).unschedulable) }),
    unsupported: notSupported,
  },
  namespaces: {
    values: (namespace) => ({ ...metadataFields(namespace, false), "status.phase": text(record(namespace.status).phase) }),
    unsupported: notSupported,
  },
  secrets: { values: (secret) => ({ ...metadataFields(secret, true), type: text(secret.type) }), unsupported: notSupported },
  events: { values: eventFields, unsupported: notSupported },
  replicasets: {
    values: (replicaSet) => ({ ...metadataFields(replicaSet, true), "status.replicas": integer(record(replicaSet.status).replicas) }),
    unsupported: notSupported,
  },
  services: {
    values: (service) => {
      const spec = record(service.spec);
      return { ...metadataFields(service, true), "spec.clusterIP": text(spec.clusterIP), "spec.type": text(spec.type) };
    },
    unsupported: notSupported,
  },
};

const clusterScoped: ReadonlySet<string> = new Set(["nodes", "namespaces"]);

function fieldsOf(resource: string): ResourceFields {
  return (
    resourceFields[resource] ?? {
      values: (object) => metadataFields(object, !clusterScoped.has(resource)),
      unsupported: notKnown,
    }
  );
}

/** The fields `resource` (a plural: "pods") supports in field selectors, with `object`'s values. */
export function selectableFields(resource: string, object: Record<string, unknown>): Record<string, string> {
  return fieldsOf(resource).values(object);
}

/** The field names `resource` supports (the keys of selectableFields, which do not depend on the object). */
function supportedFields(resource: string): ReadonlySet<string> {
  const fields = new Set([...Object.keys(selectableFields(resource, {})), ...(fieldsOf(resource).acceptedWithoutValue ?? [])]);
  // The default conversion accepts metadata.namespace even for a cluster-scoped kind.
  if (!Object.hasOwn(resourceFields, resource)) fields.add("metadata.namespace");
  return fields;
}

/** Throws SelectorError with upstream's message when a requirement names a field `resource` does not support. */
export function checkFieldSelector(resource: string, requirements: readonly FieldRequirement[]): void {
  const supported = supportedFields(resource);
  for (const requirement of requirements) {
    if (!supported.has(requirement.field)) throw new SelectorError(fieldsOf(resource).unsupported(requirement.field));
  }
}
