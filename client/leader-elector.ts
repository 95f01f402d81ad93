// The leader-election shell: timers and HTTP around the pure decisions of leader-election-core
// (client-go's LeaderElector.Run: acquire, then renew until the renew deadline passes).
//
// Safety rests on one timer: while leading, a stop timer is armed at lastSuccessfulRenew +
// renewDeadline and re-armed after every successful renew. When it fires, the work's
// AbortSignal aborts at once, whatever request is still hanging — so the work has stopped
// before any other candidate may take the Lease (see leader-election-core for why).
import type { Logger } from "pino";
import { isAlreadyExists, isConflict, isNotFound } from "./errors.js";
import {
  decideLeaderElection,
  defaultLeaderElectionConfig,
  jitteredRetryMs,
  planFastRenew,
  planRelease,
  recordWriteSucceeded,
  shouldStopLeading,
  validateLeaderElectionConfig,
  type LeaderElectionConfig,
  type LeaderElectionWrite,
  type LeaseRead,
  type ObservedLease,
} from "./leader-election-core.js";
import { objectPath, resourceTypes } from "./resources.js";
import { sleepUnlessAborted } from "./sleep.js";
import type { KubeClient } from "./rest-client.js";
import type { Lease } from "./types.js";

export interface LeaderElectorOptions {
  /** Where the Lease lives, e.g. kube-system / kube-scheduler. */
  readonly namespace: string;
  readonly name: string;
  /** Unique per candidate process (client-go: hostname + "_" + a UUID). */
  readonly identity: string;
  readonly config?: LeaderElectionConfig;
  readonly logger?: Logger;
  /** Wall-clock milliseconds (Lease times are wall-clock MicroTimes). */
  readonly now?: () => number;
  /** In [0, 1): jitters the non-leader's retries. */
  readonly random?: () => number;
  /** Called on becoming leader; `signal` aborts the moment leadership is lost or given up. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading?(): void;
  /** Called whenever the observed holder changes (including to us). */
  onNewLeader?(identity: string): void;
}

/** How long each request of the release on stop may take. */
const releaseTimeoutMs = 2_000;

type WriteOutcome = { ok: true; resourceVersion: string } | { ok: false };


