// Waiting for objects to go away (delete --wait, drain), as kubectl does: polling, with an
// optional Go-duration timeout (0: wait for ever).
import { isNotFound, parseDurationMs } from "../client/index.js";
import { CliError } from "./cli-error.js";
import { quotedReference, type ObjectReference } from "./object-references.js";
import type { Session } from "./session.js";

const pollIntervalMs = 500;

/** Resolves after `ms`, or at once when the session's signal aborts. */
export function pause(session: Session, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const signal = session.io.signal;
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Deadline in ms since the epoch for a --timeout flag; undefined means none. */
export function deadlineOf(session: Session, timeout: string | undefined): number | undefined {
  const ms = timeout === undefined ? 0 : parseDurationMs(timeout, "--timeout");
  return ms === 0 ? undefined : session.io.now() + ms;
}

export async function waitUntilGone(session: Session, references: readonly ObjectReference[], timeout: string | undefined): Promise<void> {
  const deadline = deadlineOf(session, timeout);
  for (const reference of references) {
    for (;;) {
      try {
        await session.client.get(reference.type, reference.name, reference.namespace);
      } catch (error) {
        if (isNotFound(error)) break;
        throw error;
      }
      if (session.io.signal?.aborted === true) return;
      if (deadline !== undefined && session.io.now() >= deadline) throw new CliError(`timed out waiting for the condition on ${quotedReference(reference)}`);
      await pause(session, pollIntervalMs);
    }
  }
}
