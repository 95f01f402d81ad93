// Where each kind of object lives in the API: the path prefix, the resource name, and whether it
// sits in a namespace. Components name a resource by one of these descriptors, never by a
// hand-built URL.
import type { KubeObject } from "./types.js";

export interface ResourceType {
  /** "/api/v1" for the core group, "/apis/<group>/<version>" otherwise. */
  readonly apiPath: string;
  readonly apiVersion: string;
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

function core(resource: string, kind: string, namespaced: boolean): ResourceType {
  return { apiPath: "/api/v1", apiVersion: "v1", resource, kind, namespaced };
}

function group(groupVersion: string, resource: string, kind: string, namespaced: boolean): ResourceType {
  return { apiPath: `/apis/${groupVersion}`, apiVersion: groupVersion, resource, kind, namespaced };
}

export const resourceTypes = {
  pods: core("pods", "Pod", true),
  nodes: core("nodes", "Node", false),
  namespaces: core("namespaces", "Namespace", false),
  events: core("events", "Event", true),
  services: core("services", "Service", true),
  endpoints: core("endpoints", "Endpoints", true),
  configmaps: core("configmaps", "ConfigMap", true),
  secrets: core("secrets", "Secret", true),
  deployments: group("apps/v1", "deployments", "Deployment", true),
  replicasets: group("apps/v1", "replicasets", "ReplicaSet", true),
  leases: group("coordination.k8s.io/v1", "leases", "Lease", true),
} as const satisfies Record<string, ResourceType>;

/** The path of a collection (namespace given) or of every namespace's objects (namespace omitted). */
export function collectionPath(type: ResourceType, namespace?: string): string {
  if (type.namespaced && namespace !== undefined && namespace !== "") {
    return `${type.apiPath}/namespaces/${encodeURIComponent(namespace)}/${type.resource}`;
  }
  return `${type.apiPath}/${type.resource}`;
}

export function objectPath(type: ResourceType, name: string, namespace?: string, subresource?: string): string {
  if (type.namespaced && (namespace === undefined || namespace === "")) {
    throw new Error(`a ${type.kind} is namespaced: give its namespace`);
  }
  const base = `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
  return subresource === undefined ? base : `${base}/${subresource}`;
}

/** The informer's and work queue's key: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  return namespace === undefined || namespace === "" ? (name ?? "") : `${namespace}/${name ?? ""}`;
}

/** Splits an objectKey back into namespace (undefined when cluster-scoped) and name. */
export function splitObjectKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
