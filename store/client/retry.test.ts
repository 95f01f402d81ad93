import { describe, expect, it } from "vitest";
import { backoffDelayMs, parseRetryAfterMs } from "./retry.js";

describe("backoffDelayMs", () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };

  it("doubles per round between half and all of the ceiling", () => {
    expect([1, 2, 3, 4].map((round) => backoffDelayMs(round, () => 0, policy))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((round) => backoffDelayMs(round, () => 0.999999, policy))).toEqual([100, 200, 400, 800]);
  });

  it("is capped", () => {
    expect(backoffDelayMs(50, () => 1, policy)).toBe(1_000);
    expect(backoffDelayMs(50, () => 0, policy)).toBe(500);
  });
});

describe("parseRetryAfterMs", () => {
  it("reads delta-seconds and HTTP dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfterMs("2", now)).toBe(2_000);
    expect(parseRetryAfterMs(" 0 ", now)).toBe(0);
    expect(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:03 GMT", now)).toBe(3_000);
    expect(parseRetryAfterMs("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
  });

  it("ignores what it cannot read", () => {
    expect(parseRetryAfterMs(undefined, 0)).toBeUndefined();
    expect(parseRetryAfterMs("soon", 0)).toBeUndefined();
    expect(parseRetryAfterMs("-1", 0)).toBeUndefined();
  });
});
