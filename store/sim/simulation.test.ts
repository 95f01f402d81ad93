import { describe, expect, it } from "vitest";
import { runSeeds } from "./runner.js";
import type { SimBugs, SimOptions } from "./simulation.js";
import { runSimulation } from "./simulation.js";

function traceOf(options: SimOptions): string {
  const lines: string[] = [];
  const result = runSimulation({ ...options, trace: (line) => lines.push(line), traceMessages: true });
  return `${lines.join("\n")}\n${JSON.stringify(result)}`;
}

describe("simulator", () => {
  it("replays a seed byte for byte", () => {
    const first = traceOf({ seed: 7 });
    expect(first.length).toBeGreaterThan(10_000);
    expect(traceOf({ seed: 7 })).toBe(first);
    expect(traceOf({ seed: 8 })).not.toBe(first);
  });

  it("finds no violation over a CI-sized share of seeds, 3 and 5 members, every fault kind", () => {
    const summary = runSeeds({ firstSeed: 1, seeds: 300 });
    expect(summary.failedSeeds).toEqual([]);
    expect(summary.operations).toBeGreaterThan(30_000);
    for (const kind of ["crash", "pause", "partition", "isolateLeader", "oneWay", "lossy", "strikeLeader"]) {
      expect(summary.faults[kind], kind).toBeGreaterThan(0);
    }
    expect(summary.messages.dropped).toBeGreaterThan(0);
    expect(summary.messages.duplicated).toBeGreaterThan(0);
    // Every run recovered after healing, and elected a new leader after its leader crashed.
    expect(summary.recoveryTicks).toHaveLength(300);
    expect(summary.electionAfterLeaderCrashTicks).toHaveLength(300);
  }, 120_000);
});

/** Runs seeds until one fails; the bug must be caught, and by the expected checker. */
function firstCatch(bugs: SimBugs, options: Partial<Pick<SimOptions, "members" | "profile">> = {}, seedsMax = 2000): string {
  const summary = runSeeds({ firstSeed: 1, seeds: seedsMax, bugs, stopAtFirstFailure: true, ...options });
  const failed = summary.failedSeeds[0];
  expect(failed, `no seed in 1..${seedsMax} caught ${JSON.stringify(bugs)}`).toBeDefined();
  return failed?.violations.join("\n") ?? "";
}

describe("the simulator catches deliberate bugs", () => {
  it("Figure 8: committing an old-term entry by counting replicas", () => {
    const violation = firstCatch({ raft: { commitPreviousTermByCounting: true } }, { members: 3, profile: "leaderChurn" });
    expect(violation).toMatch(/leader completeness|state machine safety|linearizability/);
  }, 120_000);

  it("ReadIndex served without confirming leadership: stale reads", () => {
    expect(firstCatch({ raft: { readIndexWithoutHeartbeat: true } })).toMatch(/linearizability/);
  }, 120_000);

  it("votes granted without the up-to-date log check", () => {
    expect(firstCatch({ raft: { voteWithoutLogCheck: true } })).toMatch(/leader completeness|state machine safety|log matching|crash/);
  }, 120_000);

  it("a driver that sends messages before persisting", () => {
    expect(firstCatch({ sendBeforePersist: true })).toMatch(/election safety|leader completeness|state machine safety|linearizability|crash/);
  }, 120_000);

  it("a network that loses every vote response: no leader, a liveness violation", () => {
    expect(firstCatch({ loseVoteResponses: true }, {}, 3)).toMatch(/liveness: no leader after a cold start/);
  }, 120_000);
});
