// Test-only hooks for the chaos harness (test/chaos/): power-loss bookkeeping, named crash
// points and seeded server-side bugs. They are enabled only by the environment variable
// KUBE_LITE_TEST_FAULTS (never by a command-line flag a user would find); without it
// `testHooksFromEnv` returns undefined and the member runs exactly as in production.
//
//   KUBE_LITE_TEST_FAULTS=power-loss,crash-points,ack-before-fsync,...   (comma-separated)
//   KUBE_LITE_TEST_CRASH_POINT=after-log-save@3                          (armed from the start)
//
// `power-loss`: after every fsync'd commit of one of its SQLite databases (raft.db, member.db) the
// member records how long that database's write-ahead log was (`raft.db-wal.synced`,
// `member.db-wal.synced`); `dropUnsyncedWrites(dataDir)`, run by the harness after kill -9, cuts
// each log back to that length, which is what a power cut leaves behind (see
// test/chaos/README.md, "Power loss").
// `crash-points`: the member kills itself (SIGKILL) at a named point of its Ready loop; a point is
// armed by KUBE_LITE_TEST_CRASH_POINT at start, or at run time by writing the same text to
// `<dataDir>/test-crash-point` and sending the process SIGUSR2.
import fs from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import type { Ready } from "../raft/index.js";

export const testFaultsEnv = "KUBE_LITE_TEST_FAULTS";
export const testCrashPointEnv = "KUBE_LITE_TEST_CRASH_POINT";

/** Where in the Ready loop a member can be made to crash. */
export const crashPoints = [
  /** Messages that may leave early are sent; the Ready's entries and hard state are not written. */
  "before-log-save",
  /** The Ready's log write is committed (and fsync'd if it had to be) and its entries applied; its acks are not sent. */
  "after-log-save",
  /** Between two committed entries being applied: the MVCC state's open batch (everything applied since its last commit) is lost, and replayed from the log at restart. */
  "mid-apply",
  /** Inside the MVCC transaction that installs a leader's snapshot, after the MVCC state is replaced and before the request table is; the log is not reset yet. */
  "mid-snapshot-install",
  /** Between the snapshot's two writes: committed in the MVCC state (fsync'd), the log not reset to it yet (the restart repairs the log). */
  "mid-snapshot-log-reset",
  /** The snapshot is committed in the MVCC state (fsync'd) and the log reset to it; nothing after it is published, acknowledged or applied. */
  "after-snapshot-install",
  /** Between the two writes of a Raft log compaction (old entries deleted, the new first index recorded). */
  "mid-log-compaction",
] as const;
export type CrashPoint = (typeof crashPoints)[number];

/** Seeded server-side bugs the chaos checks must catch. */
export const serverBugs = {
  /** Log entries are written without fsync (only term and vote changes are synced), yet acknowledged. */
  "ack-before-fsync": "log entries acknowledged to the leader before they are fsync'd",
  /** A follower serves linearizable reads from its own state, without ReadIndex. */
  "follower-read-no-readindex": "followers serve linearizable reads without ReadIndex",
  /** A watch that resumes from a past revision loses the first revision of its catch-up. */
  "watch-drop-on-resume": "a resumed watch drops the first revision of its catch-up",
} as const;
export type ServerBug = keyof typeof serverBugs;

const features = ["power-loss", "crash-points"] as const;
type Feature = (typeof features)[number];

/** Beside each write-ahead log `<db>-wal`: `<db>-wal.synced`, its length at the last fsync'd commit. */
const syncedSuffix = ".synced";
/** The harness writes a crash point here and sends SIGUSR2; the member reads and removes it. */
export const crashPointFile = "test-crash-point";
/** Checkpoint the write-ahead log (after a synced commit) once it is this long. */
const walCheckpointBytes = 4 * 1024 * 1024;
/** Width of the recorded length: one fixed-size write, so a kill never leaves half a number. */
const syncedWalWidth = 20;

export interface ArmedCrashPoint {
  readonly point: CrashPoint;
  /** Crash when the point is reached for the `hits`-th time after arming. */
  readonly hits: number;
}

