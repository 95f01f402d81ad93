// Optional: counts the members' system calls (fsync and friends) during a load window with
// `perf trace -s` (kernel tracepoints, no ptrace stops), so fsync cost can be told apart from CPU.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { track } from "./processes.js";

export interface SyscallRow {
  readonly syscall: string;
  readonly calls: number;
  readonly totalMs: number;
}

export interface SyscallTrace {
  /** Summed over every thread of every member, by member name. */
  readonly byMember: Record<string, SyscallRow[]>;
}

export function perfAvailable(): boolean {
  return spawnSync("perf", ["--version"], { stdio: "ignore" }).status === 0;
}

export class SyscallTracer {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  /** Starts `perf trace -s` on the given processes (pid → member name). */
  constructor(
    private readonly pids: ReadonlyMap<number, string>,
    private readonly outFile: string,
  ) {
    this.child = spawn("perf", ["trace", "-s", "-p", [...pids.keys()].join(","), "-o", outFile], { stdio: "ignore" });
    track(this.child);
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
  }

  /** Stops tracing (SIGINT makes perf print its summary) and parses it. */
  async stop(): Promise<SyscallTrace> {
    // Map threads to members while the members still run.
    const memberOfTid = new Map<number, string>();
    for (const [pid, name] of this.pids) {
      try {
        for (const tid of fs.readdirSync(`/proc/${pid}/task`)) memberOfTid.set(Number(tid), name);
      } catch {
        // exited
      }
    }
    this.child.kill("SIGINT");
    await this.exited;
    return parsePerfTraceSummary(fs.readFileSync(this.outFile, "utf8"), memberOfTid);
  }
}

export function parsePerfTraceSummary(text: string, memberOfTid: ReadonlyMap<number, string>): SyscallTrace {
  const totals = new Map<string, Map<string, SyscallRow>>();
  let member: string | undefined;
  for (const line of text.split("\n")) {
    const thread = /^\s*\S.*\((\d+)\), \d+ events/.exec(line);
    if (thread !== null) {
      member = memberOfTid.get(Number(thread[1])) ?? "other";
      continue;
    }
    const row = /^\s+([a-z_0-9]+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s/.exec(line);
    if (row === null || member === undefined) continue;
    const [, syscall = "", calls = "0", , total = "0"] = row;
    const byName = totals.get(member) ?? new Map<string, SyscallRow>();
    totals.set(member, byName);
    const previous = byName.get(syscall) ?? { syscall, calls: 0, totalMs: 0 };
    byName.set(syscall, { syscall, calls: previous.calls + Number(calls), totalMs: previous.totalMs + Number(total) });
  }
  const byMember: Record<string, SyscallRow[]> = {};
  for (const [name, rows] of totals) byMember[name] = [...rows.values()].sort((a, b) => b.totalMs - a.totalMs);
  return { byMember };
}
