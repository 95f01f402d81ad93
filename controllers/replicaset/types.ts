// apps/v1 ReplicaSet: the types live in client/types.ts, shared with kubectl-lite.
export type { PodTemplateSpec, ReplicaSet, ReplicaSetCondition, ReplicaSetSpec, ReplicaSetStatus } from "../../client/index.js";
