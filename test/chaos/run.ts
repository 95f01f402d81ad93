// One chaos run: start the cluster, run the workloads and the watchers, inject the scheduled
// faults, heal, check liveness, stop the workloads, check convergence and every history, kill -9
// every member and check again after the restart. Returns one summary line and the violations.
import { setMaxListeners } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { StoreClient, StoreError, WatchCompactedError } from "../../store/client/index.js";
import type { ServerBug } from "../../store/server/index.js";
import { dropUnsyncedWrites, testFaultsEnv } from "../../store/server/index.js";
import { Prng } from "../../store/sim/index.js";
import { runAppendSet, setPrefix } from "./append-set.js";
import { checkAppendSet } from "./checks-set.js";
import { checkLeases } from "./checks-leases.js";
import { checkLock } from "./checks-lock.js";
import { checkRegisters } from "./checks-registers.js";
import { acknowledgedPuts, replayAcknowledgedPuts, replayCompareAndSwaps, replayModel, trustedUntil } from "./checks-replay.js";
import type { KnownWrite, WatchInput } from "./checks-watch.js";
import { checkWatchers, compareHistories } from "./checks-watch.js";
import { ChaosCluster, sleep, withTimeout } from "./cluster.js";
import type { FaultRecord, LeaseRecord, LockStep, RegisterOp, SetOp } from "./history.js";
import { Clock, errorText } from "./history.js";
import type { KvState, MemberSnapshot } from "./inspect.js";
import { convergedSnapshots, fetchHistory } from "./inspect.js";
import { leaseIdBase, leasePrefix, runLeases } from "./leases.js";
import { lockKeys, runLockers } from "./lock.js";
import { Nemesis } from "./nemesis.js";
import { ReferenceHistory } from "./reference.js";
import { runRegisters } from "./registers.js";
import type { FaultKind, ScheduledFault } from "./schedule.js";
import { describeFault, faultSchedule, healBeforeEndMs } from "./schedule.js";
import { RecordingWatcher } from "./watchers.js";
import type { SeededBug, WorkloadContext } from "./workload.js";

export interface ChaosOptions {
  readonly members: number;
  readonly durationSeconds: number;
  readonly faults: readonly FaultKind[];
  readonly seed: number;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  /** Where data, logs and the history go (default: a new temporary directory). */
  readonly dataDir?: string;
  /** Keep the data dir and the history even when the run is ok. */
  readonly keep: boolean;
  readonly bugs: readonly SeededBug[];
  /** Bugs seeded in the members themselves (through KUBE_LITE_TEST_FAULTS). */
  readonly serverBugs: readonly ServerBug[];
  readonly registerClients: number;
  readonly registerKeys: number;
  readonly setWriters: number;
  readonly lockers: number;
  /** Progress lines (stderr from the command line). */
  readonly log: (line: string) => void;
}

export const defaultChaosOptions: Omit<ChaosOptions, "seed" | "log"> = {
  members: 3,
  durationSeconds: 60,
  faults: ["kill", "pause", "split", "isolate-leader", "one-way", "delay", "loss", "flaky"],
  heartbeatIntervalMs: 50,
  electionTimeoutMs: 500,
  keep: false,
  bugs: [],
  serverBugs: [],
  registerClients: 5,
  registerKeys: 4,
  setWriters: 2,
  lockers: 3,
};

export interface ChaosResult {
  readonly ok: boolean;
  readonly summary: string;
  readonly violations: string[];
  readonly historyPath: string | undefined;
  readonly ops: number;
  readonly faults: number;
  readonly elapsedMs: number;
}

/** The harness's own budget after the run's duration: heal, drain, converge, check, restart. */
export const afterDurationBudgetMs = 90_000;
/** History retained by the members' automatic compaction: compactions happen within a run, watchers keep up. */
const autoCompactionRetentionRevisions = 2_000;
/** With crash faults, the Raft log is compacted this often, so that members that fall behind get snapshots. */
const crashRunSnapshotCount = 50;

