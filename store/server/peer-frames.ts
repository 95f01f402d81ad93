import type { Entry, Message, NodeId, Snapshot } from "../raft/index.js";

/** What members say to each other on the peer links. */
export type PeerFrame =
  /** Raft messages, batched. */
  | { readonly raft: readonly Message[] }
  /** A follower asks the leader to propose an entry (a client write it received). */
  | { readonly forward: { readonly id: string; readonly data: Uint8Array } }
  /** The leader's answer: where the entry went in the log, or who to ask instead. */
  | { readonly forwardReply: { readonly id: string; readonly ok: boolean; readonly index: number; readonly term: number; readonly leader: NodeId } }
  /** A lease question only the leader can answer (it alone keeps the deadlines). */
  | { readonly leaseCall: { readonly callId: string; readonly method: "keepAlive" | "timeToLive"; readonly lease: number } }
  | { readonly leaseReply: { readonly callId: string; readonly ttlSeconds: number; readonly remainingSeconds: number; readonly notPrimary?: boolean } }
  /** A member's client URLs, for the member list. */
  | { readonly info: { readonly name: NodeId; readonly clientUrls: readonly string[] } };

const messageTypes = new Set(["vote", "preVote", "voteResponse", "preVoteResponse", "append", "appendResponse", "heartbeat", "heartbeatResponse", "snapshot", "timeoutNow", "readIndex", "readIndexResponse"]);

type Shape = Record<string, unknown>;

const isObject = (v: unknown): v is Shape => typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isString = (v: unknown): v is string => typeof v === "string";
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

function isEntry(v: unknown): v is Entry {
  return isObject(v) && isInt(v.index) && isInt(v.term) && isBytes(v.data);
}

function isSnapshot(v: unknown): v is Snapshot {
  if (!isObject(v) || !isBytes(v.data) || !isObject(v.metadata)) return false;
  const m = v.metadata;
  return isInt(m.index) && isInt(m.term) && Array.isArray(m.voters) && m.voters.every(isString);
}

/** Checks a Raft message's shape field by field (peers are trusted to be kube-lite, not to be bug-free). */
export function isMessage(v: unknown): v is Message {
  if (!isObject(v) || !isString(v.type) || !messageTypes.has(v.type) || !isString(v.from) || !isString(v.to) || !isInt(v.term)) return false;
  switch (v.type) {
    case "vote":
    case "preVote":
      return isInt(v.lastLogIndex) && isInt(v.lastLogTerm) && typeof v.transfer === "boolean";
    case "voteResponse":
    case "preVoteResponse":
      return typeof v.reject === "boolean";
    case "append":
      return isInt(v.prevLogIndex) && isInt(v.prevLogTerm) && isInt(v.commit) && Array.isArray(v.entries) && v.entries.every(isEntry) && (v.commitOnly === undefined || typeof v.commitOnly === "boolean");
    case "appendResponse":
      return isInt(v.index) && typeof v.reject === "boolean" && isInt(v.rejectHintIndex) && isInt(v.rejectHintTerm);
    case "heartbeat":
      return isInt(v.commit) && isString(v.context);
    case "heartbeatResponse":
    case "readIndex":
      return isString(v.context);
    case "readIndexResponse":
      return isString(v.context) && isInt(v.index);
    case "snapshot":
      return isSnapshot(v.snapshot);
    default:
      return true;
  }
}

/** Parses a decoded peer frame, or returns undefined if it is not one. */
export function parsePeerFrame(payload: unknown): PeerFrame | undefined {
  if (!isObject(payload)) return undefined;
  if (Array.isArray(payload.raft)) return payload.raft.every(isMessage) ? { raft: payload.raft } : undefined;
  const forward = payload.forward;
  if (isObject(forward)) return isString(forward.id) && isBytes(forward.data) ? { forward: { id: forward.id, data: forward.data } } : undefined;
  const reply = payload.forwardReply;
  if (isObject(reply)) {
    if (!isString(reply.id) || typeof reply.ok !== "boolean" || !isInt(reply.index) || !isInt(reply.term) || !isString(reply.leader)) return undefined;
    return { forwardReply: { id: reply.id, ok: reply.ok, index: reply.index, term: reply.term, leader: reply.leader } };
  }
  const call = payload.leaseCall;
  if (isObject(call)) {
    if (!isString(call.callId) || (call.method !== "keepAlive" && call.method !== "timeToLive") || !isInt(call.lease)) return undefined;
    return { leaseCall: { callId: call.callId, method: call.method, lease: call.lease } };
  }
  const leaseReply = payload.leaseReply;
  if (isObject(leaseReply)) {
    const isTtl = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= -1;
    if (!isString(leaseReply.callId) || !isTtl(leaseReply.ttlSeconds) || !isTtl(leaseReply.remainingSeconds)) return undefined;
    if (leaseReply.notPrimary !== undefined && typeof leaseReply.notPrimary !== "boolean") return undefined;
    return { leaseReply: { callId: leaseReply.callId, ttlSeconds: leaseReply.ttlSeconds, remainingSeconds: leaseReply.remainingSeconds, ...(leaseReply.notPrimary === true ? { notPrimary: true } : {}) } };
  }
  const info = payload.info;
  if (isObject(info)) {
    if (!isString(info.name) || !Array.isArray(info.clientUrls) || !info.clientUrls.every(isString)) return undefined;
    return { info: { name: info.name, clientUrls: info.clientUrls } };
  }
  return undefined;
}
