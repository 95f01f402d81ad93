// `kube-lite up`: starts a whole local cluster as child processes, waits until it is really
// ready, says so with the time it took, and then supervises it: a short colour-tagged summary of
// what happens, a control endpoint for `status`, `kill`, `restart` and `down`, Ctrl-C to stop.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import { apiserverReady, componentStatus, httpRequest, nodeSummaries, storeStatus } from "./probe.js";
import { resolveTarget, storeLeaderVotes, takeSnapshot, type ComponentView } from "./snapshot.js";
import { startSummary } from "./summary.js";
import { Supervisor, type RunningComponent } from "./supervisor.js";
import { tag } from "./terminal.js";
import { defaultTimings, fastTimings, planCluster, type Timings, type UpOptions } from "./topology.js";

export const upUsage = `Usage: kube-lite up [flags]

  --members 3|5                   store members (default 3)
  --nodes N                       simulated nodes, one process each (default 3)
  --data-dir DIR                  state and logs (default ./.kube-lite)
  --port N                        first apiserver's port; the second gets N+1 (default 8080)
  --store-ports C:P,C:P,...       store members' client:peer ports (default 2379:12380,22379:22380,32379:32380)
  --fast                          failure timings of seconds, for demos (see kube-lite status)
  --node-monitor-grace-period D   a node whose lease is this old is unreachable (default 50s)
  --pod-eviction-timeout N        seconds pods tolerate an unreachable node (default 300)
  --leader-elect-lease-duration D controller-manager and scheduler leases (default 15s)
  --log-level LEVEL               components' log level (default info)`;

export interface ClusterFile {
  readonly dataDir: string;
  readonly controlUrl: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly timings: Timings;
  readonly components: readonly ComponentView[];
}

export const clusterFileName = "cluster.json";

export function parseUpFlags(argv: readonly string[]): UpOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      members: { type: "string", default: "3" },
      nodes: { type: "string", default: "3" },
      "data-dir": { type: "string", default: ".kube-lite" },
      port: { type: "string", default: "8080" },
      fast: { type: "boolean", default: false },
      "node-monitor-grace-period": { type: "string" },
      "pod-eviction-timeout": { type: "string" },
      "leader-elect-lease-duration": { type: "string" },
      "log-level": { type: "string", default: "info" },
      "store-ports": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const members = Number(values.members);
  if (members !== 3 && members !== 5) throw new Error(`--members must be 3 or 5, not '${values.members}'`);
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 0 || nodes > 100) throw new Error(`--nodes must be an integer from 0 to 100, not '${values.nodes}'`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65534) throw new Error(`--port must be an integer from 1 to 65534, not '${values.port}'`);
  const base = values.fast ? fastTimings : defaultTimings;
  const eviction = values["pod-eviction-timeout"];
  if (eviction !== undefined && !/^\d+$/.test(eviction)) throw new Error(`--pod-eviction-timeout must be whole seconds, not '${eviction}'`);
  const timings: Timings = {
    ...base,
    ...(values["node-monitor-grace-period"] === undefined ? {} : { nodeMonitorGracePeriod: values["node-monitor-grace-period"] }),
    ...(eviction === undefined ? {} : { podEvictionTimeoutSeconds: Number(eviction) }),
    ...(values["leader-elect-lease-duration"] === undefined ? {} : { leaseDuration: values["leader-elect-lease-duration"] }),
  };
  const storePorts = values["store-ports"]?.split(",").map((pair) => {
    const match = /^(\d+):(\d+)$/.exec(pair.trim());
    if (match === null) throw new Error(`--store-ports takes client:peer pairs like 2379:12380, not '${pair}'`);
    return { client: Number(match[1]), peer: Number(match[2]) };
  });
  if (storePorts !== undefined && storePorts.length !== members) throw new Error(`--store-ports needs ${members} client:peer pairs, one per member`);
  return { members, nodes, dataDir: path.resolve(values["data-dir"]), port, timings, logLevel: values["log-level"], ...(storePorts === undefined ? {} : { storePorts }) };
}

function views(supervisor: Supervisor): ComponentView[] {
  return [...supervisor.components.values()].map((c) => ({
    name: c.spec.name,
    role: c.spec.role,
    pid: c.process?.pid,
    running: supervisor.isRunning(c),
    url: supervisor.resolveUrl(c),
    logFile: c.spec.logFile,
    ...(c.exit === undefined ? {} : { exit: c.exit.signal ?? `exit code ${c.exit.code ?? "?"}` }),
  }));
}

