// `kube-lite scheduler`: kube-scheduler's flag names where they exist.
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
  parseLeaderElectionFlags,
  parseServerList,
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


export interface SchedulerFlags extends LeaderElectionFlags, ComponentFlags {
  readonly servers: string[];
  readonly schedulerName: string;
  readonly percentageOfNodesToScore: number;
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
        "scheduler-name": { type: "string", default: defaultSchedulerName },
        "percentage-of-nodes-to-score": { type: "string", default: "0" },
        ...componentFlagOptions(),
      },
      strict: true,
      allowPositionals: false,
    }),
  );
  const percentage = Number(values["percentage-of-nodes-to-score"]);
  if (!Number.isInteger(percentage) || percentage < 0 || percentage > 100) {
    throw new UsageError(`--percentage-of-nodes-to-score must be an integer from 0 to 100, not '${values["percentage-of-nodes-to-score"]}'`);
  }
  return {
    servers: usageError(() => parseServerList(values.server)),
    ...usageError(() => parseLeaderElectionFlags(values)),
    ...usageError(() => parseComponentFlags(values)),
    schedulerName: values["scheduler-name"],
    percentageOfNodesToScore: percentage,
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
  } catch (error) {
    console.error(`kube-lite scheduler: ${(error as Error).message}\n\n${schedulerUsage}`);
    return 2;
  }
  const logger = pino({ level: flags.logLevel, base: { component: "scheduler", identity: flags.identity, pid: process.pid } });
  const client = new KubeClient({ servers: flags.servers, userAgent: `kube-lite-scheduler/${flags.identity}`, logger });
  const scheduler = new Scheduler({ client, logger, schedulerName: flags.schedulerName, percentageOfNodesToScore: flags.percentageOfNodesToScore });
  try {
    await runLeaderElectedComponent({
      name: "scheduler",
      client,
      logger,
      flags,
      // Informers run whether or not this replica leads, so a new leader starts with a warm cache.
      start: () => scheduler.start(),
      synced: () => scheduler.hasSynced(),
      status: () => scheduler.status(),
      work: (signal) => scheduler.run(signal),
      close: () => scheduler.stop(),
    });
  } catch (error) {
    console.error(`kube-lite scheduler: ${(error as Error).message}\n\n${schedulerUsage}`);
    return 2;
  }
  return 0;
}
