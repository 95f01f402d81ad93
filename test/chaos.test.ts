// The chaos harness (test/chaos/): a short run against real store processes with every fault
// kind, and proof that each check fails on the bug it exists to catch (doctored histories, fast).
// Longer runs: `npm run chaos -- --duration 60 --seed N` (see test/chaos/main.ts).
import fs from "node:fs";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { Prng } from "../store/sim/index.js";
import { checkAppendSet } from "./chaos/checks-set.js";
import { checkLeases } from "./chaos/checks-leases.js";
import { checkLock } from "./chaos/checks-lock.js";
import { checkRegisters } from "./chaos/checks-registers.js";
import { acknowledgedPuts, replayAcknowledgedPuts, replayCompareAndSwaps, replayModel } from "./chaos/checks-replay.js";
import type { WatchInput } from "./chaos/checks-watch.js";
import { checkWatchers } from "./chaos/checks-watch.js";
import { freePort, storeBin } from "./chaos/cluster.js";
import type { BatchRecord, EventRecord, LeaseRecord, RegisterOp, SetOp, WatcherRecord } from "./chaos/history.js";
import { healthyLink, LinkProxy } from "./chaos/proxy.js";
import { ReferenceHistory } from "./chaos/reference.js";
import { crashPoints } from "../store/server/index.js";
import { defaultChaosOptions, memberTestFaults, runChaos } from "./chaos/run.js";
import { faultSchedule, networkFaultKinds, parseFaultKinds, processFaultKinds } from "./chaos/schedule.js";

// ---- doctored histories ----

const put = (key: string, value: string, revision: number, createRevision = revision, version = 1): EventRecord => ({
  type: "PUT",
  key,
  value,
  createRevision,
  modRevision: revision,
  version,
  lease: "0",
});
const del = (key: string, revision: number): EventRecord => ({ type: "DELETE", key, value: "", createRevision: 0, modRevision: revision, version: 0, lease: "0" });
const batch = (revision: number, ...events: EventRecord[]): BatchRecord => ({ revision, receivedMs: revision * 10, events });
const watcher = (name: string, batches: BatchRecord[], pinnedTo?: string): WatcherRecord => ({
  name,
  segments: [{ startRevision: 1 }],
  batches,
  reconnects: 0,
  errors: [],
  ...(pinnedTo === undefined ? {} : { pinnedTo }),
});
const input = (record: WatcherRecord, first: number, last: number): WatchInput => ({ record, coverage: { first, last, gaps: [] } });

/** Two puts, one after the other, then a read that returns the first value: served by a member that had not caught up. */
function staleReadHistory(): RegisterOp[] {
  return [
    { client: 0, kind: "put", key: "k", value: "a", callMs: 0, returnMs: 10, outcome: "ok", revision: 2 },
    { client: 1, kind: "put", key: "k", value: "b", callMs: 20, returnMs: 30, outcome: "ok", revision: 3 },
    { client: 2, kind: "get", key: "k", callMs: 40, returnMs: 50, outcome: "ok", readValue: "a", readModRevision: 2, revision: 2 },
  ];
}

