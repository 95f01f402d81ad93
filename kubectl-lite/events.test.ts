import { describe, expect, it } from "vitest";
import type { CoreEvent } from "../client/index.js";
import { eventLines, lastSeenText } from "./events.js";
import { humanDuration } from "./human-duration.js";

const now = Date.parse("2026-11-25T12:00:00Z");

function event(name: string, first: string, last: string, count: number, message: string): CoreEvent {
  return { metadata: { name, namespace: "default" }, involvedObject: { kind: "Deployment", name: "web" }, reason: "ScalingReplicaSet", type: "Normal", message, count, firstTimestamp: first, lastTimestamp: last };
}

describe("events", () => {
  it("prints LAST SEEN as kubectl events does, with (xN over T) for repeats", () => {
    expect(lastSeenText(event("a", "2026-11-25T11:20:00Z", "2026-11-25T11:59:50Z", 1, ""), now)).toBe("40m");
    expect(lastSeenText(event("a", "2026-11-25T11:20:00Z", "2026-11-25T11:59:50Z", 3, ""), now)).toBe("10s (x3 over 40m)");
  });

  it("sorts by the time last seen and aligns the columns", () => {
    const lines = eventLines([event("late", "2026-11-25T11:59:00Z", "2026-11-25T11:59:00Z", 1, "second"), event("early", "2026-11-25T11:00:00Z", "2026-11-25T11:00:00Z", 1, "first ")], now, true);
    expect(lines).toEqual([
      "NAMESPACE   LAST SEEN   TYPE     REASON              OBJECT           MESSAGE",
      "default     60m         Normal   ScalingReplicaSet   Deployment/web   first",
      "default     60s         Normal   ScalingReplicaSet   Deployment/web   second",
    ]);
  });

  it("words durations as Go's HumanDuration", () => {
    const cases: [number, string][] = [[-5_000, "<invalid>"], [119_000, "119s"], [125_000, "2m5s"], [600_000, "10m"], [3 * 3600_000 + 60_000, "3h1m"], [47 * 3600_000, "47h"], [50 * 3600_000, "2d2h"], [30 * 86400_000, "30d"], [(3 * 365 + 4) * 86400_000, "3y4d"]];
    for (const [ms, text] of cases) expect(humanDuration(ms)).toBe(text);
  });
});
