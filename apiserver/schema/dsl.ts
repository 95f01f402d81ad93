// Building blocks for the Kubernetes schemas. Every struct carries its upstream OpenAPI name as
// its zod `id`, so that z.toJSONSchema emits the same component names as kube-apiserver and the
// decoder can name Go types in its errors. Fields are optional unless upstream marks them
// required (no `omitempty` in the Go struct tag).
import { z } from "zod";

export type Schema = z.ZodType;

export const string = z.string();
export const int32 = z.int32();
export const int64 = z.int();
export const float64 = z.number();
export const boolean = z.boolean();
export const stringMap = z.record(z.string(), z.string());
/** Free-form JSON objects (RawExtension, FieldsV1): stored as given, never walked. */
export const freeForm = z.record(z.string(), z.unknown());
export const bytes = z.string().meta({ format: "byte" });

export const quantityPattern = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
export const quantityId = "io.k8s.apimachinery.pkg.api.resource.Quantity";
export const timeId = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
export const microTimeId = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";
export const intOrStringId = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

/** A resource.Quantity: "500m", "1Gi", or a plain JSON number as YAML gives for `cpu: 1`. */
export const quantity = z
  .union([z.string().regex(quantityPattern), z.number()])
  .meta({ id: quantityId, description: "A fixed-point number with a suffix: 100m, 1Gi, 2." });
export const resourceList = z.record(z.string(), quantity);

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
export const time = z.string().regex(rfc3339).meta({ id: timeId, format: "date-time" });
export const microTime = z.string().regex(rfc3339).meta({ id: microTimeId, format: "date-time" });
export const intOrString = z
  .union([z.int32(), z.string()])
  .meta({ id: intOrStringId, "x-kubernetes-int-or-string": true });

/** A Go struct: upstream's OpenAPI name, fields in struct order, the non-omitempty ones. */
export function struct(id: string, fields: Record<string, Schema>, required: readonly string[] = [], extensions: Record<string, unknown> = {}): z.ZodObject {
  const shape: Record<string, Schema> = {};
  for (const [key, field] of Object.entries(fields)) shape[key] = required.includes(key) || field instanceof z.ZodOptional ? field : field.optional();
  return z.object(shape).meta({ id, ...extensions });
}

/** `+structType=atomic`: replaced whole by merges. */
export function atomicStruct(id: string, fields: Record<string, Schema>, required: readonly string[] = []): z.ZodObject {
  return struct(id, fields, required, { "x-kubernetes-map-type": "atomic" });
}

export function list(item: Schema): z.ZodArray {
  return z.array(item).meta({ "x-kubernetes-list-type": "atomic" });
}

export function setList(item: Schema, patchMerge = false): z.ZodArray {
  return z.array(item).meta({ "x-kubernetes-list-type": "set", ...(patchMerge ? { "x-kubernetes-patch-strategy": "merge" } : {}) });
}

/** `+listType=map` with the strategic-merge-patch keys of the struct tag (merge by the first key). */
export function mapList(item: Schema, keys: readonly string[], patchStrategy: string | undefined = "merge", patchMergeKey = keys[0]): z.ZodArray {
  return z.array(item).meta({
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": [...keys],
    ...(patchStrategy === undefined ? {} : { "x-kubernetes-patch-merge-key": patchMergeKey, "x-kubernetes-patch-strategy": patchStrategy }),
  });
}

/** A list with a patch merge key but `+listType=atomic` (hostIPs). */
export function atomicMergeList(item: Schema, mergeKey: string): z.ZodArray {
  return z.array(item).meta({ "x-kubernetes-list-type": "atomic", "x-kubernetes-patch-merge-key": mergeKey, "x-kubernetes-patch-strategy": "merge" });
}

/** `+mapType=granular` maps are the default; this is just z.record with the item type. */
export function mapOf(value: Schema): z.ZodRecord {
  return z.record(z.string(), value);
}

/** An optional field whose struct tag adds patch extensions to a referenced struct (strategy: retainKeys). */
export function optionalWith(schema: Schema, extensions: Record<string, unknown>): Schema {
  return schema.optional().meta(extensions);
}

export const stringList = list(string);

/** A protocol field: `+default="TCP"` upstream, which server-side apply needs to key ports. */
export const protocol = z.string().meta({ default: "TCP" });

/** Upstream's description of each kind, for `kubectl explain`. */
const kindDescriptions: Record<string, string> = {
  Pod:
    "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.",
  Binding:
    "Binding ties one object to another; for example, a pod is bound to a node by a scheduler.",
  Node:
    "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).",
  Namespace:
    "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
  Service:
    "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.",
  Endpoints:
    "Endpoints is a collection of endpoints that implement the actual service.",
  ConfigMap:
    "ConfigMap holds configuration data for pods to consume.",
  Secret:
    "Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.",
  Event:
    "Event is a report of an event somewhere in the cluster.",
  Lease:
    "Lease defines a lease concept.",
  Deployment:
    "Deployment enables declarative updates for Pods and ReplicaSets.",
  ReplicaSet:
    "ReplicaSet ensures that a specified number of pod replicas are running at any given time.",
  Scale:
    "Scale represents a scaling request for a resource.",
};

/** A top-level kind: TypeMeta first, then the kind's fields; tagged with its group-version-kind. */
export function kindStruct(id: string, gvk: { group: string; version: string; kind: string }, fields: Record<string, Schema>, required: readonly string[] = []): z.ZodObject {
  const description = kindDescriptions[gvk.kind];
  return struct(id, { kind: string, apiVersion: string, ...fields }, required, {
    ...(description === undefined ? {} : { description }),
    "x-kubernetes-group-version-kind": [gvk],
  });
}
