// Raft Figure 8 (§5.4.2): a leader must not commit an entry of an earlier term by counting
// replicas; it commits it only indirectly, by committing an entry of its own term after it.
import { describe, expect, it } from "vitest";
import type { UnsafeTestingFlags } from "./raft.js";
import { TestNetwork, appliedConflicts, isType, logTerms } from "./test-network.js";

const servers = ["s1", "s2", "s3", "s4", "s5"];

/**
 * Drives five servers into the paper's situation (c). Differences from the drawing, both forced
 * by this implementation and neither changing the point: every leader's first entry is its
 * no-op (so S1's term-2 entry and term-4 entry are no-ops), and S2 also holds S1's term-4
 * entry at index 3, because a follower can only report its match by accepting an append.
 */
function figure8(unsafe: UnsafeTestingFlags = {}): TestNetwork {
  // No leases and no pre-vote: the figure's elections happen back to back, without ticks.
  // One entry per append lets S3 take index 2 without index 3.
  const net = new TestNetwork(servers, { preVote: false, checkQuorum: false, entriesPerMessageMax: 1, unsafe });
  // Index 1, term 1 everywhere.
  net.elect("s1");

  // (a) S1 crashes, restarts and leads term 2; its entry at index 2 reaches S2 only.
  net.restart("s1");
  net.raft("s1").campaign();
  net.deliverAll(isType("vote", "voteResponse"));
  expect(net.raft("s1").role).toBe("leader");
  net.partition(["s1"], ["s3", "s4", "s5"]);
  net.deliverAll();
  expect(servers.map((id) => logTerms(net.raft(id)))).toEqual([[1, 2], [1, 2], [1], [1], [1]]);

  // (b) S1 crashes; S5 wins term 3 with S3's and S4's votes and writes index 2 locally only.
  net.heal();
  net.isolate("s1");
  net.raft("s5").campaign();
  net.deliverAll(isType("vote", "voteResponse"));
  expect(net.raft("s5").role).toBe("leader");
  expect(net.raft("s5").term).toBe(3);
  net.isolate("s5");
  net.deliverAll();
  expect(logTerms(net.raft("s5"))).toEqual([1, 3]);

  // (c) S5 crashes, S1 restarts and wins term 4 (term 3 was taken by S5's voters).
  net.heal();
  net.isolate("s5");
  net.partition(["s1"], ["s4"]);
  net.restart("s1");
  net.raft("s1").campaign();
  net.deliverAll(isType("vote", "voteResponse"));
  expect(net.raft("s1").role).toBe("candidate");
  net.raft("s1").campaign();
  net.deliverAll(isType("vote", "voteResponse"));
  expect(net.raft("s1").role).toBe("leader");
  expect(net.raft("s1").term).toBe(4);
  // S1 brings S3 up to index 2; the append carrying index 3 to S3 is held back.
  const s3HoldsIndex2 = () => net.raft("s3").log.term(2) === 2;
  net.deliverAll((m) => !(m.from === "s1" && m.to === "s3" && m.type === "append" && s3HoldsIndex2()));
  expect(servers.map((id) => logTerms(net.raft(id)))).toEqual([[1, 2, 4], [1, 2, 4], [1, 2], [1], [1, 3]]);
  return net;
}

/** (d) S1 crashes again; S5 wins term 5 with S3's and S4's votes and overwrites index 2. */
function s5TakesOver(net: TestNetwork): void {
  net.heal();
  net.isolate("s1");
  // S2 stays out too: with the unsafe flag it learnt commit 2, and overwriting that would trip
  // the follower's own assertion before the divergence could be shown.
  net.isolate("s2");
  net.restart("s5");
  net.raft("s5").campaign();
  net.deliverAll();
  // Term 4: S4 votes for S5, S3 already voted for S1. Two of three reachable is no majority.
  expect(net.raft("s5").role).toBe("candidate");
  expect(net.raft("s5").term).toBe(4);
  net.raft("s5").campaign();
  net.deliverAll();
  expect(net.raft("s5").role).toBe("leader");
  expect(net.raft("s5").term).toBe(5);
}

describe("Raft Figure 8", () => {
  it("(c): an entry of term 2 on a majority is not committed by the leader of term 4", () => {
    const net = figure8();
    const s1 = net.raft("s1").status();
    // S1 knows that S1, S2 and S3 (three of five) hold index 2...
    expect(s1.progress.get("s2")?.match).toBe(3);
    expect(s1.progress.get("s3")?.match).toBe(2);
    expect(s1.persistedIndex).toBe(3);
    // ...and still does not commit it: its term is not the leader's.
    expect(s1.commit).toBe(1);
    expect(net.node("s1").applied.map((e) => e.index)).toEqual([1]);
  });

  it("(d): so S5 may legally be elected and replace it, and no two servers ever apply different entries", () => {
    const net = figure8();
    s5TakesOver(net);
    expect(logTerms(net.raft("s3"))).toEqual([1, 3, 5]);
    expect(net.raft("s5").status().commit).toBe(3);
    expect(net.node("s3").applied.map((e) => e.term)).toEqual([1, 3, 5]);
    expect(appliedConflicts(net)).toEqual([]);
  });

  it("(e): once S1 commits an entry of term 4, index 2 is committed with it and S5 can no longer win", () => {
    const net = figure8();
    net.deliverAll();
    const s1 = net.raft("s1");
    expect(s1.status().commit).toBe(3);
    expect(net.node("s1").applied.map((e) => e.term)).toEqual([1, 2, 4]);

    net.heal();
    net.isolate("s1");
    net.restart("s5");
    for (let i = 0; i < 3; i++) {
      net.raft("s5").campaign();
      net.deliverAll();
    }
    // S2 and S3 hold term 4 and refuse S5 (§5.4.1); S4 and S5 are not a majority.
    expect(net.raft("s5").role).not.toBe("leader");
    expect(logTerms(net.raft("s3"))).toEqual([1, 2, 4]);
    expect(appliedConflicts(net)).toEqual([]);
  });

  it("with unsafe.commitPreviousTermByCounting the term-2 entry is committed by counting, and S5 later commits a different index 2", () => {
    const net = figure8({ commitPreviousTermByCounting: true });
    expect(net.raft("s1").status().commit).toBe(2);
    expect(net.node("s1").applied.map((e) => e.term)).toEqual([1, 2]);

    s5TakesOver(net);
    expect(net.raft("s5").status().commit).toBe(3);
    // State Machine Safety is broken: S1 applied (2, term 2), S3 applied (2, term 3).
    expect(net.node("s3").applied.map((e) => e.term)).toEqual([1, 3, 5]);
    expect(appliedConflicts(net)).toEqual([2]);
  });
});
