import { describe, expect, it } from "vitest";
import { checkLinearizability, kvModel } from "./linearizability.js";
import type { KvInput, KvOutput, Operation } from "./linearizability.js";

type KvOperation = Operation<KvInput, KvOutput>;

function put(clientId: number, key: string, value: string, call: number, ret: number | undefined): KvOperation {
  return { clientId, input: { kind: "put", key, value }, call, output: ret === undefined ? undefined : { kind: "put" }, return: ret };
}

function get(clientId: number, key: string, value: string | null, call: number, ret: number): KvOperation {
  return { clientId, input: { kind: "get", key }, call, output: { kind: "get", value }, return: ret };
}

function cas(clientId: number, key: string, expected: string | null, value: string, ok: boolean, call: number, ret: number): KvOperation {
  return { clientId, input: { kind: "cas", key, expected, value }, call, output: { kind: "cas", ok }, return: ret };
}

const check = (history: readonly KvOperation[]) => checkLinearizability(kvModel, history);

describe("checkLinearizability with the key-value model", () => {
  it("accepts a sequential legal history", () => {
    const history = [get(0, "k", null, 0, 1), put(0, "k", "a", 2, 3), get(1, "k", "a", 4, 5), put(1, "k", "b", 6, 7), get(0, "k", "b", 8, 9)];
    expect(check(history)).toEqual({ kind: "ok" });
  });

  it("accepts a get concurrent with a put that sees either the old or the new value", () => {
    const before = put(0, "k", "a", 0, 1);
    const write = put(0, "k", "b", 2, 10);
    expect(check([before, write, get(1, "k", "a", 3, 5)])).toEqual({ kind: "ok" });
    expect(check([before, write, get(1, "k", "b", 3, 5)])).toEqual({ kind: "ok" });
    // Two concurrent reads may disagree, but only in the order old-then-new.
    expect(check([before, write, get(1, "k", "b", 3, 4), get(2, "k", "a", 3, 4)])).toEqual({ kind: "ok" });
    expect(check([before, write, get(1, "k", "b", 3, 4), get(2, "k", "a", 5, 6)]).kind).toBe("violation");
  });

  it("treats a call and a return at the same time as concurrent", () => {
    // The put returns at 5 and the get is called at 5: the get may be linearized first.
    expect(check([put(0, "k", "a", 0, 5), get(1, "k", null, 5, 6)])).toEqual({ kind: "ok" });
    expect(check([put(0, "k", "a", 0, 4), get(1, "k", null, 5, 6)]).kind).toBe("violation");
  });

  it("rejects a stale read and says which operations it could not explain", () => {
    const history = [put(0, "k", "a", 0, 1), put(0, "k", "b", 2, 3), get(1, "k", "a", 4, 5)];
    const result = check(history);
    expect(result).toEqual({
      kind: "violation",
      partition: 0,
      longestLinearizablePrefix: ['client 0 put(k, "a") → ok [0, 1]', 'client 0 put(k, "b") → ok [2, 3]'],
      unexplained: ['client 1 get(k) → "a" [4, 5]'],
    });
  });

  it("rejects a read of a value that was never written", () => {
    expect(check([put(0, "k", "a", 0, 10), get(1, "k", "z", 1, 2)]).kind).toBe("violation");
    expect(check([get(1, "k", "", 1, 2)]).kind).toBe("violation");
  });

  it("follows compare-and-swap semantics", () => {
    const created = cas(0, "k", null, "a", true, 0, 1);
    expect(check([created, get(1, "k", "a", 2, 3)])).toEqual({ kind: "ok" });
    expect(check([created, cas(1, "k", "a", "b", true, 2, 3), get(0, "k", "b", 4, 5)])).toEqual({ kind: "ok" });
    expect(check([created, cas(1, "k", "x", "b", false, 2, 3), get(0, "k", "a", 4, 5)])).toEqual({ kind: "ok" });
    // Success on a mismatch, failure on a match, and a failed swap that still changed the value.
    expect(check([created, cas(1, "k", "x", "b", true, 2, 3)]).kind).toBe("violation");
    expect(check([created, cas(1, "k", "a", "b", false, 2, 3)]).kind).toBe("violation");
    expect(check([created, cas(1, "k", "x", "b", false, 2, 3), get(0, "k", "b", 4, 5)]).kind).toBe("violation");
    expect(check([cas(0, "k", null, "a", false, 0, 1)]).kind).toBe("violation");
  });

  it("lets two concurrent swaps from the same value succeed only once", () => {
    const base = put(0, "k", "a", 0, 1);
    expect(check([base, cas(1, "k", "a", "b", true, 2, 5), cas(2, "k", "a", "c", false, 2, 5)])).toEqual({ kind: "ok" });
    expect(check([base, cas(1, "k", "a", "b", true, 2, 5), cas(2, "k", "a", "c", true, 2, 5)]).kind).toBe("violation");
  });

  describe("operations with an unknown outcome", () => {
    const timedOut = put(0, "k", "b", 2, undefined);
    const base = put(0, "k", "a", 0, 1);

    it("accepts a later read that observes it", () => {
      expect(check([base, timedOut, get(1, "k", "b", 10, 11)])).toEqual({ kind: "ok" });
    });

    it("accepts a history in which no one observes it", () => {
      expect(check([base, timedOut, get(1, "k", "a", 10, 11), get(1, "k", "a", 12, 13)])).toEqual({ kind: "ok" });
    });

    it("rejects a read that sees it followed by a read that does not", () => {
      expect(check([base, timedOut, get(1, "k", "b", 10, 11), get(1, "k", "a", 12, 13)]).kind).toBe("violation");
    });

    it("rejects a read that sees it before it was called", () => {
      expect(check([base, put(0, "k", "b", 5, undefined), get(1, "k", "b", 2, 4)]).kind).toBe("violation");
    });

    it("still requires an operation that returned with an unknown output to take effect before its return", () => {
      const returnedUnknown: KvOperation = { ...put(0, "k", "b", 2, 3), output: undefined };
      expect(check([base, returnedUnknown, get(1, "k", "b", 10, 11)])).toEqual({ kind: "ok" });
      expect(check([base, returnedUnknown, get(1, "k", "a", 10, 11)]).kind).toBe("violation");
    });
  });

  it("checks each key on its own and reports the partition that failed", () => {
    const history = [
      put(0, "a", "1", 0, 1),
      put(1, "b", "1", 0, 1),
      get(2, "a", "1", 2, 3),
      put(0, "b", "2", 2, 3),
      get(1, "b", "1", 4, 5), // stale: "2" was written before this read began
      get(2, "a", "1", 4, 5),
    ];
    const result = check(history);
    expect(result.kind).toBe("violation");
    if (result.kind !== "violation") return;
    expect(result.partition).toBe(1);
    expect(result.unexplained).toEqual(['client 1 get(b) → "1" [4, 5]']);
    // Without the bad read, both keys are fine.
    expect(check(history.filter((_, index) => index !== 4))).toEqual({ kind: "ok" });
  });

  it("returns unknown when the search budget runs out", () => {
    const history = [put(0, "k", "a", 0, 10), put(1, "k", "b", 0, 10), get(2, "k", "a", 11, 12)];
    expect(checkLinearizability(kvModel, history, { maxSteps: 2 }).kind).toBe("unknown");
    expect(checkLinearizability(kvModel, history, { maxSteps: 100 })).toEqual({ kind: "ok" });
  });

  it("rejects a malformed history loudly", () => {
    expect(() => check([put(0, "k", "a", 5, 4)])).toThrow(/before its call/);
  });

  it("accepts the empty history", () => {
    expect(check([])).toEqual({ kind: "ok" });
  });
});