/** Parses `point` or `point@hits`; undefined for an empty text. */
export function parseCrashPoint(text: string): ArmedCrashPoint | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const [name = "", hitsText = "1"] = trimmed.split("@");
  if (!(crashPoints as readonly string[]).includes(name)) throw new Error(`unknown crash point '${name}': use ${crashPoints.join(", ")}`);
  const hits = Number(hitsText);
  if (!Number.isSafeInteger(hits) || hits < 1) throw new Error(`crash point ${name}: hits must be a positive integer, not '${hitsText}'`);
  return { point: name as CrashPoint, hits };
}

/** Parses KUBE_LITE_TEST_FAULTS: the features and bugs it names. */
export function parseTestFaults(text: string): { features: Set<Feature>; bugs: Set<ServerBug> } {
  const result = { features: new Set<Feature>(), bugs: new Set<ServerBug>() };
  for (const word of text.split(",").map((w) => w.trim()).filter((w) => w !== "")) {
    if ((features as readonly string[]).includes(word)) result.features.add(word as Feature);
    else if (word in serverBugs) result.bugs.add(word as ServerBug);
    else throw new Error(`${testFaultsEnv}: unknown '${word}': use ${[...features, ...Object.keys(serverBugs)].join(", ")}`);
  }
  return result;
}

export class TestHooks {
  private armed: { point: CrashPoint; remaining: number } | undefined;
  /** The databases power loss is tracked for, each with its record's file descriptor. */
  private readonly tracked = new Map<Database.Database, number>();
  private syncedTerm = -1;
  private syncedVote = "";

  constructor(
    private readonly dataDir: string,
    private readonly featureSet: ReadonlySet<Feature>,
    readonly bugs: ReadonlySet<ServerBug>,
    private readonly log: Logger,
    armed: ArmedCrashPoint | undefined,
  ) {
    if (armed !== undefined) this.arm(armed);
    if (featureSet.has("crash-points")) process.on("SIGUSR2", () => this.armFromFile());
  }

  has(bug: ServerBug): boolean {
    return this.bugs.has(bug);
  }

  /**
   * Whether this Ready's transaction is fsync'd. Right: whenever Raft says so (new entries, a
   * snapshot, a new term or vote). With the seeded bug "ack-before-fsync", only a new term or
   * vote (or a snapshot) is: entries are written, acknowledged and applied unsynced.
   */
  mustSync(ready: Ready): boolean {
    if (!this.bugs.has("ack-before-fsync")) return ready.mustSync;
    const hard = ready.hardState;
    const termOrVote = hard !== undefined && (hard.term !== this.syncedTerm || hard.vote !== this.syncedVote);
    if (hard !== undefined) {
      this.syncedTerm = hard.term;
      this.syncedVote = hard.vote;
    }
    return termOrVote || ready.snapshot !== undefined;
  }

  /** Called once the member's databases are open (write-ahead log mode), none in a transaction. */
  attach(dbs: readonly Database.Database[]): void {
    if (!this.featureSet.has("power-loss")) return;
    for (const db of dbs) {
      // Checkpoints copy the log into the database file; only ours run, right after a synced
      // commit, so that the database file only ever holds what was fsync'd.
      db.pragma("wal_autocheckpoint = 0");
      // Opened without truncating: a kill right after the open must not leave an empty record.
      const fd = fs.openSync(`${walPath(db)}${syncedSuffix}`, fs.constants.O_RDWR | fs.constants.O_CREAT);
      this.tracked.set(db, fd);
      // Everything before this point (the schema, the previous run's log) goes to the database file, fsync'd.
      db.pragma("wal_checkpoint(TRUNCATE)");
      record(db, fd);
    }
  }

  /**
   * Whether `db`'s unsynced log has grown long enough that the member should fsync it now (so
   * that synced() can checkpoint it): with automatic checkpoints off, the MVCC database's log,
   * fsync'd only before log compactions, would otherwise grow without bound between them.
   */
  wantsSync(db: Database.Database): boolean {
    return this.tracked.has(db) && walLength(walPath(db)) >= walCheckpointBytes;
  }

