import type { NodeId } from "./types.js";

interface PendingRead {
  readonly context: string;
  /** The leader's commit index when the request arrived: the read is served once this is applied. */
  readonly index: number;
  /** Who asked: the leader itself, or the follower that forwarded it. */
  readonly from: NodeId;
  readonly acks: Set<NodeId>;
}

/**
 * ReadIndex requests waiting for a heartbeat round to confirm leadership (Raft thesis §6.4).
 * An acknowledgement of a later request also confirms every earlier one.
 */
export class ReadOnlyQueue {
  private readonly pending = new Map<string, PendingRead>();
  private order: string[] = [];

  constructor(private readonly pendingMax: number) {}

  /** Queues a request; false if its context is already queued or the queue is full. */
  add(context: string, index: number, from: NodeId): boolean {
    if (this.pending.has(context) || this.order.length >= this.pendingMax) return false;
    this.pending.set(context, { context, index, from, acks: new Set() });
    this.order.push(context);
    return true;
  }

  /** Records that `from` confirmed leadership for `context`; returns the number of confirmations. */
  ack(context: string, from: NodeId): number {
    const read = this.pending.get(context);
    if (read === undefined) return 0;
    read.acks.add(from);
    return read.acks.size;
  }

  /** Releases `context` and every request queued before it. */
  releaseThrough(context: string): PendingRead[] {
    const at = this.order.indexOf(context);
    if (at < 0) return [];
    const released = this.order.slice(0, at + 1).map((c) => {
      const read = this.pending.get(c);
      this.pending.delete(c);
      return read;
    });
    this.order = this.order.slice(at + 1);
    return released.filter((r): r is PendingRead => r !== undefined);
  }

  lastContext(): string {
    return this.order[this.order.length - 1] ?? "";
  }

  size(): number {
    return this.order.length;
  }

  clear(): void {
    this.pending.clear();
    this.order = [];
  }
}