// ---------------------------------------------------------------------------------------------
// A large random history, linearizable by construction.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Planned {
  op: KvOperation;
  /** When the operation takes effect on the real register; undefined = never. */
  linearizationPoint: number | undefined;
}

/**
 * Each client issues one operation at a time; each operation takes effect at a random instant
 * inside its [call, return] window, and outputs come from applying the operations to a real
 * sequential map in that order. A few writes time out: their outcome is unknown and they take
 * effect, or not, at some point after their call.
 */
function generateHistory(seed: number, opCount: number, keys: readonly string[], clientCount: number): KvOperation[] {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const clientFreeAt = new Array<number>(clientCount).fill(0);
  const written = new Map<string, string[]>();
  const planned: Planned[] = [];
  for (let id = 0; id < opCount; id++) {
    const clientId = clientFreeAt.indexOf(Math.min(...clientFreeAt));
    const call = (clientFreeAt[clientId] as number) + Math.floor(random() * 3);
    const ret = call + 1 + Math.floor(random() * 10);
    clientFreeAt[clientId] = ret;
    const key = pick(keys);
    const values = written.get(key) ?? [];
    written.set(key, values);
    const roll = random();
    let input: KvInput;
    if (roll < 0.45) {
      input = { kind: "get", key };
    } else if (roll < 0.8 || values.length === 0) {
      input = { kind: "put", key, value: `v${id}` };
    } else {
      const expected = random() < 0.6 ? (values[values.length - 1] as string) : pick(values);
      input = { kind: "cas", key, expected, value: `v${id}` };
    }
    if (input.kind !== "get") values.push(input.value);
    const timesOut = input.kind !== "get" && random() < 0.02;
    const op: KvOperation = { clientId, input, call, output: undefined, return: timesOut ? undefined : ret };
    const linearizationPoint = !timesOut
      ? call + random() * (ret - call)
      : random() < 0.5
        ? call + random() * 5 * (ret - call)
        : undefined;
    planned.push({ op, linearizationPoint });
  }
  const applied = planned.filter((p) => p.linearizationPoint !== undefined);
  applied.sort((a, b) => (a.linearizationPoint as number) - (b.linearizationPoint as number));
  const register = new Map<string, string | null>();
  for (const { op } of applied) {
    const current = register.get(op.input.key) ?? null;
    let output: KvOutput;
    if (op.input.kind === "get") {
      output = { kind: "get", value: current };
    } else if (op.input.kind === "put") {
      register.set(op.input.key, op.input.value);
      output = { kind: "put" };
    } else {
      const swapped = current === op.input.expected;
      if (swapped) register.set(op.input.key, op.input.value);
      output = { kind: "cas", ok: swapped };
    }
    if (op.return !== undefined) op.output = output;
  }
  return planned.map((p) => p.op);
}

