// Log replication (Raft §5.3), flow control, and a leader cut off in a minority.
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "./storage.js";
import type { AppendMessage, Message } from "./types.js";
import { TestNetwork, and, between, bytes, describeMessage, entry, fixedRandom, isType, logTerms, not, storageWithLog, text, to } from "./test-network.js";

const E = 10;
const ids = ["a", "b", "c"];

function appendsFrom(messages: readonly Message[], fromId: string, toId: string): AppendMessage[] {
  return messages.filter((m): m is AppendMessage => m.type === "append" && m.from === fromId && m.to === toId);
}

describe("replication", () => {
  it("replicates a proposal, commits it on a majority and tells the followers (exact sequence)", () => {
    const net = new TestNetwork(ids);
    const a = net.elect("a");
    const result = a.propose(bytes("x"));
    expect(result).toEqual({ ok: true, index: 2, term: 1 });
    expect(net.deliverAll().map(describeMessage)).toEqual([
      "append a→b t1 prev=1/1 entries=[2/1] commit=1",
      "append a→c t1 prev=1/1 entries=[2/1] commit=1",
      "appendResponse b→a t1 index=2",
      // Committed here: a's own copy and b's make a majority. The new commit index goes out, to
      // followers that have every entry already: nothing for them to answer.
      "appendResponse c→a t1 index=2",
      "append a→b t1 prev=2/1 entries=[] commit=2 commit-only",
      "append a→c t1 prev=2/1 entries=[] commit=2 commit-only",
    ]);
    for (const id of ids) {
      expect(net.node(id).applied.map((e) => text(e.data))).toEqual(["", "x"]);
      expect(net.raft(id).status().commit).toBe(2);
    }
  });

  it("commit notices are not answered, so a follower whose answer was lost catches up through the heartbeat", () => {
    const net = new TestNetwork(ids);
    const a = net.elect("a");
    a.propose(bytes("x"));
    // b and a commit; c's answer to entry 2 is lost on the way.
    net.deliverAll(not(between("c", "a")));
    net.take(between("c", "a"));
    expect(a.status().commit).toBe(2);
    expect(a.status().progress.get("c")?.match).toBe(1);
    // The commit notice to c (every entry already sent) asks for no answer...
    const notices = appendsFrom(net.delivered, "a", "c").filter((m) => m.entries.length === 0 && m.commit === 2);
    expect(notices.map((m) => m.commitOnly)).toEqual([true]);
    expect(net.peek(between("c", "a"))).toEqual([]);
    // ...so the heartbeat answer finds c behind, and the plain append sent then is answered.
    net.tick("a");
    const recovery = net.deliverAll();
    expect(recovery.map(describeMessage)).toContain("append a→c t1 prev=2/1 entries=[] commit=2");
    expect(recovery.map(describeMessage)).toContain("appendResponse c→a t1 index=2");
    expect(a.status().progress.get("c")?.match).toBe(2);
    // And replication to c goes on as before.
    a.propose(bytes("y"));
    net.deliverAll();
    expect(a.status().progress.get("c")?.match).toBe(3);
    expect(net.node("c").applied.map((e) => text(e.data))).toEqual(["", "x", "y"]);
  });

  it("counts the leader's own entry toward a quorum only once it is persisted", () => {
    const net = new TestNetwork(ids);
    const a = net.elect("a");
    a.propose(bytes("x"));
    const ready = a.ready();
    expect(ready.entries.map((e) => e.index)).toEqual([2]);
    expect(a.status().persistedIndex).toBe(1);
    // The appends may leave before the leader's own write (thesis §10.2.1): b gets its copy first.
    const toB = appendsFrom(ready.messages, "a", "b");
    expect(toB).toHaveLength(1);
    net.deliver(toB[0] as Message);
    const [ack] = net.take(between("b", "a"));
    a.step(ack as Message);
    // One follower is not a majority of three without the leader's own durable copy.
    expect(a.status().commit).toBe(1);
    net.persist(net.node("a"), ready);
    a.advance();
    expect(a.status().persistedIndex).toBe(2);
    expect(a.status().commit).toBe(2);
  });

  it("does not commit while only a minority holds an entry", () => {
    const net = new TestNetwork(["a", "b", "c", "d", "e"]);
    const a = net.elect("a");
    net.partition(["a", "b"], ["c", "d", "e"]);
    a.propose(bytes("x"));
    net.deliverAll();
    expect(a.status().progress.get("b")?.match).toBe(2);
    expect(a.status().commit).toBe(1);
    net.heal();
    net.tickAllAndDeliver(2);
    expect(a.status().commit).toBe(2);
  });
});

