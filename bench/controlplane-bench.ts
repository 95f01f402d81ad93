// npm run bench:controlplane [-- options] — the control-plane benchmark (issue 8): on a fresh
// cluster (3 store members, one apiserver, one controller-manager, one scheduler, one kubelet-sim
// process hosting the nodes, all the compiled bin, no leader election), a Deployment of N replicas
// from its create to all pods Running and Ready, a rollout of a new image, and the reconcile
// latency of the deployment and replicaset controllers over scale steps of +1. Results go to
// bench/results/controlplane-<date>.{md,json} and controlplane-latest.md.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ApiClient } from "./apiserver-client.js";
import { ApiServerProcess } from "./apiserver-process.js";
import { ensureNamespace } from "./apiserver-workloads.js";
import { BenchCluster } from "./support/cluster.js";
import { ControllerManagerProcess } from "./support/controlplane-components.js";
import { type ControlPlaneResults, controlPlaneMarkdown, headline } from "./support/controlplane-report.js";
import { type ControlPlaneTarget, type DeploymentShape, NamespaceWatches, applyToRunning, reconcileLatency, rollout } from "./support/controlplane-workloads.js";
import { benchMachineFacts, commandOutput } from "./support/bench-machine.js";
import { round } from "./support/load.js";
import { installExitHandlers } from "./support/processes.js";
import { ComponentProcess, SchedulerProcess } from "./support/scheduler-components.js";
import { benchCpuMs, waitForQuietMachine } from "./support/scheduler-cpu.js";
import { cpuSources, waitKubeletsRunning } from "./support/scheduler-workloads.js";

const root = path.resolve(import.meta.dirname, "..");

const usage = `Usage: npm run bench:controlplane -- [options]

Runs the compiled bin: build it first with \`npm run build\`. A fresh 3-member store, one
apiserver, one controller-manager and one scheduler (--leader-elect=false), one kubelet-sim
process hosting the nodes (--pod-start-delay 0s).

  --replicas N          the Deployment's replicas (default 1000)
  --nodes N             simulated nodes (default 100; 4 CPU, 8Gi, 110 pods each)
  --steps N             scale steps of +1 for the reconcile latency (default 50)
  --workers N           controller-manager --concurrent-workers (default 5, its own default)
  --cpu-request Q       each pod's cpu request (default 50m)
  --memory-request Q    each pod's memory request (default 64Mi)
  --quiet-max-other-percent N  before each phase, wait until other processes use at most N% of
                        a core over a second (default 25) ...
  --quiet-wait-s N      ... but no longer than N seconds (default 20; 0: do not wait)
  --timeout-s N         longest wait for any phase's end (default 180)
  --quick               a smoke run: --replicas 100 --nodes 10 --steps 10
  --apply-only          only the apply phase (for quicker A/B runs of a change)
  --bin PATH            kube-lite CLI (default dist/cluster/main.js)
  --data-dir DIR        where the fresh data dirs and logs go (default the OS temp dir)
  --out-dir DIR         results directory (default bench/results)
  --no-save             print only; write no result files`;

function wholeNumber(text: string, flag: string, zeroAllowed = false): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < (zeroAllowed ? 0 : 1)) throw new Error(`--${flag} takes a ${zeroAllowed ? "non-negative" : "positive"} whole number, not '${text}'`);
  return n;
}

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      replicas: { type: "string" },
      nodes: { type: "string" },
      steps: { type: "string" },
      workers: { type: "string", default: "5" },
      "cpu-request": { type: "string", default: "50m" },
      "memory-request": { type: "string", default: "64Mi" },
      "quiet-max-other-percent": { type: "string", default: "25" },
      "quiet-wait-s": { type: "string", default: "20" },
      "timeout-s": { type: "string", default: "180" },
      quick: { type: "boolean", default: false },
      "apply-only": { type: "boolean", default: false },
      bin: { type: "string", default: path.join(root, "dist/cluster/main.js") },
      "data-dir": { type: "string", default: os.tmpdir() },
      "out-dir": { type: "string", default: path.join(root, "bench/results") },
      "no-save": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  const bin = path.resolve(values.bin);
  if (!values.help && !fs.existsSync(bin)) throw new Error(`${bin} is missing: build it with \`npm run build\``);
  return {
    help: values.help,
    quick: values.quick,
    applyOnly: values["apply-only"],
    replicas: wholeNumber(values.replicas ?? (values.quick ? "100" : "1000"), "replicas"),
    nodes: wholeNumber(values.nodes ?? (values.quick ? "10" : "100"), "nodes"),
    steps: wholeNumber(values.steps ?? (values.quick ? "10" : "50"), "steps"),
    workers: wholeNumber(values.workers, "workers"),
    cpuRequest: values["cpu-request"],
    memoryRequest: values["memory-request"],
    quietMaxOtherPercent: wholeNumber(values["quiet-max-other-percent"], "quiet-max-other-percent", true),
    quietWaitMs: wholeNumber(values["quiet-wait-s"], "quiet-wait-s", true) * 1000,
    timeoutMs: wholeNumber(values["timeout-s"], "timeout-s") * 1000,
    bin,
    dataDir: path.resolve(values["data-dir"]),
    outDir: path.resolve(values["out-dir"]),
    save: !values["no-save"],
  };
}

