// Starts a 3-member cluster of either kube-lite's store or real etcd with the very same flags
// (kube-lite's store takes etcd's flag names), on loopback ports chosen by the OS, in fresh data
// dirs. Members can be killed (-9) and restarted on their data dir; each process is registered
// for clean-up (./processes.ts) and its CPU time can be read from /proc.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { distinctFreePorts } from "../../test/support/ports.js";
import { onAbnormalExit, track } from "./processes.js";

export type SystemKind = "kube-lite" | "etcd";

export interface ClusterOptions {
  readonly kind: SystemKind;
  readonly members: number;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  /** kube-lite's compiled CLI (dist/cluster/main.js). */
  readonly storeBin: string;
  readonly etcdBin: string;
  /** Extra node flags for kube-lite members (e.g. --cpu-prof). */
  readonly nodeArgs: readonly string[];
  /** The fresh data root is created inside this directory. */
  readonly parentDir: string;
  readonly readyTimeoutMs: number;
}

interface MemberProcess {
  readonly name: string;
  readonly dataDir: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly logPath: string;
  child: ChildProcess | undefined;
}

interface StatusJson {
  header?: { member_id?: string };
  leader?: string;
  raftIndex?: string;
  raftAppliedIndex?: string;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const clockTicksPerSecond = (() => {
  const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number(out.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();


const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function postJson(url: string, body: unknown, timeoutMs: number): Promise<unknown> {
  const response = await fetch(url, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  return (await response.json()) as unknown;
}

export class BenchCluster {
  private constructor(
    readonly kind: SystemKind,
    readonly dataRoot: string,
    private readonly members: MemberProcess[],
    private readonly options: ClusterOptions,
    private readonly initialCluster: string,
    private readonly token: string,
    private readonly forgetCleanup: () => void,
  ) {}

  static async start(options: ClusterOptions): Promise<BenchCluster> {
    const dataRoot = fs.mkdtempSync(path.join(options.parentDir, `kube-lite-bench-${options.kind}-`));
    const forget = onAbnormalExit(() => fs.rmSync(dataRoot, { recursive: true, force: true }));
    const prefix = options.kind === "etcd" ? "e" : "s";
    const names = Array.from({ length: options.members }, (_, i) => `${prefix}${i + 1}`);
    const ports = await distinctFreePorts(names.length * 2);
    const members: MemberProcess[] = names.map((name, i) => ({
      name,
      dataDir: path.join(dataRoot, name),
      clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
      peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
      logPath: path.join(dataRoot, `${name}.log`),
      child: undefined,
    }));
    const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(",");
    const cluster = new BenchCluster(options.kind, dataRoot, members, options, initialCluster, `bench-${path.basename(dataRoot)}`, forget);
    try {
      for (const member of members) cluster.launch(member);
      await cluster.waitHealthy(names, options.readyTimeoutMs);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  get names(): string[] {
    return this.members.map((m) => m.name);
  }

  endpointOf(name: string): string {
    return this.member(name).clientUrl;
  }

  pidOf(name: string): number | undefined {
    return this.member(name).child?.pid;
  }

  /** Same flags for both systems: kube-lite's store accepts etcd's names. */
  private flags(member: MemberProcess): string[] {
    const flags = [
      `--name=${member.name}`,
      `--data-dir=${member.dataDir}`,
      `--listen-client-urls=${member.clientUrl}`,
      `--advertise-client-urls=${member.clientUrl}`,
      `--listen-peer-urls=${member.peerUrl}`,
      `--initial-advertise-peer-urls=${member.peerUrl}`,
      `--initial-cluster=${this.initialCluster}`,
      "--initial-cluster-state=new",
      `--initial-cluster-token=${this.token}`,
      `--heartbeat-interval=${this.options.heartbeatIntervalMs}`,
      `--election-timeout=${this.options.electionTimeoutMs}`,
    ];
    // etcd 3.4's default logger (capnslog) is deprecated and says so; zap is its successor.
    if (this.kind === "etcd") flags.push("--logger=zap", "--log-outputs=stderr");
    return flags;
  }

  /** The command line a member runs with (for the report). */
  commandLine(name: string): string {
    const member = this.member(name);
    const argv = this.kind === "etcd" ? [this.options.etcdBin, ...this.flags(member)] : ["node", ...this.options.nodeArgs, this.options.storeBin, "store", ...this.flags(member)];
    return argv.join(" ");
  }

  private launch(member: MemberProcess): void {
    const log = fs.openSync(member.logPath, "a");
    const child =
      this.kind === "etcd"
        ? spawn(this.options.etcdBin, this.flags(member), { stdio: ["ignore", log, log] })
        : spawn(process.execPath, [...this.options.nodeArgs, this.options.storeBin, "store", ...this.flags(member)], { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    track(child);
    child.once("error", (error) => process.stderr.write(`${member.name}: ${error.message}\n`));
    member.child = child;
  }

  private member(name: string): MemberProcess {
    const member = this.members.find((m) => m.name === name);
    if (member === undefined) throw new Error(`no member ${name}`);
    return member;
  }

  /** Sends the signal now (synchronously) and resolves once the member has exited. */
  kill(name: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const member = this.member(name);
    const child = member.child;
    if (child === undefined) return Promise.resolve();
    child.kill(signal);
    return exited(child).then(() => {
      member.child = undefined;
    });
  }

  /** Starts a killed member again on its data dir and ports; resolves when it reports healthy. */
  async restart(name: string, timeoutMs = this.options.readyTimeoutMs): Promise<void> {
    const member = this.member(name);
    if (member.child !== undefined) throw new Error(`${name} is still running`);
    this.launch(member);
    await this.waitHealthy([name], timeoutMs);
  }

  async waitHealthy(names: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const name of names) {
      const member = this.member(name);
      for (;;) {
        if (member.child === undefined || member.child.exitCode !== null) {
          throw new Error(`${this.kind} member ${name} exited before it was healthy; see ${member.logPath}:\n${tail(member.logPath)}`);
        }
        try {
          const response = await fetch(`${member.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
          const body = (await response.json()) as { health?: unknown };
          if (response.status === 200 && body.health === "true") break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`${this.kind} member ${name} not healthy within ${timeoutMs} ms; see ${member.logPath}`);
        await sleep(50);
      }
    }
  }

  /** Waits until a restarted member has applied what the others have (so the next round starts even). */
  async waitCaughtUp(name: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const applied = async (endpoint: string): Promise<number> => {
      const status = (await postJson(`${endpoint}/v3/maintenance/status`, {}, 1000)) as StatusJson;
      return Number(status.raftAppliedIndex ?? status.raftIndex ?? 0);
    };
    for (;;) {
      try {
        const others = await Promise.all(this.members.filter((m) => m.name !== name && m.child !== undefined).map((m) => applied(m.clientUrl)));
        const mine = await applied(this.member(name).clientUrl);
        if (mine >= Math.min(...others)) return;
      } catch {
        // busy or not up: ask again
      }
      if (Date.now() > deadline) throw new Error(`${name} did not catch up within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** The current leader's name, as a running member reports itself leader. */
  async leader(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const member of this.members) {
        if (member.child === undefined) continue;
        try {
          const status = (await postJson(`${member.clientUrl}/v3/maintenance/status`, {}, 1000)) as StatusJson;
          if (status.leader !== undefined && status.leader !== "0" && status.leader === status.header?.member_id) return member.name;
        } catch {
          // not up, or busy: ask the next one
        }
      }
      if (Date.now() > deadline) throw new Error(`no ${this.kind} leader within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** CPU time (user + system, ms) the running members have used so far, by member. */
  cpuTimeMs(): Map<string, number> {
    const out = new Map<string, number>();
    for (const member of this.members) {
      const pid = member.child?.pid;
      if (pid === undefined) continue;
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // Fields after the command name, which is in parentheses and may contain spaces.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
        out.set(member.name, (ticks * 1000) / clockTicksPerSecond);
      } catch {
        // exited in between
      }
    }
    return out;
  }

  /**
   * Stops every member (SIGKILL by default; SIGTERM lets kube-lite write a --cpu-prof profile),
   * then removes the data root unless `keepData`.
   */
  async stop(signal: NodeJS.Signals = "SIGKILL", keepData = false, graceMs = 15_000): Promise<void> {
    const running = this.members.filter((m) => m.child !== undefined);
    await Promise.all(
      running.map(async (m) => {
        const child = m.child as ChildProcess;
        const done = this.kill(m.name, signal);
        if (signal === "SIGKILL") return done;
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await done;
        clearTimeout(timer);
      }),
    );
    if (!keepData) fs.rmSync(this.dataRoot, { recursive: true, force: true });
    this.forgetCleanup();
  }

  logPath(name: string): string {
    return this.member(name).logPath;
  }
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
