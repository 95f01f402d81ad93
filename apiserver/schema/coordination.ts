// coordination.k8s.io/v1 Lease (Kubernetes 1.32): leader election and node heartbeats.
import { objectMeta } from "./meta.js";
import { int32, kindStruct, microTime, string, struct } from "./dsl.js";

export const lease = kindStruct("io.k8s.api.coordination.v1.Lease", { group: "coordination.k8s.io", version: "v1", kind: "Lease" }, {
  metadata: objectMeta,
  spec: struct("io.k8s.api.coordination.v1.LeaseSpec", {
    holderIdentity: string, leaseDurationSeconds: int32, acquireTime: microTime, renewTime: microTime,
    leaseTransitions: int32, strategy: string, preferredHolder: string,
  }),
});
