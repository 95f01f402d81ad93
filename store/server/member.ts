import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { Logger } from "pino";
import type { Entry, Message, NodeId, RandomSource, Ready, SoftState } from "../raft/index.js";
import { Raft, canSendBeforePersist } from "../raft/index.js";
import type { RangeRequest, RangeResponse, WriteRequest, WriteResponse } from "../mvcc/index.js";
import type { WatchEvent } from "../mvcc/index.js";
import { Lessor, MvccError, MvccStore, WatchHub } from "../mvcc/index.js";
import { decodeBinaryJson, encodeBinaryJson } from "./binary-json.js";
import { Unavailable } from "./errors.js";
import type { PeerFrame } from "./peer-frames.js";
import { parsePeerFrame } from "./peer-frames.js";
import { SqliteRaftStorage, hasTable, moveRaftLog } from "./raft-storage.js";
import type { TestHooks } from "./test-hooks.js";
import type { PeerAddress } from "./transport.js";
import { PeerTransport } from "./transport.js";

/** A lease call's answer: the TTL (-1: no such lease) and the seconds left. */
type LeaseAnswer = { ttlSeconds: number; remainingSeconds: number };
/** Pause between tries of a lease call while leadership moves. */
const leaseRetryMs = 50;
/** How often the leader looks for expired leases. */
const leaseCheckIntervalMs = 100;
/**
 * How long applied entries may sit in the MVCC database's open transaction before it commits
 * (etcd's backend batch interval is 100 ms too). Nothing waits on that commit: the log holds
 * every committed entry, and a member replays what its MVCC state lost in a crash.
 */
const mvccBatchIntervalMs = 100;

export interface MemberConfig {
  readonly name: NodeId;
  readonly dataDir: string;
  readonly peers: readonly PeerAddress[];
  readonly clusterToken: string;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  /** Keep this many revisions of history; older ones are compacted automatically (0 = never). */
  readonly autoCompactionRetentionRevisions: number;
  readonly autoCompactionIntervalMs: number;
  /** Compact the Raft log once this many applied entries sit behind its first index. */
  readonly logCompactionEntries: number;
  /** A write not applied within this long fails as "request timed out" (its outcome unknown). */
  readonly requestTimeoutMs: number;
  /** etcd's --initial-election-tick-advance (default there: true); absent means false. */
  readonly initialElectionTickAdvance?: boolean;
  readonly random: RandomSource;
  readonly log: Logger;
  /** Crash points, power-loss bookkeeping and seeded bugs for the chaos harness; absent in production. */
  readonly testHooks?: TestHooks;
}

/** A write proposed (here or through the leader) and waiting for this member to apply it. */
interface PendingWrite {
  readonly id: string;
  readonly data: Uint8Array;
  readonly resolve: (response: WriteResponse) => void;
  readonly reject: (error: Error) => void;
  /** Where the leader put it in the log, once known. */
  index: number;
  term: number;
  /** The leader it was last sent to ("" before it was sent). */
  sentTo: NodeId;
}

interface ReadRound {
  readonly context: string;
  readonly waiters: { resolve: () => void; reject: (error: Error) => void }[];
}

/**
 * One store member: drives the Raft core with a ticker, persists each Ready's log entries and
 * hard state in raft.db (fsync'd when Raft says it must be) and applies its committed entries to
 * the MVCC state in member.db, sends messages on the peer transport, and serves reads and writes.
 *
 * As etcd (WAL apart from the bbolt backend, whose commits are batched): member.db keeps one
 * write transaction open across Readies and commits it every mvccBatchIntervalMs, unsynced; its
 * meta row holds the applied index in the same transaction as the state, so a crash loses a
 * suffix of applied entries and the restart replays it from the log. Before the log is compacted
 * or reset to a snapshot, the MVCC state is committed and fsync'd, so the log never drops an
 * entry the durable MVCC state still lacks.
 */
export class Member {
  readonly raft: Raft;
  readonly mvcc: MvccStore;
  readonly watchHub: WatchHub;
  readonly memberId: string;
  readonly clusterId: string;
  /** The MVCC state and the applied request ids. */
  private readonly db: Database.Database;
  /** The Raft log and hard state. */
  private readonly logDb: Database.Database;
  private readonly storage: SqliteRaftStorage;
  private readonly transport: PeerTransport;
  private readonly bootId = randomUUID().slice(0, 8);
  private requestCounter = 0;
  private readonly pendingWrites = new Map<string, PendingWrite>();
  private readonly pendingByIndex = new Map<number, string>();
  /** Answers to forwarded proposals, sent with the Ready that carries their entries. */
  private forwardReplies: { to: NodeId; frame: PeerFrame }[] = [];
  private readonly readQueue: ReadRound["waiters"] = [];
  private readRound: ReadRound | undefined;
  /** Reads confirmed by the leader, waiting for this member to apply up to their index. */
  private readsAwaitingApply: { index: number; waiters: ReadRound["waiters"] }[] = [];
  private readonly clientUrls = new Map<NodeId, readonly string[]>();
  /** The election timeout in heartbeat ticks, as the Raft core counts it. */
  private readonly electionTicks: number;
  private readonly statements;
  private applied: number;
  private readyScheduled = false;
  private logSynchronous: "FULL" | "NORMAL" = "FULL";
  /** Writes a Ready's entries and hard state to raft.db in one transaction. */
  private readonly persistReady: (ready: Ready) => void;
  /** member.db's open write transaction commits when this fires. */
  private mvccBatchTimer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private compactor: NodeJS.Timeout | undefined;
  private softState: SoftState;
  private stopped = false;
  private readonly softStateListeners: ((state: SoftState, term: number) => void)[] = [];
  private readonly lessor = new Lessor();
  private leaseTimer: NodeJS.Timeout | undefined;
  /** Lease calls waiting on the leader's answer; called with undefined to ask again (leader changed). */
  private readonly leaseCalls = new Map<string, (reply: (LeaseAnswer & { notPrimary?: boolean }) | undefined) => void>();

