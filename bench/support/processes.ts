// Every process the bench starts is registered here, so that a failure, Ctrl-C or SIGTERM never
// leaves a store member or an etcd running: the bench kills exactly the children it spawned.
import type { ChildProcess } from "node:child_process";

const children = new Set<ChildProcess>();
const cleanups = new Set<() => void>();

/** Registers a child; it leaves the registry when it exits. */
export function track(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
}

/** A synchronous clean-up step (e.g. removing a temporary data dir) for an abnormal exit. */
export function onAbnormalExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** SIGKILLs every registered child that is still running (synchronous: safe in an exit handler). */
export function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

function runCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // best effort: the process is exiting anyway
    }
  }
  cleanups.clear();
}

/** Kills the children on SIGINT/SIGTERM (then exits 130/143) and, as a last resort, on exit. */
export function installExitHandlers(): void {
  const onSignal = (signal: NodeJS.Signals, code: number) => () => {
    process.stderr.write(`\n${signal}: killing the ${children.size} process(es) the bench started\n`);
    killAllChildren();
    runCleanups();
    process.exit(code);
  };
  process.once("SIGINT", onSignal("SIGINT", 130));
  process.once("SIGTERM", onSignal("SIGTERM", 143));
  process.once("exit", () => {
    killAllChildren();
    runCleanups();
  });
}
