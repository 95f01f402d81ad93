import { describe, expect, it } from "vitest";
import { appLabelValues, podManifest, readPodEventLine, sentAnnotation, seqAnnotation } from "./apiserver-protocol.js";
import { spreadWatchers } from "./apiserver-watchers.js";

describe("podManifest", () => {
  it("carries the seq and send time as annotations and an app label cycling over appLabelValues", () => {
    const pod = podManifest({ namespace: "bench", name: "pod-000013", seq: 13, sentUs: 987654321 }) as { metadata: { labels: Record<string, string>; annotations: Record<string, string>; namespace: string } };
    expect(pod.metadata.annotations[seqAnnotation]).toBe("13");
    expect(pod.metadata.annotations[sentAnnotation]).toBe("987654321");
    expect(pod.metadata.labels.app).toBe(`web-${13 % appLabelValues}`);
    expect(pod.metadata.namespace).toBe("bench");
  });
});

describe("readPodEventLine", () => {
  it("reads type, seq and send time from a watch line as the apiserver writes it", () => {
    const object = { ...podManifest({ namespace: "bench-watch", name: "w-1", seq: 42, sentUs: 1234567 }), status: { phase: "Pending" } };
    const line = JSON.stringify({ type: "ADDED", object });
    expect(readPodEventLine(line)).toEqual({ type: "ADDED", seq: 42, sentUs: 1234567 });
  });

  it("falls back to JSON.parse when the line has another key order", () => {
    const line = JSON.stringify({ object: { metadata: { annotations: { [seqAnnotation]: "7", [sentAnnotation]: "99" } } }, type: "MODIFIED" });
    expect(readPodEventLine(line)).toEqual({ type: "MODIFIED", seq: 7, sentUs: 99 });
  });

  it("gives no seq for a bookmark and UNPARSABLE for garbage", () => {
    expect(readPodEventLine('{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"12"}}}')).toEqual({ type: "BOOKMARK", seq: undefined, sentUs: undefined });
    expect(readPodEventLine("not json").type).toBe("UNPARSABLE");
  });
});

describe("spreadWatchers", () => {
  it("spreads watchers evenly over at most `workers` processes", () => {
    expect(spreadWatchers(1000, 3)).toEqual([334, 333, 333]);
    expect(spreadWatchers(2, 4)).toEqual([1, 1]);
    expect(spreadWatchers(100, 2).reduce((a, b) => a + b, 0)).toBe(100);
  });
});
