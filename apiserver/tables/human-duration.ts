// k8s.io/apimachinery/pkg/util/duration.HumanDuration: the AGE kubectl prints. Precision falls
// as the duration grows ("90s", "3m10s", "15m", "5h3m", "2d3h", "45d", "2y10d").
import { timestampMs } from "./json-access.js";

const secondMs = 1000;
const minuteMs = 60 * secondMs;
const hourMs = 60 * minuteMs;

function withRemainder(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}

export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / secondMs);
  // Up to two seconds in the future is clock skew between machines: "now".
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / minuteMs);
  if (minutes < 10) return withRemainder(minutes, "m", seconds % 60, "s");
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / hourMs);
  if (hours < 8) return withRemainder(hours, "h", minutes % 60, "m");
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return withRemainder(Math.trunc(hours / 24), "d", hours % 24, "h");
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) return withRemainder(Math.trunc(hours / 24 / 365), "y", Math.trunc(hours / 24) % 365, "d");
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** translateTimestampSince: the age of a timestamp at nowMs, "<unknown>" for a zero time. */
export function ageSince(timestamp: unknown, nowMs: number): string {
  const ms = timestampMs(timestamp);
  return ms === undefined ? "<unknown>" : humanDuration(nowMs - ms);
}
