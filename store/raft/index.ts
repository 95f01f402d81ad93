// store/raft — the Raft consensus core (Ongaro & Ousterhout, and Ongaro's thesis), in the shape
// of etcd-io/raft: a synchronous, deterministic state machine with no timers, sockets, disk,
// clock or global randomness. Time arrives as tick(), messages as step(), requests as
// propose()/readIndex()/transferLeadership(); what must happen leaves as a Ready batch, which
// the driver persists, sends and applies before calling advance().
export { Raft, raftDefaults } from "./raft.js";
export type { RaftConfig, RaftStatus, UnsafeTestingFlags } from "./raft.js";
export { MemoryStorage, entryBytes } from "./storage.js";
export type { RaftStorage } from "./storage.js";
export { NONE, canSendBeforePersist } from "./types.js";
export type {
  AppendMessage,
  AppendResponseMessage,
  Entry,
  HardState,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  Message,
  MessageType,
  NodeId,
  ProposeResult,
  RandomSource,
  ReadIndexResult,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SnapshotMetadata,
  SoftState,
  TransferResult,
  VoteMessage,
  VoteResponseMessage,
} from "./types.js";
