// `kube-lite scheduler`: kube-scheduler's flag names where they exist.
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
  parseLeaderElectionFlags,
  parseServerList,
  startHealthServer,
  type HealthServer,
  type LeaderElectionFlags,
} from "../client/index.js";
import { defaultSchedulerName } from "./queueing.js";
import { Scheduler } from "./scheduler.js";

export const schedulerUsage = `Usage: kube-lite scheduler --server URL[,URL...] [flags]

  --server URLS                          apiservers, comma-separated (the client fails over)
  --leader-elect[=true|false]            campaign for the Lease before scheduling (default true)
  --leader-elect-lease-duration D        how long a lease holds without renewal (default 15s)
  --leader-elect-renew-deadline D        the leader stops if it cannot renew this long (default 10s)
  --leader-elect-retry-period D          how often to try to acquire or renew (default 2s)
  --leader-elect-resource-name NAME      the Lease's name (default kube-scheduler)
  --leader-elect-resource-namespace NS   the Lease's namespace (default kube-system)
  --identity ID                          this candidate's holder identity (default hostname_uuid)
  --scheduler-name NAME                  schedule pods with this spec.schedulerName (default default-scheduler)
  --percentage-of-nodes-to-score N       0 = adaptive, as kube-scheduler (default 0)
  --port N                               serve /healthz, /livez, /readyz and /status here (0: any free port; default: none)
  --bind-address ADDR                    address for --port (default 127.0.0.1)
  --url-file PATH                        with --port: write {"url", "pid"} here once listening (for launchers)
  --log-level LEVEL                      pino level (default info)`;

class UsageError extends Error {}

const forcedExitMs = 8_000;

export interface SchedulerFlags extends LeaderElectionFlags {
  readonly servers: string[];
  readonly identity: string;
  readonly schedulerName: string;
  readonly percentageOfNodesToScore: number;
  readonly port: number | undefined;
  readonly bindAddress: string;
  readonly urlFile: string | undefined;
  readonly logLevel: string;
}

function usageError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function parseSchedulerFlags(argv: readonly string[]): SchedulerFlags {
  const args = expandGoBooleanFlags(argv, ["--leader-elect"]);
  const { values } = usageError(() =>
    parseArgs({
      args,
      options: {
        server: { type: "string" },
        ...leaderElectionFlagOptions("kube-scheduler"),
        identity: { type: "string" },
        "scheduler-name": { type: "string", default: defaultSchedulerName },
        "percentage-of-nodes-to-score": { type: "string", default: "0" },
        port: { type: "string" },
        "bind-address": { type: "string", default: "127.0.0.1" },
        "url-file": { type: "string" },
        "log-level": { type: "string", default: "info" },
      },
      strict: true,
      allowPositionals: false,
    }),
  );
  const percentage = Number(values["percentage-of-nodes-to-score"]);
  if (!Number.isInteger(percentage) || percentage < 0 || percentage > 100) {
    throw new UsageError(`--percentage-of-nodes-to-score must be an integer from 0 to 100, not '${values["percentage-of-nodes-to-score"]}'`);
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port must be an integer from 0 to 65535, not '${values.port}'`);
  return {
    servers: usageError(() => parseServerList(values.server)),
    ...usageError(() => parseLeaderElectionFlags(values)),
    identity: values.identity ?? `${os.hostname()}_${randomUUID()}`,
    schedulerName: values["scheduler-name"],
    percentageOfNodesToScore: percentage,
    port,
    bindAddress: values["bind-address"],
    urlFile: values["url-file"],
    logLevel: values["log-level"],
  };
}

/** Runs the scheduler in this process until SIGTERM/SIGINT; resolves 0 once running, 2 on a usage error. */
export async function runScheduler(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(schedulerUsage);
    return 0;
  }
  let flags: SchedulerFlags;
  try {
    flags = parseSchedulerFlags(argv);
    if (!logLevels.includes(flags.logLevel)) throw new UsageError(`--log-level must be one of ${logLevels.join(", ")}, not '${flags.logLevel}'`);
  } catch (error) {
    console.error(`kube-lite scheduler: ${(error as Error).message}\n\n${schedulerUsage}`);
    return 2;
  }
  const logger = pino({ level: flags.logLevel, base: { component: "scheduler", identity: flags.identity, pid: process.pid } });
  const client = new KubeClient({ servers: flags.servers, userAgent: `kube-lite-scheduler/${flags.identity}`, logger });
  const scheduler = new Scheduler({ client, logger, schedulerName: flags.schedulerName, percentageOfNodesToScore: flags.percentageOfNodesToScore });
  let elector: LeaderElector | undefined;
  try {
    elector = flags.leaderElect
      ? new LeaderElector(client, {
          namespace: flags.leaseNamespace,
          name: flags.leaseName,
          identity: flags.identity,
          config: flags.leaderElection,
          logger,
          onStartedLeading: (signal) => {
            logger.info("started leading");
            return scheduler.run(signal);
          },
          onStoppedLeading: () => logger.info("stopped leading"),
          onNewLeader: (identity) => logger.info({ leader: identity }, "new leader"),
        })
      : undefined;
  } catch (error) {
    console.error(`kube-lite scheduler: ${(error as Error).message}\n\n${schedulerUsage}`);
    return 2;
  }
  let health: HealthServer | undefined;
  if (flags.port !== undefined) {
    const leading = () => (elector === undefined ? true : elector.isLeader());
    health = await startHealthServer(
      { synced: () => scheduler.hasSynced(), status: () => ({ identity: flags.identity, leading: leading(), leader: elector?.leaderIdentity ?? flags.identity, ...scheduler.status() }) },
      flags.port,
      flags.bindAddress,
    );
    if (flags.urlFile !== undefined) fs.writeFileSync(flags.urlFile, `${JSON.stringify({ url: health.url, pid: process.pid })}\n`);
    logger.info({ url: health.url }, "serving health");
  }
  scheduler.start();
  const standalone = new AbortController();
  if (elector !== undefined) void elector.run();
  else void scheduler.run(standalone.signal);
  logger.info({ servers: flags.servers, leaderElect: flags.leaderElect, schedulerName: flags.schedulerName }, "scheduler started");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    // A clean stop releases the Lease and closes informers; if the apiserver cannot be reached
    // that must not keep the process alive past a launcher's patience.
    setTimeout(() => {
      logger.warn("clean shutdown took too long; exiting");
      process.exit(1);
    }, forcedExitMs).unref();
    // Stop deciding and release the Lease first, so the other replica takes over at once.
    standalone.abort();
    void (elector?.stop() ?? Promise.resolve())
      .then(() => scheduler.stop())
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