/** What the members' test hooks must do for this run (the KUBE_LITE_TEST_FAULTS value), and whether the final restart is a power loss. */
export function memberTestFaults(options: Pick<ChaosOptions, "faults" | "serverBugs">): { env: Record<string, string>; finalPowerLoss: boolean } {
  // Acknowledging before fsync shows only when unsynced writes are lost: power loss, at least at the end.
  const finalPowerLoss = options.faults.includes("power-loss") || options.serverBugs.includes("ack-before-fsync");
  const words = [...(finalPowerLoss ? ["power-loss"] : []), ...(options.faults.includes("crash") ? ["crash-points"] : []), ...options.serverBugs];
  return { env: words.length > 0 ? { [testFaultsEnv]: words.join(",") } : {}, finalPowerLoss };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const clock = new Clock();
  const budgetMs = options.durationSeconds * 1_000 + afterDurationBudgetMs;
  const dataRoot = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-chaos-"));
  const run = new ChaosRun(options, clock, dataRoot);
  let watchdog: NodeJS.Timeout | undefined;
  const overBudget = new Promise<never>((_, reject) => {
    watchdog = setTimeout(() => reject(new Error(`the run took longer than its budget (duration + ${afterDurationBudgetMs / 1000} s), in phase ${run.phase}`)), budgetMs);
  });
  const executing = run.execute();
  // Past the budget the run is abandoned (and its cluster stopped): its late failures are moot.
  executing.catch(() => undefined);
  try {
    await Promise.race([executing, overBudget]);
  } catch (error) {
    run.violations.push(`harness: ${errorText(error)}`);
  } finally {
    clearTimeout(watchdog);
    await run.shutdown();
  }
  return run.result();
}

class ChaosRun {
  phase = "start";
  readonly violations: string[] = [];
  /** Keys of the liveness probes after healing (each a put of "after-heal"). */
  private readonly probeKeys: string[] = [];
  private cluster: ChaosCluster | undefined;
  private readonly prefix = "/chaos/";
  private readonly registerOps: RegisterOp[] = [];
  private readonly setOps: SetOp[] = [];
  private readonly leaseRecords: LeaseRecord[] = [];
  private readonly lockSteps: LockStep[] = [];
  private readonly watchers: RecordingWatcher[] = [];
  private readonly unexpected = new Map<string, { count: number; first: string }>();
  private readonly notes: string[] = [];
  private nemesis: Nemesis | undefined;
  private readonly leaderSamples: { atMs: number; leader: string; term: number }[] = [];
  private historyPath: string | undefined;
  private summaryParts: string[] = [];
  private readonly schedule;

  constructor(
    private readonly options: ChaosOptions,
    private readonly clock: Clock,
    private readonly dataRoot: string,
  ) {
    this.schedule = faultSchedule({
      seed: options.seed,
      members: options.members,
      durationMs: options.durationSeconds * 1_000,
      electionTimeoutMs: options.electionTimeoutMs,
      kinds: options.faults,
    });
  }

  private log(line: string): void {
    this.options.log(`[${(this.clock.now() / 1000).toFixed(1)}s] ${line}`);
  }

