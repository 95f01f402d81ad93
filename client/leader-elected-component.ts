// The process shell every leader-elected component shares (kube-scheduler and
// kube-controller-manager have the same one): campaign for a Lease and do the work only while
// leading, serve /healthz and /status, and on SIGTERM stop the work, release the Lease (so the
// other replica takes over at once) and exit — within a bounded time even if the apiserver is gone.
import fs from "node:fs";
import type { Logger } from "pino";
import { startHealthServer, type HealthServer } from "./health-server.js";
import { LeaderElector } from "./leader-elector.js";
import type { KubeClient } from "./rest-client.js";
import type { ComponentFlags, LeaderElectionFlags } from "./flags.js";

/** A clean stop that takes longer than this ends with exit code 1. */
const forcedExitMs = 8_000;

export interface LeaderElectedComponent {
  /** "scheduler", "controller-manager": for logs. */
  readonly name: string;
  readonly client: KubeClient;
  readonly logger: Logger;
  readonly flags: LeaderElectionFlags & ComponentFlags;
  /** Called once the configuration is known to be good, before campaigning (e.g. start informers). */
  start?(): void;
  /** Ready to do the work (for /readyz). */
  synced(): boolean;
  /** Extra fields for /status. */
  status(): Record<string, unknown>;
  /** The work, while leading (or always, without leader election); ends when `signal` aborts. */
  work(signal: AbortSignal): Promise<void>;
  /** After the work has stopped and the Lease is released. */
  close?(): Promise<void>;
}

/**
 * Starts the component (throws on a bad leader-election config, before anything runs) and
 * installs SIGTERM/SIGINT handlers that stop it and exit the process.
 */
export async function runLeaderElectedComponent(component: LeaderElectedComponent): Promise<void> {
  const { flags, logger } = component;
  const elector = flags.leaderElect
    ? new LeaderElector(component.client, {
        namespace: flags.leaseNamespace,
        name: flags.leaseName,
        identity: flags.identity,
        config: flags.leaderElection,
        logger,
        onStartedLeading: (signal) => {
          logger.info("started leading");
          return component.work(signal);
        },
        onStoppedLeading: () => logger.info("stopped leading"),
        onNewLeader: (identity) => logger.info({ leader: identity }, "new leader"),
      })
    : undefined;
  component.start?.();
  let health: HealthServer | undefined;
  if (flags.port !== undefined) {
    const leading = (): boolean => elector?.isLeader() ?? true;
    health = await startHealthServer(
      {
        synced: () => component.synced(),
        status: () => ({ identity: flags.identity, leading: leading(), leader: elector?.leaderIdentity ?? flags.identity, ...component.status() }),
      },
      flags.port,
      flags.bindAddress,
    );
    if (flags.urlFile !== undefined) fs.writeFileSync(flags.urlFile, `${JSON.stringify({ url: health.url, pid: process.pid })}\n`);
    logger.info({ url: health.url }, "serving health");
  }
  const standalone = new AbortController();
  if (elector !== undefined) void elector.run();
  else void component.work(standalone.signal);
  logger.info({ servers: component.client.servers, leaderElect: flags.leaderElect, identity: flags.identity }, `${component.name} started`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.warn("clean shutdown took too long; exiting");
      process.exit(1);
    }, forcedExitMs).unref();
    standalone.abort();
    void (elector?.stop() ?? Promise.resolve())
      .then(() => component.close?.())
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
}
