// An append-only set: writers put keys no one ever writes again. At the end every acknowledged key
// must be there with its value and revision, and no key may be there that was never written or
// whose write was certainly refused.
import { OutcomeUnknownError } from "../../store/client/index.js";
import type { SetOp } from "./history.js";
import { outcomeOf } from "./history.js";
import type { WorkloadContext } from "./workload.js";
import { newClient, noteError, pause } from "./workload.js";

export function setPrefix(context: { prefix: string }): string {
  return `${context.prefix}set/`;
}

export async function runAppendSet(context: WorkloadContext, writers: number, ops: SetOp[]): Promise<void> {
  await Promise.all(Array.from({ length: writers }, (_, w) => runWriter(context, w, ops)));
}

async function runWriter(context: WorkloadContext, writer: number, ops: SetOp[]): Promise<void> {
  const client = newClient(context);
  const random = context.random.fork();
  try {
    for (let n = 0; !context.signal.aborted; n += 1) {
      const key = `${setPrefix(context)}w${writer}-${String(n).padStart(6, "0")}`;
      const op: SetOp = { writer, key, value: `v${writer}.${n}`, callMs: context.clock.now(), outcome: "unknown" };
      ops.push(op);
      try {
        const result = await client.put({ key, value: op.value });
        op.returnMs = context.clock.now();
        op.outcome = "ok";
        op.revision = result.header.revision;
      } catch (error) {
        op.error = noteError(context, "set put", error);
        op.outcome = outcomeOf(error, true);
        if (op.outcome === "failed") op.returnMs = context.clock.now();
        if (context.bugs.has("ack-unknown") && error instanceof OutcomeUnknownError) {
          op.outcome = "ok";
          op.returnMs = context.clock.now();
        }
      }
      await pause(random.int(10), context.signal);
    }
  } finally {
    client.close();
  }
}