  async execute(): Promise<void> {
    const o = this.options;
    this.log(`seed ${o.seed}: ${o.members} members, ${o.durationSeconds} s, faults ${o.faults.join(",") || "none"}, data in ${this.dataRoot}`);
    const testFaults = memberTestFaults(o);
    if (testFaults.env[testFaultsEnv] !== undefined) this.log(`members run with ${testFaultsEnv}=${testFaults.env[testFaultsEnv]}`);
    for (const fault of this.schedule) this.log(`scheduled ${fault.id}: ${describeFault(fault)}`);
    this.phase = "starting the cluster";
    const cluster = await ChaosCluster.create({
      members: o.members,
      dataRoot: this.dataRoot,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      electionTimeoutMs: o.electionTimeoutMs,
      extraArgs: [
        "--auto-compaction-retention",
        String(autoCompactionRetentionRevisions),
        ...(o.faults.includes("crash") ? ["--snapshot-count", String(crashRunSnapshotCount)] : []),
      ],
      env: testFaults.env,
      seed: o.seed,
    });
    this.cluster = cluster;
    await cluster.startAll();
    const leader = await this.waitForLeader(15_000);
    if (leader === undefined) throw new Error("no leader within 15 s of starting");
    this.log(`cluster up, leader ${leader}`);

    const controller = new AbortController();
    // Every workload loop waits on it at once.
    setMaxListeners(200, controller.signal);
    const random = new Prng(o.seed).fork();
    const context: WorkloadContext = {
      clock: this.clock,
      endpoints: cluster.endpoints,
      signal: controller.signal,
      random,
      bugs: new Set(o.bugs),
      prefix: this.prefix,
      unexpected: (where, error) => this.noteUnexpected(where, error),
    };

    this.phase = "starting the watchers";
    const admin = new StoreClient({ endpoints: cluster.endpoints, requestTimeoutMs: 3_000, deadlineMs: 10_000 });
    try {
      const startRevision = (await admin.range({ key: `${this.prefix}end` })).header.revision + 1;
      const primary = new RecordingWatcher(context, "watch-0", cluster.endpoints);
      this.watchers.push(primary);
      for (const m of cluster.members) this.watchers.push(new RecordingWatcher(context, `watch-${m.name}`, [m.clientUrl], m.name));
      await Promise.all(this.watchers.map((w) => w.start(startRevision)));

      this.phase = "workload and faults";
      const workloadStartMs = this.clock.now();
      const idBase = leaseIdBase(context);
      const workloads = Promise.all([
        runRegisters(context, { clients: o.registerClients, keys: o.registerKeys }, this.registerOps),
        runAppendSet(context, o.setWriters, this.setOps),
        runLeases(context, this.leaseRecords, idBase),
        runLockers(context, o.lockers, this.lockSteps, idBase),
      ]);
      const lateWatchers = this.startLateWatchers(context, admin, workloadStartMs);
      const sampler = this.sampleLeaders(controller.signal);
      const nemesis = new Nemesis(cluster, this.clock, (line) => this.log(line), (where, error) => this.violations.push(`harness: ${where}: ${errorText(error)}`));
      this.nemesis = nemesis;
      const faults = nemesis.run(this.schedule, workloadStartMs);

      // Heal everything just before the end of the duration and prove the cluster is live again.
      await sleep(workloadStartMs + o.durationSeconds * 1_000 - healBeforeEndMs - this.clock.now());
      this.phase = "healing";
      await nemesis.healAll();
      await faults;
      await this.checkRecovery(admin);
      await sleep(workloadStartMs + o.durationSeconds * 1_000 - this.clock.now());

      this.phase = "stopping the workload";
      controller.abort();
      await withTimeout(workloads, 30_000);
      await lateWatchers;
      await sampler;
      this.log(`workload stopped: ${this.registerOps.length} register ops, ${this.setOps.length} set puts, ${this.leaseRecords.length} leases, ${this.lockSteps.length} lock steps`);

      this.phase = "waiting for the leases to expire";
      await this.waitForLeaseKeysGone(admin);

      this.phase = "waiting for the watchers";
      const endRevision = (await admin.put({ key: `${this.prefix}end`, value: "end" })).header.revision;
      await this.waitForWatchers(endRevision);
      for (const w of this.watchers) w.close();

      this.phase = "convergence";
      const snapshots = await convergedSnapshots(cluster, `${this.prefix}end`, 20_000);
      if (typeof snapshots === "string") {
        this.violations.push(`convergence: ${snapshots}`);
        return;
      }
      this.checkConvergence(snapshots);

      this.phase = "checking the histories";
      await this.checkAll(snapshots, startRevision, endRevision);

      this.phase = "full restart";
      await this.checkFullRestart(snapshots, testFaults.finalPowerLoss);
    } finally {
      controller.abort();
      admin.close();
    }
  }

  private noteUnexpected(where: string, error: unknown): void {
    // An internal error, or an answer the client could not read, is a store bug whatever chaos did.
    if (error instanceof StoreError && (error.httpStatus === 500 || error.httpStatus === 200)) {
      if (this.violations.length < 50) this.violations.push(`store error: ${where}: ${errorText(error)}`);
    }
    const entry = this.unexpected.get(where);
    if (entry === undefined) this.unexpected.set(where, { count: 1, first: errorText(error) });
    else entry.count += 1;
  }

