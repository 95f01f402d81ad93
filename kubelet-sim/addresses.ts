// Where simulated nodes and pods live on the (imaginary) network.
//
// Each node gets a /24 pod range out of 10.0.0.0/8 (65,536 of them), numbered from 10.244.0.0/24
// on as flannel and kind do: node-1 → 10.244.1.0/24. A node's number comes from its name's
// trailing digits (or a hash), and a range already held by another Node is skipped, so thousands
// of nodes from several processes do not collide. The node's InternalIP follows from its range.
// Pod IPs are handed out as CNI host-local does: round robin through the range, the .1 gateway
// kept back, a freed address reused only after the others.
import { sha256Hex } from "./images.js";

const subnetCount = 65_536;
const firstSubnet = 244 * 256;

function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** 10.<hi>.<lo>.0/24 for subnet number 0‥65535. */
export function subnetCidr(subnet: number): string {
  const s = ((subnet % subnetCount) + subnetCount) % subnetCount;
  return `10.${s >> 8}.${s & 255}.0/24`;
}

/** The subnet a node would like: its trailing number (node-7 → 10.244.7.0/24), else a hash of its name. */
export function preferredSubnet(nodeName: string): number {
  const digits = /(\d+)$/.exec(nodeName)?.[1];
  const offset = digits !== undefined ? Number(digits.slice(-6)) : Number.parseInt(sha256Hex(`node:${nodeName}`).slice(0, 8), 16);
  return (firstSubnet + offset) % subnetCount;
}

/**
 * Pod ranges for nodes that have none yet, in order, skipping ranges in `taken` (held by Nodes
 * that exist) and each other's: linear probing from each node's preferred subnet.
 */
export function assignPodCidrs(nodeNames: readonly string[], taken: ReadonlySet<string>): Map<string, string> {
  const used = new Set(taken);
  const assigned = new Map<string, string>();
  for (const name of nodeNames) {
    const start = preferredSubnet(name);
    for (let probe = 0; probe < subnetCount; probe++) {
      const cidr = subnetCidr(start + probe);
      if (used.has(cidr)) continue;
      used.add(cidr);
      assigned.set(name, cidr);
      break;
    }
  }
  return assigned;
}

/**
 * The shared claims table (node name → pod range, kept in one ConfigMap that processes update
 * with a resourceVersion precondition, so concurrent kubelet-sims never pick the same range)
 * after claiming ranges for `nodeNames`: a Node's existing podCIDR wins, then its earlier claim,
 * else a free range.
 */
export function claimPodCidrs(claims: Readonly<Record<string, string>>, nodeNames: readonly string[], nodeCidrs: ReadonlyMap<string, string>): Record<string, string> {
  const next: Record<string, string> = { ...claims };
  const needing: string[] = [];
  for (const name of nodeNames) {
    const own = nodeCidrs.get(name) ?? claims[name];
    if (own === undefined) needing.push(name);
    else next[name] = own;
  }
  const taken = new Set([...Object.values(next), ...nodeCidrs.values()]);
  for (const [name, cidr] of assignPodCidrs(needing, taken)) next[name] = cidr;
  return next;
}

/** The node's own address, one per pod range: 10.244.1.0/24 → 172.18.0.2 (kind's node network). */
export function nodeInternalIp(podCidr: string): string {
  const network = ipv4ToNumber(podCidr.split("/")[0] ?? "") ?? 0;
  const subnet = Math.floor(network / 256) % subnetCount;
  const index = (subnet - firstSubnet + subnetCount) % subnetCount;
  return numberToIpv4((ipv4ToNumber("172.18.0.0") ?? 0) + index + 1);
}

/** A node's pod addresses: allocate, reserve (adopted pods), release. */
export class PodIpPool {
  private readonly first: number;
  private readonly last: number;
  private readonly inUse = new Set<number>();
  private lastAllocated: number;

  constructor(readonly cidr: string) {
    const [address = "", prefixText = ""] = cidr.split("/");
    const network = ipv4ToNumber(address);
    const prefix = Number(prefixText);
    if (network === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`pod CIDR must be IPv4 /8‥/30, not '${cidr}'`);
    const size = 2 ** (32 - prefix);
    const base = network - (network % size);
    this.first = base + 2; // .0 is the network, .1 the bridge gateway
    this.last = base + size - 2; // the top address is broadcast
    this.lastAllocated = this.last;
  }

  get capacity(): number {
    return this.last - this.first + 1;
  }

  get allocated(): number {
    return this.inUse.size;
  }

  allocate(): string | undefined {
    for (let step = 1; step <= this.capacity; step++) {
      const candidate = this.first + ((this.lastAllocated - this.first + step) % this.capacity);
      if (this.inUse.has(candidate)) continue;
      this.inUse.add(candidate);
      this.lastAllocated = candidate;
      return numberToIpv4(candidate);
    }
    return undefined;
  }

  /** Mark an address taken (a pod found running after a restart); false if outside the range. */
  reserve(ip: string): boolean {
    const n = ipv4ToNumber(ip);
    if (n === undefined || n < this.first || n > this.last) return false;
    this.inUse.add(n);
    return true;
  }

  release(ip: string): void {
    const n = ipv4ToNumber(ip);
    if (n !== undefined) this.inUse.delete(n);
  }
}
