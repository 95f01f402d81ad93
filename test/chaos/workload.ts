// What every workload needs: the clock, the endpoints, a stop signal, seeded choices, and a place
// to report errors chaos should not cause.
import { StoreClient } from "../../store/client/index.js";
import type { Prng } from "../../store/sim/index.js";
import type { Clock } from "./history.js";
import { errorText, isUnexpected } from "./history.js";

/** Harness-side bugs that show the checks catch what they exist to catch (`--bug`). */
export const seededBugs = {
  /** Register reads are served by whichever member is asked, without ReadIndex (serializable). */
  "stale-reads": "register gets are serializable reads on any member (no ReadIndex)",
  /** A write whose outcome is unknown is recorded as acknowledged. */
  "ack-unknown": "writes with an unknown outcome are recorded as acknowledged",
  /** Lock holders keep writing after their lease is lost, without the fencing compare. */
  "unfenced-lock": "lock holders write without the fencing compare",
} as const;
export type SeededBug = keyof typeof seededBugs;

export interface WorkloadContext {
  readonly clock: Clock;
  readonly endpoints: readonly string[];
  readonly signal: AbortSignal;
  readonly random: Prng;
  readonly bugs: ReadonlySet<SeededBug>;
  /** Keys of the run live under this prefix (it ends with "/"). */
  readonly prefix: string;
  unexpected(where: string, error: unknown): void;
}

/** Attempts are short so a paused member costs little; a call gives up after two of them. */
export const clientRequestTimeoutMs = 3_000;
export const clientDeadlineMs = 6_000;

export function newClient(context: WorkloadContext, endpoints: readonly string[] = context.endpoints): StoreClient {
  return new StoreClient({ endpoints: [...endpoints], requestTimeoutMs: clientRequestTimeoutMs, deadlineMs: clientDeadlineMs });
}

export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Records an error as unexpected when it is not one that chaos explains. */
export function noteError(context: WorkloadContext, where: string, error: unknown): string {
  if (isUnexpected(error)) context.unexpected(where, error);
  return errorText(error);
}