  private async waitForLeader(timeoutMs: number): Promise<string | undefined> {
    const deadline = this.clock.now() + timeoutMs;
    while (this.clock.now() < deadline) {
      const leader = await this.cluster?.leader(500);
      if (leader !== undefined) return leader.name;
      await sleep(25);
    }
    return undefined;
  }

  /** More watchers while faults go on: one from a revision in the past, one from "now". */
  private async startLateWatchers(context: WorkloadContext, admin: StoreClient, workloadStartMs: number): Promise<void> {
    const cluster = this.cluster as ChaosCluster;
    const durationMs = this.options.durationSeconds * 1_000;
    const plans: { atMs: number; back: number | "now" }[] = [
      { atMs: 0.3 * durationMs, back: context.random.between(0, 300) },
      { atMs: 0.6 * durationMs, back: "now" },
    ];
    for (const [i, plan] of plans.entries()) {
      await sleep(workloadStartMs + plan.atMs - this.clock.now());
      if (context.signal.aborted) return;
      const watcher = new RecordingWatcher(context, `watch-${i + 1}`, cluster.endpoints);
      try {
        let start = 0;
        if (plan.back !== "now") {
          const current = (await admin.range({ key: `${this.prefix}end` })).header.revision;
          start = Math.max(this.watchers[0]?.record.firstRevision ?? 1, current - plan.back);
        }
        await watcher.start(start);
        this.watchers.push(watcher);
        this.log(`${watcher.record.name} from revision ${watcher.record.firstRevision}`);
      } catch (error) {
        watcher.close();
        this.log(`${watcher.record.name} could not start (${errorText(error)}); skipped`);
      }
    }
  }

  /** Who leads, twice a second: with no faults there must be one leader in one term all along. */
  private async sampleLeaders(signal: AbortSignal): Promise<void> {
    const cluster = this.cluster as ChaosCluster;
    let lastLogged = "";
    while (!signal.aborted) {
      const statuses = [...(await cluster.statuses(1_000)).values()].filter((s) => s !== undefined && s.leader !== "0");
      for (const status of statuses) {
        if (status === undefined) continue;
        const leader = cluster.members.find((m) => m.memberId === status.leader)?.name ?? status.leader;
        if (!this.leaderSamples.some((s) => s.leader === leader && s.term === status.raftTerm)) this.leaderSamples.push({ atMs: this.clock.now(), leader, term: status.raftTerm });
      }
      const newest = statuses.sort((a, b) => (b?.raftTerm ?? 0) - (a?.raftTerm ?? 0))[0];
      const text = newest === undefined ? "" : `${cluster.members.find((m) => m.memberId === newest.leader)?.name ?? newest.leader} (term ${newest.raftTerm})`;
      if (text !== "" && text !== lastLogged) this.log(`leader ${text}`);
      if (text !== "") lastLogged = text;
      await sleep(500);
    }
  }

  /** Liveness after healing: a leader within 3 election timeouts, a write acknowledged within 5 s. */
  private async checkRecovery(admin: StoreClient): Promise<void> {
    const healedMs = this.clock.now();
    const leaderLimitMs = 3 * this.options.electionTimeoutMs;
    const leader = await this.waitForLeader(10_000);
    const leaderMs = this.clock.now() - healedMs;
    if (leader === undefined) this.violations.push("liveness: no leader within 10 s of healing");
    else if (leaderMs > leaderLimitMs) this.violations.push(`liveness: a leader only ${leaderMs.toFixed(0)} ms after healing (limit ${leaderLimitMs} ms)`);
    const writeStartMs = this.clock.now();
    let writeMs = Number.NaN;
    // Probes with fresh keys until one is acknowledged. One answer may be "request timed out"
    // without the store being stuck: a member catching up by snapshots cannot tell the answer of
    // a write a snapshot covered (etcd answers so too, once its request timeout passes).
    let lastError: unknown;
    for (let attempt = 0; Number.isNaN(writeMs) && this.clock.now() - writeStartMs < 5_000; attempt++) {
      try {
        const key = `${this.prefix}probe-${attempt}`;
        this.probeKeys.push(key);
        await withTimeout(admin.put({ key, value: "after-heal" }), Math.max(1, 5_000 - (this.clock.now() - writeStartMs)));
        writeMs = this.clock.now() - writeStartMs;
      } catch (error) {
        lastError = error;
        await sleep(50);
      }
    }
    if (Number.isNaN(writeMs)) this.violations.push(`liveness: no write acknowledged within 5 s of healing (${errorText(lastError)})`);
    this.summaryParts.push(`recovery: leader ${leaderMs.toFixed(0)} ms, write ${Number.isNaN(writeMs) ? "failed" : `${writeMs.toFixed(0)} ms`}${this.probeKeys.length > 1 ? ` (${this.probeKeys.length} probes)` : ""}`);
    this.log(`healed: leader ${leader ?? "none"} after ${leaderMs.toFixed(0)} ms, write after ${writeMs.toFixed(0)} ms`);
  }

