// `kube-lite scheduler` and `kube-lite kubelet-sim` as the scheduler bench runs them: the compiled
// bin in its own process, its log in a file, registered for clean-up, with CPU time and resident
// memory readable from /proc, and (scheduler) its /readyz and /status on a port the OS chose.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { processCpuMs } from "../apiserver-process.js";
import { track } from "./processes.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resident set size of `pid` in KiB (VmRSS of /proc/<pid>/status); NaN once it is gone. */
export function residentKiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? Number.NaN : Number(match[1]);
  } catch {
    return Number.NaN;
  }
}

export interface ComponentLaunch {
  readonly bin: string;
  readonly role: "scheduler" | "kubelet-sim";
  readonly args: readonly string[];
  /** Where the log (and the scheduler's url file) go. */
  readonly dir: string;
  /** Names the log file, so that two launches of one role keep both logs. */
  readonly label: string;
  readonly nodeArgs?: readonly string[];
}

export class ComponentProcess {
  /** performance.now() when the process was spawned. */
  readonly spawnedAtMs: number;

  private constructor(
    readonly child: ChildProcess,
    readonly logPath: string,
    readonly commandLine: string,
  ) {
    this.spawnedAtMs = performance.now();
  }

  static start(launch: ComponentLaunch): ComponentProcess {
    const logPath = path.join(launch.dir, `${launch.label}.log`);
    const args = [...(launch.nodeArgs ?? []), launch.bin, launch.role, ...launch.args];
    const log = fs.openSync(logPath, "a");
    const child = spawn(process.execPath, args, { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    track(child);
    return new ComponentProcess(child, logPath, ["node", ...args].join(" "));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  cpuMs(): number {
    return processCpuMs(this.pid);
  }

  residentKiB(): number {
    return residentKiB(this.pid);
  }

  /** Throws with the log's tail when the process has died. */
  assertRunning(): void {
    if (this.running) return;
    const tail = fs.readFileSync(this.logPath, "utf8").slice(-2000);
    throw new Error(`${this.commandLine} exited (code ${this.child.exitCode}, signal ${this.child.signalCode}); ${this.logPath}:\n${tail}`);
  }

  /** SIGTERM (a clean shutdown, and --cpu-prof writes its profile), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** A scheduler process with its health server: waits for the url file, then polls /readyz. */
export class SchedulerProcess {
  private constructor(
    readonly process: ComponentProcess,
    private readonly urlFile: string,
  ) {}

  static start(bin: string, server: string, dir: string, extraArgs: readonly string[], nodeArgs: readonly string[] = []): SchedulerProcess {
    const urlFile = path.join(dir, `scheduler-url-${Date.now()}.json`);
    const args = ["--server", server, "--leader-elect=false", "--port", "0", "--url-file", urlFile, ...extraArgs];
    return new SchedulerProcess(ComponentProcess.start({ bin, role: "scheduler", args, dir, label: "scheduler", nodeArgs }), urlFile);
  }

  private async url(deadline: number): Promise<string> {
    for (;;) {
      this.process.assertRunning();
      try {
        return (JSON.parse(fs.readFileSync(this.urlFile, "utf8")) as { url: string }).url;
      } catch {
        // not written yet, or not complete
      }
      if (performance.now() > deadline) throw new Error(`the scheduler wrote no url file within the deadline; see ${this.process.logPath}`);
      await sleep(5);
    }
  }

  /** Resolves at the performance.now() when /readyz first answered 200 (its informers listed). */
  async waitSynced(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    const url = await this.url(deadline);
    for (;;) {
      this.process.assertRunning();
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      if (response?.status === 200) return performance.now();
      if (performance.now() > deadline) throw new Error(`the scheduler did not sync within ${timeoutMs} ms; see ${this.process.logPath}`);
      await sleep(5);
    }
  }

  /** The scheduler's /status counters (scheduled, unschedulable, bindFailures, ...). */
  async status(): Promise<Record<string, unknown>> {
    const url = await this.url(performance.now() + 5000);
    const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(5000) });
    return (await response.json()) as Record<string, unknown>;
  }
}
