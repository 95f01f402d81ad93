// Leader election over a coordination.k8s.io/v1 Lease: the pure decision core.
//
// Follows client-go's k8s.io/client-go/tools/leaderelection (LeaderElector.tryAcquireOrRenew,
// renew loop, release). The shell (not here) owns the clock, the timers and the HTTP calls: it
// reads the Lease, asks `decideLeaderElection` what to do, performs the write with the returned
// resourceVersion precondition, and reports the outcome through `recordWriteSucceeded`.
//
// Expiry is judged only by this process's own clock, measured from when it last saw the record
// change (client-go's observedTime) — never by comparing the renewTime written by another
// machine with our clock, so clock offsets between machines cannot cause two leaders. The one
// assumption, as in Kubernetes, is that clocks advance at (nearly) the same rate.
//
// Safety argument ("never two active leaders"): a leader counts its renew deadline from the
// moment it SENT its last successful write (`decidedAtMs`), which is no later than the moment the
// store committed it, which is no later than the moment any other candidate can observe it. Others
// wait a full lease duration from that observation, and renewDeadline < leaseDuration, so the
// leader has stopped before anyone else may write. Any write that raced with it fails on the
// resourceVersion precondition.

/** Randomizes the non-leader's retry period, as client-go's wait.JitterUntil(retryPeriod, 1.2). */
export const leaderElectionJitterFactor = 1.2;

/** Durations of one candidate, in milliseconds (Kubernetes: 15 s, 10 s, 2 s). */
export interface LeaderElectionConfig {
  /** How long non-leaders wait after last observing a change before they may take over. */
  readonly leaseDurationMs: number;
  /** How long the leader keeps working without a successful renew before it stops. */
  readonly renewDeadlineMs: number;
  /** How often a candidate tries to acquire, and a leader to renew. */
  readonly retryPeriodMs: number;
}

export const defaultLeaderElectionConfig: LeaderElectionConfig = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** The coordination.k8s.io/v1 LeaseSpec fields leader election uses (times are MicroTime). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** A Lease as read from the API server: its spec and metadata.resourceVersion. */
export interface LeaseRead {
  readonly spec: LeaseSpec;
  readonly resourceVersion: string;
}

/** What this candidate last saw of the Lease, and when (its own clock) it saw it change. */
export interface ObservedLease {
  readonly spec: LeaseSpec;
  readonly resourceVersion: string;
  readonly observedTimeMs: number;
}

export type LeaderElectionDecision =
  | {
      /** No Lease exists: create it naming us (a 409 AlreadyExists means someone was faster). */
      readonly kind: "create";
      readonly spec: LeaseSpec;
      /** The time the write is sent: the leader's renew deadline counts from here. */
      readonly decidedAtMs: number;
      /** Keep this observed state if the write fails. */
      readonly observed: ObservedLease | undefined;
    }
  | {
      /** Write `spec` with metadata.resourceVersion = `resourceVersion` as the precondition. */
      readonly kind: "update";
      readonly spec: LeaseSpec;
      readonly resourceVersion: string;
      readonly decidedAtMs: number;
      readonly observed: ObservedLease | undefined;
      /** True when we take the Lease from another holder (or from a released Lease). */
      readonly acquiring: boolean;
    }
  | {
      /** Someone else holds a valid Lease: we are not leader; try again after `retryAfterMs`. */
      readonly kind: "wait";
      readonly holderIdentity: string;
      /** We had last seen ourselves as holder, so leadership is lost: stop working now. */
      readonly lostLeadership: boolean;
      /** When (our clock) the Lease expires unless it changes again. */
      readonly leaseExpiresAtMs: number;
      readonly retryAfterMs: number;
      readonly observed: ObservedLease;
    };

export type LeaderElectionWrite = Extract<LeaderElectionDecision, { kind: "create" | "update" }>;

