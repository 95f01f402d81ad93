// Helpers for the store/mvcc tests: requests from strings, results as plain readable objects
// shaped like etcd's JSON gateway answers (keys and values as text, zero fields left out).
import Database from "better-sqlite3";
import { MvccStore } from "./mvcc-store.js";
import type { MvccStoreOptions } from "./mvcc-store.js";
import type {
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  KeyValue,
  PutRequest,
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
import { MvccError } from "./types.js";

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array): string => Buffer.from(data).toString("latin1");

/** A key-value as etcd's gateway shows it: zero fields are left out. */
export interface ShownKv {
  key: string;
  create?: number;
  mod?: number;
  version?: number;
  value?: string;
  lease?: number;
}

export function showKv(kv: KeyValue): ShownKv {
  const shown: ShownKv = { key: text(kv.key) };
  if (kv.createRevision !== 0) shown.create = kv.createRevision;
  if (kv.modRevision !== 0) shown.mod = kv.modRevision;
  if (kv.version !== 0) shown.version = kv.version;
  if (kv.value.length !== 0) shown.value = text(kv.value);
  if (kv.lease !== 0) shown.lease = kv.lease;
  return shown;
}

export const kv = (key: string, create: number, mod: number, version: number, value?: string, lease?: number): ShownKv => ({
  key,
  create,
  mod,
  version,
  ...(value === undefined || value === "" ? {} : { value }),
  ...(lease === undefined || lease === 0 ? {} : { lease }),
});

export function showRange(response: RangeResponse): { revision: number; kvs: ShownKv[]; more: boolean; count: number } {
  return { revision: response.revision, kvs: response.kvs.map(showKv), more: response.more, count: response.count };
}

export type Shown = Record<string, unknown>;

export function showResponseOp(op: ResponseOp): Shown {
  if ("responseRange" in op) return { range: showRange(op.responseRange) };
  if ("responsePut" in op) return { put: showPut(op.responsePut) };
  if ("responseDeleteRange" in op) return { deleteRange: showDelete(op.responseDeleteRange) };
  return { txn: showTxn(op.responseTxn) };
}

export function showTxn(response: TxnResponse): Shown {
  return { revision: response.revision, succeeded: response.succeeded, responses: response.responses.map(showResponseOp) };
}

function showPut(response: { revision: number; prevKv?: KeyValue }): Shown {
  return response.prevKv === undefined ? { revision: response.revision } : { revision: response.revision, prevKv: showKv(response.prevKv) };
}

function showDelete(response: { revision: number; deleted: number; prevKvs: KeyValue[] }): Shown {
  return { revision: response.revision, deleted: response.deleted, prevKvs: response.prevKvs.map(showKv) };
}

export function showResponse(response: WriteResponse | MvccError): Shown {
  if (response instanceof MvccError) return { error: response.message, code: response.code };
  if ("put" in response) return { put: showPut(response.put) };
  if ("deleteRange" in response) return { deleteRange: showDelete(response.deleteRange) };
  if ("txn" in response) return { txn: showTxn(response.txn) };
  if ("compaction" in response) return { compaction: response.compaction };
  if ("leaseGrant" in response) return { leaseGrant: response.leaseGrant };
  return { leaseRevoke: response.leaseRevoke };
}

export function showEvent(event: WatchEvent): Shown {
  return event.prevKv === undefined
    ? { type: event.type, kv: showKv(event.kv) }
    : { type: event.type, kv: showKv(event.kv), prevKv: showKv(event.prevKv) };
}

export const error = (message: string, code: number): Shown => ({ error: message, code });
export const compacted = error("etcdserver: mvcc: required revision has been compacted", 11);
export const future = error("etcdserver: mvcc: required revision is a future revision", 11);

// ---- requests ----

type PutOptions = Omit<PutRequest, "key" | "value">;
type RangeOptions = Omit<RangeRequest, "key" | "rangeEnd"> & { end?: string };

