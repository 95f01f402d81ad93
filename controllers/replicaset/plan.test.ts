import { describe, expect, it } from "vitest";
import { ControllerExpectations } from "./expectations.js";
import { selectorMatches } from "./label-selector.js";
import { burstReplicasMax, planReplicaSet, replicaSetStatusChanged, slowStartBatches, withReplicaFailure } from "./plan.js";
import { podsToDelete } from "./pod-ranking.js";
import { fixtureNowMs as now, podFixture, replicaSetFixture } from "./test-fixtures.js";

const names = (pods: readonly { metadata: { name?: string } }[]) => pods.map((pod) => pod.metadata.name);

describe("planReplicaSet", () => {
  const rs = replicaSetFixture("web-abc", 3);

  it("creates the missing pods, at most burstReplicas at a time", () => {
    expect(planReplicaSet(rs, [podFixture("a", { owner: rs })], true, now).create).toBe(2);
    expect(planReplicaSet(replicaSetFixture("big", 2000), [], true, now).create).toBe(burstReplicasMax);
  });

  it("does nothing while expectations are outstanding, but still reports status", () => {
    const plan = planReplicaSet(rs, [podFixture("a", { owner: rs, node: "n1", readyForSeconds: 5 })], false, now);
    expect(plan.create).toBe(0);
    expect(plan.delete).toEqual([]);
    expect(plan.status).toMatchObject({ replicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 });
  });

  it("does not count pods being deleted or finished, so it replaces them", () => {
    const pods = [podFixture("a", { owner: rs }), podFixture("b", { owner: rs, deleting: true }), podFixture("c", { owner: rs, phase: "Failed", node: "n" })];
    const plan = planReplicaSet(rs, pods, true, now);
    expect(plan.create).toBe(2);
    expect(plan.status.replicas).toBe(1);
  });

  it("adopts matching orphans, releases owned pods that stopped matching, ignores other owners' pods", () => {
    const other = replicaSetFixture("other", 1);
    const pods = [
      podFixture("orphan", {}),
      podFixture("orphan-other-app", { labels: { app: "db" } }),
      podFixture("mine-relabelled", { owner: rs, labels: { app: "debug" } }),
      podFixture("theirs", { owner: other }),
      podFixture("orphan-going", { deleting: true }),
    ];
    const plan = planReplicaSet(rs, pods, true, now);
    expect(names(plan.adopt)).toEqual(["orphan"]);
    expect(names(plan.release)).toEqual(["mine-relabelled"]);
    expect(plan.create).toBe(2);
  });

  it("adopts and releases nothing, and creates nothing, while the ReplicaSet is being deleted", () => {
    const going = replicaSetFixture("web-abc", 3, { deletionTimestamp: "2026-01-01T11:00:00Z" });
    const plan = planReplicaSet(going, [podFixture("orphan"), podFixture("mine", { owner: going, labels: { app: "x" } })], true, now);
    expect(plan.adopt).toEqual([]);
    expect(plan.release).toEqual([]);
    expect(plan.create).toBe(0);
  });

  it("deletes the surplus, unscheduled and not-ready pods first", () => {
    const pods = [
      podFixture("running-ready", { owner: rs, node: "n1", readyForSeconds: 100 }),
      podFixture("unscheduled", { owner: rs }),
      podFixture("running-not-ready", { owner: rs, node: "n2" }),
      podFixture("running-ready-2", { owner: rs, node: "n3", readyForSeconds: 100 }),
      podFixture("pending-on-node", { owner: rs, node: "n2", phase: "Pending" }),
    ];
    const plan = planReplicaSet(replicaSetFixture("web-abc", 2), pods, true, now);
    expect(names(plan.delete)).toEqual(["unscheduled", "pending-on-node", "running-not-ready"]);
  });

  it("counts availability with minReadySeconds and asks to look again when the next pod turns available", () => {
    const slow = { ...replicaSetFixture("web-abc", 2), spec: { ...replicaSetFixture("web-abc", 2).spec, minReadySeconds: 10 } };
    const pods = [podFixture("old", { owner: slow, node: "n", readyForSeconds: 30 }), podFixture("new", { owner: slow, node: "n", readyForSeconds: 4 })];
    const plan = planReplicaSet(slow, pods, true, now);
    expect(plan.status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 1, fullyLabeledReplicas: 2 });
    expect(plan.requeueAfterMs).toBe(7000);
  });
});

