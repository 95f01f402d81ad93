// The replay check: the applied history (the reference watcher's, which the watch checks prove
// equal to every other watcher's and to each member's own history read back after healing),
// replayed revision by revision through a model of the key-value store, must
//  - be a history the store could have applied (each event's version, create and mod revision
//    follow from the model's state before it; a delete removes a key that exists), and
//  - give every answer a client saw: each acknowledged write's revision holds exactly that put,
//    each compare-and-swap's outcome is what its compare gives on the model's state (a success
//    found the expected value just before its revision, a failure did not find it at the
//    revision it answered with), each read is the model's value and mod revision at its revision.
// Register reads are replayed in checks-registers.ts (replayRegisters); this file adds the rest.
import type { EventRecord, LockStep, RegisterOp, SetOp } from "./history.js";
import type { ReferenceHistory } from "./reference.js";
import { covers } from "./reference.js";

type ModelEntry = Pick<EventRecord, "createRevision" | "version" | "value">;

/** The history is trusted as a whole up to its first compaction gap: the model needs every revision. */
export function trustedUntil(reference: ReferenceHistory): number {
  return Math.min(reference.coverage.last, ...reference.coverage.gaps.map(([from]) => from - 1));
}

/** Replays the history through the model: every event must follow from the state before it. */
export function replayModel(reference: ReferenceHistory): string[] {
  const violations: string[] = [];
  const model = new Map<string, ModelEntry>();
  const until = trustedUntil(reference);
  for (const [revision, events] of reference.batches()) {
    if (revision > until) break;
    for (const event of events) {
      const before = model.get(event.key);
      const where = `revision ${revision}: ${event.type} ${event.key}`;
      if (event.type === "DELETE") {
        if (before === undefined) violations.push(`${where}: deletes a key that does not exist`);
        model.delete(event.key);
        continue;
      }
      const expected = { createRevision: before?.createRevision ?? revision, version: (before?.version ?? 0) + 1, modRevision: revision };
      if (event.createRevision !== expected.createRevision || event.version !== expected.version || event.modRevision !== expected.modRevision) {
        violations.push(
          `${where}: create ${event.createRevision} version ${event.version} mod ${event.modRevision}, the replayed state gives create ${expected.createRevision} version ${expected.version} mod ${expected.modRevision}`,
        );
      }
      model.set(event.key, { createRevision: expected.createRevision, version: expected.version, value: event.value });
    }
  }
  return violations.slice(0, 20);
}

/** Compare-and-swap outcomes: what the compare gives on the replayed state. */
export function replayCompareAndSwaps(ops: readonly RegisterOp[], reference: ReferenceHistory): string[] {
  const violations: string[] = [];
  const until = trustedUntil(reference);
  for (const op of ops) {
    if (op.kind !== "cas" || op.outcome !== "ok" || op.revision === undefined || op.revision > until) continue;
    const describe = `client ${op.client} cas(${op.key}, ${JSON.stringify(op.expected)} → ${op.value ?? ""}) at ${op.callMs.toFixed(0)} ms`;
    // A success wrote at its revision, so its compare saw the state just before; a failure wrote
    // nothing and answered with the revision its compare saw.
    const at = op.succeeded === true ? op.revision - 1 : op.revision;
    if (!covers(reference.coverage, at)) continue;
    const kv = reference.valueAt(op.key, at, true);
    if (kv === undefined) continue;
    const found = kv === null ? null : kv.value;
    const holds = found === (op.expected ?? null);
    if (holds !== (op.succeeded === true)) {
      violations.push(`${describe} answered ${op.succeeded === true ? "success" : "compare failed"} at revision ${op.revision}, the replayed state has ${JSON.stringify(found)} at revision ${at}`);
    }
  }
  return violations.slice(0, 20);
}

/** A write acknowledged at a revision: the history must have that put there. */
export interface AcknowledgedPut {
  readonly what: string;
  readonly key: string;
  readonly value: string;
  readonly revision: number;
}

export function replayAcknowledgedPuts(puts: readonly AcknowledgedPut[], reference: ReferenceHistory): string[] {
  const violations: string[] = [];
  for (const put of puts) {
    if (!covers(reference.coverage, put.revision)) continue;
    const event = reference.putAt(put.revision, put.key);
    if (event === undefined || event.value !== put.value) {
      violations.push(`${put.what} ${put.key}=${put.value} acknowledged at revision ${put.revision}, the history has ${event === undefined ? "no put of the key there" : `value ${event.value}`}`);
    }
  }
  return violations.slice(0, 20);
}

/** The set's and the lock's acknowledged puts (register puts are replayed with the registers). */
export function acknowledgedPuts(setOps: readonly SetOp[], lockSteps: readonly LockStep[], lockResource: string): AcknowledgedPut[] {
  const puts: AcknowledgedPut[] = [];
  for (const op of setOps) if (op.outcome === "ok" && op.revision !== undefined) puts.push({ what: `set writer ${op.writer}`, key: op.key, value: op.value, revision: op.revision });
  for (const step of lockSteps) {
    if (step.kind === "write" && step.outcome === "ok" && step.succeeded === true && step.revision !== undefined && step.value !== undefined) {
      puts.push({ what: `locker ${step.locker} write`, key: lockResource, value: step.value, revision: step.revision });
    }
  }
  return puts;
}