describe("proposals and applying", () => {
  it("a follower refuses proposals and names the leader", () => {
    const net = new TestNetwork(ids);
    net.elect("a");
    expect(net.raft("b").propose(bytes("x"))).toEqual({ ok: false, reason: "notLeader", leader: "a" });
    expect(new TestNetwork(ids).raft("b").propose(bytes("x"))).toEqual({ ok: false, reason: "notLeader", leader: "" });
  });

  it("splits committed entries over several Readies at committedBytesPerReadyMax, in order", () => {
    const net = new TestNetwork(ids, { committedBytesPerReadyMax: 10 });
    const a = net.elect("a");
    net.isolate("b");
    for (let i = 2; i <= 6; i++) a.propose(bytes(`entry-${i}`)); // 7 bytes each
    net.deliverAll();
    net.heal();
    const b = net.node("b");
    const before = b.readies.length;
    net.tickAllAndDeliver(1);
    const batches = b.readies.slice(before).map((r) => r.committedEntries.map((e) => e.index)).filter((batch) => batch.length > 0);
    // Two 7-byte entries exceed 10 bytes: one per Ready.
    expect(batches).toEqual([[2], [3], [4], [5], [6]]);
    expect(b.applied.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("follower log conflicts (Raft Figure 7)", () => {
  // The leader of term 8 holds indexes 1..10; its election adds a no-op at 11.
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const cases = [
    { name: "(a) missing one entry", follower: [1, 1, 1, 4, 4, 5, 5, 6, 6], appends: 2, firstReject: "index=10 reject hint=9/6" },
    { name: "(b) missing many entries", follower: [1, 1, 1, 4], appends: 2, firstReject: "index=10 reject hint=4/4" },
    { name: "(c) an extra uncommitted entry of the leader's previous term", follower: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], appends: 1, firstReject: undefined },
    { name: "(d) extra entries of a later term", follower: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], appends: 1, firstReject: undefined },
    { name: "(e) missing entries and extra ones of term 4", follower: [1, 1, 1, 4, 4, 4, 4], appends: 2, firstReject: "index=10 reject hint=7/4" },
    { name: "(f) extra entries of terms 2 and 3", follower: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], appends: 2, firstReject: "index=10 reject hint=10/3" },
    { name: "(g) fifty divergent entries of term 2", follower: [1, 1, 1, ...Array<number>(50).fill(2)], appends: 2, firstReject: "index=10 reject hint=10/2" },
  ];

  it.each(cases)("$name: the follower ends with the leader's log after $appends append(s)", ({ follower, appends, firstReject }) => {
    // a leads in term 8 with c's vote; b is the follower of the figure.
    const net = new TestNetwork(
      ids,
      { preVote: false },
      {
        a: { storage: storageWithLog(ids, leaderLog, { term: 7 }) },
        b: { storage: storageWithLog(ids, follower, { term: 7 }) },
        c: { storage: storageWithLog(ids, leaderLog, { term: 7 }) },
      },
    );
    const a = net.elect("a");
    expect(a.term).toBe(8);
    const expected = [...leaderLog, 8];
    const b = net.raft("b");
    expect(logTerms(b)).toEqual(expected);
    expect(logTerms(a)).toEqual(expected);
    // The truncation reached b's disk too.
    const storage = net.node("b").storage;
    expect(storage.lastIndex()).toBe(11);
    expect(storage.term(11)).toBe(8);
    expect(net.node("b").applied.map((e) => e.term)).toEqual(expected);

    // Fast back-off (thesis §5.3 / etcd): one rejection skips a whole term, not one index.
    const toB = appendsFrom(net.delivered, "a", "b");
    const fromB = net.delivered.filter((m) => m.type === "appendResponse" && m.from === "b");
    const firstAccepted = fromB.findIndex((m) => m.type === "appendResponse" && !m.reject);
    expect(firstAccepted + 1).toBe(appends);
    expect(toB.length).toBeGreaterThanOrEqual(appends);
    if (firstReject !== undefined) expect(describeMessage(fromB[0] as Message)).toBe(`appendResponse b→a t8 ${firstReject}`);
  });

  it("(f): the hint lets the leader jump straight past b's terms 2 and 3", () => {
    const net = new TestNetwork(
      ids,
      { preVote: false },
      {
        a: { storage: storageWithLog(ids, leaderLog, { term: 7 }) },
        b: { storage: storageWithLog(ids, [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], { term: 7 }) },
        c: { storage: storageWithLog(ids, leaderLog, { term: 7 }) },
      },
    );
    net.elect("a");
    expect(appendsFrom(net.delivered, "a", "b").map(describeMessage).slice(0, 2)).toEqual([
      "append a→b t8 prev=10/6 entries=[11/8] commit=0",
      "append a→b t8 prev=3/1 entries=[4/4,5/4,6/5,7/5,8/6,9/6,10/6,11/8] commit=0",
    ]);
  });
});

describe("flow control", () => {
  it("pipelines appends to a follower in replicate state, at most inflightMessagesMax unacknowledged", () => {
    const net = new TestNetwork(ids, { inflightMessagesMax: 3 });
    const a = net.elect("a");
    expect(a.status().progress.get("b")?.state).toBe("replicate");
    for (const data of ["p2", "p3", "p4", "p5", "p6"]) {
      expect(a.propose(bytes(data)).ok).toBe(true);
      // Everything but b's traffic flows: c's acks commit the entries meanwhile.
      net.deliverAll(not(to("b")));
    }
    expect(a.status().commit).toBe(6);
    // Three appends sent without waiting for any answer, then the window is full. (Empty
    // appends only carry the commit index and take no slot.)
    const inFlight = appendsFrom(net.peek(), "a", "b").filter((m) => m.entries.length > 0);
    expect(inFlight.map(describeMessage)).toEqual([
      "append a→b t1 prev=1/1 entries=[2/1] commit=1",
      "append a→b t1 prev=2/1 entries=[3/1] commit=2",
      "append a→b t1 prev=3/1 entries=[4/1] commit=3",
    ]);
    // One acknowledgement opens one slot, and the rest goes in a single append.
    net.deliverAll((m) => m === inFlight[0]);
    net.deliverAll(and(between("b", "a"), isType("appendResponse")));
    expect(appendsFrom(net.peek(), "a", "b").filter((m) => m.entries.length > 0).map(describeMessage)).toEqual([
      "append a→b t1 prev=2/1 entries=[3/1] commit=2",
      "append a→b t1 prev=3/1 entries=[4/1] commit=3",
      "append a→b t1 prev=4/1 entries=[5/1,6/1] commit=6",
    ]);
    net.deliverAll();
    expect(logTerms(net.raft("b"))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(net.node("b").applied.map((e) => text(e.data))).toEqual(["", "p2", "p3", "p4", "p5", "p6"]);
  });

  it("a probing leader sends one append at a time until the follower answers", () => {
    // c has an empty log, so it must be probed from the start.
    const net = new TestNetwork(ids, { preVote: false }, { a: { storage: storageWithLog(ids, [1, 1]) }, b: { storage: storageWithLog(ids, [1, 1]) } });
    const a = net.raft("a");
    a.campaign();
    net.deliverAll(not(to("c")));
    expect(a.role).toBe("leader");
    a.propose(bytes("x"));
    a.propose(bytes("y"));
    expect(a.status().progress.get("c")?.state).toBe("probe");
    expect(appendsFrom(net.peek(), "a", "c")).toHaveLength(1);
  });

  // Regression: a probe answered at the match the leader already knew must end the probe
  // (etcd: "pr.Match == m.Index && pr.State == StateProbe" → BecomeReplicate), or new entries
  // wait for the next heartbeat round.
  it("a probe answered at the current match moves the follower back to replicate", () => {
    const net = new TestNetwork(ids);
    const a = net.elect("a");
    a.reportUnreachable("b");
    expect(a.status().progress.get("b")?.state).toBe("probe");
    net.tick("a");
    net.deliverAll();
    expect(a.status().progress.get("b")?.state).toBe("replicate");
    net.isolate("c");
    a.propose(bytes("x"));
    net.deliverAll();
    expect(a.status().commit).toBe(2);
  });

  const tenBytes = "0123456789";
  // maxLoaded: the most 10-byte entries one append may carry (the no-op is empty).
  const limits = [
    { name: "entriesPerMessageMax 3", config: { entriesPerMessageMax: 3 }, maxLoaded: 3 },
    { name: "bytesPerMessageMax 25 (two 10-byte entries)", config: { bytesPerMessageMax: 25 }, maxLoaded: 2 },
    { name: "bytesPerMessageMax 5 (still one entry at a time)", config: { bytesPerMessageMax: 5 }, maxLoaded: 1 },
    { name: "both", config: { bytesPerMessageMax: 45, entriesPerMessageMax: 3 }, maxLoaded: 3 },
  ];

  it.each(limits)("catching up a follower respects $name", ({ config, maxLoaded }) => {
    const log = () => {
      const storage = new MemoryStorage(ids);
      storage.append(Array.from({ length: 10 }, (_, i) => entry(i + 1, 1, tenBytes)));
      storage.setHardState({ term: 1, vote: "", commit: 0 });
      return storage;
    };
    const net = new TestNetwork(ids, { preVote: false, ...config }, { a: { storage: log() }, b: { storage: log() } });
    net.elect("a");
    const bytesMax = config.bytesPerMessageMax ?? Infinity;
    const countMax = config.entriesPerMessageMax ?? Infinity;
    const toC = appendsFrom(net.delivered, "a", "c").filter((m) => m.entries.length > 0);
    const loaded = (m: AppendMessage) => m.entries.filter((e) => e.data.byteLength > 0).length;
    for (const m of toC) {
      const size = m.entries.reduce((sum, e) => sum + e.data.byteLength, 0);
      expect(m.entries.length).toBeLessThanOrEqual(countMax);
      // Over the byte limit only when a single entry is bigger than the limit on its own.
      if (m.entries.length > 1) expect(size).toBeLessThanOrEqual(bytesMax);
      expect(loaded(m)).toBeLessThanOrEqual(maxLoaded);
    }
    expect(Math.max(...toC.map(loaded))).toBe(maxLoaded);
    expect(logTerms(net.raft("c"))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
  });

  it("refuses proposals past uncommittedBytesMax until entries commit", () => {
    const net = new TestNetwork(ids, { uncommittedBytesMax: 10 });
    const a = net.elect("a");
    net.isolate("a");
    expect(a.propose(bytes("x".repeat(6))).ok).toBe(true);
    expect(a.propose(bytes("x".repeat(4))).ok).toBe(true);
    expect(a.propose(bytes("x"))).toEqual({ ok: false, reason: "tooManyUncommittedBytes", leader: "a" });
    // Empty entries carry no payload and are always accepted.
    expect(a.propose(new Uint8Array()).ok).toBe(true);
    net.heal();
    net.tickAllAndDeliver(3);
    expect(a.status().commit).toBe(4);
    expect(a.propose(bytes("x")).ok).toBe(true);
  });

  it("accepts one proposal larger than uncommittedBytesMax when nothing else is uncommitted", () => {
    const net = new TestNetwork(ids, { uncommittedBytesMax: 10 });
    const a = net.elect("a");
    net.isolate("a");
    expect(a.propose(bytes("x".repeat(20))).ok).toBe(true);
    expect(a.propose(bytes("x")).ok).toBe(false);
  });
});

describe("a partitioned old leader", () => {
  // c, d and e time out at different ticks, so c alone campaigns first in the majority.
  const options = { electionTimeoutTicks: E };
  const perNode = { c: { random: fixedRandom(0) }, d: { random: fixedRandom(3) }, e: { random: fixedRandom(6) } };
  const five = ["a", "b", "c", "d", "e"];

  function partitionedLeader() {
    const net = new TestNetwork(five, options, perNode);
    const a = net.elect("a");
    net.partition(["a", "b"], ["c", "d", "e"]);
    expect(a.propose(bytes("lost")).ok).toBe(true);
    net.deliverAll();
    // The majority side stops hearing from a, and c wins term 2.
    for (let t = 0; t < E + 2 && net.raft("c").role !== "leader"; t++) {
      for (const id of ["c", "d", "e"]) net.raft(id).tick();
      net.deliverAll();
    }
    expect(net.raft("c").role).toBe("leader");
    expect(net.raft("c").term).toBe(2);
    expect(net.raft("c").propose(bytes("new")).ok).toBe(true);
    net.deliverAll();
    return net;
  }

  it("keeps leading until check-quorum, never commits, then learns the new term and takes the new leader's log", () => {
    const net = partitionedLeader();
    const a = net.raft("a");
    // Two leaders at once, in different terms: a has not found out yet.
    expect(a.role).toBe("leader");
    expect(a.term).toBe(1);
    expect(a.propose(bytes("lost too")).ok).toBe(true);
    net.deliverAll();
    expect(a.status().commit).toBe(1);
    expect(net.raft("c").status().commit).toBe(3);

    net.heal();
    net.tick("a");
    const seen = net.deliverAll();
    // The majority answers a's heartbeat with its own term (pre-vote/check-quorum rule), and a steps down.
    expect(seen.map(describeMessage)).toContain("appendResponse c→a t2 index=0");
    expect(a.role).toBe("follower");
    expect(a.term).toBe(2);

    net.tickAllAndDeliver(3);
    expect(net.leaders()).toEqual(["c"]);
    for (const id of five) {
      expect(logTerms(net.raft(id))).toEqual([1, 2, 2]);
      expect(net.node(id).applied.map((e) => text(e.data))).toEqual(["", "", "new"]);
    }
  });

  it("steps down by check-quorum when it hears only from a minority", () => {
    const net = partitionedLeader();
    let steppedDownAt = 0;
    for (let t = 1; t <= 3 * E && steppedDownAt === 0; t++) {
      net.raft("a").tick();
      net.raft("b").tick();
      net.deliverAll();
      if (net.raft("a").role !== "leader") steppedDownAt = t;
    }
    expect(steppedDownAt).toBeGreaterThan(0);
    expect(steppedDownAt).toBeLessThanOrEqual(2 * E);
    expect(net.raft("a").status().commit).toBe(1);
    // Stepping down is not learning the new term: that needs the majority.
    expect(net.raft("a").term).toBe(1);
  });
});
