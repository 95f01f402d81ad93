import { describe, it, expect } from "vitest";
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from "./rate-limiter.js";

describe("ItemExponentialFailureRateLimiter", () => {
  it("doubles from the base per failure of the same key, as client-go (5, 10, 20, ...)", () => {
    const limiter = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    const delays = [0, 1, 2, 3, 4].map(() => limiter.when("a", 0));
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    expect(limiter.numRequeues("a")).toBe(5);
  });

  it("tracks each key on its own", () => {
    const limiter = new ItemExponentialFailureRateLimiter(1, 1000);
    limiter.when("a", 0);
    limiter.when("a", 0);
    expect(limiter.when("b", 0)).toBe(1);
    expect(limiter.numRequeues("a")).toBe(2);
    expect(limiter.numRequeues("b")).toBe(1);
  });

  it("caps at the maximum, also when 2^failures overflows", () => {
    const limiter = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    let last = 0;
    for (let failure = 0; failure < 2000; failure += 1) last = limiter.when("a", 0);
    expect(last).toBe(1_000_000);
  });

  it("forget starts the back-off afresh", () => {
    const limiter = new ItemExponentialFailureRateLimiter(5, 1000);
    limiter.when("a", 0);
    limiter.when("a", 0);
    limiter.forget("a");
    expect(limiter.numRequeues("a")).toBe(0);
    expect(limiter.when("a", 0)).toBe(5);
  });
});

describe("BucketRateLimiter", () => {
  it("lets a burst through without delay, then spaces calls at 1/qps", () => {
    const limiter = new BucketRateLimiter(10, 3);
    const delays = [0, 1, 2, 3, 4].map((index) => limiter.when(`k${index}`, 1000));
    // Tokens go negative like rate.Limiter.Reserve: the 4th waits 100 ms, the 5th 200 ms.
    expect(delays).toEqual([0, 0, 0, 100, 200]);
  });

  it("refills at qps up to the burst, never beyond it", () => {
    const limiter = new BucketRateLimiter(10, 2);
    limiter.when("a", 0);
    limiter.when("a", 0);
    expect(limiter.when("a", 0)).toBe(100);
    // 10 s later the bucket is full again, but holds only the burst (2).
    expect(limiter.when("a", 10_000)).toBe(0);
    expect(limiter.when("a", 10_000)).toBe(0);
    expect(limiter.when("a", 10_000)).toBe(100);
  });

  it("does not mint tokens when the clock steps backwards", () => {
    const limiter = new BucketRateLimiter(10, 1);
    limiter.when("a", 5000);
    expect(limiter.when("a", 0)).toBe(100);
    // Back at 5000 nothing has elapsed since the latest time seen.
    expect(limiter.when("a", 5000)).toBe(200);
  });

  it("has no per-key state", () => {
    const limiter = new BucketRateLimiter();
    limiter.when("a", 0);
    expect(limiter.numRequeues("a")).toBe(0);
  });
});

describe("MaxOfRateLimiter and the default controller limiter", () => {
  it("returns the longest delay and charges every limiter", () => {
    const exponential = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    const bucket = new BucketRateLimiter(10, 1);
    const limiter = new MaxOfRateLimiter(exponential, bucket);
    expect(limiter.when("a", 0)).toBe(5); // bucket: 0, back-off: 5
    expect(limiter.when("b", 0)).toBe(100); // bucket empty: 100, back-off of b: 5
    expect(exponential.numRequeues("b")).toBe(1);
    expect(limiter.numRequeues("a")).toBe(1);
    limiter.forget("a");
    expect(exponential.numRequeues("a")).toBe(0);
  });

  it("uses client-go's defaults: 5 ms base, 1000 s max, 10 qps burst 100", () => {
    const limiter = defaultControllerRateLimiter();
    expect(limiter.when("a", 0)).toBe(5);
    expect(limiter.when("a", 0)).toBe(10);
    // 98 more distinct keys use up the burst of 100; the 101st call waits 1/10 s.
    for (let index = 0; index < 98; index += 1) limiter.when(`other-${index}`, 0);
    expect(limiter.when("fresh", 0)).toBe(100);
    let last = 0;
    for (let failure = 0; failure < 40; failure += 1) last = limiter.when("a", 1e12 + failure * 1e6);
    expect(last).toBe(1_000_000);
  });
});
