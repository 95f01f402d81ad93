// The fault schedule: a pure function of the seed and the run's shape, so that a seed printed by a
// failing run replays the same faults at the same times. Which member is the leader when a fault
// aimed at "the leader" fires is a fact of the run, not of the seed; every other choice is here.
import type { CrashPoint } from "../../store/server/index.js";
import { crashPoints } from "../../store/server/index.js";
import { Prng } from "../../store/sim/index.js";

/** Network faults, all made with the peer-link proxies. */
export const networkFaultKinds = ["split", "isolate-leader", "one-way", "delay", "loss", "flaky"] as const;
/** power-loss: kill -9, then drop what was not fsync'd; crash: the member kills itself at a named point. */
export const processFaultKinds = ["kill", "pause", "power-loss", "crash"] as const;
export type NetworkFaultKind = (typeof networkFaultKinds)[number];
export type FaultKind = (typeof processFaultKinds)[number] | NetworkFaultKind;

/** What `--faults` accepts: the kinds themselves, `partition` (every network fault), `all` and `none`. */
export function parseFaultKinds(text: string): FaultKind[] {
  const kinds = new Set<FaultKind>();
  for (const word of text.split(",").map((w) => w.trim()).filter((w) => w !== "")) {
    if (word === "none") continue;
    if (word === "all") {
      for (const k of [...processFaultKinds, ...networkFaultKinds]) kinds.add(k);
    } else if (word === "partition" || word === "network") {
      for (const k of networkFaultKinds) kinds.add(k);
    } else if ((processFaultKinds as readonly string[]).includes(word) || (networkFaultKinds as readonly string[]).includes(word)) {
      kinds.add(word as FaultKind);
    } else {
      throw new Error(`unknown fault '${word}': use kill, pause, partition (= ${networkFaultKinds.join(", ")}), any of those, all or none`);
    }
  }
  return [...kinds];
}

/** Whom a fault hits: the leader at that moment, or a member by index. */
export type Target = { readonly leader: true } | { readonly member: number };

export interface ScheduledFault {
  readonly id: number;
  readonly kind: FaultKind;
  /** From the start of the workload. */
  readonly atMs: number;
  readonly durationMs: number;
  /** kill, pause, isolate-leader (always the leader), one-way (the member whose links break), delay/flaky (with `scope: member`). */
  readonly target: Target;
  /** Members to try, in order, when the target is unavailable (down, paused, no leader known). */
  readonly fallback: readonly number[];
  /** split: how many members are cut off from the rest (a minority), the target among them. */
  readonly minoritySize?: number;
  /** split, isolate-leader, one-way: close the open connections when the cut starts (a reset). */
  readonly reset?: boolean;
  /** one-way: which links of the target break. */
  readonly direction?: "out" | "in" | "single";
  /** one-way single: the other end, as an offset (1..members-1) from the target. */
  readonly peerOffset?: number;
  /** delay, flaky: every link, or only the target's. */
  readonly scope?: "all" | "member";
  readonly delayMs?: number;
  readonly jitterMs?: number;
  readonly lossRate?: number;
  readonly duplicateRate?: number;
  readonly flakyMeanMs?: number;
  /** power-loss: every member at once. */
  readonly outage?: boolean;
  /** crash: where the member kills itself, at which hit of the point after arming. */
  readonly crashPoint?: CrashPoint;
  readonly crashHits?: number;
  /** crash at a snapshot point: how long the member is cut off first (so it needs a snapshot). */
  readonly isolateMs?: number;
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly members: number;
  readonly durationMs: number;
  readonly electionTimeoutMs: number;
  readonly kinds: readonly FaultKind[];
}

/** Faults start after this much calm, so the workload and the watchers are under way. */
export const faultsStartAfterMs = 1_500;
/**
 * The harness heals everything this long before the end of the run's duration (and checks that
 * the cluster recovers); faults still going on then are cut short.
 */
export const healBeforeEndMs = 2_000;

