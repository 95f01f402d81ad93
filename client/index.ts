// client — the Kubernetes-side client every control loop shares: typed REST client with
// fail-over between apiservers, informers (list + watch + indexed cache), the work queue and its
// rate limiters, an aggregating event recorder, and leader election over a Lease.
export type * from "./types.js";
export { resourceTypes, collectionPath, objectPath, objectKey, splitObjectKey, type ResourceType } from "./resources.js";
export { KubeApiError, KubeUnavailableError, isNotFound, isConflict, isAlreadyExists, isGone, isInvalid, isForbidden, retryOnConflict } from "./errors.js";
export { KubeClient, type KubeClientOptions, type ListOptions, type WatchOptions, type PatchOptions, type PatchType, type DeleteOptions } from "./rest-client.js";
export { Informer, deepFreeze, diffForReplace, namespaceIndex, type InformerHandler, type InformerOptions, type InformerDelta, type Indexer } from "./informer.js";
export { EventRecorder, formatTime, objectReference, type EventRecorderOptions, type EventType } from "./event-recorder.js";
export { LeaderElector, type LeaderElectorOptions } from "./leader-elector.js";
export {
  parseDurationMs,
  parseServerList,
  parseGoBoolean,
  expandGoBooleanFlags,
  logLevels,
  leaderElectionFlagOptions,
  parseLeaderElectionFlags,
  componentFlagOptions,
  parseComponentFlags,
  type ComponentFlags,
  type LeaderElectionFlags,
} from "./flags.js";
export { startHealthServer, type HealthServer, type HealthSource } from "./health-server.js";
export { runLeaderElectedComponent, type LeaderElectedComponent } from "./leader-elected-component.js";
export { WorkQueue, systemClock, type Clock, type TimerHandle, type WorkQueueOptions } from "./work-queue.js";
export { type RateLimiter, ItemExponentialFailureRateLimiter, BucketRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter } from "./rate-limiter.js";
export {
  decideLeaderElection,
  defaultLeaderElectionConfig,
  formatMicroTime,
  isHolder,
  jitteredRetryMs,
  leaderElectionJitterFactor,
  leaseExpiresAtMs,
  planFastRenew,
  planRelease,
  recordWriteSucceeded,
  shouldStopLeading,
  validateLeaderElectionConfig,
  type LeaderElectionConfig,
  type LeaderElectionDecision,
  type LeaderElectionWrite,
  type LeaseRead,
  type LeaseSpec,
  type ObservedLease,
} from "./leader-election-core.js";