/**
 * Make one get in the second half of the history stale: it now reads a value p1 that was
 * overwritten by a put p2 which began after p1 returned and returned before the get began.
 * Values are unique per write, so no linearization can explain it.
 */
function corruptOneRead(history: readonly KvOperation[]): { history: KvOperation[]; index: number } {
  const isPut = (op: KvOperation): boolean => op.input.kind === "put" && op.return !== undefined;
  for (let index = Math.floor(history.length / 2); index < history.length; index++) {
    const read = history[index] as KvOperation;
    if (read.input.kind !== "get" || read.output?.kind !== "get") continue;
    const key = read.input.key;
    const puts = history.filter((op) => op.input.key === key && isPut(op) && (op.return as number) < read.call);
    for (const second of puts) {
      const first = puts.find((op) => (op.return as number) < second.call);
      if (first === undefined || first.input.kind !== "put" || first.input.value === read.output.value) continue;
      const corrupted = history.slice();
      corrupted[index] = { ...read, output: { kind: "get", value: first.input.value } };
      return { history: corrupted, index };
    }
  }
  throw new Error("no read to corrupt");
}

/** The definition, by exhaustive search: some order respecting real time explains every returned op. */
function linearizableByBruteForce(history: readonly KvOperation[]): boolean {
  const used = history.map(() => false);
  const search = (state: string | null): boolean => {
    if (history.every((op, i) => used[i] || op.return === undefined)) return true;
    return history.some((op, i) => {
      if (used[i]) return false;
      const mustGoFirst = history.some((other, j) => !used[j] && other.return !== undefined && other.return < op.call);
      const { ok, state: next } = kvModel.step(state, op.input, op.output);
      if (mustGoFirst || !ok) return false;
      used[i] = true;
      const found = search(next);
      used[i] = false;
      return found;
    });
  };
  return search(null);
}

