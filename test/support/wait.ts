// Waiting for a condition in process tests: poll, never sleep for a fixed time "to let it settle".
// Timeouts are generous because CI runs two test files at once on two cores, each with a dozen
// processes; a passing condition returns at once.

/** Polls `check` until it is true; on timeout, throws naming `what` and any `context`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, context: () => string = () => ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls `probe` until it returns a value (a throw counts as "not yet"); returns that value. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? "" : ` (last error: ${(lastError as Error).message})`;
      throw new Error(`timed out waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
