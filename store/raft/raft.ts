import assert from "node:assert/strict";
import { RaftLog } from "./log.js";
import { Progress } from "./progress.js";
import { ReadOnlyQueue } from "./read-only.js";
import type { RaftStorage } from "./storage.js";
import type {
  AppendMessage,
  AppendResponseMessage,
  Entry,
  HardState,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  Message,
  NodeId,
  ProposeResult,
  RandomSource,
  ReadIndexResult,
  ReadState,
  Ready,
  Role,
  SnapshotMessage,
  SoftState,
  TransferResult,
  VoteMessage,
  VoteResponseMessage,
} from "./types.js";
import { NONE } from "./types.js";

/**
 * Deliberate bugs, for proving that the simulator's checkers catch them. Never set outside
 * tests: each one breaks a safety property of Raft.
 */
export interface UnsafeTestingFlags {
  /** Commit an entry of an earlier term once a majority holds it (what Raft Figure 8 forbids). */
  readonly commitPreviousTermByCounting?: boolean;
  /** Serve ReadIndex at the leader's commit index without confirming leadership first. */
  readonly readIndexWithoutHeartbeat?: boolean;
  /** Grant votes without the up-to-date log check of Raft §5.4.1. */
  readonly voteWithoutLogCheck?: boolean;
}

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: RaftStorage;
  readonly random: RandomSource;
  /** Ticks without hearing from a leader before a follower campaigns; randomized in [n, 2n). */
  readonly electionTimeoutTicks?: number;
  readonly heartbeatTimeoutTicks?: number;
  /** The application's applied index at restart (entries after it are handed out again). */
  readonly applied?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly entriesPerMessageMax?: number;
  readonly bytesPerMessageMax?: number;
  readonly inflightMessagesMax?: number;
  readonly uncommittedBytesMax?: number;
  readonly committedBytesPerReadyMax?: number;
  readonly pendingReadsMax?: number;
  readonly unsafe?: UnsafeTestingFlags;
}

export const raftDefaults = {
  electionTimeoutTicks: 10,
  heartbeatTimeoutTicks: 1,
  entriesPerMessageMax: 256,
  bytesPerMessageMax: 1 << 20,
  inflightMessagesMax: 64,
  uncommittedBytesMax: 64 << 20,
  committedBytesPerReadyMax: 16 << 20,
  pendingReadsMax: 10_000,
} as const;

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly persistedIndex: number;
  readonly firstIndex: number;
  readonly leadTransferee: NodeId;
  readonly progress: ReadonlyMap<NodeId, { match: number; next: number; state: string }>;
}

type CampaignKind = "preElection" | "election";

interface AdvanceRecord {
  readonly lastEntry: { index: number; term: number } | undefined;
  readonly snapshotIndex: number | undefined;
  readonly lastCommitted: number | undefined;
}

