import { describe, expect, it } from "vitest";
import { LatencyHistogram, LineSplitter, parseWatchKey, readWatchLine, watchKey } from "./watch-protocol.js";

const b64 = (text: string) => Buffer.from(text, "latin1").toString("base64");

describe("watch keys carry the put's number and send time", () => {
  it("reads back what watchKey wrote", () => {
    const prefix = "/bench/ab12/watch100/";
    expect(parseWatchKey(watchKey(prefix, 42, 123_456_789), prefix.length)).toEqual({ seq: 42, sentUs: 123_456_789 });
  });

  it("refuses a key that is not a watch key", () => {
    expect(parseWatchKey("/bench/ab12/watch100/other", "/bench/ab12/watch100/".length)).toBeUndefined();
    expect(parseWatchKey("/bench/ab12/watch100/x/1", "/bench/ab12/watch100/".length)).toBeUndefined();
  });
});

describe("readWatchLine", () => {
  // Lines as etcd 3.4's gateway writes them (kube-lite writes the same field order).
  const header = '"header":{"cluster_id":"1","member_id":"2","revision":"7","raft_term":"2"}';

  it("sees a created answer", () => {
    expect(readWatchLine(`{"result":{${header},"created":true}}`)).toEqual({ created: true, canceled: false, keysB64: [] });
  });

  it("takes every event's key, not prev_kv's", () => {
    const kv = (key: string) => `{"key":"${b64(key)}","create_revision":"7","mod_revision":"7","version":"1","value":"eA=="}`;
    const line = `{"result":{${header},"events":[{"kv":${kv("/a")},"prev_kv":${kv("/old")}},{"kv":${kv("/b")}}]}}`;
    expect(readWatchLine(line).keysB64).toEqual([b64("/a"), b64("/b")]);
  });

  it("sees a cancellation", () => {
    expect(readWatchLine(`{"result":{${header},"canceled":true,"cancel_reason":"slow"}}`).canceled).toBe(true);
  });
});

describe("LineSplitter", () => {
  it("joins lines cut across chunks and keeps the unfinished tail", () => {
    const splitter = new LineSplitter();
    expect(splitter.push('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(splitter.push(':2}\n\n{"c":3}\n{')).toEqual(['{"b":2}', '{"c":3}']);
    expect(splitter.push("}\n")).toEqual(["{}"]);
  });
});

describe("LatencyHistogram", () => {
  const exactQuantile = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
  };

  it("gives quantiles within 1% of the exact ones, never below", () => {
    // A deterministic spread from 50 µs to about 200 ms.
    const values = Array.from({ length: 5000 }, (_, i) => 50 + ((i * 7919) % 5000) ** 1.6 / 4);
    const h = new LatencyHistogram();
    for (const v of values) h.record(v);
    for (const q of [0.5, 0.9, 0.99]) {
      const exactMs = exactQuantile(values, q) / 1000;
      expect(h.quantileMs(q)).toBeGreaterThanOrEqual(exactMs);
      expect(h.quantileMs(q)).toBeLessThanOrEqual(exactMs * 1.0101);
    }
    expect(h.quantileMs(1)).toBeCloseTo(Math.max(...values) / 1000, 9);
  });

  it("merges parts as if every sample had been recorded in one", () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const whole = new LatencyHistogram();
    for (let i = 1; i <= 1000; i += 1) {
      (i % 3 === 0 ? a : b).record(i * 13);
      whole.record(i * 13);
    }
    const merged = LatencyHistogram.merge([a.toJson(), b.toJson()]);
    expect(merged.count).toBe(1000);
    for (const q of [0.5, 0.99]) expect(merged.quantileMs(q)).toBe(whole.quantileMs(q));
    expect(merged.maxUs).toBe(13_000);
  });

  it("is NaN when empty", () => {
    expect(new LatencyHistogram().quantileMs(0.5)).toBeNaN();
  });
});
