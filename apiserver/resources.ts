// The resources this apiserver serves: where they live in the URL space and in the store, and
// what discovery says about them.

export type Verb = "create" | "delete" | "deletecollection" | "get" | "list" | "patch" | "update" | "watch";
export type Subresource = "status" | "scale" | "binding" | "finalize";

export interface ResourceInfo {
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** The plural, as in URLs and registry keys. */
  readonly resource: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly subresources: readonly Subresource[];
  /** metadata.generation is kept and bumped on spec changes (Kubernetes' apps strategies). */
  readonly tracksGeneration: boolean;
  /** PUT of a missing object creates it (AllowCreateOnUpdate in Kubernetes' strategies). */
  readonly createOnUpdate: boolean;
  readonly verbs: readonly Verb[];
}

const allVerbs: readonly Verb[] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function resource(info: Omit<ResourceInfo, "listKind" | "categories" | "tracksGeneration" | "createOnUpdate" | "verbs" | "subresources"> & Partial<ResourceInfo>): ResourceInfo {
  return {
    listKind: `${info.kind}List`,
    categories: [],
    tracksGeneration: false,
    createOnUpdate: false,
    verbs: allVerbs,
    subresources: [],
    ...info,
  };
}

export const resources: readonly ResourceInfo[] = [
  resource({ group: "", version: "v1", kind: "Namespace", resource: "namespaces", singular: "namespace", namespaced: false, shortNames: ["ns"], subresources: ["finalize", "status"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] }),
  resource({ group: "", version: "v1", kind: "Node", resource: "nodes", singular: "node", namespaced: false, shortNames: ["no"], subresources: ["status"] }),
  resource({ group: "", version: "v1", kind: "Pod", resource: "pods", singular: "pod", namespaced: true, shortNames: ["po"], categories: ["all"], subresources: ["status", "binding"] }),
  resource({ group: "", version: "v1", kind: "Service", resource: "services", singular: "service", namespaced: true, shortNames: ["svc"], categories: ["all"], subresources: ["status"], verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] }),
  resource({ group: "", version: "v1", kind: "Endpoints", resource: "endpoints", singular: "endpoints", namespaced: true, shortNames: ["ep"], createOnUpdate: true }),
  resource({ group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", singular: "configmap", namespaced: true, shortNames: ["cm"] }),
  resource({ group: "", version: "v1", kind: "Secret", resource: "secrets", singular: "secret", namespaced: true, shortNames: [] }),
  resource({ group: "", version: "v1", kind: "Event", resource: "events", singular: "event", namespaced: true, shortNames: ["ev"], createOnUpdate: true }),
  resource({ group: "", version: "v1", kind: "Binding", resource: "bindings", singular: "binding", namespaced: true, shortNames: [], verbs: ["create"] }),
  resource({ group: "apps", version: "v1", kind: "Deployment", resource: "deployments", singular: "deployment", namespaced: true, shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"], tracksGeneration: true }),
  resource({ group: "apps", version: "v1", kind: "ReplicaSet", resource: "replicasets", singular: "replicaset", namespaced: true, shortNames: ["rs"], categories: ["all"], subresources: ["status", "scale"], tracksGeneration: true }),
  resource({ group: "coordination.k8s.io", version: "v1", kind: "Lease", resource: "leases", singular: "lease", namespaced: true, shortNames: [], createOnUpdate: true }),
];

/** Kinds that only appear as subresource bodies, and their discovery entries. */
export const subresourceKinds: Record<Subresource, { group: string; version: string; kind: string; verbs: readonly Verb[] }> = {
  status: { group: "", version: "", kind: "", verbs: ["get", "patch", "update"] },
  scale: { group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] },
  binding: { group: "", version: "v1", kind: "Binding", verbs: ["create"] },
  // PUT namespaces/NAME/finalize: spec.finalizers (the namespace controller's last step) and metadata; status stays.
  finalize: { group: "", version: "", kind: "", verbs: ["update"] },
};

export function groupVersionOf(info: { group: string; version: string }): string {
  return info.group === "" ? info.version : `${info.group}/${info.version}`;
}

/** Group-versions served, core first, as discovery lists them. */
export function servedGroupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of resources) seen.set(groupVersionOf(r), { group: r.group, version: r.version });
  return [...seen.values()];
}

export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return resources.find((r) => r.group === group && r.version === version && r.resource === plural);
}

/** core/v1 namespaces, which admission (NamespaceLifecycle) and storage look up by key. */
export const namespacesResource = findResource("", "v1", "namespaces") as ResourceInfo;

/** Registry key prefix of a resource, or of one namespace of it: "/registry/pods/" or "/registry/pods/default/". */
export function registryPrefix(info: ResourceInfo, namespace?: string): string {
  return namespace === undefined || !info.namespaced ? `/registry/${info.resource}/` : `/registry/${info.resource}/${namespace}/`;
}

export function registryKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return info.namespaced ? `/registry/${info.resource}/${namespace ?? ""}/${name}` : `/registry/${info.resource}/${name}`;
}

/** Namespace and name of a registry key of this resource. */
export function parseRegistryKey(info: ResourceInfo, key: string): { namespace?: string; name: string } | undefined {
  const prefix = registryPrefix(info);
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  if (!info.namespaced) return rest.includes("/") ? undefined : { name: rest };
  const slash = rest.indexOf("/");
  if (slash <= 0) return undefined;
  return { namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
}
