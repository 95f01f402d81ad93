// `kube-lite apiserver` as the bench runs it: the compiled bin in its own process (optionally under
// node --cpu-prof), on a port the OS chose, registered for clean-up, with its CPU time readable
// from /proc.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { track } from "./support/processes.js";

export interface ApiServerLaunch {
  readonly bin: string;
  readonly etcdServers: readonly string[];
  /** Where the url file and the log go. */
  readonly dir: string;
  /** Extra node flags (e.g. --cpu-prof). */
  readonly nodeArgs: readonly string[];
  readonly readyTimeoutMs: number;
}

const clockTicksPerSecond = (() => {
  const n = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** CPU time (user + system, ms) process `pid` has used so far; NaN once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return Number.NaN;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ApiServerProcess {
  private constructor(
    readonly url: string,
    readonly child: ChildProcess,
    readonly logPath: string,
    readonly commandLine: string,
  ) {}

  static async start(launch: ApiServerLaunch): Promise<ApiServerProcess> {
    const urlFile = path.join(launch.dir, "apiserver-url.json");
    const logPath = path.join(launch.dir, "apiserver.log");
    const args = [...launch.nodeArgs, launch.bin, "apiserver", "--etcd-servers", launch.etcdServers.join(","), "--port", "0", "--url-file", urlFile, "--log-level", "warn"];
    const log = fs.openSync(logPath, "a");
    const child = spawn(process.execPath, args, { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    track(child);
    const deadline = Date.now() + launch.readyTimeoutMs;
    const url = await (async () => {
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`apiserver exited before listening; see ${logPath}:\n${fs.readFileSync(logPath, "utf8").slice(-2000)}`);
        try {
          return (JSON.parse(fs.readFileSync(urlFile, "utf8")) as { url: string }).url;
        } catch {
          // not written yet, or not complete
        }
        if (Date.now() > deadline) throw new Error(`apiserver wrote no url within ${launch.readyTimeoutMs} ms; see ${logPath}`);
        await sleep(25);
      }
    })();
    const server = new ApiServerProcess(url, child, logPath, ["node", ...args].join(" "));
    await server.waitReady(deadline);
    return server;
  }

  /** Ready means the bootstrap namespaces exist (the apiserver creates them once the store answers). */
  private async waitReady(deadline: number): Promise<void> {
    for (;;) {
      const response = await fetch(`${this.url}/api/v1/namespaces/kube-node-lease`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      if (response?.status === 200) return;
      if (Date.now() > deadline) throw new Error(`apiserver at ${this.url} not ready in time; see ${this.logPath}`);
      await sleep(50);
    }
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  cpuMs(): number {
    return processCpuMs(this.pid);
  }

  /** SIGTERM (so that --cpu-prof writes its profile), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
