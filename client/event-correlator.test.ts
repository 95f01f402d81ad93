import { describe, expect, it } from "vitest";
import { EventCorrelator, aggregatedMessagePrefix, type CorrelatedEvent, type CorrelationDecision } from "./event-correlator.js";

const base: CorrelatedEvent = {
  component: "replicaset-controller",
  host: "",
  kind: "ReplicaSet",
  namespace: "default",
  name: "web-abc",
  uid: "uid-1",
  apiVersion: "apps/v1",
  fieldPath: "",
  type: "Normal",
  reason: "SuccessfulCreate",
  message: "Created pod: web-abc-0",
};

function names(): () => string {
  let n = 0;
  return () => `event-${n++}`;
}

describe("event correlator (client-go's EventCorrelator)", () => {
  it("a repeat of the same event patches the first one's count", () => {
    const correlator = new EventCorrelator();
    const name = names();
    const first = correlator.correlate(base, 1_000, name);
    const second = correlator.correlate(base, 2_000, name);
    expect(first).toMatchObject({ action: "create", name: "event-0", count: 1, message: base.message, firstTimestampMs: 1_000 });
    expect(second).toMatchObject({ action: "patch", name: "event-0", count: 2, firstTimestampMs: 1_000 });
  });

  it("the tenth similar event within 10 minutes starts one combined Event, and later ones patch it", () => {
    const correlator = new EventCorrelator();
    const name = names();
    const decisions: CorrelationDecision[] = [];
    for (let i = 0; i < 12; i++) decisions.push(correlator.correlate({ ...base, message: `Created pod: web-abc-${i}` }, 1_000 + i, name));
    expect(decisions.slice(0, 9).every((d) => d.action === "create")).toBe(true);
    expect(decisions[9]).toMatchObject({ action: "create", name: "event-9", count: 1, message: `${aggregatedMessagePrefix}Created pod: web-abc-9` });
    expect(decisions[10]).toMatchObject({ action: "patch", name: "event-9", count: 2, message: `${aggregatedMessagePrefix}Created pod: web-abc-10` });
    expect(decisions[11]).toMatchObject({ action: "patch", name: "event-9", count: 3 });
    // Another reason is another group; after 10 quiet minutes the group starts again.
    expect(correlator.correlate({ ...base, reason: "SuccessfulDelete", message: "Deleted pod: x" }, 2_000, name)).toMatchObject({ action: "create", message: "Deleted pod: x" });
    expect(correlator.correlate({ ...base, message: "Created pod: web-abc-99" }, 1_011 + 600_001, name)).toMatchObject({ action: "create", message: "Created pod: web-abc-99" });
  });

  it("a source writes 25 events about one object, then one per 5 minutes; other objects and sources are not held back", () => {
    const correlator = new EventCorrelator();
    const name = names();
    const actions = Array.from({ length: 1_000 }, (_, i) => correlator.correlate({ ...base, message: `Created pod: web-abc-${i}` }, 10_000, name).action);
    expect(actions.filter((a) => a !== "skip")).toHaveLength(25);
    expect(actions.slice(25).every((a) => a === "skip")).toBe(true);
    expect(correlator.correlate({ ...base, name: "other-rs", uid: "uid-2" }, 10_000, name).action).toBe("create");
    expect(correlator.correlate({ ...base, component: "kubelet", host: "node-1" }, 10_000, name).action).toBe("create");
    // 299 s later the bucket holds less than one token; at 300 s one.
    expect(correlator.correlate(base, 10_000 + 299_000, name).action).toBe("skip");
    const later = correlator.correlate({ ...base, message: "Created pod: web-abc-late" }, 10_000 + 300_000, name);
    expect(later).toMatchObject({ action: "patch", message: `${aggregatedMessagePrefix}Created pod: web-abc-late` });
    // The count kept moving while writes were skipped, so the patch carries every occurrence.
    expect(later.action === "patch" && later.count).toBe(1_000 - 9 + 2);
  });

  it("forget starts an Event afresh (its create failed or it expired)", () => {
    const correlator = new EventCorrelator();
    const name = names();
    const first = correlator.correlate(base, 0, name);
    expect(first.action).toBe("create");
    if (first.action !== "skip") correlator.forget(first.key);
    expect(correlator.correlate(base, 1, name)).toMatchObject({ action: "create", name: "event-1", count: 1 });
  });
});