  private async waitForLeaseKeysGone(admin: StoreClient): Promise<void> {
    const { holder } = lockKeys({ prefix: this.prefix });
    const limitMs = 3_000 + 3 * this.options.electionTimeoutMs + 8_000;
    const deadline = this.clock.now() + limitMs;
    for (;;) {
      try {
        const leases = await admin.range({ key: leasePrefix({ prefix: this.prefix }), rangeEnd: prefixEnd(leasePrefix({ prefix: this.prefix })), countOnly: true });
        const lock = await admin.range({ key: holder, countOnly: true });
        if (leases.count === 0 && lock.count === 0) return;
        if (this.clock.now() > deadline) {
          this.violations.push(`leases: ${leases.count} lease keys and ${lock.count} lock holder keys still there ${limitMs} ms after the workload stopped`);
          return;
        }
      } catch (error) {
        if (this.clock.now() > deadline) throw error;
      }
      await sleep(200);
    }
  }

  private async waitForWatchers(endRevision: number): Promise<void> {
    const deadline = this.clock.now() + 20_000;
    while (this.watchers.some((w) => w.lastDeliveredRevision < endRevision)) {
      if (this.clock.now() > deadline) {
        const behind = this.watchers.filter((w) => w.lastDeliveredRevision < endRevision).map((w) => `${w.record.name} at ${w.lastDeliveredRevision}`);
        this.violations.push(`watch: not caught up with revision ${endRevision} within 20 s: ${behind.join(", ")}`);
        return;
      }
      await sleep(50);
    }
  }

  private checkConvergence(snapshots: readonly MemberSnapshot[]): void {
    const [first] = snapshots;
    if (first === undefined) return;
    for (const s of snapshots) {
      if (s.revision !== first.revision || s.hash !== first.hash || s.compactRevision !== first.compactRevision) {
        this.violations.push(
          `convergence: ${s.member} has revision ${s.revision}, compact ${s.compactRevision}, state ${s.hash}; ${first.member} has ${first.revision}, ${first.compactRevision}, ${first.hash}${diffStates(first.state, s.state)}`,
        );
      }
    }
    this.summaryParts.push(`converged at revision ${first.revision} (compacted to ${first.compactRevision}, ${first.state.size} keys)`);
  }

