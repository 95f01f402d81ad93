// One look at the running cluster, and the kill/restart targets resolved against it.
import { apiserverReady, componentStatus, nodeSummaries, storeStatus, type NodeSummary, type StoreMemberStatus } from "./probe.js";
import type { Role } from "./topology.js";

export interface ComponentView {
  readonly name: string;
  readonly role: Role;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly url: string | undefined;
  readonly logFile: string;
  /** How it exited, when it is down. */
  readonly exit?: string;
}

export interface ClusterSnapshot {
  readonly components: readonly (ComponentView & { store?: StoreMemberStatus; status?: Record<string, unknown>; ready?: boolean })[];
  /** The name of the store leader ("store/s2"), if a majority agrees on one. */
  readonly storeLeader: string | undefined;
  readonly nodes: readonly NodeSummary[] | undefined;
}

/** The member most store members name as leader, and how many name it (undefined: none names one). */
export function storeLeaderVotes(statuses: readonly StoreMemberStatus[]): { memberId: string; votes: number } | undefined {
  const votes = new Map<string, number>();
  for (const id of statuses.map((s) => s.leaderId).filter((id) => id !== "0")) votes.set(id, (votes.get(id) ?? 0) + 1);
  const [top] = [...votes.entries()].sort((a, b) => b[1] - a[1]);
  return top === undefined ? undefined : { memberId: top[0], votes: top[1] };
}

export async function takeSnapshot(components: readonly ComponentView[]): Promise<ClusterSnapshot> {
  const views = await Promise.all(
    components.map(async (component) => {
      if (!component.running) return component;
      if (component.role === "store" && component.url !== undefined) return { ...component, store: await storeStatus(component.url) };
      if (component.role === "apiserver" && component.url !== undefined) return { ...component, ready: await apiserverReady(component.url) };
      if (component.role === "controller-manager" || component.role === "scheduler") return { ...component, status: await componentStatus(component.url) };
      return component;
    }),
  );
  const stores = views.filter((v): v is ComponentView & { store: StoreMemberStatus } => "store" in v && v.store !== undefined);
  const leaderId = storeLeaderVotes(stores.map((s) => s.store))?.memberId;
  const storeLeader = stores.find((s) => s.store.memberId === leaderId)?.name;
  const apiservers = views.filter((v) => v.role === "apiserver" && v.running && v.url !== undefined).map((v) => v.url as string);
  return { components: views, storeLeader, nodes: await nodeSummaries(apiservers) };
}

/** The component a kill target names, or a message saying why none does. */
export function resolveTarget(target: string, snapshot: ClusterSnapshot): { name: string } | { error: string } {
  const names = snapshot.components.map((c) => c.name);
  const leaderOf = (role: Role): { name: string } | { error: string } => {
    const leading = snapshot.components.find((c) => c.role === role && c.running && c.status?.leading === true);
    return leading === undefined ? { error: `no ${role} replica leads right now` } : { name: leading.name };
  };
  if (target === "store-leader") return snapshot.storeLeader === undefined ? { error: "the store has no leader right now" } : { name: snapshot.storeLeader };
  if (target === "controller-manager-leader") return leaderOf("controller-manager");
  if (target === "scheduler-leader") return leaderOf("scheduler");
  if (target === "apiserver") {
    const first = snapshot.components.find((c) => c.role === "apiserver" && c.running) ?? snapshot.components.find((c) => c.role === "apiserver");
    return first === undefined ? { error: "no apiserver in this cluster" } : { name: first.name };
  }
  if (names.includes(target)) return { name: target };
  return {
    error: `unknown target '${target}': use store-leader, controller-manager-leader, scheduler-leader, apiserver, or one of ${names.join(", ")}`,
  };
}
