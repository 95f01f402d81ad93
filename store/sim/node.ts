import type { Entry, NodeId, Ready, UnsafeTestingFlags } from "../raft/index.js";
import { MemoryStorage, Raft } from "../raft/index.js";
import { KvStateMachine } from "./kv.js";
import type { Prng } from "./random.js";

export interface SimNodeConfig {
  readonly electionTimeoutTicks: number;
  readonly heartbeatTimeoutTicks: number;
  readonly inflightMessagesMax: number;
  readonly entriesPerMessageMax: number;
  readonly uncommittedBytesMax: number;
  /** Take an application snapshot every this many applied entries, then compact the log. */
  readonly snapshotEveryEntries: number;
  /** Entries kept in the log behind a snapshot, for followers that lag a little. */
  readonly compactionKeepEntries: number;
  readonly unsafe: UnsafeTestingFlags;
}

/**
 * One simulated member: the Raft core, its "disk" (a MemoryStorage that holds exactly what
 * was persisted) and its state machine. A crash throws away everything but the disk; a write
 * in progress when it crashes is lost.
 */
export class SimNode {
  readonly disk: MemoryStorage;
  raft: Raft | undefined;
  kv: KvStateMachine | undefined;
  /** Bumped by every crash, so disk completions from a previous life are ignored. */
  epoch = 0;
  /** A Ready being persisted (the node takes no new Ready until it finishes). */
  inFlight: Ready | undefined;
  /** Paused (SIGSTOP-like) until this time: no ticks, messages held until then. */
  pausedUntil = 0;
  appliedIndex = 0;
  restarts = 0;

  constructor(
    readonly id: NodeId,
    voters: readonly NodeId[],
    private readonly config: SimNodeConfig,
    private readonly random: Prng,
  ) {
    this.disk = new MemoryStorage(voters);
    this.start();
  }

  get up(): boolean {
    return this.raft !== undefined;
  }

  /** Boots from disk: state machine from the snapshot, Raft re-delivers later committed entries. */
  start(): void {
    const snapshot = this.disk.snapshot();
    this.kv = KvStateMachine.restore(snapshot.data);
    this.appliedIndex = snapshot.metadata.index;
    this.raft = new Raft({
      id: this.id,
      storage: this.disk,
      random: this.random,
      applied: snapshot.metadata.index,
      electionTimeoutTicks: this.config.electionTimeoutTicks,
      heartbeatTimeoutTicks: this.config.heartbeatTimeoutTicks,
      inflightMessagesMax: this.config.inflightMessagesMax,
      entriesPerMessageMax: this.config.entriesPerMessageMax,
      uncommittedBytesMax: this.config.uncommittedBytesMax,
      unsafe: this.config.unsafe,
    });
  }

  crash(): void {
    this.raft = undefined;
    this.kv = undefined;
    this.inFlight = undefined;
    this.pausedUntil = 0;
    this.epoch += 1;
  }

  restart(): void {
    this.restarts += 1;
    this.start();
  }

  /** Writes a Ready's durable parts, in the order Ready documents. */
  persist(ready: Ready): void {
    if (ready.snapshot !== undefined) this.disk.applySnapshot(ready.snapshot);
    this.disk.append(ready.entries);
    if (ready.hardState !== undefined) this.disk.setHardState(ready.hardState);
  }

  /** After applying: take a snapshot and compact when enough entries have accumulated. */
  maybeSnapshot(): void {
    const kv = this.kv;
    if (kv === undefined) return;
    const snapshotIndex = this.disk.snapshot().metadata.index;
    if (this.appliedIndex - snapshotIndex < this.config.snapshotEveryEntries) return;
    this.disk.createSnapshot(this.appliedIndex, kv.snapshot());
    this.disk.compact(Math.max(0, this.appliedIndex - this.config.compactionKeepEntries));
  }

  /** Entries [lo, hi] of this node's current log (memory and disk), for the log-matching check. */
  logEntries(lo: number, hi: number): Entry[] {
    const raft = this.raft;
    if (raft === undefined || lo > hi) return [];
    return raft.log.slice(lo, hi + 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ?? [];
  }
}
