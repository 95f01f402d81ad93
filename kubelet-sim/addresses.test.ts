import { describe, expect, it } from "vitest";
import { assignPodCidrs, claimPodCidrs, nodeInternalIp, PodIpPool, preferredSubnet, subnetCidr } from "./addresses.js";

describe("pod ranges", () => {
  it("numbers nodes from 10.244.0.0/24 by their trailing digits", () => {
    expect(subnetCidr(preferredSubnet("node-1"))).toBe("10.244.1.0/24");
    expect(subnetCidr(preferredSubnet("sim-300"))).toBe("10.245.44.0/24");
    expect(subnetCidr(preferredSubnet("node-3000"))).toBe("10.255.184.0/24");
    expect(subnetCidr(preferredSubnet("node-3100"))).toBe("10.0.28.0/24"); // wraps within 10.0.0.0/8
  });

  it("skips ranges other Nodes hold, and never gives two nodes one range", () => {
    const assigned = assignPodCidrs(["sim-1", "sim-2", "sim-3"], new Set(["10.244.1.0/24", "10.244.2.0/24"]));
    expect([...assigned.values()]).toEqual(["10.244.3.0/24", "10.244.4.0/24", "10.244.5.0/24"]);
    const many = assignPodCidrs(Array.from({ length: 5000 }, (_, i) => `sim-${i + 1}`), new Set());
    expect(new Set(many.values()).size).toBe(5000);
  });

  it("derives a distinct InternalIP from each range", () => {
    expect(nodeInternalIp("10.244.1.0/24")).toBe("172.18.0.2");
    expect(nodeInternalIp("10.245.44.0/24")).toBe("172.18.1.45");
  });
});

describe("PodIpPool", () => {
  it("hands out .2 upward, round robin, reusing a freed address only after the rest", () => {
    const pool = new PodIpPool("10.244.1.0/24");
    expect(pool.capacity).toBe(253);
    expect([pool.allocate(), pool.allocate(), pool.allocate()]).toEqual(["10.244.1.2", "10.244.1.3", "10.244.1.4"]);
    pool.release("10.244.1.2");
    expect(pool.allocate()).toBe("10.244.1.5");
    for (let i = 0; i < 249; i++) pool.allocate();
    expect(pool.allocated).toBe(252);
    expect(pool.allocate()).toBe("10.244.1.2"); // the freed one, last
    expect(pool.allocated).toBe(253);
    expect(pool.allocate()).toBeUndefined();
    pool.release("10.244.1.3");
    expect(pool.allocate()).toBe("10.244.1.3");
  });

  it("reserves adopted addresses inside its range only", () => {
    const pool = new PodIpPool("10.244.1.0/30");
    expect(pool.capacity).toBe(1);
    expect(pool.reserve("10.244.1.2")).toBe(true);
    expect(pool.reserve("10.244.2.2")).toBe(false);
    expect(pool.allocate()).toBeUndefined();
  });

  it("refuses a range that is not IPv4 /8‥/30", () => {
    expect(() => new PodIpPool("10.244.1.0/31")).toThrow(/pod CIDR/);
    expect(() => new PodIpPool("fd00::/64")).toThrow(/pod CIDR/);
  });
});

describe("claimPodCidrs", () => {
  it("keeps a Node's own range and earlier claims, and claims free ranges past everyone's", () => {
    const claims = { "node-1": "10.244.1.0/24", "kn-1": "10.244.2.0/24" };
    const next = claimPodCidrs(claims, ["kn-1", "ks-1", "ks-2", "ks-3"], new Map([["ks-3", "10.9.9.0/24"]]));
    expect(next).toEqual({
      "node-1": "10.244.1.0/24",
      "kn-1": "10.244.2.0/24",
      "ks-1": "10.244.3.0/24",
      "ks-2": "10.244.4.0/24",
      "ks-3": "10.9.9.0/24",
    });
  });
});
