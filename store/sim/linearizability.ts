// A linearizability checker for histories recorded by the simulator.
//
// The algorithm is Wing & Gong's depth-first search for a linearization, with Lowe's memoization of
// (set of linearized operations, model state) pairs — the same shape as Porcupine. The history is
// turned into a doubly linked list of call and return events in real-time order. The search walks
// the list from its head: at a call it tries to linearize that operation next (apply it to the
// model; on success remove its call and return from the list and start again from the head); at a
// return it is stuck — that operation had to be linearized before anything after its return — and
// it backtracks, undoing the most recent linearization and trying the next candidate instead.
//
// Two choices that change verdicts, stated once here:
// - A call and a return at the same virtual time are concurrent: calls sort before returns at
//   equal times, so an operation that returns at t may be linearized after one called at t.
// - An operation with `return: undefined` never returned; its return is at +infinity. It may be
//   linearized anywhere after its call, or not at all: the search succeeds as soon as every
//   operation that returned is linearized, which is the same as placing the rest "at the end".

import assert from "node:assert/strict";

export interface Operation<Input, Output> {
  clientId: number;
  input: Input;
  /** Virtual time the call was issued. */
  call: number;
  /** What the client saw; undefined when the outcome is unknown (timed out). */
  output: Output | undefined;
  /** Virtual time of the return; undefined = never returned: it may or may not have taken effect. */
  return: number | undefined;
}

export interface Model<State, Input, Output> {
  init(): State;
  /** Apply input to state; `output` is what the client saw (undefined = unknown: accept whatever the model would produce). Returns whether that output is legal, and the next state. */
  step(state: State, input: Input, output: Output | undefined): { ok: boolean; state: State };
  /** Split a history into independent sub-histories (P-compositionality), e.g. per key. Optional. */
  partition?(history: readonly Operation<Input, Output>[]): Operation<Input, Output>[][];
  /** A string key for a state, used to memoize (linearized-set, state) pairs. */
  key(state: State): string;
  describe?(op: Operation<Input, Output>): string;
}

export type CheckResult =
  | { kind: "ok" }
  | {
      kind: "violation";
      /** Index into the partitions returned by `model.partition` (0 when the model has none). */
      partition: number;
      /** The deepest linearization the search reached, in linearization order. */
      longestLinearizablePrefix: string[];
      /**
       * Where that deepest linearization got stuck: first the operation whose return could not be
       * passed, then the other operations that were candidates to go next; none could be linearized.
       */
      unexplained: string[];
    }
  | { kind: "unknown"; reason: string };

/** Default search budget, in loop iterations summed over all partitions; it also bounds the memo's size. */
export const checkStepsMaxDefault = 5_000_000;

/** Decide whether `history` is linearizable with respect to `model`. */
export function checkLinearizability<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options?: { maxSteps?: number },
): CheckResult {
  for (const op of history) assertWellFormed(op);
  const partitions = model.partition ? model.partition(history) : [history];
  const budget = { stepsLeft: options?.maxSteps ?? checkStepsMaxDefault };
  let unknown: CheckResult | undefined;
  for (const [index, ops] of partitions.entries()) {
    const outcome = searchPartition(model, ops, budget);
    if (outcome.kind === "violation") {
      const describe = (op: Operation<I, O>): string => (model.describe ?? describeGeneric)(op);
      return {
        kind: "violation",
        partition: index,
        longestLinearizablePrefix: outcome.prefix.map((id) => describe(ops[id] as Operation<I, O>)),
        unexplained: outcome.unexplained.map((id) => describe(ops[id] as Operation<I, O>)),
      };
    }
    // Keep going after an unknown partition: a later one may still prove a definite violation.
    if (outcome.kind === "unknown" && unknown === undefined) {
      unknown = { kind: "unknown", reason: `search budget exhausted in partition ${index} (${ops.length} operations)` };
    }
  }
  return unknown ?? { kind: "ok" };
}

function assertWellFormed<I, O>(op: Operation<I, O>): void {
  // A malformed history is a bug in the recorder, not an operating error.
  assert.ok(Number.isFinite(op.call), `operation call time must be finite, got ${op.call}`);
  if (op.return !== undefined) {
    assert.ok(!Number.isNaN(op.return) && op.return >= op.call, `operation returns (${op.return}) before its call (${op.call})`);
  }
}

function describeGeneric<I, O>(op: Operation<I, O>): string {
  const output = op.output === undefined ? "?" : JSON.stringify(op.output);
  return `client ${op.clientId} ${JSON.stringify(op.input)} → ${output} ${describeInterval(op)}`;
}

