// Leader election (Raft §5.2, §5.4.1), pre-vote and check-quorum (thesis §9.6, §6.2).
import { describe, expect, it } from "vitest";
import type { Message, VoteMessage } from "./types.js";
import { NONE } from "./types.js";
import { Raft } from "./raft.js";
import { MemoryStorage } from "./storage.js";
import { TestNetwork, and, describeMessage, fixedRandom, from, isType, storageWithLog, to } from "./test-network.js";

const E = 10;

function voteRequest(type: "vote" | "preVote", fromId: string, toId: string, term: number, lastLogIndex: number, lastLogTerm: number, transfer = false): VoteMessage {
  return { type, from: fromId, to: toId, term, lastLogIndex, lastLogTerm, transfer };
}

describe("election with pre-vote", () => {
  it("a follower campaigns exactly when its randomized timeout expires", () => {
    // Raft §5.2: the timeout is drawn from [E, 2E).
    for (const drawn of [0, 3, E - 1]) {
      const net = new TestNetwork(["a", "b", "c"], { electionTimeoutTicks: E }, { a: { random: fixedRandom(drawn) } });
      net.tick("a", E + drawn - 1);
      expect(net.raft("a").role).toBe("follower");
      expect(net.peek()).toEqual([]);
      net.tick("a");
      expect(net.raft("a").role).toBe("preCandidate");
    }
  });

  it("runs a pre-vote round at term+1 without changing terms, then a vote round, and the winner appends a no-op", () => {
    const net = new TestNetwork(["a", "b", "c"], { electionTimeoutTicks: E });
    net.tick("a", E);
    const a = net.raft("a");
    expect(a.role).toBe("preCandidate");
    // Thesis §9.6: the probe carries term+1 while the sender keeps its own term and vote.
    expect(a.term).toBe(0);
    expect(a.vote).toBe(NONE);
    expect(net.peek().map(describeMessage)).toEqual(["preVote a→b t1 last=0/0", "preVote a→c t1 last=0/0"]);

    const delivered = net.deliverAll();
    expect(delivered.slice(0, 10).map(describeMessage)).toEqual([
      "preVote a→b t1 last=0/0",
      "preVote a→c t1 last=0/0",
      "preVoteResponse b→a t1",
      // a wins the pre-vote with b's answer and starts the real election at once.
      "preVoteResponse c→a t1",
      "vote a→b t1 last=0/0",
      "vote a→c t1 last=0/0",
      "voteResponse b→a t1",
      // a is leader after b's vote: its no-op (index 1, term 1) goes out.
      "voteResponse c→a t1",
      "append a→b t1 prev=0/0 entries=[1/1] commit=0",
      "append a→c t1 prev=0/0 entries=[1/1] commit=0",
    ]);
    expect(a.role).toBe("leader");
    expect(a.term).toBe(1);
    expect(net.raft("b").vote).toBe("a");
    expect(net.raft("b").leader).toBe("a");
    // Raft §8: the new leader's first entry is an empty entry of its own term.
    for (const id of ["a", "b", "c"]) {
      expect(net.node(id).applied).toEqual([{ index: 1, term: 1, data: new Uint8Array() }]);
      expect(net.raft(id).status().commit).toBe(1);
    }
  });

  it("pre-vote responses do not change the voters' terms or votes", () => {
    const net = new TestNetwork(["a", "b", "c"], { electionTimeoutTicks: E });
    net.raft("a").campaign();
    net.deliverAll(isType("preVote"));
    for (const id of ["b", "c"]) {
      expect(net.raft(id).term).toBe(0);
      expect(net.raft(id).vote).toBe(NONE);
      expect(net.node(id).storage.initialState().hardState).toEqual({ term: 0, vote: NONE, commit: 0 });
    }
    expect(net.peek().map(describeMessage)).toEqual(["preVoteResponse b→a t1", "preVoteResponse c→a t1"]);
  });

  it("persists the vote before the vote response leaves", () => {
    const net = new TestNetwork(["a", "b", "c"], { preVote: false });
    net.raft("a").campaign();
    const [request] = net.take(to("b"));
    const b = net.node("b");
    b.raft.step(request as Message);
    const ready = b.raft.ready();
    expect(ready.hardState).toEqual({ term: 1, vote: "a", commit: 0 });
    expect(ready.mustSync).toBe(true);
    expect(ready.messages.map(describeMessage)).toEqual(["voteResponse b→a t1"]);
  });

  it("a candidate persists its own vote and new term in the Ready that carries its vote requests", () => {
    const net = new TestNetwork(["a", "b", "c"], { preVote: false });
    const a = net.node("a");
    a.raft.campaign();
    const ready = a.raft.ready();
    expect(ready.hardState).toEqual({ term: 1, vote: "a", commit: 0 });
    expect(ready.mustSync).toBe(true);
    expect(ready.softState).toEqual({ leader: "", role: "candidate" });
    expect(ready.messages.map(describeMessage)).toEqual(["vote a→b t1 last=0/0", "vote a→c t1 last=0/0"]);
  });

  it("a single node elects itself and commits its no-op once persisted", () => {
    const net = new TestNetwork(["a"]);
    net.raft("a").campaign();
    net.flush();
    expect(net.raft("a").role).toBe("leader");
    expect(net.raft("a").term).toBe(1);
    expect(net.node("a").applied.map((e) => e.index)).toEqual([1]);
  });
});