export class LeaderElector {
  private readonly config: LeaderElectionConfig;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly stopped = new AbortController();
  private observed: ObservedLease | undefined;
  private leading: AbortController | undefined;
  private work: Promise<void> | undefined;
  private stopTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSuccessfulRenewMs = 0;
  private reportedLeader: string | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderElectorOptions,
  ) {
    this.config = options.config ?? defaultLeaderElectionConfig;
    const problems = validateLeaderElectionConfig(this.config, options.identity);
    if (problems.length > 0) throw new Error(`leader election: ${problems.join("; ")}`);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** The holder this candidate last observed ("" when none). */
  get leaderIdentity(): string {
    return this.observed?.spec.holderIdentity ?? "";
  }

  /** Campaigns until stop(); resolves then. */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Stops the work (awaiting it), gives the Lease up if held, and ends run(). */
  async stop(): Promise<void> {
    this.stopped.abort(new Error("leader elector stopped"));
    await this.running;
    const wasLeading = this.leading !== undefined;
    await this.stopLeading("stopping");
    if (wasLeading) await this.release();
  }

  private async loop(): Promise<void> {
    const signal = this.stopped.signal;
    while (!signal.aborted) {
      const wasLeading = this.leading !== undefined;
      const renewed = await this.tryAcquireOrRenew();
      if (signal.aborted) break;
      if (renewed && this.leading === undefined) this.startLeading();
      if (!renewed && wasLeading && shouldStopLeading(this.lastSuccessfulRenewMs, this.now(), this.config.renewDeadlineMs)) {
        await this.stopLeading("renew deadline passed");
      }
      const delayMs = this.leading !== undefined ? this.config.retryPeriodMs : jitteredRetryMs(this.config.retryPeriodMs, this.random());
      await sleepUnlessAborted(delayMs, signal);
    }
  }

  /** One round: true when the Lease now names us with a fresh renewTime. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const fast = this.leading !== undefined ? planFastRenew(this.observed, this.options.identity, this.config, this.now()) : undefined;
    if (fast !== undefined && (await this.writeAndRecord(fast))) return true;
    let current: LeaseRead | undefined;
    try {
      current = await this.read();
    } catch (error) {
      this.options.logger?.warn({ error: (error as Error).message, lease: this.leaseName() }, "could not read leader-election lease");
      return false;
    }
    const decision = decideLeaderElection({ current, previous: this.observed, identity: this.options.identity, config: this.config, nowMs: this.now() });
    if (decision.kind === "wait") {
      this.observed = decision.observed;
      this.reportLeader(decision.holderIdentity);
      if (decision.lostLeadership) await this.stopLeading(`lease taken by ${decision.holderIdentity}`);
      return false;
    }
    this.observed = decision.observed;
    return this.writeAndRecord(decision);
  }

  private async writeAndRecord(decision: LeaderElectionWrite): Promise<boolean> {
    const outcome = await this.write(decision);
    if (!outcome.ok) return false;
    const recorded = recordWriteSucceeded(decision, outcome.resourceVersion, this.options.identity, this.config, this.now());
    this.observed = recorded.observed;
    this.reportLeader(this.options.identity);
    if (!recorded.leading) return false;
    this.lastSuccessfulRenewMs = recorded.lastSuccessfulRenewMs;
    this.armStopTimer();
    return true;
  }

  private leaseName(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  /** Requests are cut off at the renew deadline: a hung call must not outlive leadership. */
  private requestSignal(): AbortSignal {
    // Not tied to `stopped`: after stop() only the release is left, and it must not be cut off —
    // but it is a courtesy, so it gets little time: an unreachable apiserver must not hold up exit.
    return AbortSignal.timeout(this.stopped.signal.aborted ? Math.min(releaseTimeoutMs, this.config.renewDeadlineMs) : this.config.renewDeadlineMs);
  }

  private async read(): Promise<LeaseRead | undefined> {
    try {
      const path = objectPath(resourceTypes.leases, this.options.name, this.options.namespace);
      const lease = (await this.client.request({ method: "GET", path, signal: this.requestSignal() })) as Lease;
      return { spec: lease.spec ?? {}, resourceVersion: lease.metadata.resourceVersion ?? "" };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async write(decision: LeaderElectionWrite): Promise<WriteOutcome> {
    const lease: Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: this.options.name,
        namespace: this.options.namespace,
        ...(decision.kind === "update" ? { resourceVersion: decision.resourceVersion } : {}),
      },
      spec: decision.spec,
    };
    const type = resourceTypes.leases;
    try {
      const written =
        decision.kind === "create"
          ? await this.client.request({ method: "POST", path: `${type.apiPath}/namespaces/${encodeURIComponent(this.options.namespace)}/${type.resource}`, body: lease, signal: this.requestSignal() })
          : await this.client.request({ method: "PUT", path: objectPath(type, this.options.name, this.options.namespace), body: lease, signal: this.requestSignal() });
      return { ok: true, resourceVersion: (written as Lease).metadata.resourceVersion ?? "" };
    } catch (error) {
      // A lost race is the normal way to learn someone else wrote first; anything else is logged.
      if (!isConflict(error) && !isAlreadyExists(error)) {
        this.options.logger?.warn({ error: (error as Error).message, lease: this.leaseName() }, "could not write leader-election lease");
      }
      return { ok: false };
    }
  }

  private startLeading(): void {
    const controller = new AbortController();
    this.leading = controller;
    this.options.logger?.info({ lease: this.leaseName(), identity: this.options.identity }, "became leader");
    this.work = Promise.resolve()
      .then(() => this.options.onStartedLeading(controller.signal))
      .catch((error: unknown) => this.options.logger?.error({ error: (error as Error).stack }, "leader work failed"));
  }

  private armStopTimer(): void {
    if (this.stopTimer !== undefined) clearTimeout(this.stopTimer);
    const dueMs = this.lastSuccessfulRenewMs + this.config.renewDeadlineMs - this.now();
    this.stopTimer = setTimeout(() => {
      // Rounding can fire a timer a little early: check the rule itself before acting.
      if (shouldStopLeading(this.lastSuccessfulRenewMs, this.now(), this.config.renewDeadlineMs)) void this.stopLeading("renew deadline passed");
      else this.armStopTimer();
    }, Math.max(0, dueMs));
  }

  private async stopLeading(why: string): Promise<void> {
    if (this.stopTimer !== undefined) clearTimeout(this.stopTimer);
    this.stopTimer = undefined;
    const controller = this.leading;
    if (controller === undefined) return;
    this.leading = undefined;
    controller.abort(new Error(`leadership lost: ${why}`));
    this.options.logger?.info({ lease: this.leaseName(), identity: this.options.identity, why }, "stopped leading");
    this.options.onStoppedLeading?.();
    await this.work;
  }

  private async release(): Promise<void> {
    try {
      const current = await this.read();
      const release = planRelease(current, this.options.identity, this.now());
      if (release !== undefined) await this.write(release);
    } catch (error) {
      this.options.logger?.warn({ error: (error as Error).message }, "could not release leader-election lease");
    }
  }

  private reportLeader(identity: string): void {
    if (identity === this.reportedLeader) return;
    this.reportedLeader = identity;
    if (identity !== "") this.options.onNewLeader?.(identity);
  }
}