function describeInterval<I, O>(op: Operation<I, O>): string {
  return op.return === undefined ? `[${op.call}, ∞)` : `[${op.call}, ${op.return}]`;
}

// ---------------------------------------------------------------------------------------------
// The search over one partition.

type PartitionOutcome =
  | { kind: "ok" }
  | { kind: "violation"; prefix: number[]; unexplained: number[] }
  | { kind: "unknown" };

/** No node: the end of the linked list. */
const nil = -1;
/** The list's sentinel head is node 0; op i's call is node 2i+1 and its return node 2i+2. */
const head = 0;

const callNode = (opId: number): number => 2 * opId + 1;
const returnNode = (opId: number): number => 2 * opId + 2;
const opOfNode = (node: number): number => (node - 1) >> 1;
const isCallNode = (node: number): boolean => (node & 1) === 1;

/** The call/return events of one partition as a doubly linked list, in real-time order. */
class EventList {
  readonly next: Int32Array;
  readonly prev: Int32Array;

  constructor(ops: readonly Operation<unknown, unknown>[]) {
    const nodeCount = 2 * ops.length + 1;
    this.next = new Int32Array(nodeCount).fill(nil);
    this.prev = new Int32Array(nodeCount).fill(nil);
    const events: { node: number; time: number }[] = [];
    for (const [id, op] of ops.entries()) {
      events.push({ node: callNode(id), time: op.call });
      events.push({ node: returnNode(id), time: op.return ?? Number.POSITIVE_INFINITY });
    }
    // Calls before returns at equal times: such operations are concurrent. Otherwise stable by node.
    events.sort((a, b) => a.time - b.time || Number(isCallNode(b.node)) - Number(isCallNode(a.node)) || a.node - b.node);
    let last = head;
    for (const { node } of events) {
      this.next[last] = node;
      this.prev[node] = last;
      last = node;
    }
  }

  first(): number {
    return this.next[head] as number;
  }

  after(node: number): number {
    return this.next[node] as number;
  }

  /** Remove op's call and return from the list. */
  lift(opId: number): void {
    this.unlink(callNode(opId));
    this.unlink(returnNode(opId));
  }

  /** Undo `lift`: the nodes still hold their old neighbours, so reinsert in reverse order of removal. */
  unlift(opId: number): void {
    this.relink(returnNode(opId));
    this.relink(callNode(opId));
  }

  private unlink(node: number): void {
    const prev = this.prev[node] as number;
    const next = this.next[node] as number;
    this.next[prev] = next;
    if (next !== nil) this.prev[next] = prev;
  }

  private relink(node: number): void {
    const prev = this.prev[node] as number;
    const next = this.next[node] as number;
    this.next[prev] = node;
    if (next !== nil) this.prev[next] = node;
  }
}

/**
 * The memo key for the set of linearized operations, encoded by where the search stands rather than
 * as a bitset over every operation. The search lifts only calls that precede the first return still
 * in the list (it backtracks at a return), and the set of lifted ops only grows while that return
 * stays first, so every linearized op's call precedes the current first return F. Hence the set is:
 * every op whose call precedes F, minus the calls still in the list before F. Those calls — the
 * concurrency window, at most clients + pending ops long — and F determine the set exactly, in a
 * key whose size follows the window rather than the history.
 */
function frontierKey(list: EventList, wideIds: boolean): string {
  const codes: number[] = [];
  let node = list.first();
  for (; node !== nil && isCallNode(node); node = list.after(node)) pushId(codes, opOfNode(node), wideIds);
  // F is absent only when the list is empty; -1 encodes as an id no partition has.
  pushId(codes, node === nil ? -1 : opOfNode(node), wideIds);
  return codesToString(codes);
}

function codesToString(codes: readonly number[]): string {
  const chunk = 8192; // stay far below the engine's limit on arguments
  let text = "";
  for (let start = 0; start < codes.length; start += chunk) text += String.fromCharCode(...codes.slice(start, start + chunk));
  return text;
}

/** One UTF-16 code unit per op id (0xffff reserved for -1), or two when a partition has more ids than that. */
function pushId(codes: number[], id: number, wideIds: boolean): void {
  if (wideIds) codes.push(id >>> 16);
  codes.push(id & 0xffff);
}

