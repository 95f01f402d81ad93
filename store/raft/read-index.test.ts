// ReadIndex (Raft thesis §6.4): linearizable reads without writing to the log.
import { describe, expect, it } from "vitest";
import type { Message } from "./types.js";
import { TestNetwork, bytes, describeMessage, fixedRandom, from, isType, to } from "./test-network.js";

const E = 10;
const ids = ["a", "b", "c"];

describe("ReadIndex at the leader", () => {
  it.each([
    { members: ["a", "b", "c"], acksNeeded: 1 },
    { members: ["a", "b", "c", "d", "e"], acksNeeded: 2 },
  ])("answers only once $acksNeeded follower(s) confirm leadership, at the commit index of the request", ({ members, acksNeeded }) => {
    const net = new TestNetwork(members);
    const a = net.elect("a");
    expect(a.readIndex("r1")).toEqual({ ok: true });
    const heartbeats = net.take(isType("heartbeat"));
    expect(heartbeats.map(describeMessage)).toEqual(members.slice(1).map((id) => `heartbeat a→${id} t1 commit=1 ctx=r1`));
    // The commit index moves on while the round is in flight; the read keeps the old one.
    a.propose(bytes("x"));
    net.deliverAll();
    expect(a.status().commit).toBe(2);
    const readStates = net.node("a").readStates;
    for (const [i, heartbeat] of heartbeats.entries()) {
      expect(readStates).toEqual([]);
      net.deliver(heartbeat);
      net.deliverAll(isType("heartbeatResponse"));
      if (i + 1 >= acksNeeded) break;
    }
    expect(readStates).toEqual([{ index: 1, context: "r1" }]);
    // Later acknowledgements do not answer it twice.
    net.deliverAll();
    expect(readStates).toHaveLength(1);
  });

  it("an acknowledgement of a later read confirms the earlier ones too", () => {
    const net = new TestNetwork(ids);
    const a = net.elect("a");
    a.readIndex("r1");
    expect(net.take(isType("heartbeat"))).toHaveLength(2); // lost
    a.propose(bytes("x"));
    net.deliverAll();
    a.readIndex("r2");
    net.deliverAll();
    expect(net.node("a").readStates).toEqual([
      { index: 1, context: "r1" },
      { index: 2, context: "r2" },
    ]);
  });

  it("a pending read rides on the periodic heartbeat if its own round was lost", () => {
    const net = new TestNetwork(ids);
    const a = net.elect("a");
    a.readIndex("r1");
    net.take(isType("heartbeat"));
    net.tick("a");
    expect(net.peek(isType("heartbeat")).map(describeMessage)).toEqual(["heartbeat a→b t1 commit=1 ctx=r1", "heartbeat a→c t1 commit=1 ctx=r1"]);
    net.deliverAll();
    expect(net.node("a").readStates).toEqual([{ index: 1, context: "r1" }]);
  });

  it("a brand-new leader defers reads until an entry of its term commits", () => {
    // a commits x at index 2, but neither b nor c learns the new commit index.
    const net = new TestNetwork(ids, { electionTimeoutTicks: E }, { c: { random: fixedRandom(5) } });
    const a = net.elect("a");
    a.propose(bytes("x"));
    net.deliverAll((m) => !(m.type === "append" && m.commit === 2));
    expect(a.status().commit).toBe(2);
    net.isolate("a");
    net.take();
    const b = net.raft("b");
    for (let t = 0; t < 2 * E && b.role !== "leader"; t++) {
      b.tick();
      net.raft("c").tick();
      net.deliverAll(isType("preVote", "preVoteResponse", "vote", "voteResponse"));
    }
    expect(b.role).toBe("leader");
    expect(b.term).toBe(2);
    // b believes commit is 1: a read served now would miss x.
    expect(b.status().commit).toBe(1);
    expect(b.readIndex("r")).toEqual({ ok: true });
    expect(net.peek(isType("heartbeat"))).toEqual([]);
    expect(net.node("b").readStates).toEqual([]);

    net.deliverAll();
    // The no-op (index 3) committed, then the read went through a heartbeat round.
    expect(b.status().commit).toBe(3);
    expect(net.delivered.filter((m) => m.type === "heartbeat" && m.context === "r").map(describeMessage)).toEqual(["heartbeat b→c t2 commit=3 ctx=r"]);
    expect(net.node("b").readStates).toEqual([{ index: 3, context: "r" }]);
  });

  it("a leader cut off from the majority never answers", () => {
    const net = new TestNetwork(ids, { electionTimeoutTicks: E });
    const a = net.elect("a");
    net.isolate("a");
    expect(a.readIndex("r")).toEqual({ ok: true });
    for (let t = 0; t < 2 * E; t++) {
      net.tick("a");
      net.deliverAll();
    }
    expect(net.node("a").readStates).toEqual([]);
    // Check-quorum deposed it, and the pending read went with its leadership.
    expect(a.role).toBe("follower");
    expect(a.readIndex("r2")).toEqual({ ok: false, reason: "noLeader", leader: "" });
    net.heal();
    net.deliverAll();
    expect(net.node("a").readStates).toEqual([]);
  });

  it("a single-node cluster answers at once", () => {
    const net = new TestNetwork(["a"]);
    net.elect("a");
    net.raft("a").readIndex("r");
    net.flush();
    expect(net.node("a").readStates).toEqual([{ index: 1, context: "r" }]);
  });
});

