// Registers: a Porcupine-style linearizability check of the whole history (the simulator's
// checker and key-value model), then a replay check: the history the store applied, replayed,
// must give every answer the clients saw.
import type { KvInput, KvOutput, Operation } from "../../store/sim/index.js";
import { checkLinearizability, kvModel } from "../../store/sim/index.js";
import type { RegisterOp } from "./history.js";
import type { ReferenceHistory } from "./reference.js";
import { covers } from "./reference.js";

export interface RegisterReport {
  readonly ok: boolean;
  /** Operations handed to the checker. */
  readonly checked: number;
  /** Writes with an unknown outcome, and how many of them the applied history settled (only when the plain search ran out of budget). */
  readonly unknownWrites: number;
  readonly unknownResolved: number;
  readonly inconclusive: boolean;
  readonly violations: string[];
}

/**
 * Operations for the checker. A write whose outcome is unknown returns at +infinity (it may
 * take effect at any time after its call, or never). With a reference history (the applied
 * writes, complete), an unknown write whose value was never applied and never read is known not
 * to have happened, and is left out: it would only widen the search.
 */
export function toOperations(ops: readonly RegisterOp[], applied?: (op: RegisterOp) => boolean): { operations: Operation<KvInput, KvOutput>[]; unknown: number; resolved: number } {
  const readValues = new Set<string>();
  for (const op of ops) if (op.kind === "get" && op.outcome === "ok" && op.readValue !== undefined && op.readValue !== null) readValues.add(op.readValue);
  const operations: Operation<KvInput, KvOutput>[] = [];
  let unknown = 0;
  let resolved = 0;
  for (const op of ops) {
    if (op.outcome === "failed") continue;
    const input = inputOf(op);
    if (op.outcome === "unknown") {
      unknown += 1;
      if (applied !== undefined && !applied(op) && !readValues.has(op.value ?? "")) {
        resolved += 1;
        continue;
      }
      if (applied?.(op) === true) resolved += 1;
      operations.push({ clientId: op.client, input, call: op.callMs, output: undefined, return: undefined });
      continue;
    }
    operations.push({ clientId: op.client, input, call: op.callMs, output: outputOf(op), return: op.returnMs ?? op.callMs });
  }
  return { operations, unknown, resolved };
}

function inputOf(op: RegisterOp): KvInput {
  switch (op.kind) {
    case "get":
      return { kind: "get", key: op.key };
    case "put":
      return { kind: "put", key: op.key, value: op.value ?? "" };
    case "cas":
      return { kind: "cas", key: op.key, expected: op.expected ?? null, value: op.value ?? "" };
  }
}

function outputOf(op: RegisterOp): KvOutput {
  switch (op.kind) {
    case "get":
      return { kind: "get", value: op.readValue ?? null };
    case "put":
      return { kind: "put" };
    case "cas":
      return { kind: "cas", ok: op.succeeded === true };
  }
}

export function checkRegisters(ops: readonly RegisterOp[], reference?: ReferenceHistory): RegisterReport {
  const violations: string[] = [];
  // First as the clients saw it: every write with an unknown outcome may or may not have happened.
  const plain = toOperations(ops);
  let result = checkLinearizability(kvModel, plain.operations);
  let { operations, unknown } = plain;
  let resolved = 0;
  if (result.kind === "unknown" && reference !== undefined) {
    // The search ran out of budget (many unknown writes widen it): settle what the applied history
    // can settle and search again. Leaving out only writes that cannot have happened keeps a
    // violation a violation.
    const settled = toOperations(ops, (op) => reference.wasWritten(op.key, op.value ?? ""));
    result = checkLinearizability(kvModel, settled.operations);
    ({ operations, unknown, resolved } = settled);
  }
  let inconclusive = false;
  if (result.kind === "violation") {
    violations.push(
      `not linearizable: ${result.unexplained.slice(0, 4).join("; ")} (after ${result.longestLinearizablePrefix.length} ops: …${result.longestLinearizablePrefix.slice(-3).join("; ")})`,
    );
  } else if (result.kind === "unknown") {
    inconclusive = true;
    violations.push(`linearizability check inconclusive: ${result.reason}`);
  }
  if (reference !== undefined) violations.push(...replayRegisters(ops, reference));
  return { ok: violations.length === 0, checked: operations.length, unknownWrites: unknown, unknownResolved: resolved, inconclusive, violations };
}

/** Every answer a client got must be what the applied history gives at the answer's revision. */
export function replayRegisters(ops: readonly RegisterOp[], reference: ReferenceHistory): string[] {
  const violations: string[] = [];
  // A read's value comes from the key's last write before it: trust the history only up to its first gap.
  const trustedUntil = Math.min(reference.coverage.last, ...reference.coverage.gaps.map(([from]) => from - 1));
  const describe = (op: RegisterOp): string => `client ${op.client} ${op.kind}(${op.key}${op.value === undefined ? "" : `, ${op.value}`}) at ${op.callMs.toFixed(0)} ms`;
  for (const op of ops) {
    if (op.outcome !== "ok" || op.revision === undefined || !covers(reference.coverage, op.revision)) continue;
    if (op.kind === "get") {
      if (op.revision > trustedUntil) continue;
      const kv = reference.valueAt(op.key, op.revision, true);
      const value = kv === null || kv === undefined ? null : kv.value;
      if (value !== op.readValue || (kv?.modRevision ?? 0) !== op.readModRevision) {
        violations.push(`replay: ${describe(op)} read ${JSON.stringify(op.readValue)} (mod ${op.readModRevision}) at revision ${op.revision}, the history has ${JSON.stringify(value)} (mod ${kv?.modRevision ?? 0})`);
      }
    } else if (op.kind === "put" || op.succeeded === true) {
      const event = reference.putAt(op.revision, op.key);
      if (event === undefined || event.value !== op.value) {
        violations.push(`replay: ${describe(op)} acknowledged at revision ${op.revision}, the history has ${event === undefined ? "no put of the key there" : `value ${event.value}`}`);
      }
    } else if (reference.wasWritten(op.key, op.value ?? "")) {
      violations.push(`replay: ${describe(op)} answered "compare failed", yet its value was written`);
    }
  }
  return violations.slice(0, 20);
}
