import { describe, expect, it } from "vitest";
import { isTerminating, namespaceRetryDelayMs, namespaceRetryMaxMs } from "./namespace-decisions.js";

describe("namespace controller decisions", () => {
  it("acts only on Terminating namespaces", () => {
    expect(isTerminating({ metadata: { name: "a" } })).toBe(false);
    expect(isTerminating({ metadata: { name: "a", deletionTimestamp: "2026-01-01T00:00:00Z" } })).toBe(true);
  });

  it("backs off from one second, doubling, up to a minute", () => {
    expect([1, 2, 3, 4].map(namespaceRetryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(namespaceRetryDelayMs(30)).toBe(namespaceRetryMaxMs);
  });
});
