// Server-owned metadata: what Kubernetes sets on create and keeps across updates.
import { isDeepStrictEqual } from "node:util";
import { metadataOf, type KubeObject } from "./storage.js";
import type { ResourceInfo } from "./resources.js";

/** RFC 3339 with whole seconds, as Kubernetes' metav1.Time serializes. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** generateName suffix alphabet and length of Kubernetes (k8s.io/apiserver names.SimpleNameGenerator). */
const suffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";
const suffixLength = 5;
const generatedNameLengthMax = 63;

export function generateName(base: string, random: () => number): string {
  const prefix = base.length > generatedNameLengthMax - suffixLength ? base.slice(0, generatedNameLengthMax - suffixLength) : base;
  let suffix = "";
  for (let i = 0; i < suffixLength; i++) suffix += suffixAlphabet[Math.floor(random() * suffixAlphabet.length)] ?? "x";
  return prefix + suffix;
}

export interface CreateStamp {
  readonly uid: string;
  readonly nowMs: number;
}

/** Fills what the server owns on create; the caller has already set name and namespace. */
export function stampCreate(info: ResourceInfo, object: KubeObject, stamp: CreateStamp): void {
  const metadata = metadataOf(object);
  metadata.uid = stamp.uid;
  metadata.creationTimestamp = rfc3339(stamp.nowMs);
  delete metadata.resourceVersion;
  delete metadata.deletionTimestamp;
  delete metadata.deletionGracePeriodSeconds;
  delete metadata.selfLink;
  if (info.tracksGeneration) metadata.generation = 1;
  else delete metadata.generation;
  orderMetadata(object);
}

/** Keeps what the server owns from the stored object, bumping generation on a spec change. */
export function stampUpdate(info: ResourceInfo, object: KubeObject, old: KubeObject): void {
  const metadata = metadataOf(object);
  const oldMetadata = metadataOf(old);
  for (const field of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"] as const) {
    if (oldMetadata[field] === undefined) delete metadata[field];
    else metadata[field] = oldMetadata[field];
  }
  delete metadata.selfLink;
  if (info.tracksGeneration) {
    const oldGeneration = typeof oldMetadata.generation === "number" ? oldMetadata.generation : 1;
    metadata.generation = isDeepStrictEqual(object.spec, old.spec) ? oldGeneration : oldGeneration + 1;
  } else if (oldMetadata.generation === undefined) {
    delete metadata.generation;
  } else {
    metadata.generation = oldMetadata.generation;
  }
  orderMetadata(object);
}

const metadataOrder = [
  "name",
  "generateName",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
];

/** ObjectMeta's fields in Kubernetes' serialization order (what `kubectl get -o yaml` shows). */
export function orderMetadata(object: KubeObject): void {
  const metadata = metadataOf(object);
  const ordered: Record<string, unknown> = {};
  for (const field of metadataOrder) if (metadata[field] !== undefined) ordered[field] = metadata[field];
  for (const [field, value] of Object.entries(metadata)) if (!(field in ordered) && value !== undefined) ordered[field] = value;
  object.metadata = ordered;
}

/** The object's top-level fields in Kubernetes' order: apiVersion, kind, metadata, then the rest. */
export function orderTopLevel(object: KubeObject): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = object;
  return { apiVersion, kind, metadata, ...rest };
}

export function nameOf(object: KubeObject): string {
  const name = metadataOf(object).name;
  return typeof name === "string" ? name : "";
}

export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
