// Starts, kills and restarts the cluster's processes. No silent auto-restart: a process that
// dies stays down until someone restarts it, so failures are visible.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { ComponentSpec } from "./topology.js";

export interface RunningComponent {
  readonly spec: ComponentSpec;
  process: ChildProcess | undefined;
  /** From the spec, or read from its url file once it listens. */
  url: string | undefined;
  startedAtMs: number;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

export class Supervisor {
  readonly components = new Map<string, RunningComponent>();

  constructor(
    private readonly bin: string,
    private readonly onExit: (component: RunningComponent) => void,
  ) {}

  start(spec: ComponentSpec): RunningComponent {
    fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
    if (spec.urlFile !== undefined) {
      fs.mkdirSync(path.dirname(spec.urlFile), { recursive: true });
      fs.rmSync(spec.urlFile, { force: true });
    }
    const log = fs.openSync(spec.logFile, "a");
    const child = spawn(process.execPath, [this.bin, spec.role, ...spec.args], { stdio: ["ignore", log, log], detached: false });
    fs.closeSync(log);
    const component: RunningComponent = this.components.get(spec.name) ?? { spec, process: undefined, url: spec.url, startedAtMs: 0, exit: undefined };
    component.process = child;
    component.startedAtMs = Date.now();
    component.exit = undefined;
    component.url = spec.url;
    this.components.set(spec.name, component);
    child.once("exit", (code, signal) => {
      if (component.process !== child) return;
      component.exit = { code, signal };
      this.onExit(component);
    });
    return component;
  }

  isRunning(component: RunningComponent): boolean {
    return component.process !== undefined && component.exit === undefined;
  }

  /** The status URL of a component that writes one (controller-manager, scheduler). */
  resolveUrl(component: RunningComponent): string | undefined {
    if (component.url !== undefined || component.spec.urlFile === undefined) return component.url;
    try {
      component.url = (JSON.parse(fs.readFileSync(component.spec.urlFile, "utf8")) as { url: string }).url;
    } catch {
      // not listening yet
    }
    return component.url;
  }

  kill(component: RunningComponent): Promise<void> {
    return this.signal(component, "SIGKILL");
  }

  /** Sends `signal` and resolves once the process has exited (at once if it is not running). */
  signal(component: RunningComponent, signal: NodeJS.Signals): Promise<void> {
    const child = component.process;
    if (child === undefined || component.exit !== undefined) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    return exited;
  }

  /** SIGTERM to everything (nodes and control loops first, the store last), SIGKILL after a grace. */
  async stopAll(graceMs = 5_000): Promise<void> {
    const order = ["kubelet-sim", "scheduler", "controller-manager", "apiserver", "store"];
    for (const role of order) {
      const group = [...this.components.values()].filter((c) => c.spec.role === role && this.isRunning(c));
      await Promise.all(
        group.map(async (component) => {
          const timer = setTimeout(() => component.process?.kill("SIGKILL"), graceMs);
          await this.signal(component, "SIGTERM");
          clearTimeout(timer);
        }),
      );
    }
  }
}