  /**
   * `db`'s log is fsync'd up to its end (a commit with synchronous = FULL has returned, or the
   * log was fsync'd directly). Checkpoints once the log is long (the connection is out of any
   * transaction here, and a checkpoint fsyncs the database file), then records its length.
   */
  synced(db: Database.Database): void {
    const fd = this.tracked.get(db);
    if (fd === undefined) return;
    if (!db.inTransaction && walLength(walPath(db)) >= walCheckpointBytes) db.pragma("wal_checkpoint(TRUNCATE)");
    record(db, fd);
  }

  /** Crashes the process here if this point is armed and its count is reached. */
  reached(point: CrashPoint): void {
    const armed = this.armed;
    if (armed === undefined || armed.point !== point) return;
    armed.remaining -= 1;
    if (armed.remaining > 0) return;
    // Straight to the log file (pino may buffer), then die as a crash does: no handlers, no flush.
    fs.writeSync(2, `${JSON.stringify({ level: 60, msg: "test crash point reached; killing this process", crashPoint: point, pid: process.pid })}\n`);
    process.kill(process.pid, "SIGKILL");
  }

  private arm(armed: ArmedCrashPoint): void {
    this.armed = { point: armed.point, remaining: armed.hits };
    this.log.warn({ crashPoint: armed.point, hits: armed.hits }, "test crash point armed");
  }

  private armFromFile(): void {
    const file = path.join(this.dataDir, crashPointFile);
    try {
      const armed = parseCrashPoint(fs.readFileSync(file, "utf8"));
      fs.rmSync(file, { force: true });
      if (armed === undefined) {
        this.armed = undefined;
        this.log.warn("test crash point disarmed");
      } else {
        this.arm(armed);
      }
    } catch (error) {
      this.log.error({ err: error }, "could not arm a test crash point");
    }
  }
}

function walPath(db: Database.Database): string {
  return `${db.name}-wal`;
}

function record(db: Database.Database, fd: number): void {
  fs.writeSync(fd, String(walLength(walPath(db))).padStart(syncedWalWidth, " "), 0);
}

function walLength(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The hooks KUBE_LITE_TEST_FAULTS and KUBE_LITE_TEST_CRASH_POINT ask for; undefined (production) without them. */
export function testHooksFromEnv(env: NodeJS.ProcessEnv, dataDir: string, log: Logger): TestHooks | undefined {
  const faults = env[testFaultsEnv];
  const crashPoint = env[testCrashPointEnv];
  if ((faults === undefined || faults === "") && (crashPoint === undefined || crashPoint === "")) return undefined;
  const parsed = parseTestFaults(faults ?? "");
  const armed = parseCrashPoint(crashPoint ?? "");
  if (armed !== undefined) parsed.features.add("crash-points");
  log.warn({ features: [...parsed.features], bugs: [...parsed.bugs], crashPoint: armed }, `test hooks enabled by ${testFaultsEnv} (never in production)`);
  return new TestHooks(dataDir, parsed.features, parsed.bugs, log, armed);
}

/**
 * What a power cut leaves of a killed member's data directory: each write-ahead log with a
 * record cut back to its length at the last fsync'd commit, and no shared-memory index (it is
 * rebuilt from the log). Run only while the member is down. Returns the bytes dropped.
 */
export function dropUnsyncedWrites(dataDir: string): number {
  let dropped = 0;
  for (const name of fs.readdirSync(dataDir).filter((n) => n.endsWith(`-wal${syncedSuffix}`))) {
    const recorded = fs.readFileSync(path.join(dataDir, name), "utf8").trim();
    // Empty: killed between creating the record and its first write, when nothing unsynced was written yet.
    const synced = recorded === "" ? Number.POSITIVE_INFINITY : Number(recorded);
    if (recorded !== "" && (!Number.isSafeInteger(synced) || synced < 0)) throw new Error(`${dataDir}/${name}: not a length: '${recorded}'`);
    const wal = path.join(dataDir, name.slice(0, -syncedSuffix.length));
    const length = walLength(wal);
    if (length > synced) fs.truncateSync(wal, synced);
    fs.rmSync(`${wal.slice(0, -"-wal".length)}-shm`, { force: true });
    dropped += Math.max(0, length - synced);
  }
  return dropped;
}
