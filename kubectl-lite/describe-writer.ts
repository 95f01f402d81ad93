// The shape of kubectl describe's output: "Key:\tvalue" lines at indentation levels of two
// spaces, aligned by Go's tabwriter (padding 2), labels and annotations one per line, an
// Events table at the end. Pure helpers shared by every kind's describer.
import type { CoreEvent, LabelSelector } from "../client/index.js";
import { lastSeenText, sortEvents } from "./events.js";
import { tabwrite } from "./tabwriter.js";

export class DescribeWriter {
  private readonly lines: string[] = [];

  /** One line at `level` (0, 1, 2...): two spaces of indentation per level; tabs separate aligned cells. */
  line(level: number, text: string): void {
    this.lines.push(`${"  ".repeat(level)}${text}`);
  }

  /** "Labels:  a=b" then "        c=d", or "<none>". */
  map(level: number, title: string, values: Readonly<Record<string, string>> | undefined, separator: "=" | ": "): void {
    const entries = Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b));
    if (entries.length === 0) {
      this.line(level, `${title}:\t<none>`);
      return;
    }
    // kubectl writes the continuation lines without indentation: the tab alone aligns them.
    entries.forEach(([key, value], index) => (index === 0 ? this.line(level, `${title}:\t${key}${separator}${value}`) : this.lines.push(`\t${key}${separator}${value}`)));
  }

  toString(): string {
    return tabwrite(this.lines, { minWidth: 0, padding: 2 }).join("\n");
  }

  /** The lines with their tabs, unaligned: what kubectl rollout history --revision prints. */
  raw(): string {
    return this.lines.join("\n");
  }
}

/** Go's time.RFC1123Z in UTC, as describe prints times: "Wed, 25 Nov 2026 21:18:17 +0000". */
export function describeTime(timestamp: string | undefined | null): string {
  if (timestamp === undefined || timestamp === null || timestamp === "") return "<unset>";
  const at = new Date(timestamp);
  if (Number.isNaN(at.getTime())) return timestamp;
  return at.toUTCString().replace(/GMT$/, "+0000");
}

/** metav1.FormatLabelSelector: requirements sorted by key, "<none>" for an empty selector. */
export function formatSelector(selector: LabelSelector | undefined): string {
  const parts: { key: string; text: string }[] = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => ({ key, text: `${key}=${value}` }));
  for (const expression of selector?.matchExpressions ?? []) {
    const values = [...(expression.values ?? [])].sort().join(",");
    const text =
      expression.operator === "In" ? `${expression.key} in (${values})` : expression.operator === "NotIn" ? `${expression.key} notin (${values})` : expression.operator === "Exists" ? expression.key : `!${expression.key}`;
    parts.push({ key: expression.key, text });
  }
  if (parts.length === 0) return "<none>";
  return parts.sort((a, b) => a.key.localeCompare(b.key)).map((part) => part.text).join(",");
}

export function describeEvents(writer: DescribeWriter, events: readonly CoreEvent[], nowMs: number): void {
  if (events.length === 0) {
    writer.line(0, "Events:\t<none>");
    return;
  }
  writer.line(0, "Events:");
  writer.line(1, "Type\tReason\tAge\tFrom\tMessage");
  writer.line(1, "----\t------\t----\t----\t-------");
  for (const event of sortEvents(events)) {
    const from = event.source?.component ?? event.reportingComponent ?? "";
    writer.line(1, `${event.type ?? ""}\t${event.reason ?? ""}\t${lastSeenText(event, nowMs)}\t${from}\t${(event.message ?? "").trim()}`);
  }
}