describe("pod deletion ranking (ActivePodsWithRanks)", () => {
  const rs = replicaSetFixture("web-abc", 1);
  const pick = (pods: Parameters<typeof podsToDelete>[0], related = pods) => names(podsToDelete(pods, related, 1, now))[0];

  it("prefers lower pod-deletion-cost, then doubled-up nodes, then shorter readiness, more restarts, newer", () => {
    expect(pick([podFixture("cheap", { owner: rs, node: "a", readyForSeconds: 9, annotations: { "controller.kubernetes.io/pod-deletion-cost": "-5" } }), podFixture("dear", { owner: rs, node: "b", readyForSeconds: 9 })])).toBe("cheap");
    const crowded = [podFixture("alone", { owner: rs, node: "a", readyForSeconds: 50 }), podFixture("crowded", { owner: rs, node: "b", readyForSeconds: 50 }), podFixture("crowd-2", { owner: rs, node: "b", readyForSeconds: 50 })];
    expect(["crowded", "crowd-2"]).toContain(pick(crowded.slice(0, 2), crowded));
    expect(pick([podFixture("long", { owner: rs, node: "a", readyForSeconds: 4000 }), podFixture("short", { owner: rs, node: "b", readyForSeconds: 2 })])).toBe("short");
    expect(pick([podFixture("calm", { owner: rs, node: "a" }), podFixture("flappy", { owner: rs, node: "b", restarts: 3 })])).toBe("flappy");
    expect(pick([podFixture("older", { owner: rs, node: "a", createdSecondsAgo: 5000 }), podFixture("newer", { owner: rs, node: "b", createdSecondsAgo: 10 })])).toBe("newer");
  });

  it("takes every pod when asked for as many as there are", () => {
    expect(podsToDelete([podFixture("a"), podFixture("b")], [], 5, now)).toHaveLength(2);
  });
});

describe("expectations", () => {
  it("wait for every creation and each named deletion once, or for the timeout", () => {
    let clock = 0;
    const expectations = new ControllerExpectations(() => clock, 1000);
    expect(expectations.satisfied("ns/rs")).toBe(true);
    expectations.expectCreations("ns/rs", 2);
    expectations.creationObserved("ns/rs");
    expect(expectations.satisfied("ns/rs")).toBe(false);
    expectations.creationObserved("ns/rs");
    expect(expectations.satisfied("ns/rs")).toBe(true);
    expectations.expectDeletions("ns/rs", ["ns/a", "ns/b"]);
    expectations.deletionObserved("ns/rs", "ns/a");
    expectations.deletionObserved("ns/rs", "ns/a");
    expectations.deletionObserved("ns/rs", "ns/unrelated");
    expect(expectations.pending("ns/rs")).toEqual({ add: 0, del: 1 });
    expect(expectations.satisfied("ns/rs")).toBe(false);
    clock = 1001;
    expect(expectations.satisfied("ns/rs")).toBe(true);
  });
});

describe("helpers", () => {
  it("slow start doubles the batch size", () => {
    expect(slowStartBatches(10)).toEqual([1, 2, 4, 3]);
    expect(slowStartBatches(0)).toEqual([]);
  });

  it("matches label selectors as metav1 does", () => {
    expect(selectorMatches(undefined, { a: "1" })).toBe(false);
    expect(selectorMatches({}, { a: "1" })).toBe(true);
    const selector = { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In" as const, values: ["a", "b"] }, { key: "canary", operator: "DoesNotExist" as const }] };
    expect(selectorMatches(selector, { app: "web", tier: "b" })).toBe(true);
    expect(selectorMatches(selector, { app: "web", tier: "c" })).toBe(false);
    expect(selectorMatches(selector, { app: "web", tier: "a", canary: "" })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "x", operator: "NotIn", values: ["1"] }] }, {})).toBe(true);
  });

  it("sets and clears ReplicaFailure and notices status changes", () => {
    const rs = replicaSetFixture("web-abc", 3);
    const failed = withReplicaFailure({ replicas: 1 }, 3, new Error("quota"), "2026-01-01T12:00:00Z");
    expect(failed.conditions).toEqual([{ type: "ReplicaFailure", status: "True", lastTransitionTime: "2026-01-01T12:00:00Z", reason: "FailedCreate", message: "quota" }]);
    expect(withReplicaFailure(failed, 3, undefined, "x").conditions).toBeUndefined();
    expect(replicaSetStatusChanged({ ...rs, status: { replicas: 0, observedGeneration: 1 } }, { replicas: 0, observedGeneration: 1 })).toBe(false);
    expect(replicaSetStatusChanged({ ...rs, status: { replicas: 0, observedGeneration: 1 } }, { replicas: 1, observedGeneration: 1 })).toBe(true);
  });
});