describe("chaos checks catch the bugs they exist for", () => {
  it("a stale read (a follower answering without ReadIndex) is not linearizable", () => {
    const report = checkRegisters(staleReadHistory());
    expect(report.ok).toBe(false);
    expect(report.violations[0]).toMatch(/not linearizable: client 2 get\(k\) → "a"/);
  });

  it("the same read after the second put returned is fine; a timed-out write may explain an odd read", () => {
    const history = staleReadHistory();
    const ok = history.map((op) => (op.kind === "get" ? { ...op, readValue: "b", readModRevision: 3, revision: 3 } : op));
    expect(checkRegisters(ok).ok).toBe(true);
    // A put that timed out (return unknown) may take effect after everything else.
    const timedOut: RegisterOp[] = [
      { client: 0, kind: "put", key: "k", value: "a", callMs: 0, returnMs: 10, outcome: "ok" },
      { client: 1, kind: "put", key: "k", value: "late", callMs: 5, outcome: "unknown" },
      { client: 2, kind: "get", key: "k", callMs: 40, returnMs: 50, outcome: "ok", readValue: "late" },
    ];
    expect(checkRegisters(timedOut).ok).toBe(true);
  });

  it("the replay check holds every answer to the applied history", () => {
    const history = staleReadHistory();
    const applied = new ReferenceHistory([batch(2, put("k", "a", 2)), batch(3, put("k", "b", 3, 2, 2))], { first: 2, last: 3, gaps: [] });
    // The read claims revision 3 but returns the value of revision 2: the history says otherwise.
    const lying = history.map((op) => (op.kind === "get" ? { ...op, revision: 3 } : op));
    const report = checkRegisters(lying, applied);
    expect(report.violations.some((v) => /replay: client 2 get\(k\).* read "a" .* at revision 3, the history has "b"/.test(v))).toBe(true);
  });

  it("the replay through a model finds impossible events, wrong compare-and-swap outcomes and misplaced acknowledgements", () => {
    const applied = new ReferenceHistory(
      [batch(2, put("k", "a", 2)), batch(3, put("k", "b", 3, 2, 2)), batch(4, put("/s/1", "v1", 4)), batch(5, put("k", "c", 5, 2, 2))],
      { first: 2, last: 5, gaps: [] },
    );
    // Revision 5 claims version 2 again: a put the model's state before it cannot give (a lost revision 3 would look so).
    expect(replayModel(applied)).toEqual(["revision 5: PUT k: create 2 version 2 mod 5, the replayed state gives create 2 version 3 mod 5"]);
    const cas = (expected: string | null, succeeded: boolean, revision: number): RegisterOp => ({ client: 1, kind: "cas", key: "k", value: `x${revision}`, expected, callMs: 0, returnMs: 1, outcome: "ok", succeeded, revision });
    // Right: "b" succeeded against "a" (at 3, so the state at 2 had "a"); expecting "a" failed at 4 (the state had "b").
    expect(replayCompareAndSwaps([{ ...cas("a", true, 3), value: "b" }, cas("a", false, 4)], applied)).toEqual([]);
    // Wrong: a failure while the state had the expected value, and a success that did not find it.
    const wrong = replayCompareAndSwaps([cas("b", false, 4), cas(null, true, 3)], applied);
    expect(wrong).toHaveLength(2);
    expect(wrong[0]).toMatch(/cas\(k, "b" → x4\).* answered compare failed at revision 4, the replayed state has "b" at revision 4/);
    expect(wrong[1]).toMatch(/answered success at revision 3, the replayed state has "a" at revision 2/);
    const setOps: SetOp[] = [
      { writer: 0, key: "/s/1", value: "v1", callMs: 0, returnMs: 1, outcome: "ok", revision: 4 },
      { writer: 1, key: "/s/2", value: "v2", callMs: 0, returnMs: 1, outcome: "ok", revision: 5 },
    ];
    expect(replayAcknowledgedPuts(acknowledgedPuts(setOps, [], "/lock"), applied)).toEqual(["set writer 1 /s/2=v2 acknowledged at revision 5, the history has no put of the key there"]);
  });

  it("a lost acknowledged write and an invented key are reported", () => {
    const ops: SetOp[] = [
      { writer: 0, key: "/s/1", value: "v1", callMs: 0, returnMs: 5, outcome: "ok", revision: 2 },
      { writer: 0, key: "/s/2", value: "v2", callMs: 6, returnMs: 9, outcome: "ok", revision: 3 },
      { writer: 0, key: "/s/3", value: "v3", callMs: 10, outcome: "unknown" },
    ];
    const state = new Map([
      ["/s/1", { key: "/s/1", value: "v1", createRevision: 2, modRevision: 2, version: 1, lease: "0" }],
      ["/s/9", { key: "/s/9", value: "v9", createRevision: 4, modRevision: 4, version: 1, lease: "0" }],
    ]);
    const report = checkAppendSet(ops, state, "s1");
    expect(report.ok).toBe(false);
    expect(report.violations).toContain("s1: acknowledged write lost: /s/2 (revision 3, acknowledged at 9 ms)");
    expect(report.violations.some((v) => v.includes("/s/9 = v9 was never written"))).toBe(true);
    expect(report.unknownAbsent).toBe(1);
  });

  it("a write under a stale fencing token is reported", () => {
    const keys = { holder: "/lock/holder", resource: "/lock/resource" };
    const history = new ReferenceHistory(
      [
        batch(10, put(keys.holder, "locker0:77", 10)),
        batch(11, put(keys.resource, "locker0:10:0", 11)),
        batch(12, del(keys.holder, 12)), // locker0's lease expired
        batch(13, put(keys.holder, "locker1:78", 13)),
        batch(14, put(keys.resource, "locker1:13:0", 14, 11, 2)),
        batch(15, put(keys.resource, "locker0:10:1", 15, 11, 3)), // locker0 wakes up and writes anyway
      ],
      { first: 10, last: 15, gaps: [] },
    );
    const report = checkLock([], history, keys);
    expect(report.acquisitions).toBe(2);
    expect(report.violations).toEqual(["revision 15: locker0:10:1 written with token 10, but the lock was held by locker1:78 under token 13"]);
  });

  it("a watcher that drops, repeats or changes an event is reported", () => {
    const reference = watcher("w0", [batch(1, put("/a", "1", 1)), batch(2, put("/b", "2", 2)), batch(3, put("/a", "3", 3, 1, 2))]);
    const dropped = watcher("w1", [batch(1, put("/a", "1", 1)), batch(3, put("/a", "3", 3, 1, 2))]);
    const repeated = watcher("w2", [batch(1, put("/a", "1", 1)), batch(2, put("/b", "2", 2)), batch(2, put("/b", "2", 2)), batch(3, put("/a", "3", 3, 1, 2))]);
    const changed = watcher("w3", [batch(1, put("/a", "1", 1)), batch(2, put("/b", "X", 2)), batch(3, put("/a", "3", 3, 1, 2))]);
    const report = checkWatchers([input(reference, 1, 3), input(dropped, 1, 3), input(repeated, 1, 3), input(changed, 1, 3)], input(reference, 1, 3), [], true);
    expect(report.ok).toBe(false);
    expect(report.violations.some((v) => v.startsWith("w1: missed revision 2"))).toBe(true);
    expect(report.violations.some((v) => v.startsWith("w2: revision 2 delivered after 2"))).toBe(true);
    expect(report.violations.some((v) => v.startsWith("w3: revision 2 is PUT /b=X"))).toBe(true);
    // The reference itself with a hole, and an acknowledged write nobody delivered:
    const holed = watcher("w0", [batch(1, put("/a", "1", 1)), batch(3, put("/a", "3", 3, 1, 2))]);
    const alone = checkWatchers([input(holed, 1, 3)], input(holed, 1, 3), [{ key: "/b", value: "2", revision: 2, what: "set put" }], true);
    expect(alone.violations).toContain("w0: revision 2 missing (every revision of the run writes under the prefix)");
    expect(alone.violations).toContain("w0: acknowledged set put /b=2 at revision 2 not delivered");
  });

  it("lease keys deleted before the TTL ran out, or left behind, are reported", () => {
    const lease: LeaseRecord = { id: "5", ttlSeconds: 2, grantedTtlSeconds: 2, grantCallMs: 0, grantOutcome: "ok", keys: ["/l/5/0", "/l/5/1"], keysOutcome: "ok", keysRevision: 2, keptAlive: false };
    // Deleted (both keys, one revision) and seen 1 s after the grant: a 2 s lease expired early.
    const early = [batch(2, put("/l/5/0", "5", 2), put("/l/5/1", "5", 2)), { revision: 3, receivedMs: 1_000, events: [del("/l/5/0", 3), del("/l/5/1", 3)] }];
    const report = checkLeases([lease], new ReferenceHistory(early, { first: 2, last: 3, gaps: [] }), [watcher("w0", early)], new Map([["s2", new Map([["/l/9/0", {}]])]]));
    expect(report.violations[0]).toMatch(/lease 5: keys deleted \(revision 3, seen at 1000 ms\) before its TTL of 2000 ms ran out/);
    expect(report.violations).toContain("s2: lease key /l/9/0 is still there at the end");
    const onTime = [early[0] as BatchRecord, { ...(early[1] as BatchRecord), receivedMs: 2_100 }];
    expect(checkLeases([lease], new ReferenceHistory(onTime, { first: 2, last: 3, gaps: [] }), [watcher("w0", onTime)], new Map()).ok).toBe(true);
  });
});

