// Registers: a few keys under contention, each client doing puts, linearizable gets and
// compare-and-swaps (txn: VALUE equal, or VERSION 0 for "absent"). Every value written is unique
// in the run, so the history can be checked per key and a read names the write it saw.
import type { Compare, StoreClient } from "../../store/client/index.js";
import { OutcomeUnknownError } from "../../store/client/index.js";
import type { RegisterOp } from "./history.js";
import { outcomeOf, text } from "./history.js";
import type { WorkloadContext } from "./workload.js";
import { newClient, noteError, pause } from "./workload.js";

export interface RegisterWorkloadOptions {
  readonly clients: number;
  readonly keys: number;
}

export function registerKey(context: WorkloadContext, index: number): string {
  return `${context.prefix}reg/${index}`;
}

export async function runRegisters(context: WorkloadContext, options: RegisterWorkloadOptions, ops: RegisterOp[]): Promise<void> {
  await Promise.all(Array.from({ length: options.clients }, (_, c) => runClient(context, options, c, ops)));
}

async function runClient(context: WorkloadContext, options: RegisterWorkloadOptions, clientId: number, ops: RegisterOp[]): Promise<void> {
  const client = newClient(context);
  const random = context.random.fork();
  /** The last value this client saw per key: what its next compare-and-swap expects. */
  const seen = new Map<string, string | null>();
  try {
    for (let seq = 0; !context.signal.aborted; seq += 1) {
      const key = registerKey(context, random.int(options.keys));
      const roll = random.float();
      const value = `c${clientId}.${seq}`;
      if (roll < 0.4) await get(context, client, clientId, key, ops, seen);
      else if (roll < 0.7) await put(context, client, clientId, key, value, ops);
      else await cas(context, client, clientId, key, seen.get(key) ?? null, value, ops);
      await pause(random.int(8), context.signal);
    }
  } finally {
    client.close();
  }
}

async function get(context: WorkloadContext, client: StoreClient, clientId: number, key: string, ops: RegisterOp[], seen: Map<string, string | null>): Promise<void> {
  const op: RegisterOp = { client: clientId, kind: "get", key, callMs: context.clock.now(), outcome: "failed" };
  ops.push(op);
  try {
    const result = await client.range({ key, serializable: context.bugs.has("stale-reads") });
    op.returnMs = context.clock.now();
    const kv = result.kvs[0];
    op.outcome = "ok";
    op.readValue = kv === undefined ? null : text(kv.value);
    op.readModRevision = kv?.modRevision ?? 0;
    op.revision = result.header.revision;
    seen.set(key, op.readValue);
  } catch (error) {
    op.returnMs = context.clock.now();
    op.error = noteError(context, "register get", error);
  }
}

async function put(context: WorkloadContext, client: StoreClient, clientId: number, key: string, value: string, ops: RegisterOp[]): Promise<void> {
  const op: RegisterOp = { client: clientId, kind: "put", key, value, callMs: context.clock.now(), outcome: "unknown" };
  ops.push(op);
  try {
    const result = await client.put({ key, value });
    op.returnMs = context.clock.now();
    op.outcome = "ok";
    op.revision = result.header.revision;
  } catch (error) {
    settleFailedWrite(context, op, error, "register put");
  }
}

async function cas(
  context: WorkloadContext,
  client: StoreClient,
  clientId: number,
  key: string,
  expected: string | null,
  value: string,
  ops: RegisterOp[],
): Promise<void> {
  const op: RegisterOp = { client: clientId, kind: "cas", key, value, expected, callMs: context.clock.now(), outcome: "unknown" };
  ops.push(op);
  const compare: Compare = expected === null ? { key, target: "VERSION", result: "EQUAL", version: 0 } : { key, target: "VALUE", result: "EQUAL", value: expected };
  try {
    const result = await client.txn({ compare: [compare], success: [{ put: { key, value } }] });
    op.returnMs = context.clock.now();
    op.outcome = "ok";
    op.succeeded = result.succeeded;
    op.revision = result.header.revision;
  } catch (error) {
    settleFailedWrite(context, op, error, "register cas");
  }
}

function settleFailedWrite(context: WorkloadContext, op: RegisterOp, error: unknown, where: string): void {
  op.error = noteError(context, where, error);
  op.outcome = outcomeOf(error, true);
  if (op.outcome === "failed") op.returnMs = context.clock.now();
  if (context.bugs.has("ack-unknown") && error instanceof OutcomeUnknownError) {
    // Seeded bug: take "maybe" for "yes".
    op.outcome = "ok";
    op.returnMs = context.clock.now();
    if (op.kind === "cas") op.succeeded = true;
  }
}
