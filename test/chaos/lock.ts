// A lease-based lock, as etcd's concurrency.Mutex builds one: the holder key is put with the
// holder's lease only if it does not exist (CREATE revision 0), and its create revision is the
// holder's fencing token. Every write under the lock is a txn guarded by "the holder key's create
// revision is still my token", so a holder whose lease expired (it was paused, partitioned, its
// keep-alives lost) cannot write any more: someone else holds the key, or no one does.
//
// Holders sometimes stall on purpose (stop renewing, sleep past the TTL, then try to write), as a
// process paused by GC would. The check (checks-lock.ts) replays the watch history: at every
// resource write, the holder key must exist, be the writer's, and carry the writer's token.
import type { LeaseKeeper, StoreClient } from "../../store/client/index.js";
import type { LockStep } from "./history.js";
import { outcomeOf, text } from "./history.js";
import type { WorkloadContext } from "./workload.js";
import { newClient, noteError, pause } from "./workload.js";

export function lockKeys(context: { prefix: string }): { holder: string; resource: string } {
  return { holder: `${context.prefix}lock/holder`, resource: `${context.prefix}lock/resource` };
}

export async function runLockers(context: WorkloadContext, lockers: number, steps: LockStep[], leaseIdBase: number): Promise<void> {
  await Promise.all(Array.from({ length: lockers }, (_, l) => runLocker(context, l, steps, leaseIdBase + 1_000_000 * (l + 1))));
}

async function runLocker(context: WorkloadContext, locker: number, steps: LockStep[], idBase: number): Promise<void> {
  const client = newClient(context);
  const random = context.random.fork();
  try {
    for (let round = 1; !context.signal.aborted; round += 1) {
      const leaseId = String(idBase + round);
      let keeper: LeaseKeeper;
      try {
        const granted = await client.leaseGrant(2, leaseId);
        keeper = client.keepLease(leaseId, granted.ttlSeconds);
      } catch {
        await pause(100, context.signal);
        continue;
      }
      let lost = false;
      void keeper.lost.then(() => (lost = true));
      const token = await acquire(context, client, locker, leaseId, steps, random, () => lost);
      if (token !== undefined) await hold(context, client, locker, token, keeper, steps, random, () => lost);
      keeper.stop();
      await client.leaseRevoke(leaseId).catch(() => undefined);
      await pause(random.int(100), context.signal);
    }
  } finally {
    client.close();
  }
}

/** Takes the lock; resolves with the token, or undefined if the lease was lost or the run ended first. */
async function acquire(
  context: WorkloadContext,
  client: StoreClient,
  locker: number,
  leaseId: string,
  steps: LockStep[],
  random: WorkloadContext["random"],
  lost: () => boolean,
): Promise<number | undefined> {
  const { holder } = lockKeys(context);
  const me = `locker${locker}:${leaseId}`;
  while (!context.signal.aborted && !lost()) {
    const step: LockStep = { locker, kind: "acquire", callMs: context.clock.now(), outcome: "unknown" };
    steps.push(step);
    try {
      const result = await client.txn({
        compare: [{ key: holder, target: "CREATE", result: "EQUAL", createRevision: 0 }],
        success: [{ put: { key: holder, value: me, lease: leaseId } }],
        failure: [{ range: { key: holder } }],
      });
      step.returnMs = context.clock.now();
      step.outcome = "ok";
      step.succeeded = result.succeeded;
      step.revision = result.header.revision;
      if (result.succeeded) {
        step.token = result.header.revision;
        return step.token;
      }
    } catch (error) {
      step.error = noteError(context, "lock acquire", error);
      step.outcome = outcomeOf(error, true);
      if (step.outcome === "unknown") return readBack(context, client, locker, me, steps);
    }
    await pause(random.between(20, 100), context.signal);
  }
  return undefined;
}

/** After an acquire with an unknown outcome: do we hold it? The holder key says. */
async function readBack(context: WorkloadContext, client: StoreClient, locker: number, me: string, steps: LockStep[]): Promise<number | undefined> {
  const { holder } = lockKeys(context);
  const step: LockStep = { locker, kind: "read-back", callMs: context.clock.now(), outcome: "failed" };
  steps.push(step);
  try {
    const kv = await client.get(holder);
    step.returnMs = context.clock.now();
    step.outcome = "ok";
    if (kv !== undefined && text(kv.value) === me) {
      step.token = kv.createRevision;
      return step.token;
    }
  } catch (error) {
    step.error = noteError(context, "lock read-back", error);
  }
  return undefined;
}

async function hold(
  context: WorkloadContext,
  client: StoreClient,
  locker: number,
  token: number,
  keeper: LeaseKeeper,
  steps: LockStep[],
  random: WorkloadContext["random"],
  lost: () => boolean,
): Promise<void> {
  const { holder, resource } = lockKeys(context);
  const writes = random.between(1, 5);
  for (let n = 0; n < writes && !context.signal.aborted; n += 1) {
    if (random.chance(0.15)) {
      // Stall as a GC pause would: the lease runs out meanwhile, then try to write anyway.
      keeper.stop();
      await pause(keeper.ttlSeconds * 1_000 + random.between(200, 1_000), context.signal);
    }
    const afterLoss = lost();
    const value = `locker${locker}:${token}:${n}`;
    const step: LockStep = { locker, kind: "write", token, value, afterLoss, callMs: context.clock.now(), outcome: "unknown" };
    steps.push(step);
    try {
      const fenced = !context.bugs.has("unfenced-lock");
      const result = await client.txn({
        compare: fenced ? [{ key: holder, target: "CREATE", result: "EQUAL", createRevision: token }] : [],
        success: [{ put: { key: resource, value } }],
      });
      step.returnMs = context.clock.now();
      step.outcome = "ok";
      step.succeeded = result.succeeded;
      step.revision = result.header.revision;
      if (!result.succeeded) return; // not the holder any more
    } catch (error) {
      step.error = noteError(context, "lock write", error);
      step.outcome = outcomeOf(error, true);
      if (step.outcome === "failed") step.returnMs = context.clock.now();
    }
    await pause(random.between(20, 200), context.signal);
  }
  const step: LockStep = { locker, kind: "release", token, callMs: context.clock.now(), outcome: "unknown" };
  steps.push(step);
  try {
    const result = await client.txn({
      compare: [{ key: holder, target: "CREATE", result: "EQUAL", createRevision: token }],
      success: [{ deleteRange: { key: holder } }],
    });
    step.returnMs = context.clock.now();
    step.outcome = "ok";
    step.succeeded = result.succeeded;
    step.revision = result.header.revision;
  } catch (error) {
    step.error = noteError(context, "lock release", error);
    step.outcome = outcomeOf(error, true);
  }
}