/**
 * The Raft consensus core: a synchronous state machine with no IO. Time arrives as tick(),
 * messages as step(), client requests as propose()/readIndex(); everything the node must do
 * leaves through ready(), and the driver acknowledges it with advance().
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  role: Role = "follower";
  leader: NodeId = NONE;
  readonly log: RaftLog;

  private readonly storage: RaftStorage;
  private readonly random: RandomSource;
  private readonly voters: readonly NodeId[];
  private readonly electionTimeoutTicks: number;
  private readonly heartbeatTimeoutTicks: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly entriesPerMessageMax: number;
  private readonly bytesPerMessageMax: number;
  private readonly inflightMessagesMax: number;
  private readonly uncommittedBytesMax: number;
  private readonly committedBytesPerReadyMax: number;
  private readonly unsafe: UnsafeTestingFlags;
  private readonly pendingReadsMax: number;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private tickCount = 0;
  private progress = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();
  private leadTransferee: NodeId = NONE;
  private readOnly: ReadOnlyQueue;
  /** Reads that arrived before this leader committed an entry of its own term (thesis §6.4 step 1). */
  private readsAwaitingTermCommit: { context: string; from: NodeId }[] = [];
  /** Entries this leader appended and not yet committed, for uncommittedBytesMax. */
  private uncommitted: { index: number; bytes: number }[] = [];
  private uncommittedBytes = 0;

  private messages: Message[] = [];
  private readStates: ReadState[] = [];
  private previousSoftState: SoftState;
  private previousHardState: HardState;
  private readyInFlight: AdvanceRecord | undefined;

  constructor(config: RaftConfig) {
    this.id = config.id;
    this.storage = config.storage;
    this.random = config.random;
    this.electionTimeoutTicks = config.electionTimeoutTicks ?? raftDefaults.electionTimeoutTicks;
    this.heartbeatTimeoutTicks = config.heartbeatTimeoutTicks ?? raftDefaults.heartbeatTimeoutTicks;
    assert.ok(this.heartbeatTimeoutTicks > 0 && this.electionTimeoutTicks > this.heartbeatTimeoutTicks);
    this.preVote = config.preVote ?? true;
    this.checkQuorum = config.checkQuorum ?? true;
    this.entriesPerMessageMax = config.entriesPerMessageMax ?? raftDefaults.entriesPerMessageMax;
    this.bytesPerMessageMax = config.bytesPerMessageMax ?? raftDefaults.bytesPerMessageMax;
    this.inflightMessagesMax = config.inflightMessagesMax ?? raftDefaults.inflightMessagesMax;
    this.uncommittedBytesMax = config.uncommittedBytesMax ?? raftDefaults.uncommittedBytesMax;
    this.committedBytesPerReadyMax = config.committedBytesPerReadyMax ?? raftDefaults.committedBytesPerReadyMax;
    this.pendingReadsMax = config.pendingReadsMax ?? raftDefaults.pendingReadsMax;
    this.readOnly = new ReadOnlyQueue(this.pendingReadsMax);
    this.unsafe = config.unsafe ?? {};

    const { hardState, voters } = this.storage.initialState();
    this.voters = [...voters].sort();
    this.log = new RaftLog(this.storage, config.applied ?? 0);
    this.term = hardState.term;
    this.vote = hardState.vote;
    if (hardState.commit > 0) {
      assert.ok(hardState.commit <= this.log.lastIndex(), `persisted commit ${hardState.commit} beyond the log`);
      this.log.commitTo(hardState.commit);
    }
    assert.ok(this.log.applied <= this.log.committed, `applied ${this.log.applied} beyond commit ${this.log.committed}`);
    this.becomeFollower(this.term, NONE);
    this.previousSoftState = this.softState();
    this.previousHardState = this.hardState();
  }

  // ---- inputs ----

  /** One unit of logical time. */
  tick(): void {
    this.tickCount += 1;
    if (this.role === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  /** Starts an election now, as an expired election timeout would. */
  campaign(): void {
    if (this.role === "leader" || !this.isVoter(this.id)) return;
    this.campaignAs(this.preVote ? "preElection" : "election", false);
  }

  propose(data: Uint8Array): ProposeResult {
    if (this.role !== "leader") return { ok: false, reason: "notLeader", leader: this.leader };
    if (this.leadTransferee !== NONE) return { ok: false, reason: "transferring", leader: this.leader };
    if (data.byteLength > 0 && this.uncommittedBytes > 0 && this.uncommittedBytes + data.byteLength > this.uncommittedBytesMax) {
      return { ok: false, reason: "tooManyUncommittedBytes", leader: this.leader };
    }
    const index = this.log.lastIndex() + 1;
    this.appendEntries([{ term: this.term, index, data }]);
    this.broadcastAppend();
    return { ok: true, index, term: this.term };
  }

  /**
   * Asks for a linearizable read point. When it is safe, a ReadState carrying `context`
   * appears in a Ready; requests that never get one (leader lost) must be retried by the caller.
   */
  readIndex(context: string): ReadIndexResult {
    assert.ok(context !== "", "a read needs a non-empty context");
    if (this.role === "leader") {
      this.handleReadRequest(context, this.id);
      return { ok: true };
    }
    if (this.leader === NONE) return { ok: false, reason: "noLeader", leader: NONE };
    this.send({ type: "readIndex", to: this.leader, term: this.term, from: this.id, context });
    return { ok: true };
  }

  /** Hands leadership to `to` once its log is caught up (thesis §3.10). */
  transferLeadership(to: NodeId): TransferResult {
    if (this.role !== "leader") return { ok: false, reason: "notLeader", leader: this.leader };
    if (!this.isVoter(to)) return { ok: false, reason: "unknownNode", leader: this.leader };
    if (to === this.id || to === this.leadTransferee) return { ok: true };
    this.leadTransferee = to;
    // The transfer is abandoned if it has not finished within an election timeout.
    this.electionElapsed = 0;
    const progress = this.progressOf(to);
    if (progress.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to, true);
    return { ok: true };
  }

  /**
   * The driver knows the leader's process is gone (its connections closed and will not
   * reopen): stop honouring its lease, so that this follower grants pre-votes and votes at once
   * rather than after an election timeout (etcd-io/raft's ForgetLeader). Safety never depended
   * on the lease; a leader that is in fact alive keeps its followers, whose leases still hold.
   */
  forgetLeader(): void {
    if (this.role !== "follower" || this.leader === NONE) return;
    this.leader = NONE;
    this.electionElapsed = this.electionTimeoutTicks;
  }

  /** The transport could not deliver a snapshot to `to`: probe again. */
  reportSnapshotFailure(to: NodeId): void {
    const progress = this.progress.get(to);
    if (this.role !== "leader" || progress === undefined || progress.state !== "snapshot") return;
    progress.becomeProbe();
  }

  /** The transport lost contact with `to`: stop pipelining to it until it answers again. */
  reportUnreachable(to: NodeId): void {
    const progress = this.progress.get(to);
    if (this.role === "leader" && progress?.state === "replicate") progress.becomeProbe();
  }

  step(message: Message): void {
    if (message.to !== this.id) return;
    if (!this.stepTerm(message)) return;
    if (message.type === "vote" || message.type === "preVote") {
      this.handleVoteRequest(message);
      return;
    }
    switch (this.role) {
      case "leader":
        this.stepLeader(message);
        return;
      case "candidate":
      case "preCandidate":
        this.stepCandidate(message);
        return;
      case "follower":
        this.stepFollower(message);
        return;
    }
  }

  // ---- outputs ----

  hasReady(): boolean {
    if (this.readyInFlight !== undefined) return false;
    const unstable = this.log.unstable();
    return (
      this.messages.length > 0 ||
      this.readStates.length > 0 ||
      unstable.entries.length > 0 ||
      unstable.snapshot !== undefined ||
      this.log.hasNextCommittedEntries() ||
      !sameSoftState(this.softState(), this.previousSoftState) ||
      !sameHardState(this.hardState(), this.previousHardState)
    );
  }

  ready(): Ready {
    assert.ok(this.readyInFlight === undefined, "ready() called again before advance()");
    const unstable = this.log.unstable();
    const softState = this.softState();
    const hardState = this.hardState();
    const committedEntries = this.log.nextCommittedEntries(this.committedBytesPerReadyMax);
    const entries = [...unstable.entries];
    const hardStateChanged = !sameHardState(hardState, this.previousHardState);
    const ready: Ready = {
      softState: sameSoftState(softState, this.previousSoftState) ? undefined : softState,
      hardState: hardStateChanged ? hardState : undefined,
      snapshot: unstable.snapshot,
      entries,
      committedEntries,
      messages: this.messages,
      readStates: this.readStates,
      mustSync:
        entries.length > 0 ||
        unstable.snapshot !== undefined ||
        hardState.term !== this.previousHardState.term ||
        hardState.vote !== this.previousHardState.vote,
    };
    const lastEntry = entries[entries.length - 1];
    const lastCommitted = committedEntries[committedEntries.length - 1];
    this.readyInFlight = {
      lastEntry: lastEntry === undefined ? undefined : { index: lastEntry.index, term: lastEntry.term },
      snapshotIndex: unstable.snapshot?.metadata.index,
      lastCommitted: lastCommitted?.index,
    };
    this.messages = [];
    this.readStates = [];
    this.previousSoftState = softState;
    this.previousHardState = hardState;
    return ready;
  }

  /** The last Ready was persisted, sent and applied. */
  advance(): void {
    const done = this.readyInFlight;
    assert.ok(done !== undefined, "advance() without ready()");
    this.readyInFlight = undefined;
    if (done.snapshotIndex !== undefined) {
      this.log.stableSnapshotTo(done.snapshotIndex);
      this.log.snapshotApplied(done.snapshotIndex);
    }
    if (done.lastEntry !== undefined) this.log.stableTo(done.lastEntry.index, done.lastEntry.term);
    if (done.lastCommitted !== undefined) this.log.appliedTo(done.lastCommitted);
    if (this.role === "leader") {
      // The leader counts itself toward a quorum only for entries on its own disk, so it may
      // send appends before its own write finishes (thesis §10.2.1).
      const self = this.progressOf(this.id);
      if (self.maybeUpdate(Math.min(this.log.persistedIndex(), this.log.lastIndex())) && this.maybeCommit()) {
        this.broadcastCommit();
      }
    }
  }

  softState(): SoftState {
    return { leader: this.leader, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  status(): RaftStatus {
    const progress = new Map<NodeId, { match: number; next: number; state: string }>();
    for (const [id, p] of this.progress) progress.set(id, { match: p.match, next: p.next, state: p.state });
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      persistedIndex: this.log.persistedIndex(),
      firstIndex: this.log.firstIndex(),
      leadTransferee: this.leadTransferee,
      progress,
    };
  }

  // ---- roles ----

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
    }
    this.leader = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    // Raft §5.2: randomized timeouts make split votes rare.
    this.randomizedElectionTimeout = this.electionTimeoutTicks + this.random.int(this.electionTimeoutTicks);
    this.leadTransferee = NONE;
    this.votes.clear();
    this.progress.clear();
    this.readOnly.clear();
    this.readsAwaitingTermCommit = [];
    this.uncommitted = [];
    this.uncommittedBytes = 0;
  }

  private becomeFollower(term: number, leader: NodeId): void {
    this.reset(term);
    this.role = "follower";
    this.leader = leader;
  }

  private becomePreCandidate(): void {
    assert.ok(this.role !== "leader", "a leader cannot become a pre-candidate");
    // Pre-vote changes neither term nor vote: a node that cannot win disturbs nobody (thesis §9.6).
    this.votes.clear();
    this.role = "preCandidate";
    this.leader = NONE;
  }

  private becomeCandidate(): void {
    assert.ok(this.role !== "leader", "a leader cannot become a candidate");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }

  private becomeLeader(): void {
    assert.ok(this.role === "candidate", `only a candidate becomes leader, not a ${this.role}`);
    this.reset(this.term);
    this.role = "leader";
    this.leader = this.id;
    const next = this.log.lastIndex() + 1;
    for (const id of this.voters) this.progress.set(id, new Progress(next, this.inflightMessagesMax));
    const self = this.progressOf(this.id);
    self.maybeUpdate(Math.min(this.log.persistedIndex(), this.log.lastIndex()));
    self.becomeReplicate();
    self.recentActive = true;
    // Raft §8: commit an entry of the new term, which also commits everything before it.
    this.appendEntries([{ term: this.term, index: next, data: new Uint8Array() }]);
    this.broadcastAppend();
  }

  private campaignAs(kind: CampaignKind, transfer: boolean): void {
    let voteTerm: number;
    let type: "vote" | "preVote";
    if (kind === "preElection") {
      this.becomePreCandidate();
      type = "preVote";
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      type = "vote";
      voteTerm = this.term;
    }
    if (this.poll(this.id, true) === "won") {
      this.wonElection(kind);
      return;
    }
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const to of this.voters) {
      if (to === this.id) continue;
      this.send({ type, from: this.id, to, term: voteTerm, lastLogIndex, lastLogTerm, transfer });
    }
  }

  private wonElection(kind: CampaignKind): void {
    if (kind === "preElection") this.campaignAs("election", false);
    else this.becomeLeader();
  }

  private poll(from: NodeId, granted: boolean): "won" | "lost" | "pending" {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const id of this.voters) {
      const vote = this.votes.get(id);
      if (vote === true) yes += 1;
      else if (vote === false) no += 1;
    }
    if (yes >= this.quorum()) return "won";
    if (no >= this.quorum()) return "lost";
    return "pending";
  }

  // ---- ticks ----

  private tickElection(): void {
    this.electionElapsed += 1;
    if (this.isVoter(this.id) && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign();
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed += 1;
    this.electionElapsed += 1;
    if (this.electionElapsed >= this.electionTimeoutTicks) {
      this.electionElapsed = 0;
      // Thesis §6.2: a leader that has not heard from a majority for an election timeout steps down.
      if (this.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, NONE);
        return;
      }
      if (this.leadTransferee !== NONE) this.leadTransferee = NONE;
    }
    if (this.heartbeatElapsed >= this.heartbeatTimeoutTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat(this.readOnly.lastContext());
    }
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const id of this.voters) {
      const progress = this.progressOf(id);
      if (id === this.id || progress.recentActive) active += 1;
      if (id !== this.id) progress.recentActive = false;
    }
    return active >= this.quorum();
  }

  // ---- step ----

  /** Term rules common to every role (Raft §5.1). Returns whether to go on handling the message. */
  private stepTerm(message: Message): boolean {
    if (message.term > this.term) {
      if (message.type === "vote" || message.type === "preVote") {
        // Thesis §4.2.3: while a leader is known to be alive, ignore would-be disruptors.
        const inLease = this.checkQuorum && this.leader !== NONE && this.electionElapsed < this.electionTimeoutTicks;
        if (!message.transfer && inLease) return false;
      }
      if (message.type === "preVote") return true; // answered without changing term
      if (message.type === "preVoteResponse" && !message.reject) return true; // counted in our pre-election
      const fromLeader = message.type === "append" || message.type === "heartbeat" || message.type === "snapshot";
      this.becomeFollower(message.term, fromLeader ? message.from : NONE);
      return true;
    }
    if (message.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (message.type === "heartbeat" || message.type === "append")) {
        // A stale leader cut off from us learns the new term and steps down, rather than
        // waiting forever for answers (with pre-vote it could not disrupt us to find out).
        this.send({ type: "appendResponse", from: this.id, to: message.from, term: this.term, index: 0, reject: false, rejectHintIndex: 0, rejectHintTerm: 0 });
      } else if (message.type === "preVote") {
        this.send({ type: "preVoteResponse", from: this.id, to: message.from, term: this.term, reject: true });
      }
      return false;
    }
    return true;
  }

  private handleVoteRequest(message: VoteMessage): void {
    const responseType = message.type === "vote" ? "voteResponse" : "preVoteResponse";
    const canVote =
      this.vote === message.from ||
      (this.vote === NONE && this.leader === NONE) ||
      (message.type === "preVote" && message.term > this.term);
    const upToDate = this.unsafe.voteWithoutLogCheck === true || this.log.isUpToDate(message.lastLogIndex, message.lastLogTerm);
    if (canVote && upToDate) {
      this.send({ type: responseType, from: this.id, to: message.from, term: message.term, reject: false });
      if (message.type === "vote") {
        this.electionElapsed = 0;
        this.vote = message.from;
      }
    } else {
      this.send({ type: responseType, from: this.id, to: message.from, term: this.term, reject: true });
    }
  }

  private stepLeader(message: Message): void {
    switch (message.type) {
      case "appendResponse":
        this.handleAppendResponse(message);
        return;
      case "heartbeatResponse":
        this.handleHeartbeatResponse(message);
        return;
      case "readIndex":
        this.handleReadRequest(message.context, message.from);
        return;
      default:
        return;
    }
  }

  private stepCandidate(message: Message): void {
    switch (message.type) {
      case "append":
        this.becomeFollower(message.term, message.from);
        this.handleAppend(message);
        return;
      case "heartbeat":
        this.becomeFollower(message.term, message.from);
        this.handleHeartbeat(message);
        return;
      case "snapshot":
        this.becomeFollower(message.term, message.from);
        this.handleSnapshot(message);
        return;
      case "voteResponse":
      case "preVoteResponse":
        this.handleVoteResponse(message);
        return;
      default:
        return;
    }
  }

  private handleVoteResponse(message: VoteResponseMessage): void {
    const expected = this.role === "preCandidate" ? "preVoteResponse" : "voteResponse";
    if (message.type !== expected) return;
    const result = this.poll(message.from, !message.reject);
    if (result === "won") this.wonElection(this.role === "preCandidate" ? "preElection" : "election");
    else if (result === "lost") this.becomeFollower(this.term, NONE);
  }

  private stepFollower(message: Message): void {
    switch (message.type) {
      case "append":
        this.electionElapsed = 0;
        this.leader = message.from;
        this.handleAppend(message);
        return;
      case "heartbeat":
        this.electionElapsed = 0;
        this.leader = message.from;
        this.handleHeartbeat(message);
        return;
      case "snapshot":
        this.electionElapsed = 0;
        this.leader = message.from;
        this.handleSnapshot(message);
        return;
      case "timeoutNow":
        // The leader is handing over: campaign at once, past the others' leader lease.
        if (this.isVoter(this.id)) this.campaignAs("election", true);
        return;
      case "readIndexResponse":
        this.readStates.push({ index: message.index, context: message.context });
        return;
      default:
        return;
    }
  }

  // ---- follower handlers ----

  private handleAppend(message: AppendMessage): void {
    if (message.prevLogIndex < this.log.committed) {
      this.respondAppend(message.from, this.log.committed);
      return;
    }
    const lastNew = this.log.maybeAppend(message.prevLogIndex, message.prevLogTerm, message.commit, message.entries);
    if (lastNew !== undefined) {
      if (!message.commitOnly) this.respondAppend(message.from, lastNew);
      return;
    }
    // Fast back-off: tell the leader where our logs might agree.
    const hint = this.log.findConflictByTerm(Math.min(message.prevLogIndex, this.log.lastIndex()), message.prevLogTerm);
    this.send({
      type: "appendResponse",
      from: this.id,
      to: message.from,
      term: this.term,
      index: message.prevLogIndex,
      reject: true,
      rejectHintIndex: hint.index,
      rejectHintTerm: hint.term,
    });
  }

  private respondAppend(to: NodeId, index: number): void {
    this.send({ type: "appendResponse", from: this.id, to, term: this.term, index, reject: false, rejectHintIndex: 0, rejectHintTerm: 0 });
  }

  private handleHeartbeat(message: HeartbeatMessage): void {
    this.log.commitTo(message.commit);
    this.send({ type: "heartbeatResponse", from: this.id, to: message.from, term: this.term, context: message.context });
  }

  private handleSnapshot(message: SnapshotMessage): void {
    const { index, term } = message.snapshot.metadata;
    if (index <= this.log.committed) {
      this.respondAppend(message.from, this.log.committed);
      return;
    }
    if (this.log.matchTerm(index, term)) {
      // We already hold the snapshot's last entry: just learn that it is committed.
      this.log.commitTo(index);
      this.respondAppend(message.from, this.log.committed);
      return;
    }
    this.log.restore(message.snapshot);
    this.respondAppend(message.from, this.log.lastIndex());
  }

  // ---- leader handlers ----

  private handleAppendResponse(message: AppendResponseMessage): void {
    const progress = this.progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    if (message.reject) {
      let matchHint = message.rejectHintIndex;
      if (message.rejectHintTerm > 0) matchHint = this.log.findConflictByTerm(message.rejectHintIndex, message.rejectHintTerm).index;
      if (progress.maybeDecreaseTo(message.index, matchHint)) {
        if (progress.state === "replicate") progress.becomeProbe();
        this.sendAppend(message.from, true);
      }
      return;
    }
    const wasPaused = progress.isPaused();
    // A probe answered at the match we already knew still ends the probe (etcd does the same).
    const probeConfirmed = progress.state === "probe" && progress.match === message.index;
    if (!progress.maybeUpdate(message.index) && !probeConfirmed) return;
    if (progress.state === "probe") {
      progress.becomeReplicate();
    } else if (progress.state === "snapshot" && progress.match >= progress.pendingSnapshot) {
      progress.becomeProbe();
      progress.becomeReplicate();
    } else if (progress.state === "replicate") {
      progress.freeInflightUpTo(message.index);
    }
    if (this.maybeCommit()) this.broadcastCommit();
    else if (wasPaused) this.sendAppend(message.from, true);
    // Pipelining: keep sending while the window allows and entries remain.
    while (this.sendAppend(message.from, false)) {
      // each call sends one batch
    }
    if (message.from === this.leadTransferee && progress.match === this.log.lastIndex()) this.sendTimeoutNow(message.from);
  }

  private handleHeartbeatResponse(message: HeartbeatResponseMessage): void {
    const progress = this.progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    progress.probeSent = false;
    if (progress.state === "replicate" && progress.inflightFull()) progress.freeFirstInflight();
    if (progress.state === "snapshot" && this.tickCount - progress.pendingSnapshotTick >= this.electionTimeoutTicks) {
      // The snapshot was lost on the way, or the follower restarted while installing it.
      progress.becomeProbe();
    }
    if (progress.match < this.log.lastIndex() || progress.state === "probe") this.sendAppend(message.from, true);
    if (message.context === "") return;
    if (this.readOnly.ack(message.context, message.from) + 1 >= this.quorum()) {
      this.releaseReads(this.readOnly.releaseThrough(message.context));
    }
  }

  private handleReadRequest(context: string, from: NodeId): void {
    if (this.voters.length === 1 || this.unsafe.readIndexWithoutHeartbeat === true) {
      this.releaseReads([{ context, from, index: this.log.committed }]);
      return;
    }
    if (this.log.term(this.log.committed) !== this.term) {
      // Thesis §6.4: until an entry of this term commits, our commit index may be behind the
      // last leader's. Hold the read until the no-op commits.
      if (this.readsAwaitingTermCommit.length < this.pendingReadsMax) this.readsAwaitingTermCommit.push({ context, from });
      return;
    }
    if (!this.readOnly.add(context, this.log.committed, from)) return;
    this.broadcastHeartbeat(context);
  }

  private releaseReads(reads: readonly { context: string; from: NodeId; index: number }[]): void {
    for (const read of reads) {
      if (read.from === this.id) this.readStates.push({ index: read.index, context: read.context });
      else this.send({ type: "readIndexResponse", from: this.id, to: read.from, term: this.term, context: read.context, index: read.index });
    }
  }

  /** Raft §5.3, §5.4.2: commit the highest index a majority holds, if it is of this term. */
  private maybeCommit(): boolean {
    const matches = this.voters.map((id) => this.progressOf(id).match).sort((a, b) => b - a);
    const quorumMatch = matches[this.quorum() - 1];
    assert.ok(quorumMatch !== undefined);
    if (quorumMatch <= this.log.committed) return false;
    if (this.log.term(quorumMatch) !== this.term && this.unsafe.commitPreviousTermByCounting !== true) return false;
    this.log.commitTo(quorumMatch);
    this.onLeaderCommit();
    return true;
  }

  private onLeaderCommit(): void {
    const committed = this.log.committed;
    while (this.uncommitted.length > 0 && (this.uncommitted[0]?.index ?? Infinity) <= committed) {
      this.uncommittedBytes -= this.uncommitted.shift()?.bytes ?? 0;
    }
    if (this.readsAwaitingTermCommit.length > 0 && this.log.term(committed) === this.term) {
      const waiting = this.readsAwaitingTermCommit;
      this.readsAwaitingTermCommit = [];
      for (const read of waiting) this.handleReadRequest(read.context, read.from);
    }
  }

  private appendEntries(entries: readonly Entry[]): void {
    for (const entry of entries) {
      assert.ok(entry.term === this.term);
      if (entry.data.byteLength > 0) {
        this.uncommitted.push({ index: entry.index, bytes: entry.data.byteLength });
        this.uncommittedBytes += entry.data.byteLength;
      }
    }
    this.log.append(entries);
  }

  private broadcastAppend(): void {
    for (const id of this.voters) if (id !== this.id) this.sendAppend(id, true);
  }

  /** After the commit index moved: the new one to every follower, with any entries it still lacks. */
  private broadcastCommit(): void {
    for (const id of this.voters) if (id !== this.id) this.sendAppend(id, true, true);
  }

  private broadcastHeartbeat(context: string): void {
    for (const id of this.voters) {
      if (id === this.id) continue;
      const progress = this.progressOf(id);
      const message: HeartbeatMessage = {
        type: "heartbeat",
        from: this.id,
        to: id,
        term: this.term,
        // Never tell a follower to commit past what it is known to hold.
        commit: Math.min(progress.match, this.log.committed),
        context,
      };
      this.send(message);
    }
  }

  /**
   * Sends the next batch of entries to `to`, or a snapshot if they were compacted. Returns whether
   * it sent. A `commitNotice` with no entries to a follower in replicate state (every entry sent)
   * asks for no answer: if an answer to those entries is lost, the next heartbeat answer finds
   * match behind and sends a plain append, which is answered.
   */
  private sendAppend(to: NodeId, sendIfEmpty: boolean, commitNotice = false): boolean {
    const progress = this.progressOf(to);
    if (progress.isPaused()) return false;
    const prevLogIndex = progress.next - 1;
    const prevLogTerm = this.log.term(prevLogIndex);
    const entries = this.log.slice(progress.next, this.log.lastIndex() + 1, this.bytesPerMessageMax, this.entriesPerMessageMax);
    if (prevLogTerm === undefined || entries === undefined) return this.sendSnapshot(to, progress);
    if (entries.length === 0 && !sendIfEmpty) return false;
    const commitOnly = commitNotice && entries.length === 0 && progress.state === "replicate";
    const message: AppendMessage = { type: "append", from: this.id, to, term: this.term, prevLogIndex, prevLogTerm, entries, commit: this.log.committed, commitOnly };
    this.send(message);
    const last = entries[entries.length - 1];
    progress.sentEntries(last?.index ?? prevLogIndex, entries.length);
    return true;
  }

  private sendSnapshot(to: NodeId, progress: Progress): boolean {
    if (!progress.recentActive) return false;
    const snapshot = this.storage.snapshot();
    if (snapshot === undefined) return false;
    progress.becomeSnapshot(snapshot.metadata.index, this.tickCount);
    this.send({ type: "snapshot", from: this.id, to, term: this.term, snapshot });
    return true;
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: "timeoutNow", from: this.id, to, term: this.term });
  }

  // ---- helpers ----

  private send(message: Message): void {
    this.messages.push(message);
  }

  private quorum(): number {
    return Math.floor(this.voters.length / 2) + 1;
  }

  private isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  private progressOf(id: NodeId): Progress {
    const progress = this.progress.get(id);
    assert.ok(progress !== undefined, `no progress for ${id}`);
    return progress;
  }
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
