// The SQLite tables of the MVCC store. Every name starts with mvcc_ (other parts of a member share
// the database file). Keys and values are BLOBs, so comparisons are memcmp: byte order, as etcd.
import type { Buffer } from "node:buffer";
import { emptyBytes } from "./bytes.js";
import type { KeyValue } from "./types.js";

/** compact_revision before any compaction: etcd starts compactMainRev at -1, so compacting at 0 succeeds once. */
export const neverCompacted = -1;

export const schemaSql = `
CREATE TABLE IF NOT EXISTS mvcc_meta (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  applied_index INTEGER NOT NULL,
  applied_term INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  compact_revision INTEGER NOT NULL
);
INSERT OR IGNORE INTO mvcc_meta (id, applied_index, applied_term, revision, compact_revision)
  VALUES (0, 0, 0, 1, ${neverCompacted});

-- Every version of every key; a deletion is a tombstone row with version 0. Rows are appended
-- in (mod_revision, sub) order, values stored once, in a rowid table (large rows do not suit a
-- WITHOUT ROWID b-tree). One revision may touch a key twice (a txn's put, then its delete of
-- ["a", "\\0")), hence sub.
CREATE TABLE IF NOT EXISTS mvcc_kv (
  id INTEGER PRIMARY KEY,
  key BLOB NOT NULL,
  mod_revision INTEGER NOT NULL,
  sub INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  version INTEGER NOT NULL,
  value BLOB NOT NULL,
  lease INTEGER NOT NULL
);
-- reads of the past, prevKv, compaction
CREATE UNIQUE INDEX IF NOT EXISTS mvcc_kv_by_key ON mvcc_kv (key, mod_revision, sub);
-- history replay for watches, in revision order
CREATE INDEX IF NOT EXISTS mvcc_kv_by_revision ON mvcc_kv (mod_revision, sub);

-- The live keys at the current revision: each key's latest mvcc_kv row unless a tombstone, kept
-- in step by every write, so reads of the present never scan history. Small rows, key order.
CREATE TABLE IF NOT EXISTS mvcc_current (
  key BLOB PRIMARY KEY,
  kv_id INTEGER NOT NULL,
  lease INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mvcc_current_by_lease ON mvcc_current (lease, key) WHERE lease <> 0;

CREATE TABLE IF NOT EXISTS mvcc_lease (
  id INTEGER PRIMARY KEY,
  ttl_seconds INTEGER NOT NULL
);
`;

/** The columns every key-value query selects, in this order. */
export const kvColumns = "key, create_revision, mod_revision, version, value, lease";

export interface KvRow {
  key: Buffer;
  create_revision: number;
  mod_revision: number;
  version: number;
  value: Buffer;
  lease: number;
}

export function toKeyValue(row: KvRow): KeyValue {
  return {
    key: row.key,
    createRevision: row.create_revision,
    modRevision: row.mod_revision,
    version: row.version,
    value: row.value,
    lease: row.lease,
  };
}

/** A row of kvColumns in raw (array) mode, cheaper than an object per row on big ranges; a null value when keysOnly left it out. */
export type KvTuple = [key: Buffer, createRevision: number, modRevision: number, version: number, value: Buffer | null, lease: number];

export function tupleToKeyValue(row: KvTuple): KeyValue {
  return { key: row[0], createRevision: row[1], modRevision: row[2], version: row[3], value: row[4] ?? emptyBytes, lease: row[5] };
}

export interface MetaRow {
  applied_index: number;
  applied_term: number;
  revision: number;
  compact_revision: number;
}
