import { describe, expect, it } from "vitest";
import { parseMilliQuantity, parseQuantity } from "./quantity.js";

describe("parseMilliQuantity (cpu)", () => {
  it("reads millicores, whole cores, fractions and exponents exactly", () => {
    expect(parseMilliQuantity("500m")).toBe(500);
    expect(parseMilliQuantity("2")).toBe(2000);
    expect(parseMilliQuantity("0.5")).toBe(500);
    expect(parseMilliQuantity("0.1")).toBe(100);
    expect(parseMilliQuantity("1e3")).toBe(1_000_000);
    expect(parseMilliQuantity("1E-3")).toBe(1);
    expect(parseMilliQuantity(".5")).toBe(500);
    expect(parseMilliQuantity(3)).toBe(3000);
  });

  it("rounds up below a millicore, as Quantity.MilliValue", () => {
    expect(parseMilliQuantity("0.1m")).toBe(1);
    expect(parseMilliQuantity("1500u")).toBe(2);
  });

  it("refuses what is not a quantity", () => {
    expect(parseMilliQuantity("lots")).toBeUndefined();
    expect(parseMilliQuantity("1 Gi")).toBeUndefined();
    expect(parseMilliQuantity("")).toBeUndefined();
  });
});

describe("parseQuantity (memory and counts)", () => {
  it("reads binary and decimal suffixes", () => {
    expect(parseQuantity("1Gi")).toBe(1024 ** 3);
    expect(parseQuantity("1.5Gi")).toBe(1.5 * 1024 ** 3);
    expect(parseQuantity("128Mi")).toBe(128 * 1024 ** 2);
    expect(parseQuantity("1G")).toBe(1e9);
    expect(parseQuantity("2k")).toBe(2000);
    expect(parseQuantity("110")).toBe(110);
    expect(parseQuantity("1e3")).toBe(1000);
  });

  it("rounds fractions of a unit up", () => {
    expect(parseQuantity("500m")).toBe(1);
    expect(parseQuantity("0.3")).toBe(1);
  });
});
