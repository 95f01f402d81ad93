// `kube-lite controller-manager`: kube-controller-manager's flag names where they exist.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { pino } from "pino";
import {
  KubeClient,
  LeaderElector,
  expandGoBooleanFlags,
  leaderElectionFlagOptions,
  logLevels,
  parseDurationMs,
  parseLeaderElectionFlags,
  parseServerList,
  startHealthServer,
  type HealthServer,
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
  --node-monitor-period D                how often node health is checked (default 5s)
  --node-eviction-rate R                 nodes tainted per second in a healthy zone (default 0.1)
  --secondary-node-eviction-rate R       ... in an unhealthy zone (default 0.01)
  --unhealthy-zone-threshold F           share of unhealthy nodes that makes a zone unhealthy (default 0.55)
  --concurrent-workers N                 workers per controller (default 5)
  --port N                               serve /healthz, /livez, /readyz and /status here (0: any free port; default: none)
  --bind-address ADDR                    address for --port (default 127.0.0.1)
  --url-file PATH                        with --port: write {"url", "pid"} here once listening (for launchers)
  --log-level LEVEL                      pino level (default info)`;

const forcedExitMs = 8_000;

export interface ControllerManagerFlags extends LeaderElectionFlags {
  readonly servers: string[];
  readonly identity: string;
  readonly settings: ControllerManagerSettings;
  readonly port: number | undefined;
  readonly bindAddress: string;
  readonly urlFile: string | undefined;
  readonly logLevel: string;
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
      identity: { type: "string" },
      "node-monitor-grace-period": { type: "string", default: "50s" },
      "node-monitor-period": { type: "string", default: "5s" },
      "node-eviction-rate": { type: "string", default: "0.1" },
      "secondary-node-eviction-rate": { type: "string", default: "0.01" },
      "unhealthy-zone-threshold": { type: "string", default: "0.55" },
      "concurrent-workers": { type: "string", default: "5" },
      port: { type: "string" },
      "bind-address": { type: "string", default: "127.0.0.1" },
      "url-file": { type: "string" },
      "log-level": { type: "string", default: "info" },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port must be an integer from 0 to 65535, not '${values.port}'`);
  const workers = Number(values["concurrent-workers"]);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--concurrent-workers must be a positive integer, not '${values["concurrent-workers"]}'`);
  if (!logLevels.includes(values["log-level"])) throw new Error(`--log-level must be one of ${logLevels.join(", ")}, not '${values["log-level"]}'`);
  return {
    servers: parseServerList(values.server),
    ...parseLeaderElectionFlags(values),
    identity: values.identity ?? `${os.hostname()}_${randomUUID()}`,
    settings: {
      ...defaultControllerManagerSettings,
      nodeMonitorGracePeriodMs: parseDurationMs(values["node-monitor-grace-period"], "--node-monitor-grace-period"),
      nodeMonitorPeriodMs: parseDurationMs(values["node-monitor-period"], "--node-monitor-period"),
      nodeEvictionRatePerSecond: positiveNumber(values["node-eviction-rate"], "--node-eviction-rate"),
      secondaryNodeEvictionRatePerSecond: positiveNumber(values["secondary-node-eviction-rate"], "--secondary-node-eviction-rate"),
      unhealthyZoneThreshold: positiveNumber(values["unhealthy-zone-threshold"], "--unhealthy-zone-threshold", 1),
      workers,
    },
    port,
    bindAddress: values["bind-address"],
    urlFile: values["url-file"],
    logLevel: values["log-level"],
  };
}

/** Runs the controller-manager until SIGTERM/SIGINT; resolves 0 once running, 2 on a usage error. */
export async function runControllerManagerWith(argv: readonly string[], controllers: readonly ControllerFactory[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(controllerManagerUsage);
    return 0;
  }
  let flags: ControllerManagerFlags;
  let elector: LeaderElector | undefined;
  const logger = pino({ level: "info", base: { component: "controller-manager", pid: process.pid } });
  let manager: ControllerManager;
  try {
    flags = parseControllerManagerFlags(argv);
    logger.level = flags.logLevel;
    const client = new KubeClient({ servers: flags.servers, userAgent: `kube-lite-controller-manager/${flags.identity}`, logger });
    manager = new ControllerManager({ client, logger, settings: flags.settings, controllers });
    elector = flags.leaderElect
      ? new LeaderElector(client, {
          namespace: flags.leaseNamespace,
          name: flags.leaseName,
          identity: flags.identity,
          config: flags.leaderElection,
          logger,
          onStartedLeading: (signal) => manager.run(signal),
          onNewLeader: (identity) => logger.info({ leader: identity }, "new leader"),
        })
      : undefined;
  } catch (error) {
    console.error(`kube-lite controller-manager: ${(error as Error).message}\n\n${controllerManagerUsage}`);
    return 2;
  }
  let health: HealthServer | undefined;
  if (flags.port !== undefined) {
    const leading = (): boolean => (elector === undefined ? true : elector.isLeader());
    health = await startHealthServer(
      { synced: () => manager.hasSynced() || !leading(), status: () => ({ identity: flags.identity, leading: leading(), leader: elector?.leaderIdentity ?? flags.identity, ...manager.status() }) },
      flags.port,
      flags.bindAddress,
    );
    if (flags.urlFile !== undefined) fs.writeFileSync(flags.urlFile, `${JSON.stringify({ url: health.url, pid: process.pid })}\n`);
    logger.info({ url: health.url }, "serving health");
  }
  const standalone = new AbortController();
  if (elector !== undefined) void elector.run();
  else void manager.run(standalone.signal);
  logger.info({ servers: flags.servers, leaderElect: flags.leaderElect, identity: flags.identity }, "controller-manager started");

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    // A clean stop releases the Lease and closes informers; if the apiserver cannot be reached
    // that must not keep the process alive past a launcher's patience.
    setTimeout(() => {
      logger.warn("clean shutdown took too long; exiting");
      process.exit(1);
    }, forcedExitMs).unref();
    standalone.abort();
    void (elector?.stop() ?? Promise.resolve())
      .then(() => health?.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "unclean shutdown");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  return 0;
}
