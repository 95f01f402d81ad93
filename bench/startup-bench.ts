// npm run bench:startup -- [--runs N] [--bin PATH] [--no-save]
//
// Issue 9's start-up goal: from `kube-lite up` to a Ready cluster in under 3 s. Each run starts
// `kube-lite up` on a fresh data dir with ports the OS picked, reads the time it prints ("cluster
// ready in X s", measured by `up` itself from its start to the last readiness check passing), and
// reads from /proc the CPU every child process had used by then: the start-up is CPU-bound on two
// cores, so that total is what changes move. Then Ctrl-C (SIGINT) stops the cluster and the next
// run starts. Results: bench/results/startup-<date>.md and startup-latest.md.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { processCpuMs } from "./apiserver-process.js";
import { benchMachineFacts } from "./support/bench-machine.js";
import { distinctFreePorts } from "../test/support/ports.js";
import { installExitHandlers, track } from "./support/processes.js";

const root = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "8" },
    bin: { type: "string", default: path.join(root, "dist/cluster/main.js") },
    "out-dir": { type: "string", default: path.join(root, "bench/results") },
    "no-save": { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const bin = path.resolve(values.bin);
installExitHandlers();

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
function roleOf(pid: number): string {
  const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  return args[2] ?? "?";
}

/** A free port N whose N+1 is free too (`up --port N` gives the second apiserver N+1). */
async function adjacentFreePorts(): Promise<number> {
  for (;;) {
    const [port] = await distinctFreePorts(1);
    const next = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(false));
      server.listen((port as number) + 1, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (next) return port as number;
  }
}

interface Run {
  readyS: number;
  cpuMsByRole: Record<string, number[]>;
  totalCpuMs: number;
}

async function once(): Promise<Run> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lite-startup-"));
  const ports = await distinctFreePorts(6);
  const storePorts = [0, 1, 2].map((i) => `${ports[2 * i]}:${ports[2 * i + 1]}`).join(",");
  const child = spawn(process.execPath, [bin, "up", "--data-dir", dataDir, "--port", String(await adjacentFreePorts()), "--store-ports", storePorts], { stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const readyS = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "cluster ready" within 60 s:\n${output}`)), 60_000);
    const check = (): void => {
      const match = /cluster ready in ([0-9.]+) s/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => reject(new Error(`kube-lite up exited (${code}) before ready:\n${output}`)));
  });
  const cpuMsByRole: Record<string, number[]> = {};
  let totalCpuMs = 0;
  for (const pid of childrenOf(child.pid as number)) {
    const ms = processCpuMs(pid);
    (cpuMsByRole[roleOf(pid)] ??= []).push(ms);
    totalCpuMs += ms;
  }
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  await exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { readyS, cpuMsByRole, totalCpuMs };
}

const machine = benchMachineFacts("bench:startup", bin, process.argv.slice(2));
const results: Run[] = [];
for (let i = 0; i < runs; i++) {
  const run = await once();
  results.push(run);
  console.log(`run ${i + 1}: ready in ${run.readyS.toFixed(2)} s; children's CPU ${(run.totalCpuMs / 1000).toFixed(2)} s`);
}
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const median = (xs: number[]): number => {
  const s = sorted(xs);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const ready = results.map((r) => r.readyS);
const under3 = ready.filter((s) => s < 3).length;
const roles = Object.keys(results[0]?.cpuMsByRole ?? {}).sort();
const lines = [
  "# `kube-lite up` start-up (issue 9)",
  "",
  `\`${machine.command}\` on ${machine.date}: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; kube-lite ${machine.kubeLiteCommit} (${machine.kubeLiteWorkingTree}), bin ${bin}.`,
  `Load at start (\`uptime\`): \`${machine.uptimeAtStart}\`.`,
  "",
  `- ready (as \`up\` prints it): median **${median(ready).toFixed(2)} s**, min ${sorted(ready)[0]?.toFixed(2)} s, max ${sorted(ready).at(-1)?.toFixed(2)} s; under 3 s in ${under3} of ${runs} runs (goal: under 3 s)`,
  `- CPU of the 12 processes by then: median ${(median(results.map((r) => r.totalCpuMs)) / 1000).toFixed(2)} s (on ${machine.cpus} cores)`,
  "",
  "Each run: a fresh data dir, free ports, `kube-lite up` (3 store members, 2 apiservers, 2 controller-managers, 2 schedulers, 3 nodes), the time it prints, the CPU each child had used at that moment (/proc), then Ctrl-C.",
  "",
  `| run | ready s | CPU s | ${roles.map((r) => `${r} CPU ms`).join(" | ")} |`,
  `| ---: | ---: | ---: | ${roles.map(() => "---").join(" | ")} |`,
  ...results.map((r, i) => `| ${i + 1} | ${r.readyS.toFixed(2)} | ${(r.totalCpuMs / 1000).toFixed(2)} | ${roles.map((role) => (r.cpuMsByRole[role] ?? []).map((ms) => ms.toFixed(0)).join(", ")).join(" | ")} |`),
  "",
];
const markdown = lines.join("\n");
console.log(`\n${markdown}`);
if (!values["no-save"]) {
  const stamp = machine.date.replace(/:/g, "-").replace(/\..*/, "");
  fs.mkdirSync(values["out-dir"], { recursive: true });
  fs.writeFileSync(path.join(values["out-dir"], `startup-${stamp}.md`), markdown);
  fs.writeFileSync(path.join(values["out-dir"], "startup-latest.md"), markdown);
}
process.exit(0);
