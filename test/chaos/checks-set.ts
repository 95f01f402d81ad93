// The append-only set against a member's final state: nothing acknowledged lost, nothing invented.
import type { EventRecord, SetOp } from "./history.js";

export interface SetReport {
  readonly ok: boolean;
  readonly acknowledged: number;
  /** Writes with an unknown outcome found applied / not applied. */
  readonly unknownApplied: number;
  readonly unknownAbsent: number;
  readonly violations: string[];
}

/** `state`: the member's keys under the set's prefix (from a full range read). */
export function checkAppendSet(ops: readonly SetOp[], state: ReadonlyMap<string, Omit<EventRecord, "type">>, where: string): SetReport {
  const violations: string[] = [];
  const byKey = new Map(ops.map((op) => [op.key, op]));
  let acknowledged = 0;
  let unknownApplied = 0;
  let unknownAbsent = 0;
  for (const op of ops) {
    const kv = state.get(op.key);
    if (op.outcome === "ok") {
      acknowledged += 1;
      if (kv === undefined) violations.push(`${where}: acknowledged write lost: ${op.key} (revision ${op.revision ?? "?"}, acknowledged at ${op.returnMs?.toFixed(0) ?? "?"} ms)`);
      else if (kv.value !== op.value || kv.modRevision !== op.revision || kv.version !== 1) {
        violations.push(`${where}: ${op.key} acknowledged as ${op.value} at revision ${op.revision ?? "?"}, found ${kv.value} at revision ${kv.modRevision} (version ${kv.version})`);
      }
    } else if (op.outcome === "unknown") {
      if (kv === undefined) unknownAbsent += 1;
      else unknownApplied += 1;
    } else if (kv !== undefined) {
      violations.push(`${where}: ${op.key} is present, yet its write was refused (${op.error ?? "failed"})`);
    }
  }
  for (const [key, kv] of state) {
    const op = byKey.get(key);
    if (op === undefined) violations.push(`${where}: ${key} = ${kv.value} was never written by the workload (invented)`);
    else if (kv.value !== op.value) violations.push(`${where}: ${key} holds ${kv.value}, but only ${op.value} was ever written to it`);
  }
  return { ok: violations.length === 0, acknowledged, unknownApplied, unknownAbsent, violations: violations.slice(0, 20) };
}
