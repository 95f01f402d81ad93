// apps/v1 defaulting (pkg/apis/apps/v1/defaults.go, Kubernetes 1.32). Pod templates get the
// PodSpec defaults but not the Pod-only ones.
import type { JsonObject } from "./contract.js";
import { defaultPodSpec } from "./defaults-pod.js";
import { ensureObject, objectAt, setDefault, stringAt } from "./json.js";

function defaultTemplate(spec: JsonObject): void {
  const template = objectAt(spec, "template");
  if (template === undefined) return;
  ensureObject(template, "metadata");
  defaultPodSpec(ensureObject(template, "spec"));
}

export function defaultDeployment(deployment: JsonObject): void {
  const spec = ensureObject(deployment, "spec");
  if (spec.replicas === undefined) spec.replicas = 1;
  defaultTemplate(spec);
  const strategy = ensureObject(spec, "strategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (stringAt(strategy, "type") === "RollingUpdate") {
    const rollingUpdate = ensureObject(strategy, "rollingUpdate");
    if (rollingUpdate.maxUnavailable === undefined) rollingUpdate.maxUnavailable = "25%";
    if (rollingUpdate.maxSurge === undefined) rollingUpdate.maxSurge = "25%";
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined) spec.progressDeadlineSeconds = 600;
  ensureObject(deployment, "status");
}

export function defaultReplicaSet(replicaSet: JsonObject): void {
  const spec = ensureObject(replicaSet, "spec");
  if (spec.replicas === undefined) spec.replicas = 1;
  defaultTemplate(spec);
  // ReplicaSetStatus.replicas has no omitempty.
  const status = ensureObject(replicaSet, "status");
  if (status.replicas === undefined) status.replicas = 0;
}