export const putOp = (key: string, value: string, options: PutOptions = {}): PutRequest => ({ key: bytes(key), value: bytes(value), ...options });
export const rangeOp = (key: string, options: RangeOptions = {}): RangeRequest => {
  const { end, ...rest } = options;
  return { key: bytes(key), ...(end === undefined ? {} : { rangeEnd: bytes(end) }), ...rest };
};
export const deleteOp = (key: string, end?: string, prevKv?: boolean): DeleteRangeRequest => ({
  key: bytes(key),
  ...(end === undefined ? {} : { rangeEnd: bytes(end) }),
  ...(prevKv === undefined ? {} : { prevKv }),
});

export const put = (key: string, value: string, options: PutOptions = {}): WriteRequest => ({ put: putOp(key, value, options) });
export const del = (key: string, end?: string, prevKv?: boolean): WriteRequest => ({ deleteRange: deleteOp(key, end, prevKv) });
export const txn = (compare: Compare[], success: RequestOp[] = [], failure: RequestOp[] = []): WriteRequest => ({
  txn: { compare, success, failure },
});
export const txnOf = (compare: Compare[], success: RequestOp[] = [], failure: RequestOp[] = []): TxnRequest => ({ compare, success, failure });

export const rp = (key: string, value: string, options: PutOptions = {}): RequestOp => ({ requestPut: putOp(key, value, options) });
export const rr = (key: string, options: RangeOptions = {}): RequestOp => ({ requestRange: rangeOp(key, options) });
export const rd = (key: string, end?: string, prevKv?: boolean): RequestOp => ({ requestDeleteRange: deleteOp(key, end, prevKv) });
export const rt = (compare: Compare[], success: RequestOp[] = [], failure: RequestOp[] = []): RequestOp => ({
  requestTxn: { compare, success, failure },
});

export function cmp(
  key: string,
  target: CompareTarget,
  result: CompareResult,
  operand: number | string | undefined,
  rangeEnd?: string,
): Compare {
  const compare: Compare = { key: bytes(key), target, result, ...(rangeEnd === undefined ? {} : { rangeEnd: bytes(rangeEnd) }) };
  if (operand === undefined) return compare;
  if (target === "VALUE") return { ...compare, value: bytes(String(operand)) };
  const field = { VERSION: "version", CREATE: "createRevision", MOD: "modRevision", LEASE: "lease" } as const;
  return { ...compare, [field[target]]: Number(operand) };
}

/** A store on a fresh in-memory database that numbers its entries itself. */
export class Harness {
  readonly db = new Database(":memory:");
  readonly store: MvccStore;
  index = 0;

  constructor(options?: MvccStoreOptions) {
    this.store = new MvccStore(this.db, options);
  }

  apply(request: WriteRequest): { response: WriteResponse | MvccError; events: WatchEvent[] } {
    this.index += 1;
    return this.store.apply(this.index, 1, request);
  }

  /** Applies and shows the response as etcd's gateway would (errors included). */
  run(request: WriteRequest): Shown {
    return showResponse(this.apply(request).response);
  }

  /** Applies each request, expecting none to fail. */
  all(...requests: WriteRequest[]): void {
    for (const request of requests) {
      const { response } = this.apply(request);
      if (response instanceof MvccError) throw new Error(`unexpected ${response.message}`);
    }
  }

  range(key: string, options: RangeOptions = {}): ReturnType<typeof showRange> | Shown {
    try {
      return showRange(this.store.range(rangeOp(key, options)));
    } catch (thrown) {
      if (thrown instanceof MvccError) return error(thrown.message, thrown.code);
      throw thrown;
    }
  }

  /** The keys of a range, as text. */
  keys(key: string, options: RangeOptions = {}): string[] {
    return this.store.range(rangeOp(key, options)).kvs.map((kv) => text(kv.key));
  }
}