/** Is a cluster already supervised from this data dir? */
export async function runningCluster(dataDir: string): Promise<ClusterFile | undefined> {
  let file: ClusterFile;
  try {
    file = JSON.parse(fs.readFileSync(path.join(dataDir, clusterFileName), "utf8")) as ClusterFile;
  } catch {
    return undefined;
  }
  return (await httpRequest(`${file.controlUrl}/ping`, { timeoutMs: 5_000 }))?.status === 200 ? file : undefined;
}

/**
 * What the cluster still lacks to be ready, asked in the order things come up and stopping at
 * the first gap: while the store elects, the apiservers are not asked; while nodes register, the
 * leaders are not. A dozen processes are starting on two CPUs: every probe takes from them.
 */
async function missingForReady(components: readonly ComponentView[], nodes: number): Promise<string[]> {
  const running = (role: ComponentView["role"]) => components.filter((c) => c.role === role && c.running);
  const stores = (await Promise.all(running("store").map((c) => (c.url === undefined ? undefined : storeStatus(c.url))))).filter((s) => s !== undefined);
  const leader = storeLeaderVotes(stores);
  // A majority of the running members name it, and it answers itself.
  if (leader === undefined || leader.votes * 2 <= running("store").length || !stores.some((s) => s.memberId === leader.memberId)) return ["store leader"];
  const apiservers = running("apiserver").flatMap((c) => (c.url === undefined ? [] : [c.url]));
  if (!(await Promise.all(apiservers.map(apiserverReady))).some(Boolean)) return ["apiserver"];
  const readyNodes = ((await nodeSummaries(apiservers, false)) ?? []).filter((n) => n.ready === "True").length;
  if (readyNodes < nodes) return [`nodes Ready ${readyNodes}/${nodes}`];
  const missing: string[] = [];
  for (const role of ["controller-manager", "scheduler"] as const) {
    const statuses = await Promise.all(running(role).map((c) => componentStatus(c.url)));
    if (!statuses.some((status) => status?.leading === true)) missing.push(`${role} leader`);
  }
  return missing;
}