type Options = ReturnType<typeof parseOptions>;

const log = (line: string) => process.stderr.write(`${line}\n`);


interface Run {
  apply?: ControlPlaneResults["apply"];
  rollout?: ControlPlaneResults["rollout"];
  reconcile?: ControlPlaneResults["reconcile"];
  controllerManagerStatus?: Record<string, unknown>;
  readonly commands: Record<string, string>;
  /** Before each phase: ms until no Event was written for 3 s. */
  readonly eventBacklogDrainMs: number[];
}

/** The phases, in order, on a running cluster; `run` collects what each measured. */
async function phases(target: ControlPlaneTarget, options: Options, run: Run): Promise<void> {
  await ensureNamespace(target.client, target.namespace);
  const watches = await NamespaceWatches.open(target);
  const quiet = async () => {
    const drainedMs = await watches.eventsDrained(target, 3000, 120_000);
    run.eventBacklogDrainMs.push(drainedMs);
    log(`  event writes drained after ${drainedMs} ms`);
    if (options.quietWaitMs > 0) await waitForQuietMachine(cpuSources(target, target.components), options.quietMaxOtherPercent, options.quietWaitMs, log);
  };
  const shape: DeploymentShape = { replicas: options.replicas, image: "registry.k8s.io/nginx-slim:0.26", cpuRequest: options.cpuRequest, memoryRequest: options.memoryRequest };
  try {
    await quiet();
    log(`apply: a Deployment of ${options.replicas} replicas`);
    run.apply = await applyToRunning(target, watches, shape);
    log(`  all Ready ${run.apply.allReadyMs} ms after the create (exist ${run.apply.allPodsExistMs}, bound ${run.apply.allBoundMs}, Running ${run.apply.allRunningMs}, available ${run.apply.deploymentAvailableMs})`);
    if (options.applyOnly) return;
    await quiet();
    log("rollout: a new image");
    run.rollout = await rollout(target, watches, options.replicas, "registry.k8s.io/nginx-slim:0.27");
    log(`  rollout ${run.rollout.rolloutMs} ms (status complete ${run.rollout.completeMs}, old ReplicaSet at 0 ${run.rollout.oldReplicaSetAtZeroMs}, old pods gone ${run.rollout.oldPodsGoneMs})`);
    await quiet();
    log(`reconcile: ${options.steps} scale steps of +1`);
    run.reconcile = await reconcileLatency(target, watches, options.replicas, options.steps);
    log(`  deployment controller p50 ${run.reconcile.deploymentController.p50Ms} ms, p99 ${run.reconcile.deploymentController.p99Ms} ms; replicaset controller p50 ${run.reconcile.replicaSetController.p50Ms} ms, p99 ${run.reconcile.replicaSetController.p99Ms} ms`);
  } finally {
    watches.close();
  }
}

