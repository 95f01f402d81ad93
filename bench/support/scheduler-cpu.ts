// CPU time of named processes over a phase, as shares of one core and per pod, beside what the
// whole machine was busy with: on a shared 2-core machine, "other" says how much of a phase's
// time went to processes that are not the bench's.
import { performance } from "node:perf_hooks";
import { machineBusyMs, round } from "./load.js";

/** Cumulative CPU ms of one process; NaN when it is not running (it then counts as 0 used). */
export type CpuSource = () => number;

/** This process's CPU ms (the bench: clients, watches, the counting proxy). */
export const benchCpuMs: CpuSource = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export interface CpuMark {
  readonly atMs: number;
  readonly byProcess: ReadonlyMap<string, number>;
  readonly machineMs: number;
}

export interface CpuUse {
  readonly elapsedMs: number;
  /** 100 = one core busy the whole phase. */
  readonly percentByProcess: Record<string, number>;
  /** Busy CPU of the machine that none of the named processes used. */
  readonly otherPercent: number;
  /** CPU µs per unit of work (pods), by process. */
  readonly microsecondsPerUnit: Record<string, number>;
  readonly units: number;
}

export function cpuMark(sources: ReadonlyMap<string, CpuSource>): CpuMark {
  const byProcess = new Map<string, number>();
  for (const [name, source] of sources) byProcess.set(name, source());
  return { atMs: performance.now(), byProcess, machineMs: machineBusyMs() };
}

/** Used between two marks; a process that started after `start` counts from zero. */
export function cpuUse(start: CpuMark, end: CpuMark, units: number): CpuUse {
  const elapsedMs = Math.max(1, end.atMs - start.atMs);
  const percentByProcess: Record<string, number> = {};
  const microsecondsPerUnit: Record<string, number> = {};
  let named = 0;
  for (const [name, endMs] of end.byProcess) {
    const startMs = start.byProcess.get(name);
    const used = Number.isNaN(endMs) ? 0 : endMs - (startMs === undefined || Number.isNaN(startMs) ? 0 : startMs);
    named += used;
    percentByProcess[name] = round((used / elapsedMs) * 100, 1);
    microsecondsPerUnit[name] = units === 0 ? Number.NaN : round((used * 1000) / units, 0);
  }
  return { elapsedMs: round(elapsedMs, 1), percentByProcess, otherPercent: round(((end.machineMs - start.machineMs - named) / elapsedMs) * 100, 1), microsecondsPerUnit, units };
}

/**
 * Waits (up to `waitMs`) until processes other than `ours` use at most `maxOtherPercent` of a
 * core over one second, so that a compiler or a test run elsewhere on a shared machine lands in
 * fewer of the measured phases; returns what other processes used in the last second.
 */
export async function waitForQuietMachine(ours: ReadonlyMap<string, CpuSource>, maxOtherPercent: number, waitMs: number, log: (line: string) => void): Promise<number> {
  const deadline = performance.now() + waitMs;
  let loggedAt = 0;
  for (;;) {
    const start = cpuMark(ours);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const other = cpuUse(start, cpuMark(ours), 1).otherPercent;
    if (other <= maxOtherPercent) return other;
    if (performance.now() > deadline) {
      log(`  the machine stayed busy (other processes ${other}% of a core); measuring anyway`);
      return other;
    }
    if (performance.now() - loggedAt > 10_000) {
      log(`  waiting for a quieter machine: other processes use ${other}% of a core`);
      loggedAt = performance.now();
    }
  }
}
