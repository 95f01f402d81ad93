// The replicated state machine: etcd v3's MVCC key-value store and lease table on SQLite.
// Every member applies the same committed entries in the same order and must reach the same
// state, so nothing here reads a clock, draws a random number or iterates in an order that
// depends on anything but the data. Behaviour follows etcd 3.4 (etcdserver/apply.go,
// mvcc/kvstore_txn.go, mvcc/key_index.go, lease/lessor.go), checked against a real etcd 3.4.
import assert from "node:assert/strict";
import type { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { asBuffer, compareBytes, emptyBytes, keySpan } from "./bytes.js";
import { ByteReader, ByteWriter } from "./codec.js";
import { GrpcCode, mvccErrors } from "./errors.js";
import { KvReader } from "./kv-reader.js";
import type { ReadView } from "./kv-reader.js";
import { kvColumns, schemaSql, toKeyValue } from "./schema.js";
import type { KvRow, MetaRow } from "./schema.js";
import { checkRangeRequest, checkTxnRequest, checkWriteRequest, isTxnReadOnly, maxTxnOpsDefault } from "./validate.js";
import { MvccError } from "./types.js";
import type {
  Compare,
  CompactionRequest,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  LeaseGrantRequest,
  LeaseInfo,
  LeaseRevokeRequest,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WatchEvent,
  WriteRequest,
  WriteResponse,
} from "./types.js";

/** etcd's MaxLeaseTTL. */
export const leaseTtlSecondsMax = 9_000_000_000;

export interface MvccStoreOptions {
  /** etcd's --max-txn-ops (default 128). Must be the same on every member. */
  maxTxnOps?: number;
  /**
   * Grants ask at least this TTL (etcd's minLeaseTTL: ceil(1.5 × election timeout), 2 s with the
   * default 1 s election timeout). Must be the same on every member.
   */
  leaseTtlSecondsMin?: number;
}

export interface ApplyResult {
  response: WriteResponse | MvccError;
  /** The changes, in order; empty when nothing changed. */
  events: WatchEvent[];
}

export interface EventsSinceResult {
  events: WatchEvent[];
  /** Every event up to and including this revision has been returned: resume at lastRevision + 1. */
  lastRevision: number;
}

const snapshotMagic = new TextEncoder().encode("kube-lite/mvcc/1");

/** A txn's shape once its compares are decided: etcd evaluates every compare on the path up front. */
interface TxnPlan {
  succeeded: boolean;
  ops: RequestOp[];
  /** The plans of the nested txns among `ops`, in order. */
  nested: TxnPlan[];
}

/** One write in progress: every change gets revision beginRevision + 1 and the next sub-revision. */
class WriteTxn {
  sub = 0;
  readonly events: WatchEvent[] = [];
  /** Each touched key as of beginRevision: an event's prevKv is the key at the revision before. */
  private readonly before = new Map<string, KeyValue | undefined>();

  constructor(
    readonly beginRevision: number,
    readonly compactRevision: number,
  ) {}

  get revision(): number {
    return this.beginRevision + 1;
  }

  /** The revision a response reports: the new one once something changed (storeTxnWrite.Rev). */
  get headerRevision(): number {
    return this.sub > 0 ? this.beginRevision + 1 : this.beginRevision;
  }

  view(): ReadView {
    return { currentRevision: this.headerRevision, compactRevision: this.compactRevision };
  }

  record(type: WatchEvent["type"], kv: KeyValue, current: KeyValue | undefined): void {
    const id = asBuffer(kv.key).toString("latin1");
    if (!this.before.has(id)) this.before.set(id, current);
    const prevKv = this.before.get(id);
    this.events.push(prevKv === undefined ? { type, kv } : { type, kv, prevKv });
    this.sub += 1;
  }
}

function sign(difference: number): number {
  return difference > 0 ? 1 : difference < 0 ? -1 : 0;
}

/** compareKV: a missing key compares as all zeroes (the VALUE target never gets here for one). */
function compareKv(compare: Compare, kv: KeyValue): boolean {
  let result: number;
  switch (compare.target) {
    case "VALUE":
      result = compareBytes(kv.value, compare.value ?? emptyBytes);
      break;
    case "CREATE":
      result = sign(kv.createRevision - (compare.createRevision ?? 0));
      break;
    case "MOD":
      result = sign(kv.modRevision - (compare.modRevision ?? 0));
      break;
    case "VERSION":
      result = sign(kv.version - (compare.version ?? 0));
      break;
    case "LEASE":
      result = sign(kv.lease - (compare.lease ?? 0));
      break;
  }
  switch (compare.result) {
    case "EQUAL":
      return result === 0;
    case "NOT_EQUAL":
      return result !== 0;
    case "GREATER":
      return result > 0;
    case "LESS":
      return result < 0;
  }
}

const absentKv: KeyValue = { key: emptyBytes, createRevision: 0, modRevision: 0, version: 0, value: emptyBytes, lease: 0 };

function prepareStatements(db: Database.Database) {
  return {
    meta: db.prepare<[], MetaRow>("SELECT applied_index, applied_term, revision, compact_revision FROM mvcc_meta WHERE id = 0"),
    setApplied: db.prepare<[number, number, number]>(
      "UPDATE mvcc_meta SET applied_index = ?, applied_term = ?, revision = ? WHERE id = 0",
    ),
    setCompactRevision: db.prepare<[number]>("UPDATE mvcc_meta SET compact_revision = ? WHERE id = 0"),
    setMeta: db.prepare<[number, number, number, number]>(
      "UPDATE mvcc_meta SET applied_index = ?, applied_term = ?, revision = ?, compact_revision = ? WHERE id = 0",
    ),
    insertKv: db.prepare<[Buffer, number, number, number, number, Buffer, number]>(
      "INSERT INTO mvcc_kv (key, mod_revision, sub, create_revision, version, value, lease) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    upsertCurrent: db.prepare<[Buffer, number, number]>(
      `INSERT INTO mvcc_current (key, kv_id, lease) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET kv_id = excluded.kv_id, lease = excluded.lease`,
    ),
    deleteCurrent: db.prepare<[Buffer]>("DELETE FROM mvcc_current WHERE key = ?"),
    // Compaction at R after a previous one at P: only keys written in (P, R] can lose versions.
    // Drop every tombstone at or below R and every version superseded at or below R.
    compact: db.prepare<{ previous: number; revision: number }>(
      `DELETE FROM mvcc_kv
       WHERE key IN (SELECT key FROM mvcc_kv WHERE mod_revision > @previous AND mod_revision <= @revision)
         AND mod_revision <= @revision
         AND (version = 0 OR EXISTS (SELECT 1 FROM mvcc_kv AS n WHERE n.key = mvcc_kv.key AND n.mod_revision <= @revision
                                     AND (n.mod_revision, n.sub) > (mvcc_kv.mod_revision, mvcc_kv.sub)))`,
    ),
    lease: db.prepare<[number], { id: number; ttl_seconds: number }>("SELECT id, ttl_seconds FROM mvcc_lease WHERE id = ?"),
    leases: db.prepare<[], { id: number; ttl_seconds: number }>("SELECT id, ttl_seconds FROM mvcc_lease ORDER BY id"),
    insertLease: db.prepare<[number, number]>("INSERT INTO mvcc_lease (id, ttl_seconds) VALUES (?, ?)"),
    deleteLease: db.prepare<[number]>("DELETE FROM mvcc_lease WHERE id = ?"),
    leaseKvs: db.prepare<[number], KvRow>(
      `SELECT c.key AS key, k.create_revision AS create_revision, k.mod_revision AS mod_revision, k.version AS version,
         k.value AS value, k.lease AS lease
       FROM mvcc_current AS c JOIN mvcc_kv AS k ON k.id = c.kv_id WHERE c.lease = ? AND c.lease <> 0 ORDER BY c.key`,
    ),
    leaseKeys: db.prepare<[number], Buffer>("SELECT key FROM mvcc_current WHERE lease = ? AND lease <> 0 ORDER BY key").pluck(),
    // the key as of the revision before an event (etcd's watch reads prevKv at modRevision - 1)
    kvBefore: db.prepare<[Buffer, number], KvRow>(
      `SELECT ${kvColumns} FROM mvcc_kv WHERE key = ? AND mod_revision < ? ORDER BY mod_revision DESC, sub DESC LIMIT 1`,
    ),
    countKv: db.prepare<[], number>("SELECT COUNT(*) FROM mvcc_kv").pluck(),
    allKv: db.prepare<[], unknown[]>(
      // revision order, so that a restore appends rows in the order writes do
      "SELECT key, mod_revision, sub, create_revision, version, value, lease FROM mvcc_kv ORDER BY mod_revision, sub",
    ).raw(),
    countLeases: db.prepare<[], number>("SELECT COUNT(*) FROM mvcc_lease").pluck(),
    clear: db.prepare("DELETE FROM mvcc_kv"),
    clearCurrent: db.prepare("DELETE FROM mvcc_current"),
    clearLeases: db.prepare("DELETE FROM mvcc_lease"),
    // mvcc_current is derived: each key's latest version, unless a tombstone
    rebuildCurrent: db.prepare(
      `INSERT INTO mvcc_current (key, kv_id, lease)
       SELECT h.key, h.id, h.lease FROM mvcc_kv AS h WHERE h.version > 0
         AND NOT EXISTS (SELECT 1 FROM mvcc_kv AS n WHERE n.key = h.key AND (n.mod_revision, n.sub) > (h.mod_revision, h.sub))`,
    ),
    derivedCurrent: db.prepare<[], unknown[]>(
      `SELECT h.key, h.id, h.lease FROM mvcc_kv AS h WHERE h.version > 0
         AND NOT EXISTS (SELECT 1 FROM mvcc_kv AS n WHERE n.key = h.key AND (n.mod_revision, n.sub) > (h.mod_revision, h.sub))
       ORDER BY key`,
    ).raw(),
    storedCurrent: db.prepare<[], unknown[]>("SELECT key, kv_id, lease FROM mvcc_current ORDER BY key").raw(),
  };
}

export class MvccStore {
  private readonly reader: KvReader;
  private readonly sql: ReturnType<typeof prepareStatements>;
  private readonly eventStatements = new Map<string, Database.Statement>();
  private readonly maxTxnOps: number;
  private readonly leaseTtlSecondsMin: number;
  private readonly applyInTransaction: (index: number, term: number, request: WriteRequest) => ApplyResult;

  constructor(
    private readonly db: Database.Database,
    options: MvccStoreOptions = {},
  ) {
    db.exec(schemaSql);
    this.reader = new KvReader(db);
    this.sql = prepareStatements(db);
    this.maxTxnOps = options.maxTxnOps ?? maxTxnOpsDefault;
    this.leaseTtlSecondsMin = options.leaseTtlSecondsMin ?? 2;
    this.applyInTransaction = db.transaction((index: number, term: number, request: WriteRequest) =>
      this.applyEntry(index, term, request),
    );
  }

  // ---- applying committed entries ----

  /**
   * Applies one committed entry and records (index, term) as applied in the same SQLite
   * transaction (a savepoint inside the caller's). A failing request changes nothing but the
   * applied index and comes back as the response. An entry at or below the applied index was
   * applied before a restart: it is skipped and answered with an `alreadyApplied` error.
   */
  apply(index: number, term: number, request: WriteRequest): ApplyResult {
    return this.applyInTransaction(index, term, request);
  }

  /** Advances the applied index over an entry that carries no MVCC request (empty or config entries). */
  markApplied(index: number, term: number): void {
    const meta = this.meta();
    if (index > meta.applied_index) this.sql.setApplied.run(index, term, meta.revision);
  }

  private applyEntry(index: number, term: number, request: WriteRequest): ApplyResult {
    const meta = this.meta();
    if (index <= meta.applied_index) return { response: mvccErrors.alreadyApplied(index, meta.applied_index), events: [] };
    const write = new WriteTxn(meta.revision, meta.compact_revision);
    const response = checkWriteRequest(request, this.maxTxnOps) ?? this.execute(write, request);
    // every check runs before the first change, so a failed request has changed nothing
    assert.ok(!(response instanceof MvccError) || write.sub === 0, "a failed request changed the store");
    this.sql.setApplied.run(index, term, write.sub > 0 ? write.revision : meta.revision);
    return { response, events: write.events };
  }

  private execute(write: WriteTxn, request: WriteRequest): WriteResponse | MvccError {
    if ("put" in request) {
      const error = this.checkPut(request.put, true);
      return error ?? { put: this.put(write, request.put) };
    }
    if ("deleteRange" in request) return { deleteRange: this.deleteRange(write, request.deleteRange) };
    if ("txn" in request) {
      const response = this.txn(write, request.txn);
      return response instanceof MvccError ? response : { txn: response };
    }
    if ("compaction" in request) return this.compact(write, request.compaction);
    if ("leaseGrant" in request) return this.leaseGrant(write, request.leaseGrant);
    if ("leaseRevoke" in request) return this.leaseRevoke(write, request.leaseRevoke);
    return mvccErrors.unknownRequest();
  }

  /**
   * What etcd checks before a put changes anything: the lease exists, and a key exists for
   * ignore_value / ignore_lease. A lone put checks the lease first, a txn's put the key first.
   */
  private checkPut(request: PutRequest, leaseFirst: boolean): MvccError | undefined {
    const lease = request.lease ?? 0;
    const leaseError = lease !== 0 && this.sql.lease.get(lease) === undefined ? mvccErrors.leaseNotFound() : undefined;
    const ignores = request.ignoreValue === true || request.ignoreLease === true;
    const keyError = ignores && this.reader.current(request.key) === undefined ? mvccErrors.keyNotFound() : undefined;
    return leaseFirst ? (leaseError ?? keyError) : (keyError ?? leaseError);
  }

  private put(write: WriteTxn, request: PutRequest): PutResponse {
    const key = asBuffer(request.key);
    const old = this.reader.current(key);
    const value = request.ignoreValue === true && old !== undefined ? old.value : request.value;
    const lease = request.ignoreLease === true && old !== undefined ? old.lease : (request.lease ?? 0);
    const revision = write.revision;
    const kv: KeyValue = {
      key,
      createRevision: old?.createRevision ?? revision,
      modRevision: revision,
      version: (old?.version ?? 0) + 1,
      value,
      lease,
    };
    const { lastInsertRowid } = this.sql.insertKv.run(key, revision, write.sub, kv.createRevision, kv.version, asBuffer(value), lease);
    this.sql.upsertCurrent.run(key, Number(lastInsertRowid), lease);
    write.record("PUT", kv, old);
    return request.prevKv === true && old !== undefined ? { revision, prevKv: old } : { revision };
  }

  private deleteRange(write: WriteTxn, request: DeleteRangeRequest): DeleteRangeResponse {
    const victims = this.reader.currentRange(request.key, request.rangeEnd);
    for (const kv of victims) this.deleteKey(write, kv);
    return { revision: write.headerRevision, deleted: victims.length, prevKvs: request.prevKv === true ? victims : [] };
  }

  /** A deletion is a tombstone version: version 0, no value, no lease. */
  private deleteKey(write: WriteTxn, kv: KeyValue): void {
    const key = asBuffer(kv.key);
    this.sql.insertKv.run(key, write.revision, write.sub, 0, 0, asBuffer(emptyBytes), 0);
    this.sql.deleteCurrent.run(key);
    write.record("DELETE", { key, createRevision: 0, modRevision: write.revision, version: 0, value: emptyBytes, lease: 0 }, kv);
  }

  // ---- transactions ----

  private txn(write: WriteTxn, request: TxnRequest): TxnResponse | MvccError {
    const plan = this.planTxn(request);
    const error = this.checkPlan(write, plan);
    return error ?? this.applyPlan(write, plan, false);
  }

  /** compareToPath: every compare on the chosen path, nested ones too, sees the state before the txn. */
  private planTxn(request: TxnRequest): TxnPlan {
    const succeeded = request.compare.every((compare) => this.evaluate(compare));
    const ops = succeeded ? request.success : request.failure;
    const nested = ops.flatMap((op) => ("requestTxn" in op ? [this.planTxn(op.requestTxn)] : []));
    return { succeeded, ops, nested };
  }

  /** applyCompare: every key of the range must pass; comparing the value of a missing key fails. */
  private evaluate(compare: Compare): boolean {
    const kvs = this.reader.currentRange(compare.key, compare.rangeEnd);
    if (kvs.length === 0) return compare.target !== "VALUE" && compareKv(compare, absentKv);
    return kvs.every((kv) => compareKv(compare, kv));
  }

  /** checkRequests along the path, against the state before the txn: puts (checkPut) and ranges (checkRange). */
  private checkPlan(write: WriteTxn, plan: TxnPlan): MvccError | undefined {
    let nested = 0;
    for (const op of plan.ops) {
      let error: MvccError | undefined;
      if ("requestPut" in op) error = this.checkPut(op.requestPut, false);
      else if ("requestRange" in op) error = this.checkTxnRange(write, op.requestRange);
      else if ("requestTxn" in op) {
        const child = plan.nested[nested++];
        assert.ok(child !== undefined);
        error = this.checkPlan(write, child);
      }
      if (error !== undefined) return error;
    }
    return undefined;
  }

  /** checkRange: unlike a lone range, a negative revision in a txn is "compacted" (-1 < every floor but the first). */
  private checkTxnRange(write: WriteTxn, request: RangeRequest): MvccError | undefined {
    const revision = request.revision ?? 0;
    if (revision === 0) return undefined;
    if (revision > write.beginRevision) return mvccErrors.futureRevision();
    if (revision < write.compactRevision) return mvccErrors.compacted();
    return undefined;
  }

  /** applyTxn: ops in order, each seeing the ones before it; a nested txn answers with no revision. */
  private applyPlan(write: WriteTxn, plan: TxnPlan, isNested: boolean): TxnResponse {
    let nested = 0;
    const responses = plan.ops.map((op): ResponseOp => {
      if ("requestRange" in op) return { responseRange: this.reader.range(op.requestRange, write.view()) };
      if ("requestPut" in op) return { responsePut: this.put(write, op.requestPut) };
      if ("requestDeleteRange" in op) return { responseDeleteRange: this.deleteRange(write, op.requestDeleteRange) };
      const child = plan.nested[nested++];
      assert.ok(child !== undefined);
      return { responseTxn: this.applyPlan(write, child, true) };
    });
    return { revision: isNested ? 0 : write.headerRevision, succeeded: plan.succeeded, responses };
  }

  // ---- compaction and leases ----

  /** Compacting at R keeps reads at R; R at or below the last compaction, or above the current revision, fails. */
  private compact(write: WriteTxn, request: CompactionRequest): WriteResponse | MvccError {
    if (request.revision <= write.compactRevision) return mvccErrors.compacted();
    if (request.revision > write.beginRevision) return mvccErrors.futureRevision();
    this.sql.compact.run({ previous: Math.max(write.compactRevision, 0), revision: request.revision });
    this.sql.setCompactRevision.run(request.revision);
    return { compaction: { revision: write.beginRevision } };
  }

  /** lessor.Grant: ID 0 is "not found", TTLs above MaxLeaseTTL fail, short ones are raised to the minimum. */
  private leaseGrant(write: WriteTxn, request: LeaseGrantRequest): WriteResponse | MvccError {
    if (request.id === 0) return mvccErrors.leaseNotFound();
    if (request.ttlSeconds > leaseTtlSecondsMax) return mvccErrors.leaseTtlTooLarge();
    if (this.sql.lease.get(request.id) !== undefined) return mvccErrors.leaseExists();
    const ttlSeconds = Math.max(request.ttlSeconds, this.leaseTtlSecondsMin);
    this.sql.insertLease.run(request.id, ttlSeconds);
    return { leaseGrant: { revision: write.beginRevision, id: request.id, ttlSeconds } };
  }

  /** lessor.Revoke: every attached key is deleted, in key order, in one revision (none if no keys). */
  private leaseRevoke(write: WriteTxn, request: LeaseRevokeRequest): WriteResponse | MvccError {
    if (this.sql.lease.get(request.id) === undefined) return mvccErrors.leaseNotFound();
    for (const row of this.sql.leaseKvs.all(request.id)) this.deleteKey(write, toKeyValue(row));
    this.sql.deleteLease.run(request.id);
    return { leaseRevoke: { revision: write.headerRevision } };
  }

  // ---- reads ----

  /** etcd's Range at the current state. Throws MvccError (empty key, compacted, future revision). */
  range(request: RangeRequest): RangeResponse {
    const error = checkRangeRequest(request);
    if (error !== undefined) throw error;
    const meta = this.meta();
    return this.reader.range(request, { currentRevision: meta.revision, compactRevision: meta.compact_revision });
  }

  /**
   * A txn of ranges only (isTxnReadOnly), answered locally like etcd does after a ReadIndex,
   * without a Raft entry. Throws MvccError as range() does, and for a txn that writes.
   */
  readTxn(request: TxnRequest): TxnResponse {
    const error = checkTxnRequest(request, this.maxTxnOps);
    if (error !== undefined) throw error;
    if (!isTxnReadOnly(request)) throw new MvccError(GrpcCode.invalidArgument, "mvcc: a txn that writes must be proposed");
    const meta = this.meta();
    const write = new WriteTxn(meta.revision, meta.compact_revision);
    const result = this.txn(write, request);
    if (result instanceof MvccError) throw result;
    return result;
  }

  appliedIndex(): number {
    return this.meta().applied_index;
  }

  appliedTerm(): number {
    return this.meta().applied_term;
  }

  currentRevision(): number {
    return this.meta().revision;
  }

  /** The revision of the last compaction, 0 if none yet. */
  compactRevision(): number {
    return Math.max(this.meta().compact_revision, 0);
  }

  /**
   * History replay for a watch: every change to the span with modRevision >= startRevision,
   * in revision order. A revision is never split: the last one is completed even past maxEvents.
   * startRevision <= 0 means "from now" (no events). Throws the compacted error when
   * startRevision is at or below the compact revision — stricter than etcd 3.4, which accepts
   * startRevision = compact revision and then silently misses the deletions at it.
   */
  eventsSince(
    startRevision: number,
    key: Uint8Array,
    rangeEnd: Uint8Array | undefined,
    prevKv: boolean,
    maxEvents: number,
  ): EventsSinceResult {
    assert.ok(maxEvents >= 1, "maxEvents must be at least 1");
    const meta = this.meta();
    if (startRevision <= 0) return { events: [], lastRevision: meta.revision };
    if (startRevision < Math.max(meta.compact_revision, 0)) throw mvccErrors.compacted();
    const span = keySpan(key, rangeEnd);
    const spanParams = span.kind === "between" ? [span.key, span.end] : [span.key];
    const columns = "key, mod_revision, sub, create_revision, version, value, lease";
    const spanWhere = span.kind === "single" ? "key = ?" : span.kind === "from" ? "key >= ?" : "key >= ? AND key < ?";
    // one key: its own versions (primary key); a range: the revision index
    const table = span.kind === "single" ? "mvcc_kv" : "mvcc_kv INDEXED BY mvcc_kv_by_revision";
    const rows = this.eventStatement(
      `first:${span.kind}`,
      `SELECT ${columns} FROM ${table} WHERE ${spanWhere} AND mod_revision >= ? ORDER BY mod_revision, sub LIMIT ?`,
    ).all(...spanParams, startRevision, maxEvents) as (KvRow & { sub: number })[];
    let lastRevision = Math.max(meta.revision, startRevision - 1);
    const last = rows[rows.length - 1];
    if (rows.length === maxEvents && last !== undefined) {
      const rest = this.eventStatement(
        `rest:${span.kind}`,
        `SELECT ${columns} FROM ${table} WHERE ${spanWhere} AND mod_revision = ? AND sub > ? ORDER BY sub`,
      ).all(...spanParams, last.mod_revision, last.sub) as (KvRow & { sub: number })[];
      rows.push(...rest);
      lastRevision = last.mod_revision;
    }
    return { events: rows.map((row) => this.toEvent(row, prevKv)), lastRevision };
  }

  private toEvent(row: KvRow, withPrevKv: boolean): WatchEvent {
    const event: WatchEvent =
      row.version === 0
        ? { type: "DELETE", kv: { key: row.key, createRevision: 0, modRevision: row.mod_revision, version: 0, value: emptyBytes, lease: 0 } }
        : { type: "PUT", kv: toKeyValue(row) };
    if (withPrevKv) {
      const before = this.sql.kvBefore.get(row.key, row.mod_revision);
      if (before !== undefined && before.version > 0) event.prevKv = toKeyValue(before);
    }
    return event;
  }

  private eventStatement(shape: string, sql: string): Database.Statement {
    let statement = this.eventStatements.get(shape);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.eventStatements.set(shape, statement);
    }
    return statement;
  }

  /** Every lease with its attached keys, by ID. */
  leases(): LeaseInfo[] {
    return this.sql.leases.all().map((row) => this.leaseInfo(row));
  }

  lease(id: number): LeaseInfo | undefined {
    const row = this.sql.lease.get(id);
    return row === undefined ? undefined : this.leaseInfo(row);
  }

  private leaseInfo(row: { id: number; ttl_seconds: number }): LeaseInfo {
    return { id: row.id, ttlSeconds: row.ttl_seconds, keys: this.sql.leaseKeys.all(row.id) };
  }

  // ---- snapshots, hashing, integrity ----

  /** The whole MVCC state (history, leases, revisions, applied index and term) as bytes. */
  snapshot(): Uint8Array {
    return this.db.transaction(() => {
      const writer = new ByteWriter();
      writer.bytes(snapshotMagic);
      const meta = this.meta();
      for (const n of [meta.applied_index, meta.applied_term, meta.revision, meta.compact_revision]) writer.number(n);
      writer.number(this.sql.countLeases.get() ?? 0);
      for (const lease of this.sql.leases.iterate()) {
        writer.number(lease.id);
        writer.number(lease.ttl_seconds);
      }
      writer.number(this.sql.countKv.get() ?? 0);
      for (const row of this.sql.allKv.iterate()) {
        const [key, modRevision, sub, createRevision, version, value, lease] = row as [Buffer, number, number, number, number, Buffer, number];
        writer.bytes(key);
        for (const n of [modRevision, sub, createRevision, version, lease]) writer.number(n);
        writer.bytes(value);
      }
      return writer.finish();
    })();
  }

  /** Replaces this store's whole state with a snapshot's, in one transaction (nothing changes if it is malformed). */
  restore(data: Uint8Array): void {
    this.db.transaction(() => {
      const reader = new ByteReader(data);
      if (compareBytes(reader.bytes(), snapshotMagic) !== 0) throw new Error("mvcc snapshot: not a kube-lite MVCC snapshot");
      const [appliedIndex, appliedTerm, revision, compactRevision] = [reader.number(), reader.number(), reader.number(), reader.number()];
      this.sql.clear.run();
      this.sql.clearCurrent.run();
      this.sql.clearLeases.run();
      for (let leases = reader.count(); leases > 0; leases--) this.sql.insertLease.run(reader.number(), reader.number());
      for (let kvs = reader.count(); kvs > 0; kvs--) {
        const key = reader.bytes();
        const [modRevision, sub, createRevision, version, lease] = [reader.number(), reader.number(), reader.number(), reader.number(), reader.number()];
        this.sql.insertKv.run(key, modRevision, sub, createRevision, version, reader.bytes(), lease);
      }
      reader.end();
      this.sql.rebuildCurrent.run();
      this.sql.setMeta.run(appliedIndex, appliedTerm, revision, compactRevision);
    })();
  }

  /**
   * SHA-256 over the revision, the compact revision, every stored version (history included)
   * and every lease: equal on members that applied the same entries, whatever their applied index.
   */
  hash(): string {
    return this.db.transaction(() => {
      const hash = createHash("sha256");
      const number = new DataView(new ArrayBuffer(8));
      const feedNumber = (n: number): void => {
        number.setFloat64(0, n, true);
        hash.update(new Uint8Array(number.buffer));
      };
      const feedBytes = (bytes: Uint8Array): void => {
        feedNumber(bytes.length);
        hash.update(bytes);
      };
      const meta = this.meta();
      feedNumber(meta.revision);
      feedNumber(meta.compact_revision);
      for (const row of this.sql.allKv.iterate()) {
        const [key, modRevision, sub, createRevision, version, value, lease] = row as [Buffer, number, number, number, number, Buffer, number];
        feedBytes(key);
        for (const n of [modRevision, sub, createRevision, version, lease]) feedNumber(n);
        feedBytes(value);
      }
      for (const lease of this.sql.leases.iterate()) {
        feedNumber(lease.id);
        feedNumber(lease.ttl_seconds);
      }
      return hash.digest("hex");
    })();
  }

  /** Asserts that mvcc_current is exactly each key's latest non-tombstone version (for tests and checks). */
  verifyIntegrity(): void {
    assert.deepStrictEqual(this.sql.storedCurrent.all(), this.sql.derivedCurrent.all(), "mvcc_current is out of step with mvcc_kv");
  }

  private meta(): MetaRow {
    const meta = this.sql.meta.get();
    assert.ok(meta !== undefined, "mvcc_meta row missing");
    return meta;
  }
}
