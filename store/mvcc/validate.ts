// The request checks etcd makes at its gRPC edge (etcdserver/api/v3rpc/key.go) before proposing.
// The server may run them before proposing, as etcd does; apply() runs them again so that an
// invalid entry changes nothing on every member. Pure functions of the request: deterministic.
import { asBuffer, compareBytes } from "./bytes.js";
import { mvccErrors } from "./errors.js";
import type { DeleteRangeRequest, MvccError, PutRequest, RangeRequest, RequestOp, TxnRequest, WriteRequest } from "./types.js";

/** etcd's --max-txn-ops default. */
export const maxTxnOpsDefault = 128;

export function checkRangeRequest(request: RangeRequest): MvccError | undefined {
  return request.key.length === 0 ? mvccErrors.emptyKey() : undefined;
}

export function checkPutRequest(request: PutRequest): MvccError | undefined {
  if (request.key.length === 0) return mvccErrors.emptyKey();
  if (request.ignoreValue === true && request.value.length !== 0) return mvccErrors.valueProvided();
  if (request.ignoreLease === true && (request.lease ?? 0) !== 0) return mvccErrors.leaseProvided();
  return undefined;
}

export function checkDeleteRangeRequest(request: DeleteRangeRequest): MvccError | undefined {
  return request.key.length === 0 ? mvccErrors.emptyKey() : undefined;
}

/** checkTxnRequest: op counts (a nested txn gets what its parent left), empty keys, op checks. */
export function checkTxnRequest(request: TxnRequest, maxTxnOps: number): MvccError | undefined {
  const opCount = Math.max(request.compare.length, request.success.length, request.failure.length);
  if (opCount > maxTxnOps) return mvccErrors.tooManyOps();
  for (const compare of request.compare) {
    if (compare.key.length === 0) return mvccErrors.emptyKey();
  }
  for (const op of [...request.success, ...request.failure]) {
    const error = checkRequestOp(op, maxTxnOps - opCount);
    if (error !== undefined) return error;
  }
  return undefined;
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): MvccError | undefined {
  if ("requestRange" in op) return checkRangeRequest(op.requestRange);
  if ("requestPut" in op) return checkPutRequest(op.requestPut);
  if ("requestDeleteRange" in op) return checkDeleteRangeRequest(op.requestDeleteRange);
  return checkTxnRequest(op.requestTxn, maxTxnOps);
}

/** A deleted interval [begin, end); a single key k is [k, k + "\0"). Inverted intervals match nothing. */
interface Interval {
  begin: Uint8Array;
  end: Uint8Array;
}

function pointInterval(key: Uint8Array): Interval {
  const end = new Uint8Array(key.length + 1);
  end.set(key);
  return { begin: key, end };
}

function intersectsPoint(intervals: Interval[], key: Uint8Array): boolean {
  return intervals.some((i) => compareBytes(i.begin, key) <= 0 && compareBytes(key, i.end) < 0);
}

function keyId(key: Uint8Array): string {
  return asBuffer(key).toString("latin1");
}

/**
 * checkIntervals: no key may be put twice, or put and deleted, along any path through the txn
 * (then/else of one nested txn may put the same key). A delete's rangeEnd is taken literally,
 * so [k, "\0") — etcd's "from k" — intersects nothing, as in etcd 3.4.
 */
function checkIntervals(ops: RequestOp[]): { puts: Map<string, Uint8Array>; deletes: Interval[] } | MvccError {
  const deletes: Interval[] = [];
  for (const op of ops) {
    if (!("requestDeleteRange" in op)) continue;
    const { key, rangeEnd } = op.requestDeleteRange;
    deletes.push(rangeEnd !== undefined && rangeEnd.length !== 0 ? { begin: key, end: rangeEnd } : pointInterval(key));
  }
  const puts = new Map<string, Uint8Array>();
  for (const op of ops) {
    if (!("requestTxn" in op)) continue;
    const then = checkIntervals(op.requestTxn.success);
    if (then instanceof Error) return then;
    const otherwise = checkIntervals(op.requestTxn.failure);
    if (otherwise instanceof Error) return otherwise;
    for (const [id, key] of then.puts) {
      if (puts.has(id) || intersectsPoint(deletes, key)) return mvccErrors.duplicateKey();
      puts.set(id, key);
    }
    for (const [id, key] of otherwise.puts) {
      // then and else exclude each other: the same key in both is fine
      if (puts.has(id) && !then.puts.has(id)) return mvccErrors.duplicateKey();
      if (intersectsPoint(deletes, key)) return mvccErrors.duplicateKey();
      puts.set(id, key);
    }
    deletes.push(...then.deletes, ...otherwise.deletes);
  }
  for (const op of ops) {
    if (!("requestPut" in op)) continue;
    const key = op.requestPut.key;
    const id = keyId(key);
    if (puts.has(id) || intersectsPoint(deletes, key)) return mvccErrors.duplicateKey();
    puts.set(id, key);
  }
  return { puts, deletes };
}

/** Every check etcd makes on a write before proposing it. */
export function checkWriteRequest(request: WriteRequest, maxTxnOps: number): MvccError | undefined {
  if ("put" in request) return checkPutRequest(request.put);
  if ("deleteRange" in request) return checkDeleteRangeRequest(request.deleteRange);
  if ("txn" in request) {
    const error = checkTxnRequest(request.txn, maxTxnOps);
    if (error !== undefined) return error;
    for (const branch of [request.txn.success, request.txn.failure]) {
      const result = checkIntervals(branch);
      if (result instanceof Error) return result;
    }
  }
  return undefined;
}

/** isTxnReadonly: only ranges in both branches (a nested txn counts as a write). */
export function isTxnReadOnly(request: TxnRequest): boolean {
  return [...request.success, ...request.failure].every((op) => "requestRange" in op);
}
