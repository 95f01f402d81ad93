// What every controller is, and the loop they share (client-go's sample-controller shape):
// informer handlers only enqueue keys; workers take a key, call reconcile(key), and on a thrown
// error put the key back with back-off. reconcile reads desired and actual state from the
// informers' caches and acts; it never depends on which event woke it.
import type { Logger } from "pino";
import type { WorkQueue} from "../client/index.js";
import { EventRecorder, type KubeClient } from "../client/index.js";
import type { SharedInformers } from "./shared-informers.js";

/** Failure timings and knobs of the controller-manager (Kubernetes 1.32 defaults in brackets). */
export interface ControllerManagerSettings {
  /** A node whose Lease is older than this is NotReady/Unknown [50 s]. */
  readonly nodeMonitorGracePeriodMs: number;
  /** The same for a node that never posted a Ready condition (a kubelet still starting) [60 s]. */
  readonly nodeStartupGracePeriodMs: number;
  /** How often node lifecycle checks the nodes [5 s]. */
  readonly nodeMonitorPeriodMs: number;
  /** Evictions per second when a zone is healthy [0.1 ... kube: --node-eviction-rate=0.1]. */
  readonly nodeEvictionRatePerSecond: number;
  /** Evictions per second when a zone is mostly unhealthy [0.01]. */
  readonly secondaryNodeEvictionRatePerSecond: number;
  /** Fraction of unhealthy nodes above which the secondary rate applies [0.55]. */
  readonly unhealthyZoneThreshold: number;
  /** Workers per controller [5 for most controllers in kube-controller-manager]. */
  readonly workers: number;
}

export const defaultControllerManagerSettings: ControllerManagerSettings = {
  nodeMonitorGracePeriodMs: 50_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeMonitorPeriodMs: 5_000,
  nodeEvictionRatePerSecond: 0.1,
  secondaryNodeEvictionRatePerSecond: 0.01,
  unhealthyZoneThreshold: 0.55,
  workers: 5,
};

/** What a controller gets from the manager. */
export interface ControllerContext {
  readonly client: KubeClient;
  readonly informers: SharedInformers;
  readonly logger: Logger;
  readonly settings: ControllerManagerSettings;
  /** An event recorder whose source.component is `component` (e.g. "deployment-controller"). */
  recorder(component: string): EventRecorder;
  /** Wall-clock milliseconds (object timestamps are wall-clock). */
  now(): number;
}

export interface Controller {
  readonly name: string;
  /** Runs until `signal` aborts, after the shared informers have synced. */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * Thrown by reconcile when a key is not finished although nothing failed (content still going
 * away): the worker adds it back after `delayMs`, leaving its back-off as it is, as Kubernetes'
 * namespace controller does with a ResourcesRemainingError.
 */
export class RequeueAfter extends Error {
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
    this.name = "RequeueAfter";
  }
}

/**
 * The worker loop every queue-driven controller shares: `workers` concurrent workers, one key
 * at a time per worker (the queue never hands a key to two), errors retried with the queue's
 * rate limiter, forget() on success, RequeueAfter added back after its delay.
 */
export async function runWorkers(
  name: string,
  queue: WorkQueue,
  workers: number,
  reconcile: (key: string) => Promise<void>,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  const stop = (): void => queue.shutDown();
  signal.addEventListener("abort", stop, { once: true });
  if (signal.aborted) stop();
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await reconcile(key);
        queue.forget(key);
      } catch (error) {
        if (error instanceof RequeueAfter) {
          logger.debug({ controller: name, key, delayMs: error.delayMs }, error.message);
          queue.addAfter(key, error.delayMs);
        } else {
          logger.warn({ controller: name, key, error: (error as Error).message, retries: queue.numRequeues(key) }, "reconcile failed; retrying with back-off");
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, () => worker()));
}

/** A new recorder per component, sharing the client. */
export function recorderFactory(client: KubeClient, logger: Logger): (component: string) => EventRecorder {
  const recorders = new Map<string, EventRecorder>();
  return (component) => {
    let recorder = recorders.get(component);
    if (recorder === undefined) recorders.set(component, (recorder = new EventRecorder(client, { component, logger })));
    return recorder;
  };
}
