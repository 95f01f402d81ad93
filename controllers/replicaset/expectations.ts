// client-go's ControllerExpectations + UIDTrackingControllerExpectations: after asking for N
// creations (or the deletion of named pods) a controller does not act on that owner again until
// the informer has shown it every one of them, or the expectations have expired. A stale cache
// then never makes it create twice or delete twice.
//
// Time is injected (monotonic ms) so tests drive it.

/** ExpectationsTimeout in client-go: expectations older than this are ignored. */
export const expectationsTimeoutMs = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  setAtMs: number;
  /** Keys of pods whose deletion is awaited: each lowers `del` once only. */
  readonly deleting: Set<string>;
}

export class ControllerExpectations {
  private readonly expectations = new Map<string, Expectation>();

  constructor(
    private readonly nowMs: () => number,
    private readonly timeoutMs = expectationsTimeoutMs,
  ) {}

  /** True when the owner may act: nothing outstanding, or the expectation has expired. */
  satisfied(ownerKey: string): boolean {
    const expectation = this.expectations.get(ownerKey);
    if (expectation === undefined) return true;
    if (expectation.add <= 0 && expectation.del <= 0) return true;
    return this.nowMs() - expectation.setAtMs > this.timeoutMs;
  }

  expectCreations(ownerKey: string, count: number): void {
    this.expectations.set(ownerKey, { add: count, del: 0, setAtMs: this.nowMs(), deleting: new Set() });
  }

  expectDeletions(ownerKey: string, podKeys: readonly string[]): void {
    this.expectations.set(ownerKey, { add: 0, del: podKeys.length, setAtMs: this.nowMs(), deleting: new Set(podKeys) });
  }

  creationObserved(ownerKey: string): void {
    const expectation = this.expectations.get(ownerKey);
    if (expectation !== undefined) expectation.add -= 1;
  }

  /** A pod's deletion was seen (or will never be): counted once per pod key. */
  deletionObserved(ownerKey: string, podKey: string): void {
    const expectation = this.expectations.get(ownerKey);
    if (expectation === undefined || !expectation.deleting.delete(podKey)) return;
    expectation.del -= 1;
  }

  delete(ownerKey: string): void {
    this.expectations.delete(ownerKey);
  }

  /** For tests and logs. */
  pending(ownerKey: string): { add: number; del: number } | undefined {
    const expectation = this.expectations.get(ownerKey);
    return expectation === undefined ? undefined : { add: expectation.add, del: expectation.del };
  }
}
