// `kube-lite controller-manager` as the control-plane bench runs it: the compiled bin in its own
// process (no leader election: one replica, so no Lease renewals land in the measurement), its log
// in a file, registered for clean-up, CPU time from /proc, and /readyz + /status on a port the OS
// chose. The scheduler's wrapper (./scheduler-components.ts) only launches the scheduler and the
// kubelet-sim roles, hence this one.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { processCpuMs } from "../apiserver-process.js";
import { track } from "./processes.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ControllerManagerProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly logPath: string,
    readonly commandLine: string,
    private readonly urlFile: string,
  ) {}

  static start(bin: string, server: string, dir: string, workers: number): ControllerManagerProcess {
    const urlFile = path.join(dir, "controller-manager-url.json");
    const logPath = path.join(dir, "controller-manager.log");
    const args = [bin, "controller-manager", "--server", server, "--leader-elect=false", "--concurrent-workers", String(workers), "--port", "0", "--url-file", urlFile, "--log-level", "warn"];
    const log = fs.openSync(logPath, "a");
    const child = spawn(process.execPath, args, { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    track(child);
    return new ControllerManagerProcess(child, logPath, ["node", ...args].join(" "), urlFile);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  cpuMs(): number {
    return processCpuMs(this.child.pid ?? 0);
  }

  assertRunning(): void {
    if (this.running) return;
    throw new Error(`controller-manager exited (code ${this.child.exitCode}); ${this.logPath}:\n${fs.readFileSync(this.logPath, "utf8").slice(-2000)}`);
  }

  private async url(deadline: number): Promise<string> {
    for (;;) {
      this.assertRunning();
      try {
        return (JSON.parse(fs.readFileSync(this.urlFile, "utf8")) as { url: string }).url;
      } catch {
        // not written yet, or not complete
      }
      if (performance.now() > deadline) throw new Error(`the controller-manager wrote no url file in time; see ${this.logPath}`);
      await sleep(20);
    }
  }

  /** Resolves once /readyz answers 200 (its informers listed, controllers running). */
  async waitSynced(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    const url = await this.url(deadline);
    for (;;) {
      this.assertRunning();
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      if (response?.status === 200) return;
      if (performance.now() > deadline) throw new Error(`the controller-manager did not sync within ${timeoutMs} ms; see ${this.logPath}`);
      await sleep(20);
    }
  }

  async status(): Promise<Record<string, unknown>> {
    const url = await this.url(performance.now() + 5000);
    const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(5000) });
    return (await response.json()) as Record<string, unknown>;
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
