// Builders for the unit tests of both workload controllers (not part of the controllers' surface).
import type { Pod } from "../../client/index.js";
import type { ReplicaSet } from "./types.js";

export const fixtureNowMs = Date.parse("2026-01-01T12:00:00Z");

export function isoAgo(seconds: number, nowMs = fixtureNowMs): string {
  return `${new Date(nowMs - seconds * 1000).toISOString().slice(0, 19)}Z`;
}

export function replicaSetFixture(name: string, replicas: number, overrides: Partial<ReplicaSet["metadata"]> = {}): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "default", uid: `uid-${name}`, generation: 1, creationTimestamp: isoAgo(600), ...overrides },
    spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1" }] } } },
    status: { replicas: 0 },
  };
}

export interface PodFixtureOptions {
  readonly owner?: ReplicaSet | undefined;
  readonly node?: string;
  readonly phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  /** Seconds ago the pod turned Ready; undefined for not ready. */
  readonly readyForSeconds?: number;
  readonly createdSecondsAgo?: number;
  readonly labels?: Record<string, string>;
  readonly deleting?: boolean;
  readonly restarts?: number;
  readonly annotations?: Record<string, string>;
}

export function podFixture(name: string, options: PodFixtureOptions = {}): Pod {
  const owner = options.owner;
  return {
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      labels: options.labels ?? { app: "web" },
      creationTimestamp: isoAgo(options.createdSecondsAgo ?? 300),
      ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
      ...(options.deleting === true ? { deletionTimestamp: isoAgo(0) } : {}),
      ...(owner === undefined ? {} : { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }] }),
    },
    spec: { containers: [{ name: "web" }], ...(options.node === undefined ? {} : { nodeName: options.node }) },
    status: {
      phase: options.phase ?? (options.node === undefined ? "Pending" : "Running"),
      conditions: options.readyForSeconds === undefined ? [] : [{ type: "Ready", status: "True", lastTransitionTime: isoAgo(options.readyForSeconds) }],
      containerStatuses: [{ name: "web", ready: options.readyForSeconds !== undefined, restartCount: options.restarts ?? 0, image: "nginx:1", imageID: "" }],
    },
  };
}
