// `kube-lite controller-manager`: kube-controller-manager's flag names where they exist.
import { parseArgs } from "node:util";
import { pino } from "pino";
import {
  KubeClient,
  runLeaderElectedComponent,
  expandGoBooleanFlags,
  leaderElectionFlagOptions,
  componentFlagOptions,
  parseComponentFlags,
  type ComponentFlags,
  parseDurationMs,
  parseLeaderElectionFlags,
  parseServerList,
  type LeaderElectionFlags,
} from "../client/index.js";
import { defaultControllerManagerSettings, type ControllerManagerSettings } from "./controller.js";
import { ControllerManager, type ControllerFactory } from "./controller-manager.js";

export const controllerManagerUsage = `Usage: kube-lite controller-manager --server URL[,URL...] [flags]

  --server URLS                          apiservers, comma-separated (the client fails over)
  --leader-elect[=true|false]            campaign for the Lease before running controllers (default true)
  --leader-elect-lease-duration D        how long a lease holds without renewal (default 15s)
  --leader-elect-renew-deadline D        the leader stops if it cannot renew this long (default 10s)
  --leader-elect-retry-period D          how often to try to acquire or renew (default 2s)
  --leader-elect-resource-name NAME      the Lease's name (default kube-controller-manager)
  --leader-elect-resource-namespace NS   the Lease's namespace (default kube-system)
  --identity ID                          this candidate's holder identity (default hostname_uuid)
  --node-monitor-grace-period D          a node whose lease is this old is unreachable (default 50s)
  --node-startup-grace-period D          the same for a node that never posted Ready (default 60s)
  --node-monitor-period D                how often node health is checked (default 5s)
  --node-eviction-rate R                 nodes tainted per second in a healthy zone (default 0.1)
  --secondary-node-eviction-rate R       ... in an unhealthy zone (default 0.01)
  --unhealthy-zone-threshold F           share of unhealthy nodes that makes a zone unhealthy (default 0.55)
  --concurrent-workers N                 workers per controller (default 5)
  --port N                               serve /healthz, /livez, /readyz and /status here (0: any free port; default: none)
  --bind-address ADDR                    address for --port (default 127.0.0.1)
  --url-file PATH                        with --port: write {"url", "pid"} here once listening (for launchers)
  --log-level LEVEL                      pino level (default info)`;

export interface ControllerManagerFlags extends LeaderElectionFlags, ComponentFlags {
  readonly servers: string[];
  readonly settings: ControllerManagerSettings;
}

function positiveNumber(value: string, flag: string, max = Infinity): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new Error(`${flag} must be a number from 0 to ${max}, not '${value}'`);
  return n;
}

export function parseControllerManagerFlags(argv: readonly string[]): ControllerManagerFlags {
  const { values } = parseArgs({
    args: expandGoBooleanFlags(argv, ["--leader-elect"]),
    options: {
      server: { type: "string" },
      ...leaderElectionFlagOptions("kube-controller-manager"),
      "node-monitor-grace-period": { type: "string", default: "50s" },
      "node-startup-grace-period": { type: "string", default: "60s" },
      "node-monitor-period": { type: "string", default: "5s" },
      "node-eviction-rate": { type: "string", default: "0.1" },
      "secondary-node-eviction-rate": { type: "string", default: "0.01" },
      "unhealthy-zone-threshold": { type: "string", default: "0.55" },
      "concurrent-workers": { type: "string", default: "5" },
      ...componentFlagOptions(),
    },
    strict: true,
    allowPositionals: false,
  });
  const workers = Number(values["concurrent-workers"]);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--concurrent-workers must be a positive integer, not '${values["concurrent-workers"]}'`);
  return {
    servers: parseServerList(values.server),
    ...parseLeaderElectionFlags(values),
    ...parseComponentFlags(values),
    settings: {
      ...defaultControllerManagerSettings,
      nodeMonitorGracePeriodMs: parseDurationMs(values["node-monitor-grace-period"], "--node-monitor-grace-period"),
      nodeStartupGracePeriodMs: parseDurationMs(values["node-startup-grace-period"], "--node-startup-grace-period"),
      nodeMonitorPeriodMs: parseDurationMs(values["node-monitor-period"], "--node-monitor-period"),
      nodeEvictionRatePerSecond: positiveNumber(values["node-eviction-rate"], "--node-eviction-rate"),
      secondaryNodeEvictionRatePerSecond: positiveNumber(values["secondary-node-eviction-rate"], "--secondary-node-eviction-rate"),
      unhealthyZoneThreshold: positiveNumber(values["unhealthy-zone-threshold"], "--unhealthy-zone-threshold", 1),
      workers,
    },
  };
}

/** Runs the controller-manager until SIGTERM/SIGINT; resolves 0 once running, 2 on a usage error. */
export async function runControllerManagerWith(argv: readonly string[], controllers: readonly ControllerFactory[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(controllerManagerUsage);
    return 0;
  }
  let flags: ControllerManagerFlags;
  try {
    flags = parseControllerManagerFlags(argv);
  } catch (error) {
    console.error(`kube-lite controller-manager: ${(error as Error).message}\n\n${controllerManagerUsage}`);
    return 2;
  }
  const logger = pino({ level: flags.logLevel, base: { component: "controller-manager", identity: flags.identity, pid: process.pid } });
  const client = new KubeClient({ servers: flags.servers, userAgent: `kube-lite-controller-manager/${flags.identity}`, logger });
  const manager = new ControllerManager({ client, logger, settings: flags.settings, controllers });
  try {
    await runLeaderElectedComponent({
      name: "controller-manager",
      client,
      logger,
      flags,
      // A standby has nothing to sync (its informers start with leadership): it is ready.
      synced: () => manager.hasSynced() || manager.status().termsLed === 0,
      status: () => manager.status(),
      work: (signal) => manager.run(signal),
    });
  } catch (error) {
    console.error(`kube-lite controller-manager: ${(error as Error).message}\n\n${controllerManagerUsage}`);
    return 2;
  }
  return 0;
}