/** Checks a config as client-go's NewLeaderElector does; returns the problems (empty: valid). */
export function validateLeaderElectionConfig(config: LeaderElectionConfig, identity: string): string[] {
  const problems: string[] = [];
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = config;
  for (const [name, value] of Object.entries(config)) {
    if (!Number.isFinite(value) || value <= 0) problems.push(`${name} must be greater than zero`);
  }
  // The Lease carries whole seconds; a fraction would be cut off and others could take over early.
  if (leaseDurationMs % 1000 !== 0) problems.push("leaseDurationMs must be a whole number of seconds");
  if (leaseDurationMs <= renewDeadlineMs) problems.push("leaseDuration must be greater than renewDeadline");
  if (renewDeadlineMs <= leaderElectionJitterFactor * retryPeriodMs) {
    problems.push("renewDeadline must be greater than retryPeriod*JitterFactor");
  }
  if (identity === "") problems.push("identity must not be empty");
  return problems;
}

/** metav1.MicroTime: RFC 3339 in UTC with exactly six fractional digits. */
export function formatMicroTime(timeMs: number): string {
  const wholeMs = Math.floor(timeMs);
  const microseconds = Math.floor((timeMs - wholeMs) * 1000);
  const iso = new Date(wholeMs).toISOString(); // 2026-11-25T20:00:00.123Z
  return `${iso.slice(0, 23)}${String(microseconds).padStart(3, "0")}Z`;
}

/** The non-leader's randomized retry delay; `random01` in [0, 1) comes from the caller's source. */
export function jitteredRetryMs(retryPeriodMs: number, random01: number): number {
  return retryPeriodMs * (1 + random01 * leaderElectionJitterFactor);
}

/** Leader-side rule: stop all work once the renew deadline has passed since the last renew sent. */
export function shouldStopLeading(lastSuccessfulRenewMs: number, nowMs: number, renewDeadlineMs: number): boolean {
  return nowMs - lastSuccessfulRenewMs >= renewDeadlineMs;
}

export function isHolder(observed: ObservedLease | undefined, identity: string): boolean {
  return observed !== undefined && identity !== "" && observed.spec.holderIdentity === identity;
}

/** client-go isLeaseValid: the observed record's own duration, counted from our observation. */
export function leaseExpiresAtMs(observed: ObservedLease): number {
  return observed.observedTimeMs + (observed.spec.leaseDurationSeconds ?? 0) * 1000;
}

/**
 * tryAcquireOrRenew's slow path: decide from the Lease just read (`undefined` after a 404).
 * `previous` is what this candidate observed before; `nowMs` is its local clock.
 */
export function decideLeaderElection(input: {
  readonly current: LeaseRead | undefined;
  readonly previous: ObservedLease | undefined;
  readonly identity: string;
  readonly config: LeaderElectionConfig;
  readonly nowMs: number;
}): LeaderElectionDecision {
  const { current, previous, identity, config, nowMs } = input;
  if (current === undefined) {
    return { kind: "create", spec: freshSpec(identity, config, nowMs, 0), decidedAtMs: nowMs, observed: previous };
  }
  const observed = observe(previous, current, nowMs);
  const holder = current.spec.holderIdentity ?? "";
  const expiresAtMs = leaseExpiresAtMs(observed);
  if (holder !== "" && holder !== identity && nowMs < expiresAtMs) {
    return {
      kind: "wait",
      holderIdentity: holder,
      lostLeadership: isHolder(previous, identity),
      leaseExpiresAtMs: expiresAtMs,
      retryAfterMs: config.retryPeriodMs,
      observed,
    };
  }
  // The record names us, has expired, or was released: write, preconditioned on what we read.
  const transitions = current.spec.leaseTransitions ?? 0;
  const spec =
    holder === identity
      ? renewedSpec(current.spec, identity, config, nowMs)
      : freshSpec(identity, config, nowMs, transitions + 1);
  return {
    kind: "update",
    spec,
    resourceVersion: current.resourceVersion,
    decidedAtMs: nowMs,
    observed,
    acquiring: holder !== identity,
  };
}

/**
 * tryAcquireOrRenew's fast path: a leader whose observed Lease is still valid renews without
 * reading first, preconditioned on the resourceVersion of its own last write. Undefined when the
 * slow path (read, then `decideLeaderElection`) is needed; on a 409 the caller takes it too.
 */
