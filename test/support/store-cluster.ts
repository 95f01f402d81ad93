// Starts kube-lite store members as real processes (compiled bin, as users run it), on ports the
// OS chose, for end-to-end tests. Every member can be killed (-9), stopped (SIGTERM) and restarted.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";

import { distinctFreePorts, freePort } from "./ports.js";

export { freePort };

const root = path.resolve(import.meta.dirname, "../..");
const bin = path.join(root, "dist/cluster/main.js");

export interface StoreMemberProcess {
  readonly name: string;
  readonly dataDir: string;
  readonly peerPort: number;
  clientUrl: string;
  process: ChildProcess | undefined;
  /** Every log line the member printed, parsed. */
  readonly logs: Record<string, unknown>[];
}

export interface StoreCluster {
  readonly endpoints: string[];
  readonly members: StoreMemberProcess[];
  readonly dataRoot: string;
  /** SIGKILL (default) or SIGTERM one member; resolves when it has exited and its last log lines are read. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped member again on the same data dir and client port. */
  restart(name: string): Promise<void>;
  /** The current leader's name, as the members report it. */
  leader(timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface StoreClusterOptions {
  readonly members?: number;
  readonly heartbeatIntervalMs?: number;
  readonly electionTimeoutMs?: number;
  readonly extraArgs?: readonly string[];
  readonly dataRoot?: string;
}

export async function startStoreCluster(options: StoreClusterOptions = {}): Promise<StoreCluster> {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run npm run build (npm test does)`);
  const count = options.members ?? 3;
  const dataRoot = options.dataRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-store-"));
  const names = Array.from({ length: count }, (_, i) => `s${i + 1}`);
  const peerPorts = await distinctFreePorts(count);
  const initialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${peerPorts[i]}`).join(",");
  const members: StoreMemberProcess[] = names.map((name, i) => ({
    name,
    dataDir: path.join(dataRoot, name),
    peerPort: peerPorts[i] ?? 0,
    clientUrl: "http://127.0.0.1:0",
    process: undefined,
    logs: [],
  }));

  /** Every member process started and not yet gone: exited, and its output read to the end. */
  const spawned = new Set<ChildProcess>();
  const launch = (member: StoreMemberProcess): Promise<void> => {
    const port = new URL(member.clientUrl).port;
    const args = [
      bin,
      "store",
      "--name", member.name,
      "--data-dir", member.dataDir,
      "--listen-client-urls", `http://127.0.0.1:${port}`,
      "--advertise-client-urls", `http://127.0.0.1:${port}`,
      "--listen-peer-urls", `http://127.0.0.1:${member.peerPort}`,
      "--initial-advertise-peer-urls", `http://127.0.0.1:${member.peerPort}`,
      "--initial-cluster", initialCluster,
      "--initial-cluster-state", "new",
      "--heartbeat-interval", String(options.heartbeatIntervalMs ?? 50),
      "--election-timeout", String(options.electionTimeoutMs ?? 500),
      ...(options.extraArgs ?? []),
    ];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    spawned.add(child);
    child.once("close", () => spawned.delete(child));
    member.process = child;
    return new Promise<void>((resolve, reject) => {
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once("exit", (code) => reject(new Error(`store ${member.name} exited (${code}) before serving: ${stderr}`)));
      readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        member.logs.push(entry);
        if (entry.msg === "serving client requests" && typeof entry.clientUrl === "string") {
          member.clientUrl = entry.clientUrl;
          resolve();
        }
      });
    });
  };

  // A member keeps its ports across restarts, and while it was down the OS may have handed one
  // of them to another socket on this machine (an outgoing connection's local port: a CI run
  // failed so). Such a socket is short-lived: try again for a while, as an operator would.
  const launchRetrying = async (member: StoreMemberProcess): Promise<void> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        return await launch(member);
      } catch (error) {
        if (!/EADDRINUSE/.test(String(error)) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };

  // "close", not "exit": at its exit a member's last log lines may still be in the pipe.
  const exited = (child: ChildProcess): Promise<void> => (spawned.has(child) ? new Promise((resolve) => child.once("close", () => resolve())) : Promise.resolve());
  /**
   * Kills every process this cluster started and has not seen exit — the members, and any
   * launch that failed half-way or a restart a throwing test lost track of: a stray member
   * would load the machine for every test and benchmark after it (two did, for half an hour, on
   * 26 Nov).
   */
  const killAll = async (): Promise<void> => {
    await Promise.all(
      [...spawned].map((child) => {
        child.kill("SIGKILL");
        return exited(child);
      }),
    );
    for (const member of members) member.process = undefined;
  };

  try {
    await Promise.all(members.map(launchRetrying));
  } catch (error) {
    // The caller gets no cluster to stop: stop what did start.
    await killAll();
    throw error;
  }
  const cluster: StoreCluster = {
    endpoints: members.map((m) => m.clientUrl),
    members,
    dataRoot,
    async kill(name, signal = "SIGKILL") {
      const member = members.find((m) => m.name === name);
      const child = member?.process;
      if (member === undefined || child === undefined) return;
      child.kill(signal);
      await exited(child);
      member.process = undefined;
    },
    async restart(name) {
      const member = members.find((m) => m.name === name);
      if (member === undefined) throw new Error(`no member ${name}`);
      await launchRetrying(member);
    },
    async leader(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const member of members) {
          if (member.process === undefined) continue;
          try {
            const response = await fetch(`${member.clientUrl}/v3/maintenance/status`, { method: "POST", body: "{}", signal: AbortSignal.timeout(1000) });
            const status = (await response.json()) as { leader?: string; header?: { member_id?: string } };
            if (status.leader !== undefined && status.leader === status.header?.member_id) return member.name;
          } catch {
            // not up yet, or busy: ask the next one
          }
        }
        if (Date.now() > deadline) throw new Error("no store leader");
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await killAll();
      if (options.dataRoot === undefined) fs.rmSync(dataRoot, { recursive: true, force: true });
    },
  };
  return cluster;
}
