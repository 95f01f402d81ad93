// Watch guarantees (etcd's: ordered, unique, reliable, atomic, resumable), checked across every
// watcher: each delivers every revision of its window exactly once, in order, with the same events
// as every other watcher and as the members' own histories, and with every write the workloads
// know was applied.
import type { BatchRecord, EventRecord, WatcherRecord } from "./history.js";
import type { Coverage } from "./reference.js";
import { covers } from "./reference.js";

export interface KnownWrite {
  readonly key: string;
  readonly value: string;
  readonly revision: number;
  readonly what: string;
}

export interface WatchInput {
  readonly record: WatcherRecord;
  readonly coverage: Coverage;
}

export interface WatchReport {
  readonly ok: boolean;
  readonly watchers: number;
  readonly batches: number;
  readonly events: number;
  readonly reconnects: number;
  readonly compactedGaps: number;
  readonly violations: string[];
}

export function sameEvents(a: readonly EventRecord[], b: readonly EventRecord[]): boolean {
  return a.length === b.length && a.every((e, i) => eventKey(e) === eventKey(b[i] as EventRecord));
}

function eventKey(e: EventRecord): string {
  return JSON.stringify([e.type, e.key, e.value, e.createRevision, e.modRevision, e.version, e.lease]);
}

/** Order and shape of one watcher's stream. */
function checkStream(w: WatchInput, violations: string[]): void {
  let previous = 0;
  for (const batch of w.record.batches) {
    if (batch.revision <= previous) violations.push(`${w.record.name}: revision ${batch.revision} delivered after ${previous} (repeated or out of order)`);
    if (batch.revision < w.coverage.first) violations.push(`${w.record.name}: revision ${batch.revision} delivered, before its start ${w.coverage.first}`);
    if (batch.events.length === 0) violations.push(`${w.record.name}: an empty batch at revision ${batch.revision}`);
    for (const event of batch.events) {
      if (event.modRevision !== batch.revision) violations.push(`${w.record.name}: an event of revision ${event.modRevision} in the batch of ${batch.revision}`);
    }
    previous = Math.max(previous, batch.revision);
  }
}

/**
 * `reference`: the watcher whose history the others are held to (started before the workload).
 * `contiguous`: every revision of the run bumps a key under the watched prefix, so a watcher's
 * window has no revision without events (the harness writes nothing elsewhere).
 */
export function checkWatchers(inputs: readonly WatchInput[], reference: WatchInput, knownWrites: readonly KnownWrite[], contiguous: boolean): WatchReport {
  const violations: string[] = [];
  const referenceBatches = new Map<number, BatchRecord>(reference.record.batches.map((b) => [b.revision, b]));
  for (const w of inputs) checkStream(w, violations);
  if (contiguous) {
    for (let r = reference.coverage.first; r <= reference.coverage.last; r += 1) {
      if (covers(reference.coverage, r) && !referenceBatches.has(r)) {
        violations.push(`${reference.record.name}: revision ${r} missing (every revision of the run writes under the prefix)`);
        if (violations.length > 20) break;
      }
    }
  }
  for (const w of inputs) {
    if (w === reference) continue;
    const own = new Map<number, BatchRecord>(w.record.batches.map((b) => [b.revision, b]));
    const both = (r: number): boolean => covers(w.coverage, r) && covers(reference.coverage, r);
    for (const [r, batch] of referenceBatches) {
      if (!both(r)) continue;
      const mine = own.get(r);
      if (mine === undefined) violations.push(`${w.record.name}: missed revision ${r} (${describeBatch(batch.events)})`);
      else if (!sameEvents(mine.events, batch.events)) violations.push(`${w.record.name}: revision ${r} is ${describeBatch(mine.events)}, ${reference.record.name} saw ${describeBatch(batch.events)}`);
    }
    for (const [r, batch] of own) {
      if (both(r) && !referenceBatches.has(r)) violations.push(`${w.record.name}: revision ${r} (${describeBatch(batch.events)}) that ${reference.record.name} never saw`);
    }
  }
  for (const w of inputs) {
    const own = new Map<number, BatchRecord>(w.record.batches.map((b) => [b.revision, b]));
    for (const write of knownWrites) {
      if (!covers(w.coverage, write.revision)) continue;
      const found = own.get(write.revision)?.events.some((e) => e.type === "PUT" && e.key === write.key && e.value === write.value) === true;
      if (!found) violations.push(`${w.record.name}: acknowledged ${write.what} ${write.key}=${write.value} at revision ${write.revision} not delivered`);
    }
  }
  const all = inputs.map((w) => w.record);
  return {
    ok: violations.length === 0,
    watchers: inputs.length,
    batches: all.reduce((n, r) => n + r.batches.length, 0),
    events: all.reduce((n, r) => n + r.batches.reduce((m, b) => m + b.events.length, 0), 0),
    reconnects: all.reduce((n, r) => n + r.reconnects, 0),
    compactedGaps: inputs.reduce((n, w) => n + w.coverage.gaps.length, 0),
    violations: dedupe(violations).slice(0, 30),
  };
}

/** A member's own history (a fresh watch after healing) against the reference, over [from, to]. */
export function compareHistories(name: string, batches: readonly BatchRecord[], reference: readonly BatchRecord[], from: number, to: number): string[] {
  const violations: string[] = [];
  const window = (list: readonly BatchRecord[]): Map<number, BatchRecord> => new Map(list.filter((b) => b.revision >= from && b.revision <= to).map((b) => [b.revision, b]));
  const mine = window(batches);
  const theirs = window(reference);
  const revisions = [...new Set([...mine.keys(), ...theirs.keys()])].sort((a, b) => a - b);
  for (const r of revisions) {
    const a = mine.get(r);
    const b = theirs.get(r);
    if (a !== undefined && b !== undefined && sameEvents(a.events, b.events)) continue;
    violations.push(`${name}: at revision ${r} its history has ${a === undefined ? "nothing" : describeBatch(a.events)}, the watchers saw ${b === undefined ? "nothing" : describeBatch(b.events)}`);
    if (violations.length >= 5) break;
  }
  return violations;
}

function describeBatch(events: readonly EventRecord[]): string {
  const text = events.map((e) => `${e.type} ${e.key}${e.type === "PUT" ? `=${e.value}` : ""}`).join(", ");
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}
