// The vocabulary of the Raft core: entries, snapshots, hard state, messages and the Ready batch.

/** A member's identity inside the Raft group. The store maps member names to these. */
export type NodeId = string;

/** Sentinel for "no node" (no vote cast, no leader known). */
export const NONE: NodeId = "";

/** One log entry. An entry with empty `data` is the no-op a new leader appends (Raft §8). */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly data: Uint8Array;
}

/** What must be on stable storage before a node answers any message (Raft Figure 2). */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export interface SnapshotMetadata {
  /** Last entry the snapshot covers, and its term (Raft §7). */
  readonly index: number;
  readonly term: number;
  /** Voting members at `index`. */
  readonly voters: readonly NodeId[];
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  /** The application's state machine at `metadata.index`, opaque to Raft. */
  readonly data: Uint8Array;
}

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

/** Volatile state worth telling the application about when it changes. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

/** A linearizable read became safe: once `index` is applied, read, and answer `context`. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** RequestVote (Raft §5.2), or its pre-vote probe (thesis §9.6), for `term`. */
export interface VoteMessage extends MessageBase {
  readonly type: "vote" | "preVote";
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Sent because of a leadership transfer: overrides the voters' leader lease (thesis §3.10). */
  readonly transfer: boolean;
}

export interface VoteResponseMessage extends MessageBase {
  readonly type: "voteResponse" | "preVoteResponse";
  readonly reject: boolean;
}

/** AppendEntries (Raft §5.3). */
export interface AppendMessage extends MessageBase {
  readonly type: "append";
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  /**
   * Sent only to tell a follower of a new commit index, to one whose every entry is already on
   * its way: accepted, it is not answered (the answers to those entries say all an answer to this
   * could). Saves a message and a wake-up of the leader per follower and commit. Absent (members
   * of earlier versions, during a rolling restart): false.
   */
  readonly commitOnly?: boolean;
}

export interface AppendResponseMessage extends MessageBase {
  readonly type: "appendResponse";
  /** On success the follower's new match index; on reject the prevLogIndex it rejected. */
  readonly index: number;
  readonly reject: boolean;
  /** On reject: the last index the follower may share with the leader, and its term there (fast back-off). */
  readonly rejectHintIndex: number;
  readonly rejectHintTerm: number;
}

export interface HeartbeatMessage extends MessageBase {
  readonly type: "heartbeat";
  readonly commit: number;
  /** The ReadIndex round this heartbeat confirms leadership for, or "" (thesis §6.4). */
  readonly context: string;
}

export interface HeartbeatResponseMessage extends MessageBase {
  readonly type: "heartbeatResponse";
  readonly context: string;
}

/** InstallSnapshot (Raft §7). The follower answers with an appendResponse. */
export interface SnapshotMessage extends MessageBase {
  readonly type: "snapshot";
  readonly snapshot: Snapshot;
}

/** Start an election now, skipping pre-vote: the leader is handing over (thesis §3.10). */
export interface TimeoutNowMessage extends MessageBase {
  readonly type: "timeoutNow";
}

/** A follower forwards a ReadIndex request to the leader. */
export interface ReadIndexMessage extends MessageBase {
  readonly type: "readIndex";
  readonly context: string;
}

export interface ReadIndexResponseMessage extends MessageBase {
  readonly type: "readIndexResponse";
  readonly context: string;
  readonly index: number;
}

export type Message =
  | VoteMessage
  | VoteResponseMessage
  | AppendMessage
  | AppendResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | SnapshotMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage;

export type MessageType = Message["type"];

/**
 * Everything the driver must do, in this order:
 * 1. persist `snapshot` (if any), then `entries` (replacing any stored entries from
 *    entries[0].index on), then `hardState` (if any) — fsync'd when `mustSync`;
 * 2. send `messages` (only now: a vote or an append acknowledgement promises durable state).
 *    Exception: see `canSendBeforePersist`;
 * 3. apply `snapshot` then `committedEntries` to the state machine, and serve `readStates`
 *    once their index is applied;
 * 4. call `advance()`.
 */
export interface Ready {
  readonly softState: SoftState | undefined;
  readonly hardState: HardState | undefined;
  readonly snapshot: Snapshot | undefined;
  readonly entries: readonly Entry[];
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  readonly mustSync: boolean;
}

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: "notLeader" | "transferring" | "tooManyUncommittedBytes"; readonly leader: NodeId };

export type ReadIndexResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: "noLeader"; readonly leader: NodeId };

export type TransferResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: "notLeader" | "unknownNode"; readonly leader: NodeId };

/** Randomness is injected so that a seed replays a run exactly. */
export interface RandomSource {
  /** A uniformly distributed integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
}

/**
 * Whether a message may leave before the Ready that carries it is persisted. Only a leader's
 * replication traffic may (thesis §10.2.1): the leader counts its own log toward a quorum only
 * after advance() confirms it is on disk, so sending early promises nothing that is not true.
 * Votes and acknowledgements promise durable state and must wait.
 */
export function canSendBeforePersist(message: Message): boolean {
  return message.type === "append" || message.type === "heartbeat" || message.type === "snapshot" || message.type === "timeoutNow" || message.type === "readIndexResponse";
}
