// The node's heartbeat Lease, as the kubelet's lease controller writes it
// (k8s.io/component-helpers/apimachinery/lease/controller.go, kubelet's setNodeOwnerFunc).
import { formatMicroTime, type Lease } from "../client/index.js";

export const nodeLeaseNamespace = "kube-node-lease";
export const defaultNodeLeaseDurationSeconds = 40;
/** The lease controller renews every leaseDuration × 0.25 (kubelet's renewIntervalFraction). */
export const nodeLeaseRenewIntervalFraction = 0.25;

export interface NodeLeaseOptions {
  readonly nodeName: string;
  /** The Node's uid, for the ownerReference; unknown until the Node is registered. */
  readonly nodeUid: string | undefined;
  readonly leaseDurationSeconds: number;
}

/**
 * newLease: the base lease (or a fresh one) with our identity, duration and renewTime = now, and
 * an ownerReference to the Node when it has none and the Node is known.
 */
export function renewedNodeLease(base: Lease | undefined, options: NodeLeaseOptions, nowMs: number): Lease {
  const lease: Lease = base === undefined ? { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: options.nodeName, namespace: nodeLeaseNamespace } } : structuredClone(base);
  lease.spec = { ...lease.spec, holderIdentity: options.nodeName, leaseDurationSeconds: options.leaseDurationSeconds, renewTime: formatMicroTime(nowMs) };
  if ((lease.metadata.ownerReferences ?? []).length === 0 && options.nodeUid !== undefined) {
    lease.metadata.ownerReferences = [{ apiVersion: "v1", kind: "Node", name: options.nodeName, uid: options.nodeUid }];
  }
  return lease;
}
