// Starts a throwaway local etcd cluster (the reference the store is checked against) on ports
// the OS picks, in a temporary data dir. Needs the `etcd` binary (apt-get install etcd-server).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, open, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { distinctFreePorts } from "./ports.js";

export interface EtcdCluster {
  endpoints: string[];
  dataDir: string;
  stop(): Promise<void>;
}

/** True when an `etcd` binary answers `--version`. */
export function etcdAvailable(binary = "etcd"): boolean {
  return spawnSync(binary, ["--version"], { stdio: "ignore" }).status === 0;
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
    const body = (await response.json()) as { health?: unknown };
    return response.status === 200 && body.health === "true";
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startEtcdCluster({ members = 3, binary = "etcd", readyTimeoutMs = 20_000 } = {}): Promise<EtcdCluster> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "kube-lite-etcd-"));
  const names = Array.from({ length: members }, (_, i) => `e${i + 1}`);
  const ports = await distinctFreePorts(2 * members);
  const clientPorts = ports.slice(0, members);
  const peerPorts = ports.slice(members);
  const peerUrl = (i: number) => `http://127.0.0.1:${peerPorts[i]}`;
  const endpoints = clientPorts.map((port) => `http://127.0.0.1:${port}`);
  const initialCluster = names.map((name, i) => `${name}=${peerUrl(i)}`).join(",");
  const children: ChildProcess[] = [];

  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    for (const [i, name] of names.entries()) {
      const log = await open(path.join(dataDir, `${name}.log`), "w");
      const endpoint = endpoints[i] ?? "";
      const child = spawn(
        binary,
        [
          `--name=${name}`,
          `--data-dir=${path.join(dataDir, name)}`,
          `--listen-client-urls=${endpoint}`,
          `--advertise-client-urls=${endpoint}`,
          `--listen-peer-urls=${peerUrl(i)}`,
          `--initial-advertise-peer-urls=${peerUrl(i)}`,
          `--initial-cluster=${initialCluster}`,
          "--initial-cluster-state=new",
          `--initial-cluster-token=kube-lite-${path.basename(dataDir)}`,
        ],
        { stdio: ["ignore", log.fd, log.fd] },
      );
      children.push(child);
      child.once("spawn", () => void log.close());
      child.once("error", () => void log.close());
    }
    await waitUntil(async () => (await Promise.all(endpoints.map(healthy))).every(Boolean), readyTimeoutMs, "etcd to be healthy");
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoints, dataDir, stop };
}
