// Reads of the key space, present and past, with etcd 3.4's Range semantics
// (etcdserver/apply.go Range, mvcc/kvstore_txn.go rangeKeys).
import type Database from "better-sqlite3";
import type { Buffer } from "node:buffer";
import { keySpan } from "./bytes.js";
import type { KeySpan } from "./bytes.js";
import { mvccErrors } from "./errors.js";
import { kvColumns, toKeyValue, tupleToKeyValue } from "./schema.js";
import type { KvRow, KvTuple } from "./schema.js";
import type { KeyValue, RangeRequest, RangeResponse, SortOrder, SortTarget } from "./types.js";

/** What a read sees: the revision it calls current, and the compaction floor (raw, -1 if never). */
export interface ReadView {
  currentRevision: number;
  compactRevision: number;
}

/** Distinct SQL shapes are few (source × span × filter × order × limit × keysOnly); this bounds the cache anyway. */
const statementCacheMax = 512;

const sortColumns: Record<SortTarget, string> = {
  KEY: "key",
  VERSION: "version",
  CREATE: "create_revision",
  MOD: "mod_revision",
  VALUE: "value",
};

type Param = Buffer | number;

/** A row source (kvColumns) of the live keys of `span` at a revision, and the SQL counting them. */
function source(span: KeySpan, revision: number | undefined): { from: string; count: string; params: Param[] } {
  const spanParams: Param[] = span.kind === "between" ? [span.key, span.end] : [span.key];
  if (revision === undefined) {
    const from = `(SELECT c.key AS key, k.create_revision AS create_revision, k.mod_revision AS mod_revision,
        k.version AS version, k.value AS value, k.lease AS lease
      FROM mvcc_current AS c JOIN mvcc_kv AS k ON k.id = c.kv_id WHERE ${spanSql(span, "c.key")})`;
    return { from, count: `SELECT COUNT(*) FROM mvcc_current WHERE ${spanSql(span, "key")}`, params: spanParams };
  }
  // As of `revision`: each key's latest version at or below it, unless that is a tombstone.
  const from = `(SELECT ${kvColumns.replace(/(\w+)/g, "h.$1 AS $1")} FROM mvcc_kv AS h
      WHERE ${spanSql(span, "h.key")} AND h.mod_revision <= ? AND h.version > 0
        AND NOT EXISTS (SELECT 1 FROM mvcc_kv AS n WHERE n.key = h.key AND n.mod_revision <= ?
                        AND (n.mod_revision, n.sub) > (h.mod_revision, h.sub)))`;
  return { from, count: `SELECT COUNT(*) FROM ${from}`, params: [...spanParams, revision, revision] };
}

function spanSql(span: KeySpan, column: string): string {
  switch (span.kind) {
    case "single":
      return `${column} = ?`;
    case "from":
      return `${column} >= ?`;
    case "between":
      return `${column} >= ? AND ${column} < ?`;
  }
}

/** etcd sorts ASCEND by default when the target is not KEY; ties keep key order (Go's stable small-slice sort). */
function orderSql(order: SortOrder, target: SortTarget): string {
  const effective = order === "NONE" && target !== "KEY" ? "ASCEND" : order;
  if (effective === "NONE") return "key";
  const direction = effective === "ASCEND" ? "ASC" : "DESC";
  return target === "KEY" ? `key ${direction}` : `${sortColumns[target]} ${direction}, key ASC`;
}

export class KvReader {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly currentByKey: Database.Statement<[Buffer], KvRow>;

  constructor(private readonly db: Database.Database) {
    this.currentByKey = db.prepare(
      `SELECT c.key AS key, k.create_revision AS create_revision, k.mod_revision AS mod_revision, k.version AS version,
         k.value AS value, k.lease AS lease FROM mvcc_current AS c JOIN mvcc_kv AS k ON k.id = c.kv_id WHERE c.key = ?`,
    );
  }