export async function runUp(argv: readonly string[], out: (line: string) => void): Promise<number | undefined> {
  if (argv.includes("--help") || argv.includes("-h")) {
    out(upUsage);
    return 0;
  }
  let options: UpOptions;
  try {
    options = parseUpFlags(argv);
  } catch (error) {
    out(`kube-lite up: ${(error as Error).message}\n\n${upUsage}`);
    return 2;
  }
  if ((await runningCluster(options.dataDir)) !== undefined) {
    out(`kube-lite up: a cluster is already running from ${options.dataDir} (kube-lite status; kube-lite down to stop it)`);
    return 1;
  }
  const startedMs = performance.now();
  const resumed = fs.existsSync(path.join(options.dataDir, "store"));
  fs.mkdirSync(options.dataDir, { recursive: true });
  const bin = path.resolve(import.meta.dirname, "main.js");
  let stopping = false;
  const supervisor = new Supervisor(bin, (component) => {
    if (!stopping) out(tag("cluster", `✗ ${component.spec.name} exited (${component.exit?.signal ?? `code ${component.exit?.code ?? "?"}`}); it stays down until 'kube-lite restart ${component.spec.name}'`));
  });
  const specs = planCluster(options);
  out(tag("cluster", `${resumed ? "resuming" : "starting"} ${specs.length} processes (store ×${options.members}, apiserver ×2, controller-manager ×2, scheduler ×2, nodes ×${options.nodes}); logs in ${path.join(options.dataDir, "logs")}`));
  for (const spec of specs) supervisor.start(spec);

  const lastKilled = new Map<string, string>();
  const control = http.createServer((request, response) => void handleControl(request, response));
  async function handleControl(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://control");
    const reply = (code: number, body: unknown): void => {
      response.writeHead(code, { "content-type": "application/json" });
      response.end(`${JSON.stringify(body)}\n`);
    };
    try {
      if (url.pathname === "/ping") return reply(200, { ok: true });
      if (url.pathname === "/status") return reply(200, { timings: options.timings, dataDir: options.dataDir, snapshot: await takeSnapshot(views(supervisor)) });
      if (request.method !== "POST") return reply(405, { error: "POST only" });
      const target = url.searchParams.get("target") ?? "";
      if (url.pathname === "/kill") {
        // A leader target may have no answer for a moment (an election, a slow probe): ask again.
        let resolved = resolveTarget(target, await takeSnapshot(views(supervisor)));
        for (let attempt = 0; "error" in resolved && target.endsWith("-leader") && attempt < 20; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          resolved = resolveTarget(target, await takeSnapshot(views(supervisor)));
        }
        if ("error" in resolved) return reply(404, resolved);
        const component = supervisor.components.get(resolved.name) as RunningComponent;
        if (!supervisor.isRunning(component)) return reply(409, { error: `${resolved.name} is not running` });
        lastKilled.set(target, resolved.name);
        await supervisor.kill(component);
        writeClusterFile();
        return reply(200, { killed: resolved.name, pid: component.process?.pid });
      }
      if (url.pathname === "/restart") {
        const name = lastKilled.get(target) ?? target;
        const component = supervisor.components.get(name);
        if (component === undefined) return reply(404, { error: `unknown target '${target}'` });
        if (supervisor.isRunning(component)) return reply(409, { error: `${name} is running (kill it first)` });
        supervisor.start(component.spec);
        writeClusterFile();
        out(tag("cluster", `↻ ${name} restarted (pid ${component.process?.pid ?? "?"})`));
        return reply(200, { restarted: name, pid: component.process?.pid });
      }
      if (url.pathname === "/down") {
        reply(200, { stopping: true });
        void shutdown("kube-lite down");
        return;
      }
      reply(404, { error: "unknown control path" });
    } catch (error) {
      reply(500, { error: (error as Error).message });
    }
  }
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const address = control.address();
  const controlUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
  const writeClusterFile = (): void => {
    const file: ClusterFile = { dataDir: options.dataDir, controlUrl, pid: process.pid, startedAt: new Date().toISOString(), timings: options.timings, components: views(supervisor) };
    fs.writeFileSync(path.join(options.dataDir, clusterFileName), `${JSON.stringify(file, null, 2)}\n`);
  };
  writeClusterFile();

  // Filled once the cluster is up; shutdown may come earlier.
  const summaries: { stop(): Promise<void> }[] = [];
  async function shutdown(why: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    out(tag("cluster", `stopping (${why})...`));
    for (const summary of summaries) await summary.stop();
    await supervisor.stopAll();
    control.close();
    fs.rmSync(path.join(options.dataDir, clusterFileName), { force: true });
    out(tag("cluster", "stopped; state kept in the data dir (kube-lite up resumes it)"));
    process.exit(0);
  }
  process.on("SIGINT", () => void shutdown("Ctrl-C"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  // Ready means usable: a store leader, an apiserver answering, every node Ready, and a leader
  // among the controller-managers and the schedulers.
  const deadlineMs = performance.now() + 60_000;
  let missing: string[] = ["everything"];
  while (missing.length > 0 && !stopping) {
    missing = await missingForReady(views(supervisor), options.nodes);
    if (missing.length === 0) break;
    if (performance.now() > deadlineMs) {
      out(tag("cluster", `not ready after 60 s (waiting for: ${missing.join(", ")}); see the logs in ${path.join(options.dataDir, "logs")}`));
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  writeClusterFile();
  const server = `http://127.0.0.1:${options.port}`;
  // One write: whoever waits for "ready" sees what to type next with it.
  const readyLine =
    missing.length === 0
      ? [tag("cluster", `✓ cluster ready in ${((performance.now() - startedMs) / 1000).toFixed(2)} s — store leader elected, apiservers healthy, ${options.nodes} nodes Ready, controller-manager and scheduler leaders elected`)]
      : [];
  out(
    [
      ...readyLine,
      "",
      "Next:",
      `  kubectl --server ${server} apply -f manifests/demo/      # or: npx kubectl-lite apply -f manifests/demo/`,
      `  kubectl --server ${server} get pods -o wide -w`,
      "  npx kube-lite status                                   # who leads, what runs, the timings",
      "  npx kube-lite kill store-leader | node/node-2 | controller-manager-leader | scheduler-leader | apiserver",
      "  npx kube-lite restart <what you killed>      Ctrl-C or npx kube-lite down to stop",
      "",
    ].join("\n"),
  );
  summaries.push(startSummary([server, `http://127.0.0.1:${options.port + 1}`], () => views(supervisor), out));
  return undefined;
}
