// Short leases with keys attached: granted (with ids the harness picks, so a grant with an unknown
// outcome still names its keys), some kept alive for a while, then left to expire. Their keys
// must vanish after the TTL, never before, on every member at the same revision.
import type { LeaseKeeper, StoreClient } from "../../store/client/index.js";
import type { LeaseRecord } from "./history.js";
import { outcomeOf } from "./history.js";
import type { WorkloadContext } from "./workload.js";
import { newClient, noteError, pause } from "./workload.js";

export function leasePrefix(context: { prefix: string }): string {
  return `${context.prefix}lease/`;
}

/** Lease ids of one run: a random base (so reruns on one data dir never collide) plus a counter, below 2^53. */
export function leaseIdBase(context: WorkloadContext): number {
  return (1 + context.random.int(1 << 20)) * 2 ** 24;
}

export async function runLeases(context: WorkloadContext, records: LeaseRecord[], idBase: number): Promise<void> {
  const client = newClient(context);
  const random = context.random.fork();
  const keepers: Promise<void>[] = [];
  try {
    for (let n = 1; !context.signal.aborted; n += 1) {
      const id = String(idBase + n);
      const record: LeaseRecord = {
        id,
        ttlSeconds: random.between(2, 3),
        grantCallMs: context.clock.now(),
        grantOutcome: "unknown",
        keys: [0, 1].map((i) => `${leasePrefix(context)}${id}/${i}`),
        keptAlive: false,
      };
      records.push(record);
      await grantAndAttach(context, client, record);
      if (record.grantOutcome === "ok" && random.chance(0.3)) keepers.push(keepFor(context, client, record, random.between(1_000, 3_000)));
      await pause(random.between(600, 1_400), context.signal);
    }
    await Promise.all(keepers);
  } finally {
    client.close();
  }
}

async function grantAndAttach(context: WorkloadContext, client: StoreClient, record: LeaseRecord): Promise<void> {
  try {
    const granted = await client.leaseGrant(record.ttlSeconds, record.id);
    record.grantOutcome = "ok";
    record.grantedTtlSeconds = granted.ttlSeconds;
  } catch (error) {
    record.error = noteError(context, "lease grant", error);
    record.grantOutcome = outcomeOf(error, true);
    // Unknown: the lease may exist; its keys are not attached (they would need it for sure).
    return;
  }
  try {
    const result = await client.txn({ success: record.keys.map((key) => ({ put: { key, value: record.id, lease: record.id } })) });
    record.keysOutcome = "ok";
    record.keysRevision = result.header.revision;
  } catch (error) {
    // The lease may have expired already (a slow answer): etcd refuses the put then. Not unexpected.
    record.error = noteError(context, "lease keys", error);
    record.keysOutcome = outcomeOf(error, true);
  }
}

/** Renews the lease for `forMs`, then lets it go. */
async function keepFor(context: WorkloadContext, client: StoreClient, record: LeaseRecord, forMs: number): Promise<void> {
  record.keptAlive = true;
  let keeper: LeaseKeeper;
  try {
    keeper = client.keepLease(record.id, record.grantedTtlSeconds ?? record.ttlSeconds);
  } catch (error) {
    record.error = noteError(context, "lease keeper", error);
    return;
  }
  await Promise.race([pause(forMs, context.signal), keeper.lost]);
  keeper.stop();
  record.keepaliveStoppedMs = context.clock.now();
  if (keeper.renewals > 0) {
    // expiresAtMs = when the last successful renewal was sent + TTL (wall clock).
    record.lastRenewalSentMs = context.clock.fromWall(keeper.expiresAtMs) - keeper.ttlSeconds * 1_000;
  }
}
