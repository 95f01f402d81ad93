// Watchers on the run's prefix, through StoreClient.watch (which resumes on another member, or
// the same one when it is pinned, after every failure). They record every batch they are given;
// the checks compare them with each other and with what the workloads know was written.
import type { StoreClient, Watch } from "../../store/client/index.js";
import { prefixRangeEnd, WatchCompactedError } from "../../store/client/index.js";
import type { WatcherRecord } from "./history.js";
import { errorText, eventRecord } from "./history.js";
import type { WorkloadContext } from "./workload.js";
import { newClient } from "./workload.js";

export class RecordingWatcher {
  readonly record: WatcherRecord & { firstRevision: number; gaps: [number, number][] };
  private readonly client: StoreClient;
  private watch: Watch | undefined;
  private readonly watches: Watch[] = [];
  private closed = false;

  constructor(
    private readonly context: WorkloadContext,
    name: string,
    endpoints: readonly string[],
    pinnedTo?: string,
  ) {
    this.client = newClient(context, endpoints);
    this.record = { name, segments: [], batches: [], reconnects: 0, errors: [], firstRevision: 0, gaps: [], ...(pinnedTo === undefined ? {} : { pinnedTo }) };
  }

  /** Starts watching from `startRevision` (0: from now); resolves once the store accepted it. */
  async start(startRevision: number): Promise<void> {
    const created = await this.open(startRevision);
    this.record.firstRevision = startRevision > 0 ? startRevision : created + 1;
  }

  /** The revision the next event must have: everything before it was delivered (or lies in a gap). */
  get nextRevision(): number {
    return this.watch?.nextRevision ?? 0;
  }

  get lastDeliveredRevision(): number {
    return this.record.batches[this.record.batches.length - 1]?.revision ?? 0;
  }

  close(): void {
    this.closed = true;
    this.watch?.close();
    this.record.reconnects = this.watches.reduce((sum, w) => sum + w.reconnects, 0);
    this.client.close();
  }

  private async open(startRevision: number): Promise<number> {
    const prefix = this.context.prefix;
    const segment: { startRevision: number; endedBy?: string } = { startRevision };
    this.record.segments.push(segment);
    const watch = this.client.watch(
      { key: prefix, rangeEnd: prefixRangeEnd(prefix), startRevision },
      {
        events: ({ revision, events }) => {
          this.record.batches.push({ revision, receivedMs: this.context.clock.now(), events: events.map(eventRecord) });
        },
      },
    );
    this.watch = watch;
    this.watches.push(watch);
    watch.done.then(
      () => undefined,
      (error: unknown) => this.ended(watch, segment, error),
    );
    return watch.created;
  }

  private ended(watch: Watch, segment: { endedBy?: string }, error: unknown): void {
    if (this.closed) return;
    segment.endedBy = errorText(error);
    const next = watch.nextRevision;
    if (error instanceof WatchCompactedError) {
      // As etcd: history before the compact revision is gone, and a deletion at it too (no
      // tombstone survives a compaction). Go on after it, and say so.
      this.record.gaps.push([next, error.compactRevision]);
      void this.open(error.compactRevision + 1).catch(() => undefined);
      return;
    }
    // The client gives up only on what it takes for a final answer: a finding, but keep watching.
    this.record.errors.push(errorText(error));
    this.context.unexpected(`watch ${this.record.name}`, error);
    void this.open(next).catch(() => undefined);
  }
}