describe("chaos fault schedule", () => {
  it("is a function of the seed, and brings every kind asked for", () => {
    const options = { seed: 7, members: 3, durationMs: 35_000, electionTimeoutMs: 500, kinds: parseFaultKinds("all") };
    expect(faultSchedule(options)).toEqual(faultSchedule(options));
    expect(faultSchedule({ ...options, seed: 8 })).not.toEqual(faultSchedule(options));
    const kinds = new Set(faultSchedule(options).map((f) => f.kind));
    for (const kind of [...processFaultKinds, ...networkFaultKinds]) expect(kinds).toContain(kind);
    expect(faultSchedule({ ...options, kinds: parseFaultKinds("none") })).toEqual([]);
  });

  it("picks every crash point by seed, and cuts a member off before a snapshot point", () => {
    const crashes = faultSchedule({ seed: 3, members: 3, durationMs: 60_000, electionTimeoutMs: 500, kinds: ["crash"] });
    expect(new Set(crashes.map((f) => f.crashPoint))).toEqual(new Set(crashPoints));
    for (const fault of crashes) expect((fault.isolateMs ?? 0) > 0).toBe(fault.crashPoint === "mid-snapshot-install" || fault.crashPoint === "mid-snapshot-log-reset" || fault.crashPoint === "after-snapshot-install");
  });

  it("turns on the members' test hooks only for the faults and bugs that need them", () => {
    expect(memberTestFaults({ faults: parseFaultKinds("kill,pause,partition"), serverBugs: [] })).toEqual({ env: {}, finalPowerLoss: false });
    expect(memberTestFaults({ faults: parseFaultKinds("all"), serverBugs: [] })).toEqual({ env: { KUBE_LITE_TEST_FAULTS: "power-loss,crash-points" }, finalPowerLoss: true });
    // Acknowledging before fsync shows only when unsynced writes are lost: the final restart becomes a power loss.
    expect(memberTestFaults({ faults: [], serverBugs: ["ack-before-fsync"] })).toEqual({ env: { KUBE_LITE_TEST_FAULTS: "power-loss,ack-before-fsync" }, finalPowerLoss: true });
  });
});

