// What upstream's registry strategies do to an object besides metadata (PrepareForCreate and
// PrepareForUpdate in pkg/registry/*/strategy.go, Kubernetes 1.32). Pure.
import type { JsonObject, KindKey } from "./contract.js";
import { inStructOrder } from "./decode.js";
import { ensureObject, objectAt, objectsAt, stringMapAt, stringsAt, jsonCopy } from "./json.js";
import { podQOSClass } from "./qos.js";

type Subresource = "status" | "scale" | "binding" | "finalize";

function keyOf(kind: KindKey): string {
  return `${kind.group}/${kind.kind}`;
}

/** Kinds whose main resource ignores status and whose /status ignores spec. */
const withStatus = new Set(["/Pod", "/Node", "/Namespace", "/Service", "apps/Deployment", "apps/ReplicaSet"]);

/** Secret.stringData is write-only: merged into data (base64) by the v1 conversion. */
function mergeStringData(secret: JsonObject): void {
  const stringData = stringMapAt(secret, "stringData");
  if (secret.stringData === undefined) return;
  const data = ensureObject(secret, "data");
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(value, "utf8").toString("base64");
  delete secret.stringData;
}

function podStatusOnCreate(pod: JsonObject): JsonObject {
  const spec = objectAt(pod, "spec");
  const status: JsonObject = { phase: "Pending" };
  if (objectsAt(spec, "schedulingGates").length > 0) {
    status.conditions = [{ type: "PodScheduled", status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates" }];
  }
  status.qosClass = podQOSClass(spec);
  return status;
}

export function prepareForCreate(kind: KindKey, object: Record<string, unknown>): Record<string, unknown> {
  const copy = jsonCopy(object);
  switch (keyOf(kind)) {
    case "/Pod":
      copy.status = podStatusOnCreate(copy);
      break;
    case "apps/Deployment":
      copy.status = {};
      break;
    case "apps/ReplicaSet":
      copy.status = { replicas: 0 };
      break;
    case "/Service":
      copy.status = { loadBalancer: {} };
      break;
    case "/Namespace": {
      const spec = ensureObject(copy, "spec");
      const finalizers = stringsAt(spec, "finalizers");
      if (!finalizers.includes("kubernetes")) spec.finalizers = [...finalizers, "kubernetes"];
      copy.status = { phase: "Active" };
      break;
    }
    case "/Secret":
      mergeStringData(copy);
      break;
    default:
      break;
  }
  return inStructOrder(kind, copy);
}

/**
 * The main resource keeps the old status; /status keeps the old spec (and, for Pods, the old
 * ownerReferences, which old kubelets corrupted). A Namespace's spec.finalizers change only through
 * /finalize, which keeps the old status and takes the rest from the request, metadata included
 * (namespaceFinalizeStrategy; the server-owned metadata is reset by the caller, as for any update).
 * /scale and /binding are translated by the caller.
 */
export function prepareForUpdate(kind: KindKey, object: Record<string, unknown>, old: Record<string, unknown>, subresource?: Subresource): Record<string, unknown> {
  const copy = jsonCopy(object);
  const key = keyOf(kind);
  if (subresource === "scale" || subresource === "binding") return copy;
  if (withStatus.has(key)) {
    const kept = subresource === "status" ? "spec" : "status";
    if (old[kept] === undefined) delete copy[kept];
    else copy[kept] = jsonCopy(old[kept]);
  }
  if (key === "/Pod" && subresource === "status") {
    const metadata = ensureObject(copy, "metadata");
    const oldReferences = objectAt(old, "metadata")?.ownerReferences;
    if (oldReferences === undefined) delete metadata.ownerReferences;
    else metadata.ownerReferences = jsonCopy(oldReferences);
  }
  if (key === "/Namespace" && subresource === undefined) {
    const oldFinalizers = objectAt(old, "spec")?.finalizers;
    const spec = ensureObject(copy, "spec");
    if (oldFinalizers === undefined) delete spec.finalizers;
    else spec.finalizers = jsonCopy(oldFinalizers);
  }
  if (key === "/Secret") mergeStringData(copy);
  return inStructOrder(kind, copy);
}
