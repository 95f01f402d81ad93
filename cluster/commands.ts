// `kube-lite status | kill TARGET | restart TARGET | down`: talk to the running `up`, found
// through its data dir's cluster.json.
import path from "node:path";
import { parseArgs } from "node:util";
import { httpRequest } from "./probe.js";
import type { ClusterSnapshot } from "./snapshot.js";
import type { Timings } from "./topology.js";
import { runningCluster, type ClusterFile } from "./up.js";

function parse(argv: readonly string[]): { dataDir: string; target: string | undefined } {
  const { values, positionals } = parseArgs({ args: [...argv], options: { "data-dir": { type: "string", default: ".kube-lite" } }, allowPositionals: true, strict: true });
  return { dataDir: path.resolve(values["data-dir"]), target: positionals[0] };
}

async function cluster(dataDir: string, out: (line: string) => void): Promise<ClusterFile | undefined> {
  const file = await runningCluster(dataDir);
  if (file === undefined) out(`kube-lite: no cluster is running from ${dataDir} (start one with kube-lite up, or pass --data-dir)`);
  return file;
}

async function post(file: ClusterFile, action: string, target: string): Promise<{ ok: boolean; body: Record<string, unknown> }> {
  const answer = await httpRequest(`${file.controlUrl}/${action}?target=${encodeURIComponent(target)}`, { method: "POST", timeoutMs: 30_000 });
  if (answer === undefined) throw new Error(`no answer from kube-lite up at ${file.controlUrl}`);
  return { ok: answer.status >= 200 && answer.status < 300, body: JSON.parse(answer.text) as Record<string, unknown> };
}

export async function runControlCommand(command: "kill" | "restart" | "down", argv: readonly string[], out: (line: string) => void): Promise<number> {
  let options: { dataDir: string; target: string | undefined };
  try {
    options = parse(argv);
  } catch (error) {
    out(`kube-lite ${command}: ${(error as Error).message}`);
    return 2;
  }
  if (command !== "down" && options.target === undefined) {
    out(`Usage: kube-lite ${command} TARGET [--data-dir D]\n  TARGET: store-leader, store/<name>, node/<name>, controller-manager-leader, scheduler-leader, apiserver, apiserver/<n>`);
    return 2;
  }
  const file = await cluster(options.dataDir, out);
  if (file === undefined) return 1;
  const { ok, body } = await post(file, command, options.target ?? "");
  if (!ok) {
    out(`kube-lite ${command}: ${String(body.error)}`);
    return 1;
  }
  if (command === "kill") out(`killed ${String(body.killed)} (pid ${String(body.pid)}, SIGKILL)`);
  else if (command === "restart") out(`restarted ${String(body.restarted)} (pid ${String(body.pid)})`);
  else out("stopping the cluster");
  return 0;
}

function pad(cells: readonly string[][]): string[] {
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length))) ?? [];
  return cells.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("   ").trimEnd());
}

export function renderStatus(snapshot: ClusterSnapshot, timings: Timings, dataDir: string): string {
  const lines: string[] = [];
  const state = (c: { running: boolean; exit?: string }): string => (c.running ? "running" : `DOWN (${c.exit ?? "not started"})`);
  lines.push("STORE");
  lines.push(
    ...pad([
      ["MEMBER", "STATE", "ROLE", "TERM", "COMMIT", "APPLIED", "URL"],
      ...snapshot.components
        .filter((c) => c.role === "store")
        .map((c) => [c.name, c.running ? (c.store === undefined ? "unhealthy" : "healthy") : state(c), c.name === snapshot.storeLeader ? "leader" : c.running ? "follower" : "-", c.store?.raftTerm ?? "-", c.store?.raftIndex ?? "-", c.store?.raftAppliedIndex ?? "-", c.url ?? ""]),
    ]).map((l) => `  ${l}`),
  );
  lines.push("", "COMPONENTS");
  lines.push(
    ...pad([
      ["NAME", "STATE", "LEADS", "PID", "URL"],
      ...snapshot.components
        .filter((c) => c.role === "apiserver" || c.role === "controller-manager" || c.role === "scheduler")
        .map((c) => [c.name, c.role === "apiserver" && c.running ? (c.ready === true ? "ready" : "not ready") : state(c), c.status === undefined ? "-" : c.status.leading === true ? "yes" : "no", String(c.pid ?? "-"), c.url ?? ""]),
    ]).map((l) => `  ${l}`),
  );
  lines.push("", "NODES");
  const processes = new Map(snapshot.components.filter((c) => c.role === "kubelet-sim").map((c) => [c.name.slice("node/".length), c]));
  lines.push(
    ...pad([
      ["NODE", "READY", "SCHEDULABLE", "PODS", "KUBELET"],
      ...(snapshot.nodes ?? []).map((n) => {
        const kubelet = processes.get(n.name);
        return [n.name, n.ready, n.unschedulable ? "no (cordoned)" : "yes", String(n.pods), kubelet === undefined ? "-" : state(kubelet)];
      }),
    ]).map((l) => `  ${l}`),
  );
  if (snapshot.nodes === undefined) lines.push("  (no apiserver answered)");
  lines.push(
    "",
    "TIMINGS",
    `  node monitor grace period ${timings.nodeMonitorGracePeriod}, pods evicted after ${timings.podEvictionTimeoutSeconds}s unreachable, leader leases ${timings.leaseDuration} (renew deadline ${timings.renewDeadline}, retry ${timings.retryPeriod}), node lease ${timings.nodeLeaseDurationSeconds}s`,
    "",
    `data dir ${dataDir}; logs in ${path.join(dataDir, "logs")}`,
  );
  return lines.join("\n");
}

export async function runStatus(argv: readonly string[], out: (line: string) => void): Promise<number> {
  let options: { dataDir: string };
  try {
    options = parse(argv);
  } catch (error) {
    out(`kube-lite status: ${(error as Error).message}`);
    return 2;
  }
  const file = await cluster(options.dataDir, out);
  if (file === undefined) return 1;
  const answer = await httpRequest(`${file.controlUrl}/status`, { timeoutMs: 10_000 });
  if (answer === undefined) throw new Error(`no answer from kube-lite up at ${file.controlUrl}`);
  const body = JSON.parse(answer.text) as { timings: Timings; dataDir: string; snapshot: ClusterSnapshot };
  out(renderStatus(body.snapshot, body.timings, body.dataDir));
  return 0;
}