export function faultSchedule(options: ScheduleOptions): ScheduledFault[] {
  const random = new Prng(options.seed);
  const faults: ScheduledFault[] = [];
  if (options.kinds.length === 0) return faults;
  // Crash points start on every kind's first pass: each point comes up before any comes again.
  const points = new PointBag(random);
  const endMs = options.durationMs - healBeforeEndMs;
  const et = options.electionTimeoutMs;
  let atMs = faultsStartAfterMs;
  /** When the latest network fault heals: network faults never overlap (their link settings would mix). */
  let networkBusyUntilMs = 0;
  const endsMs: number[] = [];
  // A shuffled bag of the kinds: every kind comes up once before any comes up again.
  let bag: FaultKind[] = [];
  for (;;) {
    if (bag.length === 0) bag = permutation(random, options.kinds.length).map((i) => options.kinds[i] as FaultKind);
    const kind = bag.pop() as FaultKind;
    if (isNetwork(kind) || kind === "crash") atMs = Math.max(atMs, networkBusyUntilMs + 100);
    // At most two faults at once.
    const active = endsMs.filter((e) => e > atMs).sort((a, b) => a - b);
    if (active.length >= 2) atMs = (active[0] as number) + 100;
    if (atMs >= endMs - 300) break;
    // The last faults may last past the heal: then the heal cuts them short, as it must.
    const fault = makeFault(random, faults.length, kind, atMs, options.members, et, points);
    const durationMs = fault.durationMs;
    faults.push(fault);
    endsMs.push(atMs + durationMs);
    if (usesLinks(fault)) networkBusyUntilMs = atMs + durationMs;
    // Mostly one fault at a time with a calm gap after it; sometimes the next starts while this one lasts.
    atMs = random.chance(0.25) ? atMs + random.between(200, Math.max(200, durationMs - 100)) : atMs + durationMs + random.between(300, 1_500);
  }
  // One more fault that is still on when the harness heals, so that the recovery it measures is
  // a recovery from something.
  const finalAtMs = endMs - random.between(400, 1_200);
  const candidates = options.kinds.filter((k) => ((!isNetwork(k) && k !== "crash") || finalAtMs > networkBusyUntilMs + 100) && endsMs.filter((e) => e > finalAtMs).length < 2);
  if (candidates.length > 0 && finalAtMs > faultsStartAfterMs) {
    const final = makeFault(random, faults.length, random.pick(candidates), finalAtMs, options.members, et, points);
    faults.push({ ...final, durationMs: Math.max(final.durationMs, endMs - finalAtMs + 2_000) });
  }
  return faults;
}

export function isNetwork(kind: FaultKind): kind is NetworkFaultKind {
  return (networkFaultKinds as readonly string[]).includes(kind);
}

/** Whether the fault sets the peer-link proxies (so no other network fault may overlap it). */
export function usesLinks(fault: ScheduledFault): boolean {
  return isNetwork(fault.kind) || (fault.isolateMs ?? 0) > 0;
}

/** Crash points in shuffled rounds, so that a run long enough reaches each. */
class PointBag {
  private bag: CrashPoint[] = [];
  constructor(private readonly random: Prng) {}
  next(): CrashPoint {
    if (this.bag.length === 0) this.bag = permutation(this.random, crashPoints.length).map((i) => crashPoints[i] as CrashPoint);
    return this.bag.pop() as CrashPoint;
  }
}

/** Snapshot installs happen only on a member that fell behind the leader's compacted log. */
export function needsSnapshot(point: CrashPoint): boolean {
  return point === "mid-snapshot-install" || point === "mid-snapshot-log-reset" || point === "after-snapshot-install";
}

function permutation(random: Prng, n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i -= 1) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

