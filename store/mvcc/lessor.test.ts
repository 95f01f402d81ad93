import { describe, expect, it } from "vitest";
import { Lessor } from "./lessor.js";

const t0 = 1_000_000;

describe("Lessor (lease deadlines on the leader)", () => {
  it("keeps no deadlines and renews nothing until promoted", () => {
    const lessor = new Lessor();
    lessor.granted(1, 10, t0);
    expect(lessor.isPrimary()).toBe(false);
    expect(lessor.keepAlive(1, t0)).toBeUndefined();
    expect(lessor.remainingSeconds(1, t0)).toBe(-1);
    expect(lessor.tick(t0 + 60_000)).toEqual([]);
  });

  it("gives every lease a full TTL plus the extension on promotion, as etcd's Promote", () => {
    const lessor = new Lessor();
    lessor.promote([{ id: 1, ttlSeconds: 10 }, { id: 2, ttlSeconds: 5 }], t0, 1_000);
    expect(lessor.remainingSeconds(1, t0)).toBe(11);
    expect(lessor.tick(t0 + 5_999)).toEqual([]);
    expect(lessor.tick(t0 + 6_000)).toEqual([2]);
    expect(lessor.tick(t0 + 11_000)).toEqual([1]);
  });

  it("takes over when the leader applies its own term's no-op, not on an earlier term's or as a follower, and again in a later term", () => {
    const lessor = new Lessor();
    const leases = [{ id: 1, ttlSeconds: 10 }];
    // A no-op of the previous term (the old leader's), applied by the new leader: not yet.
    expect(lessor.noopApplied(4, { term: 5, isLeader: true }, () => leases, t0, 1_000)).toBe(false);
    expect(lessor.isPrimary()).toBe(false);
    // A lease granted by the old leader, applied after that no-op: known once promoted.
    lessor.granted(2, 30, t0);
    expect(lessor.noopApplied(5, { term: 5, isLeader: false }, () => leases, t0, 1_000)).toBe(false);
    expect(lessor.noopApplied(5, { term: 5, isLeader: true }, () => [...leases, { id: 2, ttlSeconds: 30 }], t0, 1_000)).toBe(true);
    expect(lessor.isPrimary()).toBe(true);
    expect(lessor.keepAlive(2, t0 + 1)).toBe(30);
    expect(lessor.remainingSeconds(1, t0)).toBe(11);
    expect(lessor.remainingSeconds(1, t0 + 5_000)).toBe(6);
    // Leader again in a later term without a demote in between (both between two Readies): the
    // new term's no-op restarts every deadline, as etcd's Promote does whenever it is called.
    expect(lessor.noopApplied(7, { term: 7, isLeader: true }, () => leases, t0 + 5_000, 1_000)).toBe(true);
    expect(lessor.remainingSeconds(1, t0 + 5_000)).toBe(11);
  });

  it("renews to a full TTL from the keep-alive, never for a lease past its deadline or being revoked", () => {
    const lessor = new Lessor();
    lessor.promote([], t0, 0);
    lessor.granted(7, 3, t0);
    expect(lessor.keepAlive(7, t0 + 2_000)).toBe(3);
    expect(lessor.tick(t0 + 4_999)).toEqual([]);
    expect(lessor.tick(t0 + 5_000)).toEqual([7]);
    // Proposed for revocation: no renewal, and not proposed twice.
    expect(lessor.keepAlive(7, t0 + 5_000)).toBeUndefined();
    expect(lessor.tick(t0 + 6_000)).toEqual([]);
    // The proposal failed: proposed again at the next tick; applied: gone.
    lessor.revokeFailed(7);
    expect(lessor.tick(t0 + 6_100)).toEqual([7]);
    lessor.revoked(7);
    expect(lessor.tick(t0 + 60_000)).toEqual([]);
    expect(lessor.keepAlive(7, t0 + 60_000)).toBeUndefined();
    expect(lessor.keepAlive(99, t0)).toBeUndefined();
  });

  it("forgets its deadlines on demotion; the next leader starts them afresh", () => {
    const lessor = new Lessor();
    lessor.promote([{ id: 1, ttlSeconds: 2 }], t0, 0);
    lessor.demote();
    expect(lessor.isPrimary()).toBe(false);
    expect(lessor.tick(t0 + 10_000)).toEqual([]);
    lessor.promote([{ id: 1, ttlSeconds: 2 }], t0 + 10_000, 500);
    expect(lessor.tick(t0 + 12_499)).toEqual([]);
    expect(lessor.tick(t0 + 12_500)).toEqual([1]);
  });
});