function searchPartition<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  budget: { stepsLeft: number },
): PartitionOutcome {
  const list = new EventList(ops);
  const wideIds = ops.length >= 0xffff;
  const seen = new Set<string>();
  // The undo stack: which op was linearized at each depth, and the state before it.
  const stackOps: number[] = [];
  const stackStates: S[] = [];
  let returnedLeft = ops.filter((op) => op.return !== undefined).length;
  let state = model.init();
  let entry = list.first();
  let deepest: { prefix: number[]; unexplained: number[] } | undefined;

  // Done once every op that returned is linearized; ops that never returned may stay out.
  while (returnedLeft > 0) {
    if (budget.stepsLeft <= 0) return { kind: "unknown" };
    budget.stepsLeft -= 1;
    // Returns of ops that never returned sort after every finite return, so while some returned op
    // is still in the list the walk meets that op's return before it can run off the end.
    assert.ok(entry !== nil, "linearizability search ran past the end of the event list");
    const opId = opOfNode(entry);
    if (isCallNode(entry)) {
      const op = ops[opId] as Operation<I, O>;
      const result = model.step(state, op.input, op.output);
      if (result.ok) {
        list.lift(opId);
        const stateKey = model.key(result.state);
        // The length prefix keeps the model's key and the frontier key from running together.
        const key = `${stateKey.length}:${stateKey}${frontierKey(list, wideIds)}`;
        if (!seen.has(key)) {
          seen.add(key);
          stackOps.push(opId);
          stackStates.push(state);
          state = result.state;
          if (op.return !== undefined) returnedLeft -= 1;
          entry = list.first();
          continue;
        }
        list.unlift(opId);
      }
      entry = list.after(entry);
      continue;
    }
    // A return: its op had to be linearized by now, and no remaining candidate could be. Backtrack.
    if (deepest === undefined || stackOps.length > deepest.prefix.length) {
      deepest = { prefix: stackOps.slice(), unexplained: candidatesBefore(list, entry) };
    }
    const undoneOp = stackOps.pop();
    const undoneState = stackStates.pop();
    if (undoneOp === undefined) return { kind: "violation", ...deepest };
    state = undoneState as S;
    if ((ops[undoneOp] as Operation<I, O>).return !== undefined) returnedLeft += 1;
    list.unlift(undoneOp);
    entry = list.after(callNode(undoneOp));
  }
  return { kind: "ok" };
}

/** The op whose return `stuck` is, then every other op whose call precedes it in the list. */
function candidatesBefore(list: EventList, stuck: number): number[] {
  const stuckOp = opOfNode(stuck);
  const ids = [stuckOp];
  for (let node = list.first(); node !== stuck; node = list.after(node)) {
    if (isCallNode(node) && opOfNode(node) !== stuckOp) ids.push(opOfNode(node));
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// The key-value model used by the Raft simulator.

export type KvInput =
  | { kind: "put"; key: string; value: string }
  | { kind: "get"; key: string }
  | { kind: "cas"; key: string; expected: string | null; value: string };

export type KvOutput = { kind: "put" } | { kind: "get"; value: string | null } | { kind: "cas"; ok: boolean };

/** One key's register: its value, null when absent. Histories are partitioned by key, in order of first appearance. */
export const kvModel: Model<string | null, KvInput, KvOutput> = {
  init: () => null,

  step(state, input, output) {
    switch (input.kind) {
      case "put":
        return { ok: output === undefined || output.kind === "put", state: input.value };
      case "get":
        return { ok: output === undefined || (output.kind === "get" && output.value === state), state };
      case "cas": {
        const swapped = state === input.expected;
        const ok = output === undefined || (output.kind === "cas" && output.ok === swapped);
        return { ok, state: swapped ? input.value : state };
      }
    }
  },

  partition(history) {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
    for (const op of history) {
      const ops = byKey.get(op.input.key);
      if (ops === undefined) byKey.set(op.input.key, [op]);
      else ops.push(op);
    }
    return [...byKey.values()];
  },

  // JSON keeps null (absent) apart from the string "null".
  key: (state) => JSON.stringify(state),

  describe(op) {
    const { input, output } = op;
    const call =
      input.kind === "put"
        ? `put(${input.key}, ${JSON.stringify(input.value)})`
        : input.kind === "get"
          ? `get(${input.key})`
          : `cas(${input.key}, ${JSON.stringify(input.expected)} → ${JSON.stringify(input.value)})`;
    const seen =
      output === undefined
        ? "?"
        : output.kind === "put"
          ? "ok"
          : output.kind === "get"
            ? JSON.stringify(output.value)
            : String(output.ok);
    return `client ${op.clientId} ${call} → ${seen} ${describeInterval(op)}`;
  },
};
