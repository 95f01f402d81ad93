import assert from "node:assert/strict";

/**
 * How the leader replicates to one follower (etcd's three states):
 * - probe: one append in flight at a time until the follower's match is found;
 * - replicate: appends pipelined optimistically, at most `inflightMessagesMax` unacknowledged;
 * - snapshot: a snapshot is on its way; nothing else is sent until it lands or fails.
 */
export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** In probe: an append is in flight, wait for its answer (or a heartbeat answer) before the next. */
  probeSent = false;
  /** In snapshot: the index of the snapshot sent, and the tick it was sent at. */
  pendingSnapshot = 0;
  pendingSnapshotTick = 0;
  /** Heard from since the last check-quorum round (Raft thesis §6.2). */
  recentActive = false;
  /** Last index of each unacknowledged append, oldest first (replicate state). */
  private inflight: number[] = [];

  constructor(
    next: number,
    private readonly inflightMessagesMax: number,
  ) {
    this.next = next;
  }

  becomeProbe(): void {
    // After a snapshot the follower holds at least its index.
    if (this.state === "snapshot") {
      const pending = this.pendingSnapshot;
      this.reset("probe");
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.reset("probe");
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.reset("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(index: number, tick: number): void {
    this.reset("snapshot");
    this.pendingSnapshot = index;
    this.pendingSnapshotTick = tick;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflight = [];
  }

  /** An append acknowledged up to `index`. Returns whether it was news. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * An append of prevLogIndex `rejected` was refused; `matchHint` is the highest index the
   * follower might share with us. Returns false for a stale refusal.
   */
  maybeDecreaseTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** An append carrying entries up to `lastIndex` was sent. */
  sentEntries(lastIndex: number, count: number): void {
    if (this.state === "replicate") {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflight.push(lastIndex);
        assert.ok(this.inflight.length <= this.inflightMessagesMax);
      }
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
  }

  /** Acknowledgement up to `index` frees the appends it covers. */
  freeInflightUpTo(index: number): void {
    let drop = 0;
    while (drop < this.inflight.length && (this.inflight[drop] ?? Infinity) <= index) drop += 1;
    if (drop > 0) this.inflight = this.inflight.slice(drop);
  }

  /** Lets one more append out when every slot is taken and acknowledgements may have been lost. */
  freeFirstInflight(): void {
    this.inflight.shift();
  }

  inflightFull(): boolean {
    return this.inflight.length >= this.inflightMessagesMax;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflightFull();
      case "snapshot":
        return true;
    }
  }
}