function randomSmallHistory(random: () => number): KvOperation[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const values = ["a", "b", "c"];
  const history: KvOperation[] = [];
  const count = 1 + Math.floor(random() * 6);
  for (let clientId = 0; clientId < count; clientId++) {
    const call = Math.floor(random() * 6);
    const ret = random() < 0.15 ? undefined : call + Math.floor(random() * 4);
    const roll = random();
    const [input, output]: [KvInput, KvOutput] =
      roll < 0.4
        ? [{ kind: "get", key: "k" }, { kind: "get", value: random() < 0.2 ? null : pick(values) }]
        : roll < 0.75
          ? [{ kind: "put", key: "k", value: pick(values) }, { kind: "put" }]
          : [{ kind: "cas", key: "k", expected: random() < 0.2 ? null : pick(values), value: pick(values) }, { kind: "cas", ok: random() < 0.5 }];
    const outcomeKnown = ret !== undefined && random() >= 0.05;
    history.push({ clientId, input, call, output: outcomeKnown ? output : undefined, return: ret });
  }
  return history;
}

describe("checkLinearizability against exhaustive search", () => {
  it("agrees on thousands of small random histories, linearizable or not", { timeout: 5000 }, () => {
    const random = mulberry32(42);
    const verdicts = { ok: 0, violation: 0 };
    for (let trial = 0; trial < 5000; trial++) {
      const history = randomSmallHistory(random);
      const expected = linearizableByBruteForce(history) ? "ok" : "violation";
      expect(checkLinearizability(kvModel, history).kind, JSON.stringify(history)).toBe(expected);
      verdicts[expected] += 1;
    }
    // Both verdicts are well represented, so agreement means something.
    expect(verdicts.ok).toBeGreaterThan(1000);
    expect(verdicts.violation).toBeGreaterThan(1000);
  });
});

describe("checkLinearizability on a large random history", () => {
  const history = generateHistory(0x5eed, 2000, ["alpha", "beta", "gamma"], 5);

  it("the generator produces what the test claims", () => {
    expect(history).toHaveLength(2000);
    expect(history.filter((op) => op.return === undefined).length).toBeGreaterThan(0);
    expect(history.filter((op) => op.output?.kind === "cas" && op.output.ok).length).toBeGreaterThan(0);
    expect(history.filter((op) => op.output?.kind === "cas" && !op.output.ok).length).toBeGreaterThan(0);
    // Real concurrency: some operation starts before the previous one has returned.
    expect(history.some((op, i) => i > 0 && op.call < ((history[i - 1] as KvOperation).return ?? Infinity))).toBe(true);
  });

  it("accepts the linearizable history within a small budget", { timeout: 2000 }, () => {
    expect(checkLinearizability(kvModel, history, { maxSteps: 200_000 })).toEqual({ kind: "ok" });
  });

  it("rejects it after one read is made stale", { timeout: 2000 }, () => {
    const { history: corrupted, index } = corruptOneRead(history);
    const result = checkLinearizability(kvModel, corrupted, { maxSteps: 200_000 });
    expect(result.kind).toBe("violation");
    if (result.kind !== "violation") return;
    const keyOrder = [...new Set(corrupted.map((op) => op.input.key))];
    expect(result.partition).toBe(keyOrder.indexOf((corrupted[index] as KvOperation).input.key));
    expect(result.unexplained).toContain(kvModel.describe?.(corrupted[index] as KvOperation));
  });

  it("accepts many smaller seeded histories", { timeout: 5000 }, () => {
    for (let seed = 1; seed <= 50; seed++) {
      const small = generateHistory(seed, 200, ["a", "b"], 5);
      expect(checkLinearizability(kvModel, small), `seed ${seed}`).toEqual({ kind: "ok" });
    }
  });
});