describe("split votes and lost elections", () => {
  it("a split vote elects nobody; the node whose timeout expires first wins the next term", () => {
    const net = new TestNetwork(["a", "b", "c", "d"], { preVote: false, electionTimeoutTicks: E }, {
      b: { random: fixedRandom(5) },
      c: { random: fixedRandom(7) },
      d: { random: fixedRandom(8) },
    });
    net.raft("a").campaign();
    net.raft("b").campaign();
    // c hears a first, d hears b first: 2 votes each, 3 needed.
    const order = [
      ["a", "c"],
      ["b", "d"],
      ["a", "b"],
      ["b", "a"],
      ["a", "d"],
      ["b", "c"],
    ];
    const requests = net.take(isType("vote"));
    for (const [f, t] of order) {
      const m = requests.find((r) => r.from === f && r.to === t);
      expect(m).toBeDefined();
      net.deliver(m as Message);
    }
    net.deliverAll();
    expect(net.raft("a").role).toBe("candidate");
    expect(net.raft("b").role).toBe("candidate");
    expect(net.leaders()).toEqual([]);
    expect(net.raft("c").vote).toBe("a");
    expect(net.raft("d").vote).toBe("b");

    // a's timeout is E, the others' at least E + 5: a alone campaigns in term 2 and wins.
    net.tickAllAndDeliver(E);
    expect(net.leaders()).toEqual(["a"]);
    for (const id of net.ids) expect(net.raft(id).term).toBe(2);
  });

  it.each([
    { preVote: false, termAfter: 2, vote: "a" },
    { preVote: true, termAfter: 1, vote: NONE },
  ])("a candidate rejected by a majority steps down (preVote=$preVote)", ({ preVote, termAfter, vote }) => {
    // b and c hold an entry a lacks, so neither may vote for a (Raft §5.4.1).
    const net = new TestNetwork(
      ["a", "b", "c"],
      { preVote },
      {
        a: { storage: storageWithLog(["a", "b", "c"], [1]) },
        b: { storage: storageWithLog(["a", "b", "c"], [1, 1]) },
        c: { storage: storageWithLog(["a", "b", "c"], [1, 1]) },
      },
    );
    net.raft("a").campaign();
    const responses = net.deliverAll(and(isType("vote", "preVote", "voteResponse", "preVoteResponse")));
    expect(responses.filter((m) => m.to === "a").every((m) => m.type.endsWith("Response") && "reject" in m && m.reject)).toBe(true);
    const a = net.raft("a");
    expect(a.role).toBe("follower");
    expect(a.term).toBe(termAfter);
    expect(a.vote).toBe(vote);
    // Without pre-vote the failed candidate dragged the others to its term; with it nobody moved.
    expect(net.raft("b").term).toBe(termAfter);
  });
});

