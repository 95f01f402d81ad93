// Node health as the node lifecycle controller sees it (kube-controller-manager 1.32,
// pkg/controller/nodelifecycle): when did WE last see a sign of life — the node Lease renewed or
// the Ready condition's heartbeat changed — measured on our own clock (probeTimestamp), so that
// the kubelet's clock can be skewed without consequence. A node silent for longer than the grace
// period gets its conditions set to Unknown.
import type { Lease, Node, NodeCondition } from "../../client/index.js";

/** What the controller remembers of a node between passes. */
export interface NodeHealth {
  /** Our clock when we last saw the node alive (lease renewed or status heartbeat changed). */
  readonly probeTimestampMs: number;
  /** Our clock when the Ready condition last changed. */
  readonly readyTransitionTimestampMs: number;
  /** Ready condition as last seen (heartbeat and transition times are compared). */
  readonly readyHeartbeat: string | undefined;
  readonly readyTransition: string | undefined;
  readonly hadReadyCondition: boolean;
  /** The Lease's renewTime (and uid) as last seen. */
  readonly leaseRenewTime: string | undefined;
  readonly leaseUid: string | undefined;
}

/** The conditions the controller turns Unknown; NetworkUnavailable belongs to the control plane. */
export const monitoredConditionTypes = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] as const;

export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((condition) => condition.type === "Ready");
}

/**
 * Folds one observation of the node (and its Lease) into what we remember: any change of the
 * Ready heartbeat or of the Lease's renewTime moves probeTimestamp to now.
 */
export function observeNodeHealth(previous: NodeHealth | undefined, node: Node, lease: Lease | undefined, nowMs: number): NodeHealth {
  const ready = readyCondition(node);
  let probeTimestampMs = previous?.probeTimestampMs ?? nowMs;
  let readyTransitionTimestampMs = previous?.readyTransitionTimestampMs ?? nowMs;
  if (previous !== undefined) {
    if (ready !== undefined && !previous.hadReadyCondition) {
      // Controller restarted with the node already registered, or the kubelet's first status.
      probeTimestampMs = nowMs;
      readyTransitionTimestampMs = nowMs;
    } else if (ready === undefined && previous.hadReadyCondition) {
      probeTimestampMs = nowMs;
      readyTransitionTimestampMs = nowMs;
    } else if (ready !== undefined && ready.lastHeartbeatTime !== previous.readyHeartbeat) {
      probeTimestampMs = nowMs;
      if (ready.lastTransitionTime !== previous.readyTransition) readyTransitionTimestampMs = nowMs;
    }
  }
  const renewTime = lease?.spec?.renewTime;
  const leaseUid = lease?.metadata.uid;
  if (lease !== undefined && renewTime !== undefined && (previous === undefined || renewTime !== previous.leaseRenewTime || leaseUid !== previous.leaseUid)) {
    probeTimestampMs = nowMs;
  }
  return {
    probeTimestampMs,
    readyTransitionTimestampMs,
    readyHeartbeat: ready?.lastHeartbeatTime,
    readyTransition: ready?.lastTransitionTime,
    hadReadyCondition: ready !== undefined,
    leaseRenewTime: renewTime ?? previous?.leaseRenewTime,
    leaseUid: leaseUid ?? previous?.leaseUid,
  };
}

/**
 * The grace period a node gets (tryUpdateNodeHealth): --node-startup-grace-period while it has
 * never posted a Ready condition (its kubelet is still starting), --node-monitor-grace-period after.
 */
export function nodeGracePeriodMs(node: Node, monitorGracePeriodMs: number, startupGracePeriodMs: number): number {
  return readyCondition(node) === undefined ? startupGracePeriodMs : monitorGracePeriodMs;
}

/**
 * The node's conditions once it has been silent past the grace period: every monitored condition
 * Unknown ("Kubelet stopped posting node status."), missing ones added as never updated.
 * Undefined when the node is not stale or its Ready condition would not change (no write needed).
 */
export function staleNodeConditions(node: Node, health: NodeHealth, nowMs: number, gracePeriodMs: number, formatTime: (ms: number) => string): NodeCondition[] | undefined {
  if (nowMs <= health.probeTimestampMs + gracePeriodMs) return undefined;
  const now = formatTime(nowMs);
  const conditions = structuredClone(node.status?.conditions ?? []);
  for (const type of monitoredConditionTypes) {
    const current = conditions.find((condition) => condition.type === type);
    if (current === undefined) {
      conditions.push({
        type,
        status: "Unknown",
        reason: "NodeStatusNeverUpdated",
        message: "Kubelet never posted node status.",
        ...(node.metadata.creationTimestamp === undefined ? {} : { lastHeartbeatTime: node.metadata.creationTimestamp }),
        lastTransitionTime: now,
      });
    } else if (current.status !== "Unknown") {
      current.status = "Unknown";
      current.reason = "NodeStatusUnknown";
      current.message = "Kubelet stopped posting node status.";
      current.lastTransitionTime = now;
    }
  }
  const before = readyCondition(node);
  const after = conditions.find((condition) => condition.type === "Ready");
  if (before !== undefined && after !== undefined && before.status === after.status && before.reason === after.reason) return undefined;
  return conditions;
}

/** Zone of a node, as nodetopology.GetZoneKey: region and zone labels ("" when unlabelled). */
export function zoneKey(node: Node): string {
  const labels = node.metadata.labels ?? {};
  const region = labels["topology.kubernetes.io/region"] ?? labels["failure-domain.beta.kubernetes.io/region"] ?? "";
  const zone = labels["topology.kubernetes.io/zone"] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? "";
  return region === "" && zone === "" ? "" : `${region}:\u0000:${zone}`;
}