describe("peer-link proxy", () => {
  /** A destination that records the frames it receives, and a source that sends length-prefixed ones. */
  async function proxied(): Promise<{ link: LinkProxy; send: (text: string) => void; received: string[]; close: () => Promise<void> }> {
    const received: string[] = [];
    const target = net.createServer((socket) => {
      let buffered = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
          const length = buffered.readUInt32BE(0);
          received.push(buffered.subarray(4, 4 + length).toString());
          buffered = buffered.subarray(4 + length);
        }
      });
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const targetPort = (target.address() as net.AddressInfo).port;
    const port = await freePort();
    const link = new LinkProxy("a", "b", port, targetPort, new Prng(1));
    await link.start();
    const source = net.connect({ host: "127.0.0.1", port });
    await new Promise<void>((resolve) => source.once("connect", () => resolve()));
    const send = (text: string): void => {
      const payload = Buffer.from(text);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(payload.length, 0);
      source.write(Buffer.concat([header, payload]));
    };
    const close = async (): Promise<void> => {
      source.destroy();
      await link.close();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    };
    return { link, send, received, close };
  }

  const until = async (condition: () => boolean): Promise<void> => {
    const deadline = Date.now() + 5_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error("condition not met within 5 s");
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it("passes the hello always, drops whole frames one way while blackholed, keeps order under delay, duplicates", async () => {
    const { link, send, received, close } = await proxied();
    try {
      send("hello");
      send("one");
      await until(() => received.length === 2);
      link.setFault({ ...healthyLink, blackhole: true });
      send("lost");
      await new Promise((r) => setTimeout(r, 50));
      expect(received).toEqual(["hello", "one"]);
      link.setFault({ ...healthyLink, delayMs: 30, jitterMs: 30 });
      for (let i = 0; i < 20; i += 1) send(`d${i}`);
      await until(() => received.length === 22);
      expect(received.slice(2)).toEqual(Array.from({ length: 20 }, (_, i) => `d${i}`));
      link.setFault({ ...healthyLink, duplicateRate: 1 });
      send("twice");
      await until(() => received.length === 24);
      expect(received.slice(22)).toEqual(["twice", "twice"]);
      expect(link.stats.framesDropped).toBe(1);
    } finally {
      await close();
    }
  });
});

describe("chaos run (real processes)", () => {
  it("finds the store linearizable and lossless through every fault kind, and live after healing", async () => {
    if (!fs.existsSync(storeBin)) throw new Error(`${storeBin} is missing: run npm run build (npm test does)`);
    // Seed 8 brings all ten kinds in 30 s (power loss and a crash point among them); a 30 s run keeps this file under a minute.
    const result = await runChaos({ ...defaultChaosOptions, durationSeconds: 30, seed: 8, faults: parseFaultKinds("all"), log: () => undefined });
    expect(result.violations, result.summary).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.faults).toBeGreaterThanOrEqual(8);
    // Work got done (a loaded CI machine runs a few thousand ops in 30 s; an idle one 5-10 thousand).
    expect(result.ops).toBeGreaterThan(300);
  }, 30_000 + 100_000);
});