describe("votes (Raft §5.4.1)", () => {
  // The voter's log ends at index 3, term 2.
  const voterLog = [1, 1, 2];
  const cases = [
    { name: "same last term, same length", lastLogIndex: 3, lastLogTerm: 2, granted: true },
    { name: "same last term, longer", lastLogIndex: 4, lastLogTerm: 2, granted: true },
    { name: "same last term, shorter", lastLogIndex: 2, lastLogTerm: 2, granted: false },
    { name: "higher last term, shorter", lastLogIndex: 1, lastLogTerm: 3, granted: true },
    { name: "lower last term, longer", lastLogIndex: 9, lastLogTerm: 1, granted: false },
    { name: "empty log", lastLogIndex: 0, lastLogTerm: 0, granted: false },
  ];

  for (const type of ["vote", "preVote"] as const) {
    it.each(cases)(`${type}: $name → granted=$granted`, ({ lastLogIndex, lastLogTerm, granted }) => {
      const net = new TestNetwork(["a", "b", "c"], {}, { a: { storage: storageWithLog(["a", "b", "c"], voterLog) } });
      net.deliver(voteRequest(type, "b", "a", 3, lastLogIndex, lastLogTerm));
      const [response] = net.take(from("a"));
      expect(response).toMatchObject({ type: `${type}Response`, to: "b", reject: !granted, term: granted ? 3 : type === "vote" ? 3 : 2 });
      const a = net.raft("a");
      // A pre-vote never moves the voter's term; a real vote request does, granted or not.
      expect(a.term).toBe(type === "vote" ? 3 : 2);
      expect(a.vote).toBe(type === "vote" && granted ? "b" : NONE);
    });
  }

  it("unsafe.voteWithoutLogCheck grants what §5.4.1 refuses (the mutation the simulator must catch)", () => {
    for (const { lastLogIndex, lastLogTerm } of cases.filter((c) => !c.granted)) {
      const net = new TestNetwork(["a", "b", "c"], {}, { a: { storage: storageWithLog(["a", "b", "c"], voterLog), unsafe: { voteWithoutLogCheck: true } } });
      net.deliver(voteRequest("vote", "b", "a", 3, lastLogIndex, lastLogTerm));
      expect(net.take(from("a"))).toMatchObject([{ type: "voteResponse", reject: false }]);
    }
  });

  it("grants at most one vote per term, remembered across a restart", () => {
    const net = new TestNetwork(["a", "b", "c"]);
    net.deliver(voteRequest("vote", "a", "b", 1, 0, 0));
    net.deliver(voteRequest("vote", "c", "b", 1, 0, 0));
    // A retransmitted request from the same candidate is granted again.
    net.deliver(voteRequest("vote", "a", "b", 1, 0, 0));
    expect(net.take(from("b")).map(describeMessage)).toEqual(["voteResponse b→a t1", "voteResponse b→c t1 reject", "voteResponse b→a t1"]);
    expect(net.node("b").storage.initialState().hardState).toEqual({ term: 1, vote: "a", commit: 0 });

    const b = net.restart("b");
    expect(b.term).toBe(1);
    expect(b.vote).toBe("a");
    net.deliver(voteRequest("vote", "c", "b", 1, 0, 0));
    net.deliver(voteRequest("vote", "a", "b", 1, 0, 0));
    // A new term frees the vote.
    net.deliver(voteRequest("vote", "c", "b", 2, 0, 0));
    expect(net.take(from("b")).map(describeMessage)).toEqual(["voteResponse b→c t1 reject", "voteResponse b→a t1", "voteResponse b→c t2"]);
    expect(b.vote).toBe("c");
  });

  it("a candidate does not vote for another candidate of its term", () => {
    const net = new TestNetwork(["a", "b", "c"], { preVote: false });
    net.raft("a").campaign();
    net.take();
    net.deliver(voteRequest("vote", "b", "a", 1, 0, 0));
    expect(net.take(from("a")).map(describeMessage)).toEqual(["voteResponse a→b t1 reject"]);
  });
});

