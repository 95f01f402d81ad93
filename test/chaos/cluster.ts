// The store cluster under test: members as real processes (`node dist/cluster/main.js store`),
// each with its own --initial-cluster whose peer URLs point at the proxies of its outbound links
// (see proxy.ts). The harness can kill -9, restart (same data dir and ports), pause (SIGSTOP)
// and resume (SIGCONT) any member.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Prng } from "../../store/sim/index.js";
import { StoreClient, type StatusResult } from "../../store/client/index.js";
import { LinkProxy, ProxyMesh } from "./proxy.js";
import { distinctFreePorts, freePort } from "../support/ports.js";

export const repoRoot = path.resolve(import.meta.dirname, "../..");
export const storeBin = path.join(repoRoot, "dist/cluster/main.js");

export interface ClusterOptions {
  readonly members: number;
  readonly dataRoot: string;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly extraArgs: readonly string[];
  /** Extra environment for the members (the store's test hooks: KUBE_LITE_TEST_FAULTS). */
  readonly env: Readonly<Record<string, string>>;
  /** Seeds the proxies' per-frame choices (loss, jitter). */
  readonly seed: number;
}

export type MemberState = "running" | "paused" | "killed";

export interface ChaosMember {
  readonly name: string;
  readonly index: number;
  readonly dataDir: string;
  readonly clientUrl: string;
  readonly peerPort: number;
  readonly logPath: string;
  /** Filled in once the member has answered a status (its member id). */
  memberId: string;
  state: MemberState;
  child: ChildProcess | undefined;
  pid: number | undefined;
  starts: number;
}

