// `kube-lite up` as a child process on ports the OS chose, and the `kube-lite` / `kubectl-lite`
// commands that talk to it.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./store-cluster.js";
import { until } from "./wait.js";

export { until };

const root = path.resolve(import.meta.dirname, "../..");
const kubeLiteBin = path.join(root, "dist/cluster/main.js");
const kubectlLiteBin = path.join(root, "dist/kubectl-lite/main.js");
const run = promisify(execFile);

export interface UpProcess {
  readonly process: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

export interface UpCluster {
  readonly dataDir: string;
  /** The first apiserver's URL. */
  readonly apiserver: string;
  readonly args: readonly string[];
  up: UpProcess;
  /** Starts `kube-lite up` (again) with the same flags; resolves when it says it is ready. */
  start(): Promise<void>;
  kubeLite(...command: string[]): Promise<{ code: number; stdout: string }>;
  kubectlLite(...command: string[]): Promise<{ code: number; stdout: string }>;
  /** The last lines of every component log whose file name starts with `prefix`. */
  logs(prefix: string, lines?: number): string;
  stop(): Promise<void>;
}

async function portPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const nextFree = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(false));
      server.listen(port + 1, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (port < 65535 && nextFree) return port;
  }
}

async function runBin(bin: string, args: readonly string[], cwd: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [bin, ...args], { timeout: 30_000, cwd });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : 1, stdout: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

export async function upCluster(extraArgs: readonly string[]): Promise<UpCluster> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-up-"));
  const port = await portPair();
  const storePorts: string[] = [];
  for (let i = 0; i < 3; i++) storePorts.push(`${await freePort()}:${await freePort()}`);
  const args = ["--data-dir", dataDir, "--port", String(port), "--store-ports", storePorts.join(","), "--log-level", "warn", ...extraArgs];
  const spawnUp = (): UpProcess => {
    const child = spawn(process.execPath, [kubeLiteBin, "up", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { process: child, output: () => output, exited };
  };
  const apiserver = `http://127.0.0.1:${port}`;
  const cluster: UpCluster = {
    dataDir,
    apiserver,
    args,
    up: undefined as unknown as UpProcess,
    start: async () => {
      cluster.up = spawnUp();
      const up = cluster.up;
      // Ready, and the "what to type next" block printed with it.
      await until("kube-lite up to be ready", () => (up.output().includes("cluster ready in") && up.output().includes("kube-lite down to stop")) || up.process.exitCode !== null, 90_000, () => up.output());
      if (up.process.exitCode !== null) throw new Error(`kube-lite up exited: ${up.output()}`);
    },
    kubeLite: (...command) => runBin(kubeLiteBin, [...command, "--data-dir", dataDir], root),
    kubectlLite: (...command) => runBin(kubectlLiteBin, ["--server", `${apiserver},http://127.0.0.1:${port + 1}`, ...command], root),
    logs: (prefix, lines = 40) => {
      const dir = path.join(dataDir, "logs");
      return fs
        .readdirSync(dir)
        .filter((file) => file.startsWith(prefix))
        .map((file) => `--- ${file}\n${fs.readFileSync(path.join(dir, file), "utf8").split("\n").slice(-lines).join("\n")}`)
        .join("\n");
    },
    stop: async () => {
      const up = cluster.up as UpProcess | undefined;
      if (up !== undefined && up.process.exitCode === null) {
        up.process.kill("SIGINT");
        await up.exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
