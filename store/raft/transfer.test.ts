// Leadership transfer (Raft thesis §3.10).
import { describe, expect, it } from "vitest";
import { NONE } from "./types.js";
import { TestNetwork, bytes, describeMessage, isType, logTerms, to } from "./test-network.js";

const E = 10;
const ids = ["a", "b", "c"];

/** a leads; c misses two proposals that a and b commit. */
function cBehind(): TestNetwork {
  const net = new TestNetwork(ids, { electionTimeoutTicks: E });
  const a = net.elect("a");
  net.isolate("c");
  a.propose(bytes("x"));
  a.propose(bytes("y"));
  net.deliverAll();
  expect(a.status().commit).toBe(3);
  return net;
}

describe("leadership transfer", () => {
  it("to a caught-up follower: timeoutNow, a vote round without pre-vote that overrides the lease, a new term", () => {
    const net = new TestNetwork(ids, { electionTimeoutTicks: E });
    const a = net.elect("a");
    // Everyone heard from a just now, so every follower is inside its leader lease.
    net.tickAllAndDeliver(1);
    expect(a.transferLeadership("b")).toEqual({ ok: true });
    expect(a.status().leadTransferee).toBe("b");
    expect(net.deliverAll().map(describeMessage).slice(0, 6)).toEqual([
      "timeoutNow a→b t1",
      "vote b→a t2 last=1/1 transfer",
      "vote b→c t2 last=1/1 transfer",
      "voteResponse a→b t2",
      "voteResponse c→b t2",
      "append b→a t2 prev=1/1 entries=[2/2] commit=1",
    ]);
    expect(net.leaders()).toEqual(["b"]);
    for (const id of ids) {
      expect(net.raft(id).term).toBe(2);
      expect(net.raft(id).leader).toBe("b");
    }
    expect(a.status().leadTransferee).toBe(NONE);
  });

  it("to a lagging follower: appends first, timeoutNow only once it has caught up", () => {
    const net = cBehind();
    const a = net.raft("a");
    net.heal();
    expect(a.transferLeadership("c")).toEqual({ ok: true });
    const sent = net.deliverAll();
    const timeoutAt = sent.findIndex((m) => m.type === "timeoutNow");
    expect(timeoutAt).toBeGreaterThan(0);
    // The first thing c gets is an append, and timeoutNow follows c's acknowledgement of index 3.
    expect(sent.find((m) => m.to === "c")?.type).toBe("append");
    const ackedBefore = sent.slice(0, timeoutAt).filter((m) => m.type === "appendResponse" && m.from === "c" && !m.reject && m.index === 3);
    expect(ackedBefore).toHaveLength(1);
    expect(net.leaders()).toEqual(["c"]);
    expect(net.raft("c").term).toBe(2);
    expect(logTerms(net.raft("c"))).toEqual([1, 1, 1, 2]);
  });

  it("refuses proposals while a transfer is in progress", () => {
    const net = cBehind();
    const a = net.raft("a");
    a.transferLeadership("c");
    expect(a.propose(bytes("z"))).toEqual({ ok: false, reason: "transferring", leader: "a" });
    // Reads are still served.
    a.readIndex("r");
    net.deliverAll();
    expect(net.node("a").readStates).toEqual([{ index: 3, context: "r" }]);
  });

  it("abandons a transfer that does not finish within an election timeout", () => {
    const net = cBehind();
    const a = net.raft("a");
    a.transferLeadership("c");
    for (let t = 1; t < E; t++) {
      net.tick("a");
      net.tick("b");
      net.deliverAll();
    }
    expect(a.status().leadTransferee).toBe("c");
    net.tick("a");
    net.deliverAll();
    expect(a.status().leadTransferee).toBe(NONE);
    expect(a.role).toBe("leader");
    expect(a.propose(bytes("z")).ok).toBe(true);
  });

  it("rejects a transfer from a follower or to a stranger; a transfer to itself is a no-op", () => {
    const net = new TestNetwork(ids);
    const a = net.elect("a");
    expect(net.raft("b").transferLeadership("c")).toEqual({ ok: false, reason: "notLeader", leader: "a" });
    expect(a.transferLeadership("z")).toEqual({ ok: false, reason: "unknownNode", leader: "a" });
    expect(a.transferLeadership("a")).toEqual({ ok: true });
    expect(net.peek()).toEqual([]);
    expect(a.status().leadTransferee).toBe(NONE);
  });

  it("the target's campaign wins even though the others would ignore an ordinary one", () => {
    const net = new TestNetwork(ids, { electionTimeoutTicks: E });
    net.elect("a");
    net.tickAllAndDeliver(1);
    // An ordinary campaign by b is a pre-vote that a and c ignore inside their lease.
    net.raft("b").campaign();
    net.deliverAll(isType("preVote", "preVoteResponse"));
    expect(net.raft("b").role).toBe("preCandidate");
    expect(net.take(to("b"))).toEqual([]);
    net.tickAllAndDeliver(1);
    expect(net.leaders()).toEqual(["a"]);
    net.raft("a").transferLeadership("b");
    net.deliverAll();
    expect(net.leaders()).toEqual(["b"]);
  });
});
