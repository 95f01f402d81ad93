// Log compaction and InstallSnapshot (Raft §7).
import { describe, expect, it } from "vitest";
import type { Message } from "./types.js";
import { TestNetwork, bytes, describeMessage, isType, logTerms, text, to } from "./test-network.js";

const E = 10;
const ids = ["a", "b", "c"];

/** a leads; c misses ten proposals; a snapshots at its applied index and compacts its log. */
function compactedWhileCBehind(): TestNetwork {
  const net = new TestNetwork(ids, { electionTimeoutTicks: E });
  const a = net.elect("a");
  net.isolate("c");
  for (let i = 2; i <= 11; i++) a.propose(bytes(`v${i}`));
  net.deliverAll();
  expect(a.status().commit).toBe(11);
  const node = net.node("a");
  const state = node.applied.map((e) => text(e.data)).join(",");
  node.storage.createSnapshot(node.appliedIndex, bytes(state));
  node.storage.compact(node.appliedIndex);
  expect(a.status().firstIndex).toBe(12);
  return net;
}

describe("snapshots", () => {
  it("a follower whose entries were compacted gets a snapshot, installs it and catches up", () => {
    const net = compactedWhileCBehind();
    const a = net.raft("a");
    net.heal();
    a.propose(bytes("v12"));
    const states: string[] = [];
    const seen: Message[] = [];
    for (let t = 0; t < 3; t++) {
      a.tick();
      net.flush();
      while (net.peek().length > 0) {
        const [m] = net.take((x) => x === net.queue[0]);
        seen.push(m as Message);
        net.deliver(m as Message);
        const state = a.status().progress.get("c")?.state ?? "";
        if (states[states.length - 1] !== state) states.push(state);
      }
    }
    // c's append is rejected: a falls back to probing (within the same step), finds the
    // entries compacted, sends the snapshot, and replicates again once c acknowledges it.
    expect(states).toEqual(["replicate", "snapshot", "replicate"]);
    const snapshots = seen.filter((m) => m.type === "snapshot");
    expect(snapshots.map(describeMessage)).toEqual(["snapshot a→c t1 at=11/1"]);

    const c = net.node("c");
    expect(c.snapshotsApplied.map((s) => text(s.data))).toEqual([",v2,v3,v4,v5,v6,v7,v8,v9,v10,v11"]);
    // Entries after the snapshot arrive as entries.
    expect(c.applied.map((e) => text(e.data))).toEqual(["", "v12"]);
    expect(c.appliedIndex).toBe(12);
    expect(c.storage.firstIndex()).toBe(12);
    expect(c.raft.status().firstIndex).toBe(12);
    expect(c.raft.status().commit).toBe(12);
    expect(a.status().progress.get("c")).toMatchObject({ match: 12, state: "replicate" });
  });

  it("installs the snapshot only after the driver persisted it, and answers with the snapshot index", () => {
    const net = compactedWhileCBehind();
    net.heal();
    net.tick("a");
    net.deliverAll((m) => m.type !== "snapshot");
    const [snap] = net.take(isType("snapshot"));
    expect(snap).toBeDefined();
    const c = net.node("c");
    c.raft.step(snap as Message);
    const ready = c.raft.ready();
    expect(ready.snapshot?.metadata).toMatchObject({ index: 11, term: 1 });
    // Nothing to apply from the log until the snapshot is in.
    expect(ready.committedEntries).toEqual([]);
    expect(ready.hardState?.commit).toBe(11);
    expect(ready.messages.map(describeMessage)).toEqual(["appendResponse c→a t1 index=11"]);
    net.persist(c, ready);
    net.apply(c, ready);
    c.raft.advance();
    expect(c.raft.status()).toMatchObject({ applied: 11, commit: 11, firstIndex: 12, lastIndex: 11 });
  });

  it("a lost snapshot is sent again after an election timeout", () => {
    const net = compactedWhileCBehind();
    net.heal();
    net.tick("a");
    net.deliverAll((m) => m.type !== "snapshot");
    expect(net.take(isType("snapshot"))).toHaveLength(1);
    expect(net.raft("a").status().progress.get("c")?.state).toBe("snapshot");
    let resentAt = 0;
    for (let t = 1; t <= 2 * E && resentAt === 0; t++) {
      net.tick("a");
      if (net.deliverAll().some((m) => m.type === "snapshot")) resentAt = t;
    }
    // The heartbeat answer an election timeout after the send puts c back to probe, which
    // finds the entries gone and sends the snapshot again.
    expect(resentAt).toBe(E);
    expect(logTerms(net.raft("c")).slice(11)).toEqual([]);
    expect(net.raft("c").status().commit).toBe(11);
  });

  it("a follower that already holds the snapshot's last entry keeps its log and just commits", () => {
    const net = new TestNetwork(ids);
    const a = net.elect("a");
    a.propose(bytes("x"));
    // b receives the entry but never hears that it committed.
    net.deliverAll((m) => !(m.to === "b" && m.type === "append" && m.entries.length === 0));
    net.take(to("b"));
    expect(net.raft("b").status()).toMatchObject({ commit: 1, lastIndex: 2 });
    const snapshot = net.node("a").storage.createSnapshot(2, bytes("state"));
    net.deliver({ type: "snapshot", from: "a", to: "b", term: 1, snapshot });
    expect(net.raft("b").status()).toMatchObject({ commit: 2, firstIndex: 1, lastIndex: 2 });
    expect(net.node("b").snapshotsApplied).toEqual([]);
    expect(net.take(to("a")).map(describeMessage)).toEqual(["appendResponse b→a t1 index=2"]);
  });

  it("a node restarted after installing a snapshot starts from it", () => {
    const net = compactedWhileCBehind();
    net.heal();
    net.tickAllAndDeliver(3);
    expect(net.node("c").snapshotsApplied).toHaveLength(1);
    const c = net.restart("c", 11);
    expect(c.status()).toMatchObject({ firstIndex: 12, commit: 11, applied: 11, term: 1 });
    expect(c.hasReady()).toBe(false);
  });
});