  constructor(private readonly config: MemberConfig) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    // No busy wait: nothing else may have these databases open (see the locking mode below).
    this.db = new Database(path.join(config.dataDir, "member.db"), { timeout: 0 });
    // Only this process opens its databases: with EXCLUSIVE locking SQLite takes its file locks
    // once and keeps the write-ahead log's index in memory instead of a shared -shm file, which
    // saves the six fcntl() calls per write a member made (two locks per transaction and per
    // read of each database). A second process on the same data dir gets "database is locked".
    // Set before WAL mode, so no shared-memory index is ever created.
    this.db.pragma("locking_mode = EXCLUSIVE");
    this.db.pragma("journal_mode = WAL");
    // Commits are not fsync'd (the log is); checkpoints are, so a power cut cannot corrupt it.
    this.db.pragma("synchronous = NORMAL");
    // Each applied request is a savepoint inside the open batch; its rollback journal stays in
    // memory (by default it spills to a temporary file past 64 KiB, a file per batch).
    this.db.pragma("temp_store = MEMORY");
    this.logDb = new Database(path.join(config.dataDir, "raft.db"), { timeout: 0 });
    this.logDb.pragma("locking_mode = EXCLUSIVE");
    this.logDb.pragma("journal_mode = WAL");
    this.logDb.pragma("synchronous = FULL");
    assert.equal(this.logDb.pragma("synchronous", { simple: true }), 2, "raft.db: synchronous = FULL did not take");
    // The ids of applied requests (a request re-sent after a leader change is applied once):
    // WITHOUT ROWID, so recording one writes two b-trees (the ids, the index by entry) instead
    // of three. Data dirs of earlier versions kept them in server_requests (a rowid table): moved
    // over once.
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS server_request_ids (id TEXT PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS server_request_ids_idx ON server_request_ids (idx);
    `);
    if (hasTable(this.db, "server_requests")) {
      this.db.transaction(() => {
        this.db.exec("INSERT OR IGNORE INTO server_request_ids (id, idx) SELECT id, idx FROM server_requests; DROP TABLE server_requests;");
      })();
    }
    // The MVCC store's meta row keeps the applied index; data dirs of earlier versions kept it
    // in server_state too, possibly ahead (entries with no request after the last one): read once.
    const legacyApplied = hasTable(this.db, "server_state") ? (this.db.prepare("SELECT value FROM server_state WHERE key = 'applied'").get() as { value: number } | undefined)?.value : undefined;
    this.statements = {
      hasRequest: this.db.prepare<[string], { idx: number }>("SELECT idx FROM server_request_ids WHERE id = ?"),
      addRequest: this.db.prepare<[string, number]>("INSERT INTO server_request_ids (id, idx) VALUES (?, ?)"),
      forgetRequests: this.db.prepare<[number]>("DELETE FROM server_request_ids WHERE idx < ?"),
      allRequests: this.db.prepare<[], { id: string; idx: number }>("SELECT id, idx FROM server_request_ids ORDER BY id"),
      clearRequests: this.db.prepare("DELETE FROM server_request_ids"),
      mvccBegin: this.db.prepare("BEGIN"),
      mvccCommit: this.db.prepare("COMMIT"),
    };
    this.mvcc = new MvccStore(this.db);
    this.watchHub = new WatchHub(this.mvcc, (step) => setImmediate(step));
    this.applied = Math.max(this.mvcc.appliedIndex(), legacyApplied ?? 0);
    const voters = config.peers.map((p) => p.id);
    moveRaftLog(this.db, this.logDb);
    this.storage = new SqliteRaftStorage(this.logDb, voters, () => ({ index: this.applied, data: this.snapshotData() }));
    // Made once: better-sqlite3 builds four wrappers and their properties for every transaction()
    // call (~15 µs, once per Ready with something to write when made there).
    this.persistReady = this.logDb.transaction((ready: Ready) => this.storage.persist(ready));
    this.storage.reconcileApplied(this.applied, this.mvcc.appliedTerm());
    config.testHooks?.attach([this.db, this.logDb]);
    this.memberId = memberIdOf(config.name, config.clusterToken);
    this.clusterId = memberIdOf(voters.slice().sort().join(","), config.clusterToken);
    this.electionTicks = Math.max(2, Math.round(config.electionTimeoutMs / config.heartbeatIntervalMs));
    this.raft = new Raft({
      id: config.name,
      storage: this.storage,
      random: config.random,
      applied: this.applied,
      electionTimeoutTicks: this.electionTicks,
      heartbeatTimeoutTicks: 1,
    });
    this.softState = this.raft.softState();
    this.transport = new PeerTransport(config.name, this.clusterId, config.peers, {
      onFrame: (from, payload) => this.onPeerFrame(from, payload),
      onDisconnect: (peer) => this.onPeerDisconnect(peer),
    }, config.log);
  }

  /** Whether the data directory held state before this start (then --initial-cluster-state is moot). */
  get resumed(): boolean {
    return this.storage.hasState();
  }

  async listenPeers(host: string, port: number): Promise<number> {
    return this.transport.listen(host, port);
  }

  start(clientUrls: readonly string[]): void {
    this.clientUrls.set(this.config.name, clientUrls);
    this.transport.start();
    this.ticker = setInterval(() => {
      this.raft.tick();
      this.scheduleReady();
    }, this.config.heartbeatIntervalMs);
    this.leaseTimer = setInterval(() => this.expireLeases(), leaseCheckIntervalMs);
    if (this.config.autoCompactionRetentionRevisions > 0) {
      this.compactor = setInterval(() => this.autoCompact(), this.config.autoCompactionIntervalMs);
      this.compactor.unref();
    }
    // Tell every peer where clients reach us (repeated, as peers may come up later).
    this.broadcastInfo();
    if (this.config.initialElectionTickAdvance === true) this.advanceTicksOncePeersConnect();
    this.scheduleReady();
  }

  /**
   * etcd's --initial-election-tick-advance (EtcdServer.adjustTicks): a member that boots waits
   * for its peers' connections (checked every 50 ms, for at most 5 s) and then fast-forwards its
   * election clock to two ticks short of the election timeout, so the first election comes after
   * 2..electionTicks+1 ticks instead of electionTicks..2*electionTicks. A single member advances
   * at once. Harmless when a leader exists: its heartbeat resets the clock, and pre-vote keeps a
   * member that still hears nothing from disrupting a leader the others hear.
   */
  private advanceTicksOncePeersConnect(): void {
    const electionTicks = this.electionTicks;
    const peers = this.config.peers.map((p) => p.id).filter((id) => id !== this.config.name);
    const advance = (ticks: number): void => {
      if (this.stopped || this.raft.role !== "follower" || this.raft.leader !== "") return;
      for (let i = 0; i < ticks; i++) this.raft.tick();
      this.config.log.info({ ticks }, "advanced the election clock at boot (initial-election-tick-advance)");
      this.scheduleReady();
    };
    if (peers.length === 0) {
      advance(electionTicks - 1);
      return;
    }
    const needed = Math.min(2, peers.length);
    const deadline = Date.now() + 5000;
    const check = (): void => {
      if (this.stopped) return;
      if (peers.filter((id) => this.transport.connected(id)).length >= needed) advance(electionTicks - 2);
      else if (Date.now() < deadline) setTimeout(check, 50).unref();
    };
    setTimeout(check, 50).unref();
  }

  onSoftState(listener: (state: SoftState, term: number) => void): void {
    this.softStateListeners.push(listener);
  }

  /** Stopped: its databases are closed (or about to be), and nothing may read them. */
  isStopped(): boolean {
    return this.stopped;
  }

  isLeader(): boolean {
    return this.raft.role === "leader";
  }

  leader(): NodeId {
    return this.raft.leader;
  }

  appliedIndex(): number {
    return this.applied;
  }

  memberIdOf(name: NodeId): string {
    return memberIdOf(name, this.config.clusterToken);
  }

  /** The member list, with client URLs as each member last told us. */
  members(): { id: string; name: NodeId; peerUrls: string[]; clientUrls: string[] }[] {
    return this.config.peers.map((peer) => ({
      id: this.memberIdOf(peer.id),
      name: peer.id,
      peerUrls: [peer.url],
      clientUrls: [...(this.clientUrls.get(peer.id) ?? [])],
    }));
  }

  get testHooks(): TestHooks | undefined {
    return this.config.testHooks;
  }

  dbSizeBytes(): number {
    const pageCount = this.db.pragma("page_count", { simple: true }) as number;
    const pageSize = this.db.pragma("page_size", { simple: true }) as number;
    return pageCount * pageSize;
  }

  // ---- writes ----

  /** Proposes a write through Raft; resolves with this member's own application of it. */
  write(request: WriteRequest): Promise<WriteResponse> {
    if (this.stopped) return Promise.reject(new Unavailable("etcdserver: server stopped"));
    this.requestCounter += 1;
    const id = `${this.config.name}-${this.bootId}-${this.requestCounter}`;
    const data = encodeBinaryJson({ id, request });
    return new Promise<WriteResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pendingWrites.delete(id)) {
          if (pending.index !== 0) this.pendingByIndex.delete(pending.index);
          reject(new Unavailable("etcdserver: request timed out"));
        }
      }, this.config.requestTimeoutMs);
      const settle = () => clearTimeout(timer);
      const pending: PendingWrite = {
        id,
        data,
        resolve: (r) => {
          settle();
          resolve(r);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
        index: 0,
        term: 0,
        sentTo: "",
      };
      this.pendingWrites.set(id, pending);
      this.submit(pending);
    });
  }

  private submit(pending: PendingWrite): void {
    if (this.raft.role === "leader") {
      const result = this.raft.propose(pending.data);
      if (result.ok) {
        this.proposedAt(pending, result.index, result.term);
        pending.sentTo = this.config.name;
        this.scheduleReady();
        return;
      }
      // Transferring, or too much uncommitted: wait for the next leader change or retry shortly.
      pending.sentTo = "";
      setTimeout(() => this.resubmit(pending.id), this.config.heartbeatIntervalMs).unref();
      return;
    }
    const leader = this.raft.leader;
    if (leader === "") {
      pending.sentTo = ""; // sent again when a leader appears
      return;
    }
    pending.sentTo = leader;
    this.sendFrame(leader, { forward: { id: pending.id, data: pending.data } });
  }

  private resubmit(id: string): void {
    const pending = this.pendingWrites.get(id);
    if (pending !== undefined && pending.index === 0) this.submit(pending);
  }

  private proposedAt(pending: PendingWrite, index: number, term: number): void {
    if (pending.index !== 0) this.pendingByIndex.delete(pending.index);
    pending.index = index;
    pending.term = term;
    this.pendingByIndex.set(index, pending.id);
  }

  private onForward(from: NodeId, id: string, data: Uint8Array): void {
    const result = this.raft.propose(data);
    if (result.ok) {
      // Not sent now but with the append of this entry, which goes to `from` in the next Ready:
      // one write to it instead of two, one wake-up.
      this.forwardReplies.push({ to: from, frame: { forwardReply: { id, ok: true, index: result.index, term: result.term, leader: this.config.name } } });
      this.scheduleReady();
    } else {
      this.sendFrame(from, { forwardReply: { id, ok: false, index: 0, term: 0, leader: result.leader } });
    }
  }

  private onForwardReply(reply: { id: string; ok: boolean; index: number; term: number; leader: NodeId }): void {
    const pending = this.pendingWrites.get(reply.id);
    if (pending === undefined) return;
    if (reply.ok && reply.index <= this.applied) {
      // Applied here already, and not as this write (which would have been settled): the entry
      // was displaced before the answer came (it leaves with the next Ready's appends).
      this.timeOutOrResubmit(pending);
      return;
    }
    if (reply.ok) {
      this.proposedAt(pending, reply.index, reply.term);
      return;
    }
    // The member we asked is not (or no longer) the leader: ask again once we know who is.
    pending.sentTo = "";
    if (reply.leader !== "" && reply.leader !== this.config.name && reply.leader === this.raft.leader) {
      setTimeout(() => this.resubmit(pending.id), this.config.heartbeatIntervalMs).unref();
    }
  }

  // ---- leases ----

  /** Renews a lease (on the leader, which keeps the deadlines); ttlSeconds -1 if it does not exist. */
  async leaseKeepAlive(lease: number, cancelled?: AbortSignal): Promise<{ ttlSeconds: number; remainingSeconds: number }> {
    return this.askLeader("keepAlive", lease, cancelled);
  }

  async leaseTimeToLive(lease: number, cancelled?: AbortSignal): Promise<{ ttlSeconds: number; remainingSeconds: number }> {
    return this.askLeader("timeToLive", lease, cancelled);
  }

  /**
   * The lease's TTL as this member's lessor knows it, or "notPrimary" when this member does not
   * keep the deadlines (not leader, or a new leader whose lessor is not promoted yet): etcd's
   * ErrNotPrimary, which must never read as "lease not found" (ttl -1) to a client.
   */
  private localLeaseCall(method: "keepAlive" | "timeToLive", lease: number): LeaseAnswer | "notPrimary" {
    if (!this.lessor.isPrimary()) return "notPrimary";
    if (method === "keepAlive") {
      const ttl = this.lessor.keepAlive(lease, Date.now());
      return ttl === undefined ? { ttlSeconds: -1, remainingSeconds: -1 } : { ttlSeconds: ttl, remainingSeconds: ttl };
    }
    const info = this.mvcc.lease(lease);
    if (info === undefined) return { ttlSeconds: -1, remainingSeconds: -1 };
    return { ttlSeconds: info.ttlSeconds, remainingSeconds: this.lessor.remainingSeconds(lease, Date.now()) };
  }

  /**
   * Asks the lessor that keeps the deadlines: this member's when it is the promoted leader, else
   * the leader's over the peer link. While leadership moves (the asked member stepped down, or
   * this member was just elected and its lessor is not promoted yet, or no leader is known) it
   * asks again every 50 ms, as etcd's LeaseRenew retries ErrNotPrimary and waits for a leader,
   * until the request timeout, or until `cancelled` (its client went away, etcd's request context).
   */
  private async askLeader(method: "keepAlive" | "timeToLive", lease: number, cancelled?: AbortSignal): Promise<LeaseAnswer> {
    const deadline = Date.now() + this.config.requestTimeoutMs;
    for (;;) {
      if (this.stopped) throw new Unavailable("etcdserver: server stopped");
      if (cancelled?.aborted === true) throw new Unavailable("context canceled");
      const leader = this.raft.leader;
      // With no leader known, wait for one until the deadline, as etcd's waitLeader does.
      let answer: LeaseAnswer | "retry" = "retry";
      if (this.lessor.isPrimary() || this.raft.role === "leader") {
        const local = this.localLeaseCall(method, lease);
        if (local !== "notPrimary") answer = local;
      } else if (leader !== "") {
        answer = await this.callLeader(leader, method, lease, deadline, cancelled);
      }
      if (answer !== "retry") return answer;
      const left = deadline - Date.now();
      if (left <= 0) throw new Unavailable(leader === "" ? "etcdserver: no leader" : "etcdserver: request timed out");
      await new Promise((resolve) => setTimeout(resolve, Math.min(leaseRetryMs, left)));
    }
  }

  /**
   * One lease call to the leader over the peer link: its answer, or "retry" when it was not the
   * primary lessor, when leadership moved while waiting (the call may have died with the old
   * leader: a frame to a dead process is lost, not refused), or after one election timeout
   * without an answer.
   */
  private callLeader(leader: NodeId, method: "keepAlive" | "timeToLive", lease: number, deadline: number, cancelled?: AbortSignal): Promise<LeaseAnswer | "retry"> {
    const callId = `${this.bootId}-l${++this.requestCounter}`;
    return new Promise((resolve) => {
      const onCancel = () => settle("retry");
      const settle = (answer: LeaseAnswer | "retry") => {
        clearTimeout(timer);
        cancelled?.removeEventListener("abort", onCancel);
        this.leaseCalls.delete(callId);
        resolve(answer);
      };
      const timer = setTimeout(() => settle("retry"), Math.max(1, Math.min(deadline - Date.now(), this.config.electionTimeoutMs)));
      cancelled?.addEventListener("abort", onCancel, { once: true });
      this.leaseCalls.set(callId, (reply) => {
        settle(reply === undefined || reply.notPrimary === true ? "retry" : { ttlSeconds: reply.ttlSeconds, remainingSeconds: reply.remainingSeconds });
      });
      this.sendFrame(leader, { leaseCall: { callId, method, lease } });
    });
  }

  /** Every lease call waiting on the leader's answer stops waiting and asks again (or ends, once stopped). */
  private askLeaseCallsAgain(): void {
    for (const retry of [...this.leaseCalls.values()]) retry(undefined);
  }

  private expireLeases(): void {
    for (const id of this.lessor.tick(Date.now())) {
      this.config.log.info({ lease: id }, "lease expired; revoking it");
      this.write({ leaseRevoke: { id } }).catch(() => this.lessor.revokeFailed(id));
    }
  }

  // ---- reads ----

  /** A linearizable read point: resolves once this member has applied everything committed before the call (Raft thesis §6.4). */
  linearizableBarrier(): Promise<void> {
    if (this.stopped) return Promise.reject(new Unavailable("etcdserver: server stopped"));
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new Unavailable("etcdserver: request timed out"));
      }, this.config.requestTimeoutMs);
      const once = (f: () => void) => () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      this.readQueue.push({ resolve: once(resolve), reject: (e) => once(() => reject(e))() });
      if (this.readRound === undefined) this.startReadRound();
    });
  }

  private startReadRound(): void {
    if (this.readQueue.length === 0) return;
    const round: ReadRound = { context: `${this.bootId}-r${++this.requestCounter}`, waiters: this.readQueue.splice(0) };
    this.readRound = round;
    const result = this.raft.readIndex(round.context);
    if (!result.ok) {
      // No leader yet: keep the readers and ask again when one appears.
      this.readQueue.unshift(...round.waiters);
      this.readRound = undefined;
      return;
    }
    this.scheduleReady();
  }

  private onReadState(context: string, index: number): void {
    const round = this.readRound;
    if (round === undefined || round.context !== context) return;
    this.readRound = undefined;
    if (this.applied >= index) for (const w of round.waiters) w.resolve();
    else this.readsAwaitingApply.push({ index, waiters: round.waiters });
    this.startReadRound();
  }

  private releaseAppliedReads(): void {
    if (this.readsAwaitingApply.length === 0) return;
    const ready = this.readsAwaitingApply.filter((r) => r.index <= this.applied);
    this.readsAwaitingApply = this.readsAwaitingApply.filter((r) => r.index > this.applied);
    for (const r of ready) for (const w of r.waiters) w.resolve();
  }

  async range(request: RangeRequest): Promise<RangeResponse> {
    const seededBug = this.config.testHooks?.has("follower-read-no-readindex") === true && this.raft.role !== "leader";
    if (request.serializable !== true && !seededBug) await this.linearizableBarrier();
    return this.mvcc.range(request);
  }

  // ---- the Ready loop ----

  scheduleReady(): void {
    if (this.readyScheduled || this.stopped) return;
    this.readyScheduled = true;
    setImmediate(() => {
      this.readyScheduled = false;
      this.processReady();
    });
  }

  private processReady(): void {
    if (this.stopped) return;
    if (this.forwardReplies.length > 0) {
      for (const reply of this.forwardReplies) this.sendFrame(reply.to, reply.frame);
      this.forwardReplies = [];
    }
    if (!this.raft.hasReady()) return;
    const ready = this.raft.ready();
    // A leader's replication traffic may leave before its own write (thesis §10.2.1).
    const early = ready.messages.filter(canSendBeforePersist);
    const late = ready.messages.filter((m) => !canSendBeforePersist(m));
    this.sendMessages(early);
    // Out on the wire before our own fsync blocks this thread, so followers write in parallel.
    if (early.length > 0) this.transport.flush();
    const results = this.persistAndApply(ready);
    this.config.testHooks?.reached("after-log-save");
    this.sendMessages(late);
    if (ready.softState !== undefined) this.onSoftStateChange(ready.softState);
    for (const result of results) this.settleWrite(result);
    for (const readState of ready.readStates) this.onReadState(readState.context, readState.index);
    this.raft.advance();
    if (ready.snapshot !== undefined) this.settleCoveredBySnapshot(ready.snapshot.metadata.index);
    this.releaseAppliedReads();
    // One Ready per turn of the event loop: the answers settled above (promise callbacks) go out
    // before the next Ready's disk write.
    if (this.raft.hasReady()) this.scheduleReady();
  }

  /**
   * Writes of ours whose entries a snapshot from the leader covered were never applied here one
   * by one, so nothing would ever answer them (found by the chaos run: a put hung until its
   * client gave up). One the snapshot applied gets etcd's "request timed out" at once (applied,
   * but its answer is not known here); one whose entry was displaced never applied and is
   * proposed again.
   */
  private settleCoveredBySnapshot(index: number): void {
    for (const pending of [...this.pendingWrites.values()]) {
      if (pending.index === 0 || pending.index > index) continue;
      this.pendingByIndex.delete(pending.index);
      pending.index = 0;
      this.timeOutOrResubmit(pending);
    }
  }

  /**
   * A write of ours whose entry this member applied without seeing it as ours (a snapshot covered
   * it, or another entry took its index): if its request id was applied, it took effect but its
   * answer is unknown here — etcd's "request timed out"; otherwise it is proposed again.
   */
  private timeOutOrResubmit(pending: PendingWrite): void {
    if (this.statements.hasRequest.get(pending.id) !== undefined) {
      this.pendingWrites.delete(pending.id);
      pending.reject(new Unavailable("etcdserver: request timed out"));
    } else {
      this.submit(pending);
    }
  }

  private persistAndApply(ready: Ready): { id: string; index: number; response: WriteResponse | Error | undefined }[] {
    const results: { id: string; index: number; response: WriteResponse | Error | undefined }[] = [];
    const events: WatchEvent[] = [];
    const hooks = this.config.testHooks;
    hooks?.reached("before-log-save");
    // A leader's snapshot goes into the MVCC state first, committed and fsync'd, then the log is
    // reset to it: a crash in between leaves the MVCC state ahead of the log, which the restart
    // repairs (SqliteRaftStorage.reconcileApplied); the other order could leave a log that starts
    // after entries the MVCC state never got.
    if (ready.snapshot !== undefined) {
      this.inMvccBatch(() => this.installSnapshot(ready.snapshot!.data, ready.snapshot!.metadata.index, ready.snapshot!.metadata.term));
      this.commitMvccBatch(true);
      hooks?.reached("mid-snapshot-log-reset");
    }
    // Most Readies of a busy member carry only messages (heartbeats and their answers, ReadIndex
    // rounds, append acks) or only move the commit index: nothing to write to the log, so no
    // transaction (an empty one still cost a BEGIN, a row write and a COMMIT).
    if (this.storage.needsWrite(ready)) {
      // Always FULL in production: a Ready with something to write has entries, a snapshot, or a
      // new term or vote (Raft's MustSync). Only the seeded bug "ack-before-fsync" says otherwise.
      // Never a prepared PRAGMA statement: SQLite applies PRAGMA synchronous when the statement
      // is prepared, and a prepared one's first run does nothing (preparing FULL then NORMAL left
      // the log unsynced after every start until the Ready loop had switched twice).
      const synchronous = (hooks?.mustSync(ready) ?? ready.mustSync) ? "FULL" : "NORMAL";
      if (synchronous !== this.logSynchronous) {
        this.logDb.pragma(`synchronous = ${synchronous}`);
        this.logSynchronous = synchronous;
      }
      this.persistReady(ready);
      if (synchronous === "FULL") hooks?.synced(this.logDb);
    }
    if (ready.snapshot !== undefined) hooks?.reached("after-snapshot-install");
    if (ready.committedEntries.length > 0) {
      this.inMvccBatch(() => {
        for (const entry of ready.committedEntries) {
          if (entry !== ready.committedEntries[0]) hooks?.reached("mid-apply");
          const result = this.applyEntry(entry, events);
          if (result !== undefined) results.push(result);
        }
      });
    }
    // Watchers hear of every applied revision in order, right after it is applied.
    this.watchHub.publish(events);
    this.maybeCompactLog();
    return results;
  }

  /**
   * Runs `apply` inside member.db's open write transaction (opened here if none is), which
   * commits within mvccBatchIntervalMs. A throw there is a bug and ends the process (nothing
   * catches it), so the open batch is never committed with half a Ready in it.
   */
  private inMvccBatch(apply: () => void): void {
    if (!this.db.inTransaction) {
      this.statements.mvccBegin.run();
      this.mvccBatchTimer = setTimeout(() => this.commitMvccBatch(this.config.testHooks?.wantsSync(this.db) ?? false), mvccBatchIntervalMs);
    }
    apply();
  }

  /** Commits member.db's open write transaction, if any; fsync'd when `sync`. */
  private commitMvccBatch(sync: boolean): void {
    if (this.mvccBatchTimer !== undefined) clearTimeout(this.mvccBatchTimer);
    this.mvccBatchTimer = undefined;
    if (this.db.inTransaction) this.statements.mvccCommit.run();
    // The commits are in the write-ahead log (or in the database file, which checkpoints
    // fsync): syncing the log makes them durable, as synchronous = FULL would have (which
    // cannot be switched on inside the open transaction).
    if (sync) this.syncMvccLog();
  }

  private syncMvccLog(): void {
    let fd: number;
    try {
      fd = fs.openSync(`${this.db.name}-wal`, "r");
    } catch {
      return; // no log: everything is in the database file
    }
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.config.testHooks?.synced(this.db);
  }

  private applyEntry(entry: Entry, events: WatchEvent[]): { id: string; index: number; response: WriteResponse | Error | undefined } | undefined {
    assert.ok(entry.index === this.applied + 1, `applying ${entry.index} after ${this.applied}`);
    this.applied = entry.index;
    if (entry.data.byteLength === 0) {
      // A leader's no-op: only the applied index moves (the MVCC meta row keeps it).
      this.mvcc.markApplied(entry.index, entry.term);
      this.lessor.noopApplied(entry.term, { term: this.raft.term, isLeader: this.raft.role === "leader" }, () => this.mvcc.leases(), Date.now(), this.config.electionTimeoutMs);
      return undefined;
    }
    const { id, request } = decodeBinaryJson(entry.data) as { id: string; request: WriteRequest };
    if (this.statements.hasRequest.get(id) !== undefined) {
      // The same request, re-sent after a leader change, was already applied.
      this.mvcc.markApplied(entry.index, entry.term);
      return { id, index: entry.index, response: undefined };
    }
    this.statements.addRequest.run(id, entry.index);
    if (entry.index % 1000 === 0) this.statements.forgetRequests.run(entry.index - 100_000);
    const applied = this.mvcc.apply(entry.index, entry.term, request);
    const response = applied.response;
    for (const event of applied.events) events.push(event);
    if ("leaseGrant" in response) this.lessor.granted(response.leaseGrant.id, response.leaseGrant.ttlSeconds, Date.now());
    else if ("leaseRevoke" in request && !(response instanceof Error)) this.lessor.revoked(request.leaseRevoke.id);
    return { id, index: entry.index, response };
  }

  private settleWrite(result: { id: string; index: number; response: WriteResponse | Error | undefined }): void {
    // Another entry took the place of one of ours: it will never commit; send it again.
    const displaced = this.pendingByIndex.get(result.index);
    if (displaced !== undefined && displaced !== result.id) {
      this.pendingByIndex.delete(result.index);
      const pending = this.pendingWrites.get(displaced);
      if (pending !== undefined) {
        pending.index = 0;
        this.submit(pending);
      }
    }
    const pending = this.pendingWrites.get(result.id);
    if (pending === undefined || result.response === undefined) return;
    this.pendingWrites.delete(result.id);
    if (pending.index !== 0) this.pendingByIndex.delete(pending.index);
    if (result.response instanceof Error) pending.reject(result.response);
    else pending.resolve(result.response);
  }

  private onSoftStateChange(state: SoftState): void {
    const leaderChanged = state.leader !== this.softState.leader;
    if (state.role !== "leader" && this.lessor.isPrimary()) this.lessor.demote();
    this.softState = state;
    this.config.log.info({ role: state.role, leader: state.leader, term: this.raft.term }, "raft state changed");
    for (const listener of this.softStateListeners) listener(state, this.raft.term);
    // Lease calls waiting on the old leader's answer ask the new one (or wait for one).
    if (leaderChanged) this.askLeaseCallsAgain();
    if (!leaderChanged || state.leader === "") return;
    // A new leader: writes it has not acknowledged go to it now (duplicates are applied once);
    // reads waiting on the old one ask again.
    for (const pending of this.pendingWrites.values()) {
      if (pending.index === 0 && pending.sentTo !== state.leader) this.submit(pending);
    }
    if (this.readRound !== undefined) {
      this.readQueue.unshift(...this.readRound.waiters);
      this.readRound = undefined;
    }
    this.startReadRound();
  }

  // ---- snapshots and compaction ----

  private snapshotData(): Uint8Array {
    return encodeBinaryJson({ mvcc: this.mvcc.snapshot(), requests: this.statements.allRequests.all() });
  }

  private installSnapshot(data: Uint8Array, index: number, term: number): void {
    const decoded = decodeBinaryJson(data) as { mvcc: Uint8Array; requests: { id: string; idx: number }[] };
    this.mvcc.restore(decoded.mvcc);
    this.config.testHooks?.reached("mid-snapshot-install");
    this.statements.clearRequests.run();
    for (const r of decoded.requests) this.statements.addRequest.run(r.id, r.idx);
    // The snapshot's MVCC state was taken at its last applied request; entries after it up to
    // the snapshot's index carried none.
    this.mvcc.markApplied(index, term);
    this.applied = index;
    this.watchHub.restored();
    this.config.log.info({ index }, "installed a snapshot from the leader");
  }

  private maybeCompactLog(): void {
    const keep = Math.floor(this.config.logCompactionEntries / 2);
    if (this.applied - this.storage.firstIndex() < this.config.logCompactionEntries) return;
    // The entries dropped must be in the MVCC state on disk first.
    this.commitMvccBatch(true);
    this.storage.compact(this.applied - keep, () => this.config.testHooks?.reached("mid-log-compaction"));
  }

  private autoCompact(): void {
    if (this.raft.role !== "leader") return;
    const retention = this.config.autoCompactionRetentionRevisions;
    const target = this.mvcc.currentRevision() - retention;
    // Compact in steps of a tenth of the retention, so each compaction does bounded work.
    if (target - this.mvcc.compactRevision() < Math.max(1, Math.floor(retention / 10))) return;
    this.write({ compaction: { revision: target } }).catch((error: unknown) => {
      this.config.log.warn({ err: error, revision: target }, "automatic compaction failed");
    });
  }

  // ---- peers ----

  private sendMessages(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const byPeer = new Map<NodeId, Message[]>();
    for (const message of messages) {
      const list = byPeer.get(message.to);
      if (list === undefined) byPeer.set(message.to, [message]);
      else list.push(message);
    }
    for (const [peer, list] of byPeer) this.sendFrame(peer, { raft: list });
  }

  private sendFrame(peer: NodeId, frame: PeerFrame): void {
    this.transport.send(peer, frame);
  }

  private broadcastInfo(): void {
    const urls = this.clientUrls.get(this.config.name) ?? [];
    for (const peer of this.config.peers) {
      if (peer.id !== this.config.name) this.sendFrame(peer.id, { info: { name: this.config.name, clientUrls: urls } });
    }
    if (this.clientUrls.size < this.config.peers.length && !this.stopped) {
      setTimeout(() => this.broadcastInfo(), 500).unref();
    }
  }

  private onPeerFrame(from: NodeId, payload: unknown): void {
    const frame = parsePeerFrame(payload);
    if (frame === undefined) {
      this.config.log.warn({ peer: from }, "malformed peer frame ignored");
      return;
    }
    if ("raft" in frame) {
      for (const message of frame.raft) if (message.from === from) this.raft.step(message);
    } else if ("forward" in frame) {
      this.onForward(from, frame.forward.id, frame.forward.data);
    } else if ("forwardReply" in frame) {
      this.onForwardReply(frame.forwardReply);
    } else if ("leaseCall" in frame) {
      const { callId, method, lease } = frame.leaseCall;
      const answer = this.localLeaseCall(method, lease);
      this.sendFrame(from, { leaseReply: answer === "notPrimary" ? { callId, ttlSeconds: -1, remainingSeconds: -1, notPrimary: true } : { callId, ...answer } });
    } else if ("leaseReply" in frame) {
      this.leaseCalls.get(frame.leaseReply.callId)?.(frame.leaseReply);
    } else {
      if (!this.clientUrls.has(frame.info.name)) this.sendFrame(from, { info: { name: this.config.name, clientUrls: this.clientUrls.get(this.config.name) ?? [] } });
      this.clientUrls.set(frame.info.name, frame.info.clientUrls);
    }
    this.scheduleReady();
  }

  /**
   * A peer's connection closed. If it was the leader's, its process is most likely gone (a
   * kill -9 closes its sockets at once): forget it and campaign after a short random delay,
   * instead of waiting out the election timeout. Pre-vote keeps this harmless when the leader
   * is in fact alive: the followers that still hear from it refuse.
   */
  private onPeerDisconnect(peer: NodeId): void {
    this.raft.reportUnreachable(peer);
    if (peer === this.raft.leader && this.raft.role === "follower") {
      this.config.log.info({ leader: peer }, "lost the connection to the leader; campaigning early");
      this.raft.forgetLeader();
      const delayMs = this.config.random.int(2 * this.config.heartbeatIntervalMs);
      setTimeout(() => {
        if (this.stopped || this.raft.leader !== "" || this.raft.role !== "follower") return;
        this.raft.campaign();
        this.scheduleReady();
      }, delayMs).unref();
    }
    this.scheduleReady();
  }

  // ---- shutdown ----

  /** Graceful stop: a leader hands leadership to the most caught-up follower first. */
  async stop(transferTimeoutMs: number): Promise<void> {
    if (this.stopped) return;
    if (this.raft.role === "leader") await this.transferLeadership(transferTimeoutMs);
    this.stopped = true;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    if (this.compactor !== undefined) clearInterval(this.compactor);
    if (this.leaseTimer !== undefined) clearInterval(this.leaseTimer);
    const unavailable = new Unavailable("etcdserver: server stopped");
    for (const pending of this.pendingWrites.values()) pending.reject(unavailable);
    this.pendingWrites.clear();
    for (const w of this.readQueue.splice(0)) w.reject(unavailable);
    for (const r of this.readsAwaitingApply) for (const w of r.waiters) w.reject(unavailable);
    if (this.readRound !== undefined) for (const w of this.readRound.waiters) w.reject(unavailable);
    this.askLeaseCallsAgain();
    // No watcher reads history from the databases about to close.
    this.watchHub.close();
    await this.transport.close();
    this.commitMvccBatch(true);
    this.db.close();
    this.logDb.close();
  }

  private async transferLeadership(timeoutMs: number): Promise<void> {
    const status = this.raft.status();
    let best: NodeId | undefined;
    let bestMatch = -1;
    for (const [id, progress] of status.progress) {
      if (id !== this.config.name && this.transport.connected(id) && progress.match > bestMatch) {
        best = id;
        bestMatch = progress.match;
      }
    }
    if (best === undefined) return;
    this.config.log.info({ to: best }, "transferring leadership before shutting down");
    this.raft.transferLeadership(best);
    this.scheduleReady();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.onSoftState((state) => {
        if (state.role !== "leader") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }
}

/** A stable 64-bit id (decimal string) for a member or cluster, from its name and the cluster token. */
export function memberIdOf(name: string, token: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const ch of `${token}/${name}`) {
    const c = ch.codePointAt(0) ?? 0;
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return ((BigInt(h1) << 32n) | BigInt(h2)).toString();
}

export { MvccError };
