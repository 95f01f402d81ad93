// Restart from stable storage (Raft Figure 2: term, vote and log are persistent).
import { describe, expect, it } from "vitest";
import type { Message } from "./types.js";
import { TestNetwork, bytes, describeMessage, fixedRandom, from, text, to } from "./test-network.js";

const ids = ["a", "b", "c"];

function threeCommitted(): TestNetwork {
  // Distinct election timeouts, so that elections after the restart do not split forever.
  const net = new TestNetwork(ids, {}, { b: { random: fixedRandom(3) }, c: { random: fixedRandom(6) } });
  const a = net.elect("a");
  for (const v of ["x", "y", "z"]) a.propose(bytes(v));
  net.deliverAll();
  for (const id of ids) expect(net.raft(id).status().commit).toBe(4);
  return net;
}

describe("restart", () => {
  it.each([
    { applied: 0, redelivered: ["", "x", "y", "z"] },
    { applied: 2, redelivered: ["y", "z"] },
    { applied: 4, redelivered: [] },
  ])("keeps term, vote and commit, and hands out again the committed entries after applied=$applied", ({ applied, redelivered }) => {
    const net = threeCommitted();
    const b = net.restart("b", applied);
    expect(b.status()).toMatchObject({ role: "follower", term: 1, vote: "a", commit: 4, applied, lastIndex: 4, leader: "" });
    const ready = b.hasReady() ? b.ready() : undefined;
    expect((ready?.committedEntries ?? []).map((e) => text(e.data))).toEqual(redelivered);
    expect(ready?.entries ?? []).toEqual([]);
  });

  it("a restarted leader comes back as a follower of the same term and rejoins", () => {
    const net = threeCommitted();
    const a = net.restart("a");
    expect(a.status()).toMatchObject({ role: "follower", term: 1, vote: "a", commit: 4 });
    // Nobody leads term 1 any more; once b's and c's leases run out an election for term 2 succeeds.
    net.tickAllAndDeliver(40);
    expect(net.leaders()).toHaveLength(1);
    for (const id of ids) expect(net.raft(id).term).toBe(2);
    for (const id of ids) expect(net.raft(id).status().commit).toBeGreaterThanOrEqual(5);
  });

  it("entries persisted but not yet known committed survive and commit later", () => {
    const net = new TestNetwork(ids);
    const a = net.elect("a");
    a.propose(bytes("x"));
    // b persists x, but a's commit notification to b is lost, and b crashes.
    net.deliverAll((m) => !(m.to === "b" && m.type === "append" && m.commit === 2));
    net.take(to("b"));
    const b = net.restart("b");
    expect(b.status()).toMatchObject({ lastIndex: 2, commit: 1 });
    net.tickAllAndDeliver(1);
    expect(b.status().commit).toBe(2);
    expect(net.node("b").applied.map((e) => text(e.data))).toEqual(["", "x"]);
  });

  it("a vote lost with an unpersisted Ready was never promised", () => {
    // b takes the Ready with its vote but crashes before persisting it: no response was sent,
    // and after the restart b is free to vote for another candidate in that term.
    const net = new TestNetwork(ids, { preVote: false });
    net.raft("a").campaign();
    const [request] = net.take(to("b"));
    const node = net.node("b");
    node.raft.step(request as Message);
    const lost = node.raft.ready();
    expect(lost.messages.map(describeMessage)).toEqual(["voteResponse b→a t1"]);
    const b = net.restart("b");
    expect(b.status()).toMatchObject({ term: 0, vote: "" });
    net.deliver({ type: "vote", from: "c", to: "b", term: 1, lastLogIndex: 0, lastLogTerm: 0, transfer: false });
    expect(net.take(from("b")).map(describeMessage)).toEqual(["voteResponse b→c t1"]);
  });
});
