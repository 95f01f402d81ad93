// node --import tsx bench/create-cost-bench.ts [BIN]
// CPU per namespaced create and per patch, end to end: a fresh 3-member store and one apiserver from BIN
// (default dist/cluster/main.js); 1,200 ConfigMap creates (500-byte data) one at a time, then 8 in
// flight, then a merge patch of each of the latter, 8 in flight; prints the wall time per request and
// the CPU the store members and the apiserver used per request. Run it on two builds (the BIN of a second checkout) to compare a change.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ApiServerProcess, processCpuMs } from "./apiserver-process.js";
import { BenchCluster } from "./support/cluster.js";
const bin = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, "../dist/cluster/main.js"));
const cluster = await BenchCluster.start({ kind: "kube-lite", members: 3, heartbeatIntervalMs: 100, electionTimeoutMs: 1000, storeBin: bin, etcdBin: "", nodeArgs: [], parentDir: os.tmpdir(), readyTimeoutMs: 20000 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cm-"));
const api = await ApiServerProcess.start({ bin, etcdServers: cluster.endpoints, dir, nodeArgs: [], readyTimeoutMs: 20000 });
const post = async (i: number, c = 0) => {
  const r = await fetch(`${api.url}/api/v1/namespaces/default/configmaps`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${c}-${i}` }, data: { a: "x".repeat(500) } }) });
  if (r.status !== 201) throw new Error(`${r.status} ${await r.text()}`);
};
await new Promise((r) => setTimeout(r, 1500));
for (let i = 0; i < 200; i++) await post(i, 9);
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const patch = async (i: number, c: number, round: number) => {
  const r = await fetch(`${api.url}/api/v1/namespaces/default/configmaps/cm-${c}-${i}`, { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ data: { b: String(round) } }) });
  if (r.status !== 200) throw new Error(`${r.status} ${await r.text()}`);
};
for (const [what, inFlight] of [["create", 1], ["create", 8], ["patch", 8]] as const) {
  const s0 = total(cluster.cpuTimeMs());
  const a0 = processCpuMs(api.child.pid as number);
  const t0 = performance.now();
  const n = 1200;
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await (what === "create" ? post(next++, inFlight) : patch(next++, 8, 1));
    }),
  );
  const s1 = total(cluster.cpuTimeMs());
  const a1 = processCpuMs(api.child.pid as number);
  console.log(`${what}, ${inFlight} in flight: ${((performance.now() - t0) / n).toFixed(2)} ms each; store CPU ${(((s1 - s0) * 1000) / n).toFixed(0)} µs, apiserver CPU ${(((a1 - a0) * 1000) / n).toFixed(0)} µs per ${what}`);
}
await api.stop();
await cluster.stop();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