  /** The live key at the current revision (seen by this SQLite transaction), or undefined. */
  current(key: Uint8Array): KeyValue | undefined {
    const row = this.currentByKey.get(keySpan(key, undefined).key);
    return row === undefined ? undefined : toKeyValue(row);
  }

  /** The live keys of a span at the current revision, in key order. */
  currentRange(key: Uint8Array, rangeEnd: Uint8Array | undefined): KeyValue[] {
    const span = keySpan(key, rangeEnd);
    if (span.kind === "single") {
      const kv = this.current(key);
      return kv === undefined ? [] : [kv];
    }
    const { from, params } = source(span, undefined);
    const rows = this.statement(`cur:${span.kind}`, () => `SELECT ${kvColumns} FROM ${from} ORDER BY key`, true).all(...params) as KvTuple[];
    return rows.map(tupleToKeyValue);
  }

  /**
   * etcd's Range at `view`. The caller has validated the key. The revision checks are
   * rangeKeys': future above the view's revision, 0 or less means current, compacted below the floor.
   */
  range(request: RangeRequest, view: ReadView): RangeResponse {
    let revision = request.revision ?? 0;
    if (revision > view.currentRevision) throw mvccErrors.futureRevision();
    if (revision <= 0) revision = view.currentRevision;
    if (revision < view.compactRevision) throw mvccErrors.compacted();

    const span = keySpan(request.key, request.rangeEnd);
    const { from, count: countSql, params } = source(span, revision < view.currentRevision ? revision : undefined);
    const historical = revision < view.currentRevision ? "h" : "c";
    const count = (): number =>
      this.statement(`count:${historical}:${span.kind}`, () => countSql)
        .pluck()
        .get(...params) as number;

    if (request.countOnly === true) {
      return { revision: view.currentRevision, kvs: [], more: false, count: count() };
    }

    const min = (bound: number | undefined): number => bound ?? 0;
    const max = (bound: number | undefined): number => (bound === undefined || bound === 0 ? Number.MAX_SAFE_INTEGER : bound);
    const filtered =
      (request.minModRevision ?? 0) !== 0 ||
      (request.maxModRevision ?? 0) !== 0 ||
      (request.minCreateRevision ?? 0) !== 0 ||
      (request.maxCreateRevision ?? 0) !== 0;
    const filterParams = filtered
      ? [min(request.minModRevision), max(request.maxModRevision), min(request.minCreateRevision), max(request.maxCreateRevision)]
      : [];
    const limit = request.limit !== undefined && request.limit > 0 ? request.limit : 0;
    const keysOnly = request.keysOnly === true;
    const order = orderSql(request.sortOrder ?? "NONE", request.sortTarget ?? "KEY");

    const shape = `kvs:${historical}:${span.kind}:${filtered}:${order}:${limit > 0}:${keysOnly}`;
    const select = this.statement(shape, () => {
      // an unnamed NULL: ORDER BY value must still see the source's column, not an alias
      const columns = keysOnly ? kvColumns.replace(" value,", " NULL,") : kvColumns;
      const filterSql = filtered ? " WHERE mod_revision >= ? AND mod_revision <= ? AND create_revision >= ? AND create_revision <= ?" : "";
      // one extra row tells whether there are more
      return `SELECT ${columns} FROM ${from}${filterSql} ORDER BY ${order}${limit > 0 ? " LIMIT ?" : ""}`;
    }, true);
    const rows = select.all(...params, ...filterParams, ...(limit > 0 ? [limit + 1] : [])) as KvTuple[];
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    // count is the whole range before the filters: only an unfiltered, unlimited read has it at hand
    const complete = !filtered && !more;
    return { revision: view.currentRevision, kvs: rows.map(tupleToKeyValue), more, count: complete ? rows.length : count() };
  }

  private statement(shape: string, sql: () => string, raw = false): Database.Statement {
    let statement = this.statements.get(shape);
    if (statement === undefined) {
      if (this.statements.size >= statementCacheMax) this.statements.clear();
      statement = this.db.prepare(sql());
      if (raw) statement.raw(true);
      this.statements.set(shape, statement);
    }
    return statement;
  }
}