/** Nodes labelled so are left out of the zone-disruption count, as upstream. */
export function isExcludedFromDisruptionChecks(node: Node): boolean {
  return node.metadata.labels?.["node.kubernetes.io/exclude-disruption"] !== undefined;
}

export type ZoneState = "Initial" | "Normal" | "PartialDisruption" | "FullDisruption";

/**
 * ComputeZoneState: full disruption when no node of the zone is Ready; partial when more than two
 * are not Ready and they are at least `unhealthyZoneThreshold` of the zone.
 */
export function computeZoneState(readyStatuses: readonly (string | undefined)[], unhealthyZoneThreshold: number): { unhealthy: number; state: ZoneState } {
  const ready = readyStatuses.filter((status) => status === "True").length;
  const notReady = readyStatuses.length - ready;
  if (ready === 0 && notReady > 0) return { unhealthy: notReady, state: "FullDisruption" };
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyZoneThreshold) return { unhealthy: notReady, state: "PartialDisruption" };
  return { unhealthy: notReady, state: "Normal" };
}

/** Above this many nodes a partially disrupted zone keeps evicting, slowly (upstream's largeClusterThreshold). */
export const largeClusterSizeThreshold = 50;

export interface EvictionRates {
  readonly nodeEvictionRatePerSecond: number;
  readonly secondaryNodeEvictionRatePerSecond: number;
}

/** The tainting rate of a zone in `state` (setLimiterInZone with ReducedQPSFunc / HealthyQPSFunc). */
export function zoneTaintingRate(state: ZoneState, zoneSize: number, rates: EvictionRates): number {
  if (state === "PartialDisruption") return zoneSize > largeClusterSizeThreshold ? rates.secondaryNodeEvictionRatePerSecond : 0;
  return rates.nodeEvictionRatePerSecond;
}

/** What handleDisruption decides after a pass. */
export type DisruptionPlan =
  /** Every zone lost every node: probably the control plane's own network. Untaint all, stop tainting. */
  | { readonly kind: "enter-full-disruption"; readonly zoneStates: ReadonlyMap<string, ZoneState>; readonly rates: ReadonlyMap<string, number> }
  /** Back from full disruption: every node gets a fresh grace period; rates per zone state. */
  | { readonly kind: "exit-full-disruption"; readonly zoneStates: ReadonlyMap<string, ZoneState>; readonly rates: ReadonlyMap<string, number> }
  /** Zones whose state changed get their new rate. */
  | { readonly kind: "zones-changed"; readonly zoneStates: ReadonlyMap<string, ZoneState>; readonly rates: ReadonlyMap<string, number> }
  | { readonly kind: "unchanged"; readonly zoneStates: ReadonlyMap<string, ZoneState> };

/**
 * handleDisruption: `zoneReadyStatuses` holds, per zone, the Ready status of each node after this
 * pass; `previous` the zone states from the last pass.
 */
export function planDisruption(
  previous: ReadonlyMap<string, ZoneState>,
  zoneReadyStatuses: ReadonlyMap<string, readonly (string | undefined)[]>,
  unhealthyZoneThreshold: number,
  rates: EvictionRates,
): DisruptionPlan {
  const newStates = new Map<string, ZoneState>();
  let allAreFullyDisrupted = true;
  for (const [zone, statuses] of zoneReadyStatuses) {
    const { state } = computeZoneState(statuses, unhealthyZoneThreshold);
    if (state !== "FullDisruption") allAreFullyDisrupted = false;
    newStates.set(zone, state);
  }
  // Zones that vanished are forgotten; new zones start Initial.
  const current = new Map<string, ZoneState>();
  for (const zone of zoneReadyStatuses.keys()) current.set(zone, previous.get(zone) ?? "Initial");
  let allWereFullyDisrupted = true;
  for (const state of current.values()) if (state !== "FullDisruption") allWereFullyDisrupted = false;
  const sizeOf = (zone: string): number => zoneReadyStatuses.get(zone)?.length ?? 0;
  if (allAreFullyDisrupted && allWereFullyDisrupted) return { kind: "unchanged", zoneStates: current };
  if (allAreFullyDisrupted) {
    const states = new Map([...current.keys()].map((zone) => [zone, "FullDisruption" as ZoneState]));
    return { kind: "enter-full-disruption", zoneStates: states, rates: new Map([...current.keys()].map((zone) => [zone, 0])) };
  }
  if (allWereFullyDisrupted) {
    const rateMap = new Map([...newStates].map(([zone, state]) => [zone, zoneTaintingRate(state, sizeOf(zone), rates)]));
    return { kind: "exit-full-disruption", zoneStates: newStates, rates: rateMap };
  }
  const changed = new Map<string, number>();
  for (const [zone, state] of newStates) {
    if (current.get(zone) !== state) changed.set(zone, zoneTaintingRate(state, sizeOf(zone), rates));
  }
  if (changed.size === 0) return { kind: "unchanged", zoneStates: newStates };
  return { kind: "zones-changed", zoneStates: newStates, rates: changed };
}

/**
 * What a monitor pass does about a node's pods once its health was updated (monitorNodeHealth):
 * on the pass where Ready leaves True it records NodeNotReady and marks every pod NotReady; a node
 * whose marking failed before is marked again while it stays not Ready. When neither applies (or
 * the node could not be read back), a pending retry is dropped.
 */
export function podsOnTransition(observed: NodeCondition, current: NodeCondition | undefined, retryPending: boolean): { readonly recordNotReady: boolean; readonly markPods: boolean } {
  if (current === undefined) return { recordNotReady: false, markPods: false };
  const becameNotReady = current.status !== "True" && observed.status === "True";
  return { recordNotReady: becameNotReady, markPods: becameNotReady || (retryPending && observed.status !== "True") };
}