export function planFastRenew(
  observed: ObservedLease | undefined,
  identity: string,
  config: LeaderElectionConfig,
  nowMs: number,
): LeaderElectionWrite | undefined {
  if (observed === undefined || !isHolder(observed, identity) || nowMs >= leaseExpiresAtMs(observed)) return undefined;
  return {
    kind: "update",
    spec: renewedSpec(observed.spec, identity, config, nowMs),
    resourceVersion: observed.resourceVersion,
    decidedAtMs: nowMs,
    observed,
    acquiring: false,
  };
}

/**
 * After the write of `decision` succeeded with `resourceVersion`, at local time `nowMs` (when the
 * answer arrived). Leading only if the renew deadline, counted from when the write was sent, has
 * not already passed: a slow answer must not start (or prolong) leadership others may have
 * already seen expire.
 */
export function recordWriteSucceeded(
  decision: LeaderElectionWrite,
  resourceVersion: string,
  identity: string,
  config: LeaderElectionConfig,
  nowMs: number,
): { observed: ObservedLease; leading: boolean; lastSuccessfulRenewMs: number } {
  const observed: ObservedLease = { spec: decision.spec, resourceVersion, observedTimeMs: decision.decidedAtMs };
  const leading =
    decision.spec.holderIdentity === identity &&
    !shouldStopLeading(decision.decidedAtMs, nowMs, config.renewDeadlineMs);
  return { observed, leading, lastSuccessfulRenewMs: decision.decidedAtMs };
}

/**
 * Graceful stop (client-go ReleaseOnCancel), called only after the work has stopped: give the
 * Lease up so another candidate takes over at once rather than after a lease duration. Needs a
 * fresh read; undefined when the Lease is not ours to release.
 */
export function planRelease(
  current: LeaseRead | undefined,
  identity: string,
  nowMs: number,
): LeaderElectionWrite | undefined {
  if (current === undefined || identity === "" || current.spec.holderIdentity !== identity) return undefined;
  const now = formatMicroTime(nowMs);
  const spec: LeaseSpec = {
    holderIdentity: "",
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: current.spec.leaseTransitions ?? 0,
  };
  return {
    kind: "update",
    spec,
    resourceVersion: current.resourceVersion,
    decidedAtMs: nowMs,
    observed: undefined,
    acquiring: false,
  };
}

/**
 * The observed time moves only when the record changed since we last saw it. Besides the spec
 * (what client-go compares), a changed resourceVersion counts as a change: two renews in the same
 * microsecond could write identical specs, and missing that would start the wait too early.
 */
function observe(previous: ObservedLease | undefined, current: LeaseRead, nowMs: number): ObservedLease {
  if (previous !== undefined && previous.resourceVersion === current.resourceVersion && sameSpec(previous.spec, current.spec)) {
    return previous;
  }
  return { spec: { ...current.spec }, resourceVersion: current.resourceVersion, observedTimeMs: nowMs };
}

function sameSpec(left: LeaseSpec, right: LeaseSpec): boolean {
  return (
    (left.holderIdentity ?? "") === (right.holderIdentity ?? "") &&
    (left.leaseDurationSeconds ?? 0) === (right.leaseDurationSeconds ?? 0) &&
    left.acquireTime === right.acquireTime &&
    left.renewTime === right.renewTime &&
    (left.leaseTransitions ?? 0) === (right.leaseTransitions ?? 0)
  );
}

function freshSpec(identity: string, config: LeaderElectionConfig, nowMs: number, transitions: number): LeaseSpec {
  const now = formatMicroTime(nowMs);
  return {
    holderIdentity: identity,
    leaseDurationSeconds: Math.floor(config.leaseDurationMs / 1000),
    acquireTime: now,
    renewTime: now,
    leaseTransitions: transitions,
  };
}

/** A renew keeps acquireTime and leaseTransitions: the holder did not change. */
function renewedSpec(previous: LeaseSpec, identity: string, config: LeaderElectionConfig, nowMs: number): LeaseSpec {
  const renewed = freshSpec(identity, config, nowMs, previous.leaseTransitions ?? 0);
  if (previous.acquireTime !== undefined) renewed.acquireTime = previous.acquireTime;
  return renewed;
}