  private async checkAll(snapshots: readonly MemberSnapshot[], startRevision: number, endRevision: number): Promise<void> {
    const cluster = this.cluster as ChaosCluster;
    const inputs: WatchInput[] = this.watchers.map((w) => ({ record: w.record, coverage: { first: w.record.firstRevision, last: endRevision, gaps: w.record.gaps } }));
    const primary = inputs[0] as WatchInput;
    const reference = new ReferenceHistory(primary.record.batches, primary.coverage);
    const keys = lockKeys({ prefix: this.prefix });

    const watch = checkWatchers(inputs, primary, this.knownWrites(), true);
    this.violations.push(...watch.violations.map((v) => `watch: ${v}`));
    const invented = this.inventedEvents(reference);
    this.violations.push(...invented.map((v) => `watch: ${v}`));

    // Each member's own history, read back after healing, must be the watchers' history.
    const [first] = snapshots;
    // From after the compact revision: compaction drops a deletion AT that revision (etcd keeps no
    // tombstone at or below it), so a watch from exactly there need not replay it.
    const from = Math.max(startRevision, (first?.compactRevision ?? 0) + 1);
    for (const m of cluster.members) {
      // The leader keeps compacting (in steps) after the workload stopped: a compaction may land
      // between the snapshot and this read. Then read from after the new compact revision.
      let memberFrom = from;
      for (let attempt = 1; memberFrom <= endRevision; attempt += 1) {
        try {
          const batches = await fetchHistory(cluster.clientOf(m), this.prefix, memberFrom, endRevision, 15_000);
          this.violations.push(...compareHistories(m.name, batches, primary.record.batches, memberFrom, endRevision).map((v) => `history: ${v}`));
          break;
        } catch (error) {
          if (error instanceof WatchCompactedError && attempt < 5) {
            memberFrom = Math.max(memberFrom, error.compactRevision + 1);
            continue;
          }
          this.violations.push(`history: ${m.name}: could not read its history from ${memberFrom}: ${errorText(error)}`);
          break;
        }
      }
    }

    const registers = checkRegisters(this.registerOps, primary.coverage.gaps.length === 0 ? reference : undefined);
    this.violations.push(...registers.violations.map((v) => `registers: ${v}`));

    // The applied history replayed through a model: consistent in itself, and giving every answer.
    const replay = [
      ...replayModel(reference),
      ...replayCompareAndSwaps(this.registerOps, reference),
      ...replayAcknowledgedPuts(acknowledgedPuts(this.setOps, this.lockSteps, keys.resource), reference),
    ];
    this.violations.push(...replay.map((v) => `replay: ${v}`));
    const replayedRevisions = reference.revisions().filter((r) => r <= trustedUntil(reference)).length;

    let setAcked = 0;
    for (const s of snapshots) {
      const set = checkAppendSet(this.setOps, subState(s.state, setPrefix({ prefix: this.prefix })), s.member);
      setAcked = set.acknowledged;
      this.violations.push(...set.violations.map((v) => `set: ${v}`));
    }

    const finalLeaseStates = new Map(snapshots.map((s) => [s.member, subState(s.state, leasePrefix({ prefix: this.prefix }))]));
    const leases = checkLeases(this.leaseRecords, reference, this.watchers.map((w) => w.record), finalLeaseStates);
    this.violations.push(...leases.violations.map((v) => `leases: ${v}`));

    const lock = checkLock(this.lockSteps, reference, keys);
    this.violations.push(...lock.violations.map((v) => `lock: ${v}`));

    if (this.options.faults.length === 0) {
      const leaders = new Set(this.leaderSamples.map((s) => `${s.leader}@${s.term}`));
      if (leaders.size > 1) this.violations.push(`liveness: the leader changed with no faults: ${[...leaders].join(" -> ")}`);
      else this.summaryParts.push(`one leader in one term all run (${[...leaders].join("")})`);
    }

    this.summaryParts.unshift(
      `registers ${registers.checked} ops linearizable (${registers.unknownWrites} with unknown outcome${registers.unknownResolved > 0 ? `, ${registers.unknownResolved} settled by the history` : ""})`,
      `set ${setAcked} acked of ${this.setOps.length}`,
      `replay of ${replayedRevisions} revisions through the model gives every answer`,
      `watch ${watch.watchers} watchers ${watch.batches} revisions ${watch.reconnects} reconnects${watch.compactedGaps > 0 ? ` ${watch.compactedGaps} compacted` : ""}`,
      `leases ${leases.expired}/${leases.leases} expired (${leases.keptAlive} kept alive)`,
      `lock ${lock.acquisitions} holders ${lock.writes} fenced writes (${lock.fencedOff} late writes refused)`,
    );
  }

  private knownWrites(): KnownWrite[] {
    const writes: KnownWrite[] = [];
    for (const op of this.registerOps) {
      if (op.outcome === "ok" && op.revision !== undefined && (op.kind === "put" || op.succeeded === true)) writes.push({ key: op.key, value: op.value ?? "", revision: op.revision, what: `register ${op.kind}` });
    }
    for (const op of this.setOps) if (op.outcome === "ok" && op.revision !== undefined) writes.push({ key: op.key, value: op.value, revision: op.revision, what: "set put" });
    const { resource } = lockKeys({ prefix: this.prefix });
    for (const step of this.lockSteps) {
      if (step.kind === "write" && step.outcome === "ok" && step.succeeded === true && step.revision !== undefined) writes.push({ key: resource, value: step.value ?? "", revision: step.revision, what: "lock write" });
    }
    for (const lease of this.leaseRecords) {
      if (lease.keysOutcome === "ok" && lease.keysRevision !== undefined) for (const key of lease.keys) writes.push({ key, value: lease.id, revision: lease.keysRevision, what: "lease key" });
    }
    return writes;
  }

