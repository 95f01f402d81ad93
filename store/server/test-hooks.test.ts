import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { Ready } from "../raft/index.js";
import { TestHooks, dropUnsyncedWrites, parseCrashPoint, parseTestFaults, testHooksFromEnv } from "./test-hooks.js";

const silent = pino({ level: "silent" });

function ready(fields: Partial<Ready>): Ready {
  return { softState: undefined, hardState: undefined, snapshot: undefined, entries: [], committedEntries: [], messages: [], readStates: [], mustSync: false, ...fields };
}

/** Copies the member's files as they are now, open connection and all: what a kill -9 leaves on disk. */
function crashCopy(from: string): string {
  const to = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-crash-copy-"));
  for (const name of fs.readdirSync(from)) fs.copyFileSync(path.join(from, name), path.join(to, name));
  return to;
}

describe("test hooks", () => {
  it("are off without the environment variables, and refuse unknown names", () => {
    expect(testHooksFromEnv({}, "/nowhere", silent)).toBeUndefined();
    expect(testHooksFromEnv({ KUBE_LITE_TEST_FAULTS: "" }, "/nowhere", silent)).toBeUndefined();
    expect(() => parseTestFaults("power-loss,ack-before-fsinc")).toThrow(/unknown 'ack-before-fsinc'/);
    expect(parseCrashPoint("mid-apply@3")).toEqual({ point: "mid-apply", hits: 3 });
    expect(parseCrashPoint("after-log-save")).toEqual({ point: "after-log-save", hits: 1 });
    expect(parseCrashPoint(" ")).toBeUndefined();
    expect(() => parseCrashPoint("mid-lunch")).toThrow(/unknown crash point/);
    expect(() => parseCrashPoint("mid-apply@0")).toThrow(/positive integer/);
  });

  it("power loss keeps every fsync'd commit and drops the unsynced ones after it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-power-loss-"));
    const db = new Database(path.join(dir, "member.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec("CREATE TABLE t (n INTEGER PRIMARY KEY)");
    const hooks = new TestHooks(dir, new Set(["power-loss"]), new Set(), silent, undefined);
    hooks.attach([db]);
    const insert = db.prepare<[number]>("INSERT INTO t (n) VALUES (?)");
    for (let n = 1; n <= 3; n += 1) {
      insert.run(n);
      hooks.synced(db);
    }
    db.pragma("synchronous = OFF");
    for (let n = 4; n <= 6; n += 1) insert.run(n);
    const crashed = crashCopy(dir);
    const killed = crashCopy(dir);
    db.close();
    expect(dropUnsyncedWrites(crashed)).toBeGreaterThan(0);
    const reopened = new Database(path.join(crashed, "member.db"));
    expect(reopened.prepare("SELECT n FROM t ORDER BY n").pluck().all()).toEqual([1, 2, 3]);
    reopened.close();
    // A plain kill (no power loss) keeps them all: the page cache survives.
    const afterKill = new Database(path.join(killed, "member.db"));
    expect(afterKill.prepare("SELECT COUNT(*) FROM t").pluck().get()).toBe(6);
    afterKill.close();
  });

  it("the seeded bug ack-before-fsync syncs only new terms and votes", () => {
    const right = new TestHooks("/nowhere", new Set(), new Set(), silent, undefined);
    const buggy = new TestHooks("/nowhere", new Set(), new Set(["ack-before-fsync"]), silent, undefined);
    const entries = [{ index: 1, term: 1, data: new Uint8Array() }];
    const vote = ready({ hardState: { term: 1, vote: "s1", commit: 0 }, mustSync: true });
    const append = ready({ entries, hardState: { term: 1, vote: "s1", commit: 1 }, mustSync: true });
    expect([right.mustSync(vote), right.mustSync(append)]).toEqual([true, true]);
    expect([buggy.mustSync(vote), buggy.mustSync(append)]).toEqual([true, false]);
  });
});