async function runCluster(options: Options): Promise<Run> {
  log(`starting 3 store members, an apiserver, ${options.nodes} simulated nodes, a scheduler and a controller-manager`);
  const store = await BenchCluster.start({ kind: "kube-lite", members: 3, heartbeatIntervalMs: 100, electionTimeoutMs: 1000, storeBin: options.bin, etcdBin: "etcd", nodeArgs: [], parentDir: options.dataDir, readyTimeoutMs: 60_000 });
  // Outside the store's data root (removed at the end), so the logs outlive a failed run.
  const dir = fs.mkdtempSync(path.join(options.dataDir, "kube-lite-controlplane-bench-"));
  log(`  logs in ${dir}`);
  let apiserver: ApiServerProcess | undefined;
  let client: ApiClient | undefined;
  let kubelet: ComponentProcess | undefined;
  let scheduler: SchedulerProcess | undefined;
  let manager: ControllerManagerProcess | undefined;
  try {
    apiserver = await ApiServerProcess.start({ bin: options.bin, etcdServers: store.endpoints, dir, nodeArgs: [], readyTimeoutMs: 60_000 });
    client = new ApiClient(apiserver.url);
    const server = apiserver.url;
    const prefix = "sim-";
    kubelet = ComponentProcess.start({ bin: options.bin, role: "kubelet-sim", args: ["--server", server, "--nodes", String(options.nodes), "--node-prefix", prefix, "--pod-start-delay", "0s", "--log-level", "info"], dir, label: "kubelet-sim" });
    scheduler = SchedulerProcess.start(options.bin, server, dir, ["--log-level", "warn"]);
    manager = ControllerManagerProcess.start(options.bin, server, dir, options.workers);
    const [k, s, m] = [kubelet, scheduler, manager];
    const base = { client, apiserver, store, bin: options.bin, dir };
    log(`  nodes running ${await waitKubeletsRunning(base, k, prefix, options.nodes, options.timeoutMs)} ms after spawn`);
    await s.waitSynced(options.timeoutMs);
    await m.waitSynced(options.timeoutMs);
    const target: ControlPlaneTarget = {
      ...base,
      namespace: "bench-controlplane",
      deployment: "web",
      timeoutMs: options.timeoutMs,
      components: { "controller-manager": () => m.cpuMs(), scheduler: () => s.process.cpuMs(), "kubelet-sim": () => k.cpuMs() },
      check: () => {
        k.assertRunning();
        s.process.assertRunning();
        m.assertRunning();
      },
    };
    const run: Run = { commands: { store: store.commandLine("s1"), apiserver: apiserver.commandLine, "controller-manager": m.commandLine, scheduler: s.process.commandLine, "kubelet-sim": k.commandLine }, eventBacklogDrainMs: [] };
    try {
      await phases(target, options, run);
    } finally {
      run.controllerManagerStatus = await m.status().catch(() => undefined);
    }
    return run;
  } catch (error) {
    log(`failed; the components' logs are in ${dir}`);
    throw error;
  } finally {
    client?.close();
    await manager?.stop();
    await scheduler?.process.stop();
    await kubelet?.stop();
    await apiserver?.stop();
    await store.stop();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  if (options.help) {
    console.log(usage);
    return;
  }
  installExitHandlers();
  const machine = benchMachineFacts("bench:controlplane", options.bin, argv);
  log(`machine: ${machine.cpus} CPUs, uptime: ${machine.uptimeAtStart}`);
  // Quiet gate before anything starts: the bench alone.
  if (options.quietWaitMs > 0) await waitForQuietMachine(new Map([["bench", benchCpuMs]]), options.quietMaxOtherPercent, options.quietWaitMs, log);
  const run = await runCluster(options);
  const results: ControlPlaneResults = {
    machine,
    settings: {
      replicas: options.replicas,
      nodes: options.nodes,
      scaleSteps: options.steps,
      concurrentWorkers: options.workers,
      podRequests: `${options.cpuRequest} cpu, ${options.memoryRequest} memory`,
      storeMembers: 3,
      podStartDelay: "0s",
      podStopDelay: "500ms (kubelet-sim default)",
      leaderElection: false,
      quietMaxOtherPercent: options.quietMaxOtherPercent,
      quietWaitS: options.quietWaitMs / 1000,
    },
    commands: run.commands,
    apply: run.apply,
    rollout: run.rollout,
    reconcile: run.reconcile,
    controllerManagerStatus: run.controllerManagerStatus,
    eventBacklogDrainMs: run.eventBacklogDrainMs,
    uptimeAtEnd: commandOutput("uptime", []),
    loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
  };
  const markdown = controlPlaneMarkdown(results);
  log("");
  for (const line of headline(results)) log(line);
  if (!options.save) {
    process.stdout.write(markdown);
    return;
  }
  const stamp = machine.date.replace(/:/g, "-").replace(/\..*$/, "");
  const base = path.join(options.outDir, `controlplane-${options.quick ? "quick-" : ""}${stamp}`);
  fs.mkdirSync(options.outDir, { recursive: true });
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, markdown);
  if (!options.quick) fs.writeFileSync(path.join(options.outDir, "controlplane-latest.md"), markdown);
  log(`results: ${base}.md and .json`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
