// The kinds the apiserver serves, each with its schema and upstream OpenAPI name.
import type { z } from "zod";
import type { KindKey } from "./contract.js";
import { deleteOptions, status } from "./meta.js";
import { binding, pod } from "./pod.js";
import { namespace, node } from "./node.js";
import { endpoints, service } from "./service.js";
import { configMap, secret } from "./config.js";
import { event } from "./event.js";
import { lease } from "./coordination.js";
import { deployment, replicaSet, scale } from "./apps.js";

export interface KindEntry {
  key: KindKey;
  schema: z.ZodObject;
  /** The components.schemas name, e.g. io.k8s.api.core.v1.Pod. */
  schemaName: string;
}

const core = (kind: string): KindKey => ({ group: "", version: "v1", kind });

export const kindEntries: readonly KindEntry[] = [
  { key: core("Namespace"), schema: namespace, schemaName: "io.k8s.api.core.v1.Namespace" },
  { key: core("Node"), schema: node, schemaName: "io.k8s.api.core.v1.Node" },
  { key: core("Pod"), schema: pod, schemaName: "io.k8s.api.core.v1.Pod" },
  { key: core("Binding"), schema: binding, schemaName: "io.k8s.api.core.v1.Binding" },
  { key: core("Service"), schema: service, schemaName: "io.k8s.api.core.v1.Service" },
  { key: core("Endpoints"), schema: endpoints, schemaName: "io.k8s.api.core.v1.Endpoints" },
  { key: core("ConfigMap"), schema: configMap, schemaName: "io.k8s.api.core.v1.ConfigMap" },
  { key: core("Secret"), schema: secret, schemaName: "io.k8s.api.core.v1.Secret" },
  { key: core("Event"), schema: event, schemaName: "io.k8s.api.core.v1.Event" },
  { key: { group: "apps", version: "v1", kind: "Deployment" }, schema: deployment, schemaName: "io.k8s.api.apps.v1.Deployment" },
  { key: { group: "apps", version: "v1", kind: "ReplicaSet" }, schema: replicaSet, schemaName: "io.k8s.api.apps.v1.ReplicaSet" },
  { key: { group: "autoscaling", version: "v1", kind: "Scale" }, schema: scale, schemaName: "io.k8s.api.autoscaling.v1.Scale" },
  { key: { group: "coordination.k8s.io", version: "v1", kind: "Lease" }, schema: lease, schemaName: "io.k8s.api.coordination.v1.Lease" },
  { key: core("DeleteOptions"), schema: deleteOptions, schemaName: "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions" },
  { key: { group: "meta.k8s.io", version: "v1", kind: "DeleteOptions" }, schema: deleteOptions, schemaName: "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions" },
  { key: core("Status"), schema: status, schemaName: "io.k8s.apimachinery.pkg.apis.meta.v1.Status" },
];

export function findKind(key: KindKey): KindEntry | undefined {
  return kindEntries.find((entry) => entry.key.group === key.group && entry.key.version === key.version && entry.key.kind === key.kind);
}
