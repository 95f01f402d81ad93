// What the apiserver bench's main process and its watcher worker processes share: the pods the
// bench writes (each carries its sequence number and its send time, so every watcher computes its
// own write-to-event latency against the machine-wide monotonic clock with no per-event IPC), how
// a watch event line is read cheaply, and the IPC messages.
import type { HistogramJson } from "./support/watch-protocol.js";

/** Annotation holding the CLOCK_MONOTONIC microsecond at which the bench sent the write. */
export const sentAnnotation = "bench.kube-lite.io/sent-us";
/** Annotation holding the write's sequence number within its phase. */
export const seqAnnotation = "bench.kube-lite.io/seq";
/** Distinct values of the `app` label: a selector `app=web-0` matches one pod in this many. */
export const appLabelValues = 10;

export interface PodOptions {
  readonly namespace: string;
  readonly name: string;
  readonly seq: number;
  readonly sentUs: number;
}

/**
 * A pod as a Deployment's template would make it: one container with resources, probes, env and
 * a few labels, about 1 KiB of JSON before the apiserver adds its defaults.
 */
export function podManifest(options: PodOptions): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: { app: `web-${options.seq % appLabelValues}`, tier: "frontend", "pod-template-hash": "5d7c9b8f6d" },
      annotations: { [seqAnnotation]: String(options.seq), [sentAnnotation]: String(options.sentUs) },
    },
    spec: {
      containers: [
        {
          name: "web",
          image: "registry.k8s.io/nginx-slim:0.27",
          ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
          env: [{ name: "MODE", value: "bench" }],
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
          readinessProbe: { httpGet: { path: "/healthz", port: 80 }, periodSeconds: 10 },
        },
      ],
      terminationGracePeriodSeconds: 30,
    },
  };
}

export interface PodEvent {
  readonly type: string;
  /** undefined when the object carries no bench annotations (not one of the bench's writes). */
  readonly seq: number | undefined;
  readonly sentUs: number | undefined;
}

const typePattern = /^\{"type":"([A-Z]+)"/;
const seqPattern = new RegExp(`"${seqAnnotation.replaceAll(".", "\\.")}":"(\\d+)"`);
const sentPattern = new RegExp(`"${sentAnnotation.replaceAll(".", "\\.")}":"(\\d+)"`);

/**
 * Reads one line of a Kubernetes watch stream without a full JSON parse: 1000 watchers each
 * parsing every ~2 KiB pod would make the client, not the apiserver, the bottleneck. Falls back
 * to JSON.parse when the line does not start the way the apiserver writes it.
 */
export function readPodEventLine(line: string): PodEvent {
  let type = typePattern.exec(line)?.[1];
  if (type === undefined) {
    try {
      const parsed = JSON.parse(line) as { type?: unknown };
      type = typeof parsed.type === "string" ? parsed.type : "UNKNOWN";
    } catch {
      type = "UNPARSABLE";
    }
  }
  const seq = seqPattern.exec(line)?.[1];
  const sent = sentPattern.exec(line)?.[1];
  return { type, seq: seq === undefined ? undefined : Number(seq), sentUs: sent === undefined ? undefined : Number(sent) };
}

/** main → worker */
export type ToWatchWorker =
  | {
      readonly type: "open";
      /** The apiserver's base URL. */
      readonly server: string;
      /** The watch path with its query (resourceVersion included), the same for every watcher. */
      readonly path: string;
      readonly watchers: number;
    }
  /** Start counting afresh; with notify, say "delivered" once every open watcher has a write's event. */
  | { readonly type: "reset"; readonly notify: boolean }
  | { readonly type: "report" }
  | { readonly type: "close" };

/** worker → main */
export type FromWatchWorker =
  | { readonly type: "opened"; readonly watchers: number }
  | { readonly type: "failed"; readonly message: string }
  | { readonly type: "delivered"; readonly seq: number }
  | { readonly type: "report"; readonly report: WatchWorkerReport }
  | { readonly type: "closed" };

export interface WatchWorkerReport {
  /** Bench events read since the reset, over all of this worker's watchers. */
  readonly events: number;
  /** Other lines (BOOKMARK, ERROR, foreign objects). */
  readonly otherLines: number;
  readonly closedStreams: number;
  readonly firstProblem: string | undefined;
  /** Highest seq every open watcher of this worker has seen (-1: none). */
  readonly deliveredSeq: number;
  readonly histogram: HistogramJson;
  /** This worker's CPU time (user + system) since the reset. */
  readonly cpuMs: number;
}
