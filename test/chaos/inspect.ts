// Reading each member's own state after healing: its revision and applied index, its whole
// key-value state (serializable reads, so each member answers from its own copy), its compact
// revision, and its history (a fresh watch pinned to it).
import { createHash } from "node:crypto";
import type { StoreClient } from "../../store/client/index.js";
import { fromKeyRangeEnd, prefixRangeEnd, StoreError } from "../../store/client/index.js";
import type { ChaosCluster, ChaosMember } from "./cluster.js";
import { sleep, withTimeout } from "./cluster.js";
import type { BatchRecord, EventRecord } from "./history.js";
import { eventRecord, kvRecord } from "./history.js";

export type KvState = Map<string, Omit<EventRecord, "type">>;

export interface MemberSnapshot {
  readonly member: string;
  readonly revision: number;
  readonly appliedIndex: number;
  /** The oldest revision it can still read (its compact revision, or 1 when none). */
  readonly compactRevision: number;
  readonly state: KvState;
  readonly hash: string;
}

/** Every key of a member, from its own copy. */
export async function readState(client: StoreClient): Promise<{ revision: number; state: KvState }> {
  const result = await client.range({ key: new Uint8Array([0]), rangeEnd: fromKeyRangeEnd, serializable: true });
  const state: KvState = new Map();
  for (const kv of result.kvs) {
    const record = kvRecord(kv);
    state.set(record.key, record);
  }
  return { revision: result.header.revision, state };
}

export function stateHash(state: KvState): string {
  const hash = createHash("sha256");
  for (const key of [...state.keys()].sort()) hash.update(JSON.stringify(state.get(key)));
  return hash.digest("hex").slice(0, 16);
}

/** The smallest revision a serializable read at that revision is not refused as compacted. */
export async function compactRevisionOf(client: StoreClient, key: string, currentRevision: number): Promise<number> {
  let lo = 1;
  let hi = Math.max(1, currentRevision);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    try {
      await client.range({ key, revision: mid, serializable: true });
      hi = mid;
    } catch (error) {
      if (!(error instanceof StoreError && error.isCompacted)) throw error;
      lo = mid + 1;
    }
  }
  return lo;
}

/**
 * Waits until every member reports the same revision and applied index, then takes each one's
 * snapshot; retries if anything moved meanwhile (an automatic compaction, say).
 */
export async function convergedSnapshots(cluster: ChaosCluster, probeKey: string, timeoutMs: number): Promise<MemberSnapshot[] | string> {
  const deadline = Date.now() + timeoutMs;
  let last = "no status yet";
  while (Date.now() < deadline) {
    const statuses = await cluster.statuses(2_000);
    const values = [...statuses.values()];
    const described = [...statuses].map(([name, s]) => `${name}: ${s === undefined ? "no answer" : `revision ${s.header.revision}, applied ${s.raftAppliedIndex}`}`).join("; ");
    last = described;
    const first = values[0];
    const agreed = first !== undefined && values.every((s) => s !== undefined && s.header.revision === first.header.revision && s.raftAppliedIndex === first.raftAppliedIndex);
    if (!agreed) {
      await sleep(100);
      continue;
    }
    try {
      const snapshots = await Promise.all(cluster.members.map((m) => snapshot(cluster, m, probeKey)));
      const again = await cluster.statuses(2_000);
      const unchanged = [...again.values()].every((s) => s !== undefined && s.header.revision === first.header.revision && s.raftAppliedIndex === first.raftAppliedIndex);
      if (unchanged) return snapshots;
    } catch (error) {
      last = `${described}; ${String(error)}`;
    }
    await sleep(100);
  }
  return `members did not converge within ${timeoutMs} ms: ${last}`;
}

async function snapshot(cluster: ChaosCluster, member: ChaosMember, probeKey: string): Promise<MemberSnapshot> {
  const client = cluster.clientOf(member);
  const status = await client.status(member.clientUrl);
  const { revision, state } = await readState(client);
  const compactRevision = await compactRevisionOf(client, probeKey, revision);
  return { member: member.name, revision, appliedIndex: status.raftAppliedIndex, compactRevision, state, hash: stateHash(state) };
}

/** A member's history under `prefix` over [from, to], through a watch pinned to it. */
export async function fetchHistory(client: StoreClient, prefix: string, from: number, to: number, timeoutMs: number): Promise<BatchRecord[]> {
  const batches: BatchRecord[] = [];
  let finish: (() => void) | undefined;
  const reached = new Promise<void>((resolve) => (finish = resolve));
  const watch = client.watch(
    { key: prefix, rangeEnd: prefixRangeEnd(prefix), startRevision: from },
    {
      events: ({ revision, events }) => {
        if (revision <= to) batches.push({ revision, receivedMs: 0, events: events.map(eventRecord) });
        if (revision >= to) finish?.();
      },
    },
  );
  try {
    await withTimeout(Promise.race([reached, watch.done]), timeoutMs);
  } finally {
    watch.close();
  }
  return batches;
}
