// The decision half of the event recorder, as client-go's EventCorrelator (tools/record
// events_cache.go): pure, with the time passed in.
//
// - Aggregation: once 10 events that differ only in their message (same source, object, type,
//   reason) are seen within 10 minutes, further ones become one Event whose message reads
//   "(combined from similar events): <latest message>" and whose count grows.
// - Counting: a repeat of an Event already recorded patches its count and lastTimestamp instead
//   of writing a new one.
// - Spam filter: a source may write 25 events about one object at once, then one every 5 minutes
//   (a token bucket per source + object); the rest are skipped. A ReplicaSet creating 1,000 pods
//   therefore records 25 events, not 1,000, as in Kubernetes.

/** What the correlator needs of an event. */
export interface CorrelatedEvent {
  readonly component: string;
  readonly host: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly apiVersion: string;
  readonly fieldPath: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

export type CorrelationDecision =
  /** Write a new Event (named `name`) with this message; `key` identifies it for later repeats. */
  | { readonly action: "create"; readonly key: string; readonly name: string; readonly message: string; readonly count: 1; readonly firstTimestampMs: number }
  /** Patch the Event written under `key` (named `name`) to this count and message. */
  | { readonly action: "patch"; readonly key: string; readonly name: string; readonly message: string; readonly count: number; readonly firstTimestampMs: number }
  /** Write nothing (the spam filter's budget for this source + object is spent). */
  | { readonly action: "skip" };

export interface EventCorrelatorOptions {
  /** Entries each cache keeps (client-go: 4096). */
  readonly cacheSize?: number;
  /** Similar events within the interval before they are combined (client-go: 10). */
  readonly aggregateMaxEvents?: number;
  readonly aggregateIntervalMs?: number;
  /** The spam filter's bucket: burst (25) and refill per second (1/300). */
  readonly spamBurst?: number;
  readonly spamQps?: number;
}

interface AggregateRecord {
  readonly messages: Set<string>;
  lastMs: number;
}

interface Observation {
  readonly name: string;
  count: number;
  readonly firstTimestampMs: number;
}

interface Bucket {
  tokens: number;
  lastMs: number;
}

/** A Map used as a least-recently-used cache of at most `max` entries. */
class Lru<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

export const aggregatedMessagePrefix = "(combined from similar events): ";

export class EventCorrelator {
  private readonly aggregates: Lru<AggregateRecord>;
  private readonly observations: Lru<Observation>;
  private readonly buckets: Lru<Bucket>;
  private readonly maxEvents: number;
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly qps: number;

  constructor(options: EventCorrelatorOptions = {}) {
    const size = options.cacheSize ?? 4096;
    this.aggregates = new Lru(size);
    this.observations = new Lru(size);
    this.buckets = new Lru(size);
    this.maxEvents = options.aggregateMaxEvents ?? 10;
    this.intervalMs = options.aggregateIntervalMs ?? 600_000;
    this.burst = options.spamBurst ?? 25;
    this.qps = options.spamQps ?? 1 / 300;
  }

  /** Decides what to write for `event`, seen at `nowMs`; `newName` names an Event if one is created. */
  correlate(event: CorrelatedEvent, nowMs: number, newName: () => string): CorrelationDecision {
    const object = [event.component, event.host, event.kind, event.namespace, event.name, event.uid, event.apiVersion];
    const aggregateKey = JSON.stringify([...object, event.type, event.reason]);
    let key = JSON.stringify([...object, event.fieldPath, event.type, event.reason, event.message]);
    let message = event.message;

    let aggregate = this.aggregates.get(aggregateKey);
    if (aggregate === undefined || nowMs - aggregate.lastMs > this.intervalMs) aggregate = { messages: new Set(), lastMs: nowMs };
    aggregate.messages.add(event.message);
    aggregate.lastMs = nowMs;
    this.aggregates.set(aggregateKey, aggregate);
    if (aggregate.messages.size >= this.maxEvents) {
      // Keep the set below the threshold's size, so the next similar event is combined too.
      aggregate.messages.delete(aggregate.messages.values().next().value as string);
      key = aggregateKey;
      message = aggregatedMessagePrefix + event.message;
    }

    // The count moves even when the spam filter then skips the write, so a later write carries it.
    const previous = this.observations.get(key);
    const observation: Observation = previous === undefined ? { name: newName(), count: 1, firstTimestampMs: nowMs } : { ...previous, count: previous.count + 1 };
    this.observations.set(key, observation);

    if (!this.takeToken(JSON.stringify(object), nowMs)) return { action: "skip" };
    const { name, count, firstTimestampMs } = observation;
    return previous === undefined ? { action: "create", key, name, message, count: 1, firstTimestampMs } : { action: "patch", key, name, message, count, firstTimestampMs };
  }

  /** The Event written under `key` is gone (its create failed, or it expired): start afresh. */
  forget(key: string): void {
    this.observations.delete(key);
  }

  private takeToken(spamKey: string, nowMs: number): boolean {
    const bucket = this.buckets.get(spamKey) ?? { tokens: this.burst, lastMs: nowMs };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (Math.max(0, nowMs - bucket.lastMs) / 1000) * this.qps);
    bucket.lastMs = nowMs;
    this.buckets.set(spamKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