  /** Every put in the history must be one some client tried. */
  private inventedEvents(reference: ReferenceHistory): string[] {
    const tried = new Set<string>();
    const add = (key: string, value: string | undefined): void => void tried.add(`${key}\u0000${value ?? ""}`);
    for (const op of this.registerOps) if (op.kind !== "get") add(op.key, op.value);
    for (const op of this.setOps) add(op.key, op.value);
    const { holder, resource } = lockKeys({ prefix: this.prefix });
    for (const step of this.lockSteps) if (step.kind === "write") add(resource, step.value);
    for (const lease of this.leaseRecords) for (const key of lease.keys) add(key, lease.id);
    for (const key of this.probeKeys) add(key, "after-heal");
    add(`${this.prefix}end`, "end");
    const violations: string[] = [];
    for (const [revision, events] of reference.batches()) {
      for (const e of events) {
        if (e.type !== "PUT" || e.key === holder) continue;
        if (!tried.has(`${e.key}\u0000${e.value}`)) violations.push(`revision ${revision}: ${e.key}=${e.value} was never written by any client (invented)`);
      }
    }
    return violations.slice(0, 10);
  }

  /** Every member killed at once (and what was not fsync'd lost, with power loss), restarted: the same state, every acknowledged write still there. */
  private async checkFullRestart(before: readonly MemberSnapshot[], powerLoss: boolean): Promise<void> {
    const cluster = this.cluster as ChaosCluster;
    await Promise.all(cluster.members.map((m) => cluster.kill(m)));
    const droppedBytes = powerLoss ? cluster.members.reduce((sum, m) => sum + dropUnsyncedWrites(m.dataDir), 0) : 0;
    await cluster.startAll();
    const leader = await this.waitForLeader(15_000);
    if (leader === undefined) {
      this.violations.push("full restart: no leader within 15 s");
      return;
    }
    const after = await convergedSnapshots(cluster, `${this.prefix}end`, 20_000);
    if (typeof after === "string") {
      this.violations.push(`full restart: ${after}`);
      return;
    }
    const reference = before[0];
    for (const s of after) {
      if (reference !== undefined && (s.hash !== reference.hash || s.revision !== reference.revision)) {
        this.violations.push(`full restart: ${s.member} came back with revision ${s.revision}, state ${s.hash}; before: ${reference.revision}, ${reference.hash}${diffStates(reference.state, s.state)}`);
      }
      const set = checkAppendSet(this.setOps, subState(s.state, setPrefix({ prefix: this.prefix })), `${s.member} after the restart`);
      this.violations.push(...set.violations.map((v) => `set: ${v}`));
    }
    this.summaryParts.push(powerLoss ? `power loss of every member (${droppedBytes} unsynced bytes dropped): state intact` : "kill -9 of every member: state intact");
    const links = cluster.proxies.totals();
    this.summaryParts.push(`proxies: ${links.framesDropped} frames dropped, ${links.framesDuplicated} duplicated, ${links.connectionsCut} connections cut`);
  }

  async shutdown(): Promise<void> {
    for (const w of this.watchers) w.close();
    try {
      await this.cluster?.stop();
    } catch (error) {
      this.violations.push(`harness: stopping the cluster: ${errorText(error)}`);
    }
    for (const [where, { count, first }] of this.unexpected) this.notes.push(`${count}× ${where}: ${first}`);
    const failed = this.violations.length > 0;
    if (failed || this.options.keep) {
      this.historyPath = path.join(this.dataRoot, "history.json");
      fs.writeFileSync(this.historyPath, JSON.stringify(this.history(), null, 1));
    } else if (this.options.dataDir === undefined) {
      fs.rmSync(this.dataRoot, { recursive: true, force: true });
    }
  }