describe("ReadIndex from a follower", () => {
  it("forwards the request to the leader and gets the read index back (exact sequence)", () => {
    const net = new TestNetwork(ids);
    net.elect("a");
    expect(net.raft("b").readIndex("f")).toEqual({ ok: true });
    expect(net.deliverAll().map(describeMessage)).toEqual([
      "readIndex b→a t1 ctx=f",
      "heartbeat a→b t1 commit=1 ctx=f",
      "heartbeat a→c t1 commit=1 ctx=f",
      "heartbeatResponse b→a t1 ctx=f",
      "heartbeatResponse c→a t1 ctx=f",
      "readIndexResponse a→b t1 ctx=f index=1",
    ]);
    expect(net.node("b").readStates).toEqual([{ index: 1, context: "f" }]);
    expect(net.node("a").readStates).toEqual([]);
  });

  it("a read forwarded to a brand-new leader is answered after its no-op commits", () => {
    const net = new TestNetwork(ids, { preVote: false });
    const a = net.raft("a");
    a.campaign();
    net.deliverAll(isType("vote", "voteResponse"));
    expect(a.role).toBe("leader");
    // b gets the no-op and so learns who leads; its acknowledgement and c's copy are held back.
    net.deliverAll((m) => m.type === "append" && m.to === "b");
    const held = net.take((m) => m.type === "appendResponse" || m.to === "c");
    expect(net.raft("b").leader).toBe("a");
    expect(a.status().commit).toBe(0);
    net.raft("b").readIndex("f");
    net.deliverAll(isType("readIndex"));
    expect(net.peek(isType("heartbeat"))).toEqual([]);
    net.queue.push(...held);
    net.deliverAll();
    expect(a.status().commit).toBe(1);
    expect(net.node("b").readStates).toEqual([{ index: 1, context: "f" }]);
  });

  it("refuses when it knows no leader", () => {
    const net = new TestNetwork(ids);
    expect(net.raft("b").readIndex("f")).toEqual({ ok: false, reason: "noLeader", leader: "" });
    expect(net.peek()).toEqual([]);
  });
});

describe("unsafe.readIndexWithoutHeartbeat", () => {
  it("answers at once without a heartbeat round", () => {
    const net = new TestNetwork(ids, { unsafe: { readIndexWithoutHeartbeat: true } });
    const a = net.elect("a");
    a.readIndex("r");
    const ready = a.ready();
    expect(ready.readStates).toEqual([{ index: 1, context: "r" }]);
    expect(ready.messages.filter((m: Message) => m.type === "heartbeat")).toEqual([]);
  });

  it("lets a deposed leader serve a stale read (the bug the flag exists to inject)", () => {
    const net = new TestNetwork(ids, { electionTimeoutTicks: E, unsafe: { readIndexWithoutHeartbeat: true } }, { c: { random: fixedRandom(5) } });
    const a = net.elect("a");
    net.isolate("a");
    for (let t = 0; t < 2 * E && net.raft("b").role !== "leader"; t++) {
      net.raft("b").tick();
      net.raft("c").tick();
      net.deliverAll();
    }
    const b = net.raft("b");
    expect(b.role).toBe("leader");
    b.propose(bytes("newer"));
    net.deliverAll();
    expect(b.status().commit).toBe(3);
    a.readIndex("stale");
    net.flush();
    expect(net.node("a").readStates).toEqual([{ index: 1, context: "stale" }]);
    expect(net.take(from("a")).filter((m) => m.type === "heartbeat" && to("b")(m))).toEqual([]);
  });
});
