import type { FaultKind, FaultProfileName, SimBugs, SimResult } from "./simulation.js";
import { runSimulation } from "./simulation.js";

export interface SeedsSummary {
  readonly seeds: number;
  readonly failedSeeds: readonly { seed: number; violations: readonly string[] }[];
  readonly ticks: number;
  readonly operations: number;
  readonly unknownOperations: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly messages: { sent: number; dropped: number; duplicated: number; blocked: number };
  readonly electionAfterLeaderCrashTicks: readonly number[];
  readonly recoveryTicks: readonly number[];
}

export interface SeedsOptions {
  readonly firstSeed: number;
  readonly seeds: number;
  readonly members?: number;
  readonly chaosTicks?: number;
  readonly bugs?: SimBugs;
  readonly profile?: FaultProfileName;
  /** Stop at the first failing seed (for mutation tests). */
  readonly stopAtFirstFailure?: boolean;
  readonly onResult?: (result: SimResult) => void;
}

/** Runs seeds firstSeed .. firstSeed+seeds-1 and sums them up. */
export function runSeeds(options: SeedsOptions): SeedsSummary {
  const failedSeeds: { seed: number; violations: readonly string[] }[] = [];
  const faults: Record<string, number> = {};
  const messages = { sent: 0, dropped: 0, duplicated: 0, blocked: 0 };
  const electionAfterLeaderCrashTicks: number[] = [];
  const recoveryTicks: number[] = [];
  let ticks = 0;
  let operations = 0;
  let unknownOperations = 0;
  let seeds = 0;
  for (let seed = options.firstSeed; seed < options.firstSeed + options.seeds; seed += 1) {
    const result = runSimulation({ seed, members: options.members, chaosTicks: options.chaosTicks, bugs: options.bugs, profile: options.profile });
    seeds += 1;
    options.onResult?.(result);
    ticks += result.ticks;
    operations += result.operations.completed;
    unknownOperations += result.operations.unknown;
    for (const [kind, count] of Object.entries(result.faults) as [FaultKind, number][]) faults[kind] = (faults[kind] ?? 0) + count;
    messages.sent += result.messages.sent;
    messages.dropped += result.messages.dropped;
    messages.duplicated += result.messages.duplicated;
    messages.blocked += result.messages.blocked;
    if (result.electionAfterLeaderCrashTicks !== undefined) electionAfterLeaderCrashTicks.push(result.electionAfterLeaderCrashTicks);
    if (result.recoveryTicks !== undefined) recoveryTicks.push(result.recoveryTicks);
    if (result.violations.length > 0) {
      failedSeeds.push({ seed, violations: result.violations });
      if (options.stopAtFirstFailure === true) break;
    }
  }
  return { seeds, failedSeeds, ticks, operations, unknownOperations, faults, messages, electionAfterLeaderCrashTicks, recoveryTicks };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[at] ?? Number.NaN;
}