function makeFault(random: Prng, id: number, kind: FaultKind, atMs: number, members: number, et: number, points: PointBag): ScheduledFault {
  const fallback = permutation(random, members);
  const target: Target = random.chance(0.5) ? { leader: true } : { member: fallback[0] as number };
  const base = { id, kind, atMs, target, fallback };
  switch (kind) {
    case "kill":
      return { ...base, durationMs: random.between(300, 3_000) };
    case "power-loss":
      // Sometimes the whole cluster at once: then only fsync'd writes can survive anywhere.
      return { ...base, durationMs: random.between(300, 3_000), outage: random.chance(0.25) };
    case "crash": {
      const crashPoint = points.next();
      // A snapshot point needs a member that fell behind the compacted log: cut it off first.
      // Snapshots and log compactions are rare (every 100 entries at most): crash at the first.
      const isolateMs = needsSnapshot(crashPoint) ? random.between(2_500, 4_000) : 0;
      return { ...base, crashPoint, crashHits: isolateMs > 0 || crashPoint === "mid-log-compaction" ? 1 : random.between(1, 20), isolateMs, durationMs: isolateMs + (crashPoint === "mid-log-compaction" ? random.between(4_000, 8_000) : random.between(1_500, 3_000)) };
    }
    case "pause":
      // Longer than the election timeout, so the others notice and elect without it.
      return { ...base, durationMs: random.between(Math.round(1.2 * et), 5 * et) };
    case "split":
      return { ...base, durationMs: random.between(1_000, 4_000), minoritySize: random.between(1, Math.floor((members - 1) / 2)), reset: random.chance(0.5) };
    case "isolate-leader":
      return { ...base, target: { leader: true }, durationMs: random.between(1_000, 4_000), reset: random.chance(0.5) };
    case "one-way":
      return {
        ...base,
        durationMs: random.between(1_000, 4_000),
        direction: random.pick(["out", "in", "single"] as const),
        peerOffset: random.between(1, members - 1),
        reset: random.chance(0.3),
      };
    case "delay":
      return { ...base, durationMs: random.between(1_000, 5_000), scope: random.pick(["all", "member"] as const), delayMs: random.between(10, 150), jitterMs: random.between(0, 50) };
    case "loss":
      return { ...base, durationMs: random.between(1_000, 5_000), scope: "all", lossRate: random.between(5, 30) / 100, duplicateRate: random.between(0, 10) / 100 };
    case "flaky":
      return { ...base, durationMs: random.between(1_000, 4_000), scope: random.pick(["all", "member"] as const), flakyMeanMs: random.between(150, 800) };
  }
}

/** One line per fault, for the history file and --verbose. */
export function describeFault(fault: ScheduledFault): string {
  const who = "leader" in fault.target ? "leader" : `s${fault.target.member + 1}`;
  const t = `${(fault.atMs / 1000).toFixed(1)}s+${fault.durationMs}ms`;
  switch (fault.kind) {
    case "split":
      return `${t} split: ${who} + ${(fault.minoritySize ?? 1) - 1} cut off${fault.reset === true ? " (reset)" : ""}`;
    case "one-way":
      return `${t} one-way ${fault.direction ?? "out"} links of ${who}${fault.reset === true ? " (reset)" : ""}`;
    case "delay":
      return `${t} delay ${fault.delayMs ?? 0}±${fault.jitterMs ?? 0}ms on ${fault.scope === "member" ? `${who}'s links` : "every link"}`;
    case "loss":
      return `${t} loss ${Math.round((fault.lossRate ?? 0) * 100)}% dup ${Math.round((fault.duplicateRate ?? 0) * 100)}% on every link`;
    case "flaky":
      return `${t} connections closed every ~${fault.flakyMeanMs ?? 0}ms on ${fault.scope === "member" ? `${who}'s links` : "every link"}`;
    case "power-loss":
      return `${t} power loss of ${fault.outage === true ? "every member" : who}`;
    case "crash":
      return `${t} crash of ${who} at ${fault.crashPoint ?? "?"}@${fault.crashHits ?? 1}${(fault.isolateMs ?? 0) > 0 ? ` after ${fault.isolateMs} ms cut off` : ""}`;
    default:
      return `${t} ${fault.kind} ${who}`;
  }
}
