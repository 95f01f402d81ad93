// kubectl events: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE (NAMESPACE first with -A), oldest
// first by the time each event was last seen, "(xN over T)" for repeated events.
import { resourceTypes, type CoreEvent } from "../client/index.js";
import { CliError } from "./cli-error.js";
import { ageOf } from "./human-duration.js";
import { parseResourceArguments } from "./resource-arguments.js";
import type { Session } from "./session.js";
import { alignRows } from "./table-printer.js";

type SeriesEvent = CoreEvent & { series?: { count?: number; lastObservedTime?: string } };

/** kubectl's eventTime(): series' last observation, else lastTimestamp, else eventTime. */
export function lastSeen(event: SeriesEvent): string | undefined {
  return event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
}

export function sortEvents<T extends SeriesEvent>(events: readonly T[]): T[] {
  const time = (event: SeriesEvent): number => Date.parse(lastSeen(event) ?? "") || 0;
  return [...events].sort((a, b) => time(a) - time(b));
}

/** LAST SEEN as kubectl events words it. */
export function lastSeenText(event: SeriesEvent, nowMs: number): string {
  const first = ageOf(event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp, nowMs);
  if (event.series !== undefined) return `${ageOf(event.series.lastObservedTime, nowMs)} (x${event.series.count ?? 0} over ${first})`;
  if ((event.count ?? 0) > 1) return `${ageOf(event.lastTimestamp, nowMs)} (x${event.count ?? 0} over ${first})`;
  return first;
}

export function eventLines(events: readonly SeriesEvent[], nowMs: number, withNamespace: boolean): string[] {
  const header = [...(withNamespace ? ["NAMESPACE"] : []), "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];
  const rows = sortEvents(events).map((event) => [
    ...(withNamespace ? [event.metadata.namespace ?? ""] : []),
    lastSeenText(event, nowMs),
    event.type ?? "",
    event.reason ?? "",
    `${event.involvedObject.kind ?? ""}/${event.involvedObject.name ?? ""}`,
    (event.message ?? "").trim(),
  ]);
  return alignRows([header, ...rows]);
}

export interface EventsFlags {
  readonly allNamespaces?: boolean;
  readonly for?: string;
  readonly types?: string;
}

/** --for TYPE/NAME as a field selector on the involved object. */
async function forSelector(session: Session, target: string): Promise<string> {
  const [selection] = parseResourceArguments([target]);
  const name = selection?.names[0];
  if (selection === undefined || name === undefined) throw new CliError(`--for must be in resource/name form`);
  const entry = await session.discovery.resolve(selection.typed);
  return `involvedObject.kind=${entry.kind},involvedObject.name=${name}`;
}

export async function runEvents(session: Session, flags: EventsFlags): Promise<number> {
  const namespace = flags.allNamespaces === true ? undefined : session.namespace;
  const fieldSelector = flags.for === undefined ? undefined : await forSelector(session, flags.for);
  const list = await session.client.list<CoreEvent>(resourceTypes.events, { ...(namespace === undefined ? {} : { namespace }), ...(fieldSelector === undefined ? {} : { fieldSelector }) });
  const wanted = flags.types?.split(",").map((type) => type.trim().toLowerCase());
  const events = list.items.filter((event) => wanted === undefined || wanted.includes((event.type ?? "").toLowerCase()));
  if (events.length === 0) {
    session.io.err(namespace === undefined ? "No events found." : `No events found in ${namespace} namespace.`);
    return 0;
  }
  session.io.out(eventLines(events, session.io.now(), namespace === undefined).join("\n"));
  return 0;
}