  private history(): object {
    return {
      options: { ...this.options, log: undefined },
      schedule: this.schedule.map((f) => ({ ...f, description: describeFault(f) })),
      faults: this.nemesis?.records ?? [],
      violations: this.violations,
      unexpectedErrors: this.notes,
      leaders: this.leaderSamples,
      summary: this.summaryParts,
      registers: this.registerOps,
      set: this.setOps,
      leases: this.leaseRecords,
      lock: this.lockSteps,
      watchers: this.watchers.map((w) => w.record),
      proxies: this.cluster?.proxies.all().map((l) => ({ from: l.from, to: l.to, ...l.stats })) ?? [],
    };
  }

  result(): ChaosResult {
    const o = this.options;
    const ops = this.registerOps.length + this.setOps.length + this.leaseRecords.length + this.lockSteps.length;
    const records = this.nemesis?.records ?? [];
    const injected = records.filter((r) => r.skipped === undefined);
    const byKind = new Map<string, number>();
    for (const r of injected) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
    const faultText = `${injected.length} faults${injected.length > 0 ? ` (${[...byKind].map(([k, n]) => `${k} ${n}`).join(", ")})` : ""}${crashAndPowerLossText(injected, this.schedule)}`;
    const elapsedMs = this.clock.now();
    const head = `seed ${o.seed}, ${o.members} members, ${o.durationSeconds} s${o.bugs.length + o.serverBugs.length > 0 ? `, seeded bugs ${[...o.bugs, ...o.serverBugs].join(",")}` : ""}`;
    const unexpected = this.notes.length > 0 ? `, unexpected errors: ${this.notes.slice(0, 3).join(" | ")}` : "";
    const ok = this.violations.length === 0;
    const summary = ok
      ? `chaos: ok, ${ops} ops, ${faultText}, ${head}; ${this.summaryParts.join("; ")}${unexpected}; ${(elapsedMs / 1000).toFixed(0)} s`
      : `chaos: VIOLATION (${this.violations.length}): ${this.violations.slice(0, 3).join(" | ")}; ${ops} ops, ${faultText}, ${head}; history: ${this.historyPath ?? "not saved"}${unexpected}`;
    return { ok, summary, violations: this.violations, historyPath: this.historyPath, ops, faults: injected.length, elapsedMs };
  }
}

/** Which crash points the members reached, and how much power losses dropped. */
function crashAndPowerLossText(records: readonly FaultRecord[], schedule: readonly ScheduledFault[]): string {
  const parts: string[] = [];
  const crashes = records.filter((r) => r.kind === "crash");
  if (crashes.length > 0) {
    const reached = crashes.filter((r) => r.crashed === true).map((r) => schedule.find((f) => f.id === r.id)?.crashPoint ?? "?");
    parts.push(`crash points reached ${reached.length}/${crashes.length}${reached.length > 0 ? ` (${reached.join(", ")})` : ""}`);
  }
  const losses = records.filter((r) => r.kind === "power-loss");
  if (losses.length > 0) {
    const outages = losses.filter((r) => r.members.length > 1).length;
    const bytes = losses.reduce((sum, r) => sum + (r.droppedBytes ?? 0), 0);
    parts.push(`power losses ${losses.length} (${outages} of every member), ${bytes} unsynced bytes dropped`);
  }
  return parts.length > 0 ? `; ${parts.join("; ")}` : "";
}

function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function subState(state: KvState, prefix: string): KvState {
  const out: KvState = new Map();
  for (const [key, kv] of state) if (key.startsWith(prefix)) out.set(key, kv);
  return out;
}

/** The first few keys on which two states differ. */
function diffStates(a: KvState, b: KvState): string {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const diffs: string[] = [];
  for (const key of [...keys].sort()) {
    const x = JSON.stringify(a.get(key));
    const y = JSON.stringify(b.get(key));
    if (x !== y) diffs.push(`${key}: ${x ?? "absent"} vs ${y ?? "absent"}`);
    if (diffs.length >= 3) break;
  }
  return diffs.length > 0 ? ` (${diffs.join("; ")})` : "";
}
