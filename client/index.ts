// client — the Kubernetes-side client every control loop shares: REST client, informer,
// work queue, leader election. (Issue 7: the work queue, its rate limiters and the pure
// leader-election decisions exist; the REST client, informer and the shells come next.)
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