/** Every member process alive, so that none outlives the harness if it dies or is interrupted. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of liveChildren) {
      c.kill("SIGCONT");
      c.kill("SIGKILL");
    }
  });
}

export { freePort };

export class ChaosCluster {
  readonly members: ChaosMember[];
  readonly proxies: ProxyMesh;
  private readonly clients = new Map<string, StoreClient>();

  private constructor(
    private readonly options: ClusterOptions,
    members: ChaosMember[],
    proxies: ProxyMesh,
    private readonly initialClusters: Map<string, string>,
  ) {
    this.members = members;
    this.proxies = proxies;
  }

  static async create(options: ClusterOptions): Promise<ChaosCluster> {
    const names = Array.from({ length: options.members }, (_, i) => `s${i + 1}`);
    const n = names.length;
    const ports = await distinctFreePorts(2 * n + n * (n - 1));
    const take = (): number => {
      const port = ports.pop();
      if (port === undefined) throw new Error("ran out of ports");
      return port;
    };
    fs.mkdirSync(path.join(options.dataRoot, "logs"), { recursive: true });
    const members: ChaosMember[] = names.map((name, index) => ({
      name,
      index,
      dataDir: path.join(options.dataRoot, name),
      clientUrl: `http://127.0.0.1:${take()}`,
      peerPort: take(),
      logPath: path.join(options.dataRoot, "logs", `${name}.log`),
      memberId: "",
      state: "killed",
      child: undefined,
      pid: undefined,
      starts: 0,
    }));
    const random = new Prng(options.seed);
    const mesh = new ProxyMesh(names);
    const initialClusters = new Map<string, string>();
    for (const from of members) {
      const entries: string[] = [];
      for (const to of members) {
        if (to === from) {
          entries.push(`${to.name}=http://127.0.0.1:${to.peerPort}`);
          continue;
        }
        const link = new LinkProxy(from.name, to.name, take(), to.peerPort, random.fork());
        mesh.add(link);
        entries.push(`${to.name}=http://127.0.0.1:${link.listenPort}`);
      }
      initialClusters.set(from.name, entries.join(","));
    }
    await Promise.all(mesh.all().map((l) => l.start()));
    return new ChaosCluster(options, members, mesh, initialClusters);
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  member(name: string): ChaosMember {
    const member = this.members.find((m) => m.name === name);
    if (member === undefined) throw new Error(`no member ${name}`);
    return member;
  }

  /** A client that talks to this one member only (for serializable reads of its own state). */
  clientOf(member: ChaosMember): StoreClient {
    let client = this.clients.get(member.name);
    if (client === undefined) {
      client = new StoreClient({ endpoints: [member.clientUrl], requestTimeoutMs: 2_000, deadlineMs: 2_500 });
      this.clients.set(member.name, client);
    }
    return client;
  }

  async startAll(): Promise<void> {
    await Promise.all(this.members.map((m) => this.start(m)));
  }

  /** Starts a member on its data dir and ports; resolves once it serves client requests. */
  async start(member: ChaosMember, timeoutMs = 20_000): Promise<void> {
    if (member.state !== "killed") throw new Error(`${member.name} is ${member.state}, not killed`);
    const endpointsFile = path.join(member.dataDir, "endpoints.json");
    fs.rmSync(endpointsFile, { force: true });
    const port = new URL(member.clientUrl).port;
    const peerUrl = `http://127.0.0.1:${member.peerPort}`;
    const args = [
      storeBin,
      "store",
      "--name", member.name,
      "--data-dir", member.dataDir,
      "--listen-client-urls", member.clientUrl,
      "--advertise-client-urls", member.clientUrl,
      "--listen-peer-urls", peerUrl,
      "--initial-advertise-peer-urls", peerUrl,
      "--initial-cluster", this.initialClusters.get(member.name) ?? "",
      "--initial-cluster-state", "new",
      "--initial-cluster-token", "chaos",
      "--heartbeat-interval", String(this.options.heartbeatIntervalMs),
      "--election-timeout", String(this.options.electionTimeoutMs),
      ...this.options.extraArgs,
    ];
    fs.appendFileSync(member.logPath, `{"harness":"start","port":${port},"at":"${new Date().toISOString()}"}\n`);
    const log = fs.openSync(member.logPath, "a");
    // Logs go straight to a file: no pipe the harness must keep draining, even while it is busy.
    const child = spawn(process.execPath, args, { stdio: ["ignore", log, log], cwd: repoRoot, env: { ...process.env, ...this.options.env } });
    fs.closeSync(log);
    track(child);
    member.child = child;
    member.pid = child.pid;
    member.state = "running";
    member.starts += 1;
    let exited = false;
    child.once("exit", () => {
      exited = true;
      if (member.child === child) {
        member.child = undefined;
        member.state = "killed";
      }
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`store ${member.name} exited before serving (see ${member.logPath})`);
      try {
        const written = JSON.parse(fs.readFileSync(endpointsFile, "utf8")) as { pid?: number };
        if (written.pid === child.pid) break;
      } catch {
        // not written yet (or half written)
      }
      if (Date.now() > deadline) throw new Error(`store ${member.name} did not start within ${timeoutMs} ms (see ${member.logPath})`);
      await sleep(20);
    }
    await this.proxies.setTargetDown(member.name, false);
  }

  async kill(member: ChaosMember): Promise<void> {
    const child = member.child;
    if (child === undefined) return;
    const gone = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
    // A paused process dies from SIGKILL too; nothing to resume first.
    child.kill("SIGKILL");
    await gone;
    member.child = undefined;
    member.state = "killed";
    await this.proxies.setTargetDown(member.name, true);
  }

  /** Waits up to `timeoutMs` for the member's process to die by itself (a crash point); true if it did. */
  async waitForExit(member: ChaosMember, timeoutMs: number, cancelled: Promise<void>): Promise<boolean> {
    const child = member.child;
    if (child === undefined) {
      // Already gone (it crashed while cut off, and its exit was seen first).
      await this.proxies.setTargetDown(member.name, true);
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      new Promise<boolean>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(true) : child.once("exit", () => resolve(true)))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      cancelled.then(() => false),
    ]);
    clearTimeout(timer);
    if (exited) {
      member.child = undefined;
      member.state = "killed";
      await this.proxies.setTargetDown(member.name, true);
    }
    return exited;
  }

  /** Sends a running member a signal (SIGUSR2: read its test crash point). */
  signal(member: ChaosMember, signal: NodeJS.Signals): void {
    member.child?.kill(signal);
  }

  pause(member: ChaosMember): void {
    if (member.state !== "running" || member.child === undefined) throw new Error(`${member.name} is not running`);
    member.child.kill("SIGSTOP");
    member.state = "paused";
  }

  resume(member: ChaosMember): void {
    if (member.state !== "paused" || member.child === undefined) return;
    member.child.kill("SIGCONT");
    member.state = "running";
  }

  /** Whether the process is alive (it may be paused). */
  alive(member: ChaosMember): boolean {
    const child = member.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Status of each running member (undefined where it does not answer within `timeoutMs`). */
  async statuses(timeoutMs = 1_000): Promise<Map<string, StatusResult | undefined>> {
    const results = await Promise.all(
      this.members.map(async (m) => {
        if (m.state !== "running") return [m.name, undefined] as const;
        try {
          const status = await withTimeout(this.clientOf(m).status(m.clientUrl), timeoutMs);
          m.memberId = status.memberId;
          return [m.name, status] as const;
        } catch {
          return [m.name, undefined] as const;
        }
      }),
    );
    return new Map(results);
  }

  /**
   * The leader, if a running member says it is the leader and a majority of the members agree
   * (counting it). Undefined otherwise.
   */
  async leader(timeoutMs = 1_000): Promise<ChaosMember | undefined> {
    const statuses = await this.statuses(timeoutMs);
    const votes = new Map<string, number>();
    for (const status of statuses.values()) if (status !== undefined && status.leader !== "0") votes.set(status.leader, (votes.get(status.leader) ?? 0) + 1);
    for (const m of this.members) {
      const status = statuses.get(m.name);
      if (status === undefined || status.leader !== status.memberId) continue;
      if ((votes.get(status.memberId) ?? 0) > this.members.length / 2) return m;
    }
    return undefined;
  }

  /** SIGCONT (so nothing stays stopped), then SIGKILL every member and close the proxies. */
  async stop(): Promise<void> {
    for (const m of this.members) if (m.state === "paused") this.resume(m);
    await Promise.all(this.members.map((m) => this.kill(m)));
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    await this.proxies.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
