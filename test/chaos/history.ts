// What the harness records while it runs: every client operation with its call and return time,
// every watch batch, every lease and lock step. The checks (checks-*.ts) are pure functions of
// these records, so a saved history can be checked again, and a doctored one shows that the
// checks can fail.
import type { BytesInput, KeyValue, WatchEvent } from "../../store/client/index.js";
import { bytesToText, OutcomeUnknownError, StoreError, UnavailableError } from "../../store/client/index.js";

/** Milliseconds since the run started, on a monotonic clock. */
export class Clock {
  private readonly originMs = performance.now();
  /** Date.now() at the origin, to place the client library's wall-clock times on this clock. */
  readonly originWallMs = Date.now();

  now(): number {
    return Math.round((performance.now() - this.originMs) * 1000) / 1000;
  }

  fromWall(wallMs: number): number {
    return wallMs - this.originWallMs;
  }
}

/**
 * ok: the store answered. unknown: a write that may or may not have been applied (timed out,
 * connection lost after sending, OutcomeUnknownError). failed: certainly not applied (a read
 * that failed, or UnavailableError: no member took it).
 */
export type Outcome = "ok" | "unknown" | "failed";

export interface RegisterOp {
  readonly client: number;
  readonly kind: "get" | "put" | "cas";
  readonly key: string;
  /** put and cas: the value written (unique in the run). */
  readonly value?: string;
  /** cas: the value expected (null: the key must not exist). */
  readonly expected?: string | null;
  readonly callMs: number;
  returnMs?: number;
  outcome: Outcome;
  /** get: what was read (null: absent). */
  readValue?: string | null;
  /** get: the read key's mod revision (0 when absent). */
  readModRevision?: number;
  /** cas: whether the compare held. */
  succeeded?: boolean;
  /** The answer's header revision: a write's own revision, or the revision a read saw. */
  revision?: number;
  error?: string;
}

export interface SetOp {
  readonly writer: number;
  readonly key: string;
  readonly value: string;
  readonly callMs: number;
  returnMs?: number;
  outcome: Outcome;
  revision?: number;
  error?: string;
}

export interface LeaseRecord {
  /** Chosen by the harness, so a grant with an unknown outcome still has a known id. */
  readonly id: string;
  readonly ttlSeconds: number;
  readonly grantCallMs: number;
  grantOutcome: Outcome;
  grantedTtlSeconds?: number;
  /** Keys put with the lease (in one txn). */
  readonly keys: string[];
  keysOutcome?: Outcome;
  keysRevision?: number;
  /** The lease was renewed by a keeper until keepaliveStoppedMs. */
  keptAlive: boolean;
  keepaliveStoppedMs?: number;
  /** When the last successful renewal was sent: the lease lives at least TTL from then. */
  lastRenewalSentMs?: number;
  error?: string;
}

export interface LockStep {
  readonly locker: number;
  readonly kind: "acquire" | "write" | "release" | "read-back";
  /** The holder key's create revision this locker believes it holds the lock under. */
  token?: number;
  readonly callMs: number;
  returnMs?: number;
  outcome: Outcome;
  succeeded?: boolean;
  revision?: number;
  /** write: the resource value (unique). */
  value?: string;
  /** write: the locker's lease had already been reported lost (a "paused" holder writing late). */
  afterLoss?: boolean;
  error?: string;
}

export interface EventRecord {
  readonly type: "PUT" | "DELETE";
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly lease: string;
}

export interface BatchRecord {
  readonly revision: number;
  readonly receivedMs: number;
  readonly events: EventRecord[];
}

export interface WatcherRecord {
  readonly name: string;
  /** The member a pinned watcher talks to (it has no other endpoint). */
  readonly pinnedTo?: string;
  /** Where each connection series started; a new segment follows a compaction. */
  readonly segments: { startRevision: number; endedBy?: string }[];
  readonly batches: BatchRecord[];
  reconnects: number;
  /** Errors other than compaction that ended a segment. */
  readonly errors: string[];
}

export interface FaultRecord {
  readonly id: number;
  readonly kind: string;
  readonly description: string;
  readonly startMs: number;
  endMs?: number;
  /** The member(s) hit, resolved at run time. */
  readonly members: string[];
  skipped?: string;
  /** power-loss: unsynced bytes dropped from the members' write-ahead logs. */
  droppedBytes?: number;
  /** crash: whether the member reached its crash point (and died there) before the fault ended. */
  crashed?: boolean;
}

export function text(bytes: BytesInput): string {
  return typeof bytes === "string" ? bytes : bytesToText(bytes);
}

export function eventRecord(event: WatchEvent): EventRecord {
  return { type: event.type, ...kvRecord(event.kv) };
}

export function kvRecord(kv: KeyValue): Omit<EventRecord, "type"> {
  return {
    key: text(kv.key),
    value: text(kv.value),
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    lease: kv.lease,
  };
}

/** How a failed call counts: a write may have been applied unless the client knows it was not. */
export function outcomeOf(error: unknown, write: boolean): Outcome {
  if (!write) return "failed";
  if (error instanceof UnavailableError) return "failed";
  return "unknown";
}

/** Errors worth reporting: not the ones chaos is expected to cause. */
export function isUnexpected(error: unknown): boolean {
  if (error instanceof UnavailableError || error instanceof OutcomeUnknownError) return false;
  if (error instanceof StoreError) return error.httpStatus === 500 || error.httpStatus === 200 || error.httpStatus === 0;
  return !(error instanceof Error && /timed out/.test(error.message));
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error).slice(0, 300);
}