describe("check-quorum and the leader lease", () => {
  it("a leader that hears from no majority for an election timeout steps down", () => {
    const net = new TestNetwork(["a", "b", "c"], { electionTimeoutTicks: E });
    net.elect("a");
    net.isolate("a");
    // The followers were heard from just before the partition: that covers the first round.
    let steppedDownAt = 0;
    for (let t = 1; t <= 3 * E && steppedDownAt === 0; t++) {
      net.tick("a");
      net.deliverAll();
      if (net.raft("a").role !== "leader") steppedDownAt = t;
    }
    expect(steppedDownAt).toBe(2 * E);
    expect(net.raft("a").role).toBe("follower");
    expect(net.raft("a").term).toBe(1);
    expect(net.raft("a").leader).toBe(NONE);
  });

  it("a leader that hears from a majority keeps leading; without check-quorum an isolated one never steps down", () => {
    const healthy = new TestNetwork(["a", "b", "c"], { electionTimeoutTicks: E });
    healthy.elect("a");
    healthy.tickAllAndDeliver(5 * E);
    expect(healthy.leaders()).toEqual(["a"]);
    expect(healthy.raft("c").term).toBe(1);

    const unchecked = new TestNetwork(["a", "b", "c"], { electionTimeoutTicks: E, checkQuorum: false });
    unchecked.elect("a");
    unchecked.isolate("a");
    unchecked.tick("a", 5 * E);
    expect(unchecked.raft("a").role).toBe("leader");
  });

  it("a leader with one of four followers still answering steps down (5 nodes)", () => {
    const net = new TestNetwork(["a", "b", "c", "d", "e"], { electionTimeoutTicks: E });
    net.elect("a");
    net.partition(["a", "b"], ["c", "d", "e"]);
    for (let t = 0; t < 2 * E; t++) {
      net.tick("a");
      net.tick("b");
      net.deliverAll();
    }
    expect(net.raft("a").role).toBe("follower");
  });

  it("with pre-vote, a partitioned node that rejoins neither bumps the term nor unseats the leader", () => {
    const net = new TestNetwork(["a", "b", "c"], { electionTimeoutTicks: E });
    net.elect("a");
    net.isolate("c");
    net.tickAllAndDeliver(5 * E);
    // c campaigned over and over, but only in pre-vote rounds: its term never moved.
    expect(net.raft("c").role).toBe("preCandidate");
    expect(net.raft("c").term).toBe(1);

    net.heal();
    // c's pre-vote reaches a and b before a's heartbeat reaches c. Both are inside the leader
    // lease and ignore it (c's log is as up to date as theirs, so only the lease stops it).
    net.raft("c").campaign();
    const delivered: Message[] = [...net.deliverAll()];
    expect(delivered.map(describeMessage)).toEqual(["preVote c→a t2 last=1/1", "preVote c→b t2 last=1/1"]);
    for (let t = 0; t < 3 * E; t++) {
      for (const id of net.ids) net.raft(id).tick();
      delivered.push(...net.deliverAll());
    }
    expect(delivered.filter((m) => m.type === "preVoteResponse")).toEqual([]);
    expect(net.leaders()).toEqual(["a"]);
    for (const id of net.ids) expect(net.raft(id).term).toBe(1);
    expect(net.raft("c").role).toBe("follower");
    expect(net.raft("c").leader).toBe("a");
  });

  it("without pre-vote, the same rejoining node forces a new term (the behaviour pre-vote prevents)", () => {
    const net = new TestNetwork(["a", "b", "c"], { electionTimeoutTicks: E, preVote: false });
    net.elect("a");
    net.isolate("c");
    net.tickAllAndDeliver(5 * E);
    expect(net.raft("c").term).toBeGreaterThan(1);
    net.heal();
    net.tickAllAndDeliver(3 * E);
    // a learnt c's higher term from c's answer to its heartbeat and stepped down.
    expect(net.raft("a").term).toBeGreaterThan(1);
  });

  it("a follower inside the lease ignores a vote request of a higher term, unless it is a transfer", () => {
    const net = new TestNetwork(["a", "b", "c"], { electionTimeoutTicks: E });
    net.elect("a");
    net.deliver(voteRequest("vote", "c", "b", 2, 1, 1));
    expect(net.take(from("b"))).toEqual([]);
    expect(net.raft("b").term).toBe(1);
    net.deliver(voteRequest("vote", "c", "b", 2, 1, 1, true));
    expect(net.take(from("b")).map(describeMessage)).toEqual(["voteResponse b→c t2"]);
  });
});

describe("forgetLeader (the driver saw the leader's process die)", () => {
  it("lets a follower grant a pre-vote at once that its leader lease would refuse", () => {
    const ids = ["a", "b", "c"];
    const make = (id: string) => new Raft({ id, storage: new MemoryStorage(ids), random: { int: () => 0 }, electionTimeoutTicks: 10 });
    const b = make("b");
    // b follows a, which just sent a heartbeat: its lease holds.
    b.step({ type: "heartbeat", from: "a", to: "b", term: 1, commit: 0, context: "" });
    const preVote = { type: "preVote", from: "c", to: "b", term: 2, lastLogIndex: 0, lastLogTerm: 0, transfer: false } as const;
    b.step(preVote);
    const refused = b.ready();
    b.advance();
    expect(refused.messages.filter((m) => m.type === "preVoteResponse")).toEqual([]);
    b.forgetLeader();
    expect(b.leader).toBe("");
    b.step(preVote);
    const granted = b.ready().messages.find((m) => m.type === "preVoteResponse");
    expect(granted).toMatchObject({ to: "c", term: 2, reject: false });
  });
});
