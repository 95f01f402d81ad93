// `kube-lite up` as a user meets it: one command to a ready cluster, `status`, `kill` and
// `restart` of the store leader and the scheduler leader, `down`, and a second `up` that
// resumes the cluster's state.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./support/store-cluster.js";

const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "dist/cluster/main.js");
const run = promisify(execFile);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-up-"));
let args: string[];
let up: { process: ChildProcess; output: () => string; exited: Promise<number | null> } | undefined;
let apiserver: string;

async function consecutiveFreePorts(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 65535) {
      const next = await new Promise<boolean>((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port + 1, "127.0.0.1", () => server.close(() => resolve(true)));
      });
      if (next) return port;
    }
  }
}

function startUp(): NonNullable<typeof up> {
  const child = spawn(process.execPath, [bin, "up", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${up?.output() ?? ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function kubeLite(...command: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [bin, ...command, "--data-dir", dataDir], { timeout: 20_000 });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? "" };
  }
}

async function createConfigMap(name: string): Promise<number> {
  const response = await fetch(`${apiserver}/api/v1/namespaces/default/configmaps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "b" } }),
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
  return response?.status ?? 0;
}

beforeAll(async () => {
  const port = await consecutiveFreePorts();
  apiserver = `http://127.0.0.1:${port}`;
  const storePorts: string[] = [];
  for (let i = 0; i < 3; i++) storePorts.push(`${await freePort()}:${await freePort()}`);
  args = ["--data-dir", dataDir, "--port", String(port), "--store-ports", storePorts.join(","), "--nodes", "2", "--fast", "--log-level", "warn"];
  up = startUp();
  await until("the cluster to be ready", () => up?.output().includes("cluster ready in") === true, 60_000);
}, 90_000);

afterAll(async () => {
  if (up !== undefined && up.process.exitCode === null) {
    up.process.kill("SIGINT");
    await up.exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe("kube-lite up", () => {
  it("says it is ready, with the time it took and what to type next, and writes cluster.json", () => {
    expect(up?.output()).toMatch(/cluster ready in \d+\.\d\d s/);
    expect(up?.output()).toContain("kube-lite kill store-leader");
    const file = JSON.parse(fs.readFileSync(path.join(dataDir, "cluster.json"), "utf8")) as { components: { name: string; pid: number; url?: string }[] };
    expect(file.components.map((c) => c.name)).toEqual(
      expect.arrayContaining(["store/s1", "store/s2", "store/s3", "apiserver/1", "apiserver/2", "controller-manager/1", "controller-manager/2", "scheduler/1", "scheduler/2", "node/node-1", "node/node-2"]),
    );
    expect(file.components.every((c) => Number.isInteger(c.pid))).toBe(true);
  });

  it("shows one status screen: store leader, who leads, nodes, timings", async () => {
    const { code, stdout } = await kubeLite("status");
    expect(code).toBe(0);
    expect(stdout).toMatch(/store\/s\d\s+healthy\s+leader/);
    expect(stdout).toMatch(/scheduler\/\d\s+running\s+yes/);
    expect(stdout).toMatch(/controller-manager\/\d\s+running\s+yes/);
    expect(stdout).toMatch(/node-1\s+True/);
    expect(stdout).toContain("node monitor grace period 4s");
  });

  it("refuses a second up on the same data dir while the first runs", async () => {
    const { code, stdout } = await kubeLite("up");
    expect(code).toBe(1);
    expect(stdout).toContain("already running");
  });

  it("kills the store leader; writes continue under a new leader; restart brings the member back", async () => {
    const killed = await kubeLite("kill", "store-leader");
    expect(killed.code).toBe(0);
    const victim = /killed (store\/s\d)/.exec(killed.stdout)?.[1] as string;
    expect(victim).toBeDefined();
    await until("a new store leader", async () => {
      const { stdout } = await kubeLite("status");
      const leader = /(store\/s\d)\s+healthy\s+leader/.exec(stdout)?.[1];
      return leader !== undefined && leader !== victim;
    });
    expect(await createConfigMap("after-store-kill")).toBe(201);
    expect((await kubeLite("status")).stdout).toMatch(new RegExp(`${victim.replace("/", "\\/")}\\s+DOWN \\(SIGKILL\\)`));
    const restarted = await kubeLite("restart", "store-leader");
    expect(restarted.stdout).toContain(`restarted ${victim}`);
    await until(`${victim} healthy again`, async () => new RegExp(`${victim.replace("/", "\\/")}\\s+healthy`).test((await kubeLite("status")).stdout));
  }, 60_000);

  it("kills the scheduler leader; the other replica takes over", async () => {
    const killed = await kubeLite("kill", "scheduler-leader");
    const victim = /killed (scheduler\/\d)/.exec(killed.stdout)?.[1] as string;
    expect(victim).toBeDefined();
    await until("the other scheduler to lead", async () => {
      const { stdout } = await kubeLite("status");
      const leader = /(scheduler\/\d)\s+running\s+yes/.exec(stdout)?.[1];
      return leader !== undefined && leader !== victim;
    });
    expect((await kubeLite("kill", "nobody")).stdout).toContain("unknown target 'nobody'");
  }, 30_000);

  it("down stops everything; a second up resumes the same state", async () => {
    expect((await kubeLite("down")).code).toBe(0);
    expect(await up?.exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, "cluster.json"))).toBe(false);
    expect((await kubeLite("status")).stdout).toContain("no cluster is running");
    up = startUp();
    await until("the resumed cluster to be ready", () => up?.output().includes("cluster ready in") === true, 60_000);
    expect(up.output()).toContain("resuming");
    const response = await fetch(`${apiserver}/api/v1/namespaces/default/configmaps/after-store-kill`);
    expect(response.status).toBe(200);
  }, 90_000);
});
