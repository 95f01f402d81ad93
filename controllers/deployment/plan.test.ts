import { describe, expect, it } from "vitest";
import { podFixture, replicaSetFixture } from "../replicaset/test-fixtures.js";
import { planDeployment } from "./plan.js";
import type { DeploymentAction } from "./planner.js";
import { canonicalJson, computeHash, equalIgnoreHash, fnv32a, safeEncodeString } from "./pod-template-hash.js";
import { maxSurge, maxUnavailable, proportion, resolveFenceposts, scaledValue } from "./rollout-math.js";
import { deploymentFixture } from "./simulation.js";
import type { Deployment } from "./types.js";

const nowMs = Date.parse("2026-01-01T00:10:00Z");
const kinds = (actions: readonly DeploymentAction[]) => actions.map((action) => action.kind);
const messages = (actions: readonly DeploymentAction[]) => actions.flatMap((action) => (action.kind === "event" ? [`${action.reason}: ${action.message}`] : []));
const statusWrite = (actions: readonly DeploymentAction[]) => actions.find((action) => action.kind === "updateDeploymentStatus");

describe("rollout maths", () => {
  it("rounds surge up and unavailable down, and never lets both be zero", () => {
    expect(scaledValue("25%", 10, true)).toBe(3);
    expect(scaledValue("25%", 10, false)).toBe(2);
    expect(scaledValue(4, 10, false)).toBe(4);
    expect(() => scaledValue("5", 10, true)).toThrow(/not a percentage/);
    expect(resolveFenceposts("0%", "10%", 3)).toEqual([0, 1]);
    expect(resolveFenceposts("25%", "25%", 1)).toEqual([1, 0]);
    const deployment = deploymentFixture(4, { type: "RollingUpdate", rollingUpdate: { maxSurge: "50%", maxUnavailable: 10 } });
    expect([maxSurge(deployment), maxUnavailable(deployment)]).toEqual([2, 4]);
    expect([maxSurge(deploymentFixture(4, { type: "Recreate" })), maxUnavailable(deploymentFixture(4, { type: "Recreate" }))]).toEqual([0, 0]);
  });

  it("gives each ReplicaSet its proportion, rounding half away from zero", () => {
    const deployment = deploymentFixture(15, { type: "RollingUpdate", rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } });
    const old = replicaSetFixture("old", 8, { annotations: { "deployment.kubernetes.io/max-replicas": "13" } });
    expect(proportion(old, deployment, 5, 0)).toBe(3);
    expect(proportion(old, deployment, 2, 0)).toBe(2);
    expect(proportion(replicaSetFixture("empty", 0), deployment, 5, 0)).toBe(0);
  });
});

describe("pod-template-hash", () => {
  const template = deploymentFixture(1, undefined).spec.template;

  it("is fnv32a rendered with SafeEncodeString, stable, and moved by the template and the collision count", () => {
    expect(fnv32a(new TextEncoder().encode("a"))).toBe(0xe40c292c);
    expect(safeEncodeString("0123456789")).toBe("456789bcdf");
    expect(computeHash(template, undefined)).toBe(computeHash(structuredClone(template), undefined));
    expect(computeHash(template, undefined)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(computeHash(template, 1)).not.toBe(computeHash(template, undefined));
    expect(computeHash({ ...template, spec: { containers: [{ name: "web", image: "other" }] } }, undefined)).not.toBe(computeHash(template, undefined));
  });

  it("compares templates ignoring the hash label and empty values", () => {
    expect(equalIgnoreHash(template, { ...template, metadata: { labels: { app: "web", "pod-template-hash": "abc" }, annotations: {} } })).toBe(true);
    expect(equalIgnoreHash(template, { ...template, metadata: { labels: { app: "db" } } })).toBe(false);
    expect(canonicalJson({ b: 1, a: [], c: { d: null } })).toBe('{"b":1}');
    const bare = { spec: template.spec };
    expect(equalIgnoreHash(bare, { ...bare, metadata: { labels: { "pod-template-hash": "abc" } } })).toBe(true);
  });
});

describe("planDeployment", () => {
  it("creates the first ReplicaSet with labels, selector, owner, annotations, event and conditions", () => {
    const deployment = deploymentFixture(3, { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
    const { actions } = planDeployment(deployment, [], [], nowMs);
    expect(kinds(actions)).toEqual(["createReplicaSet", "event", "updateDeploymentStatus"]);
    const [create] = actions;
    if (create?.kind !== "createReplicaSet") throw new Error("no create");
    const hash = computeHash(deployment.spec.template, undefined);
    expect(create.replicaSet.metadata).toMatchObject({
      name: `web-${hash}`,
      labels: { app: "web", "pod-template-hash": hash },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "uid-web", controller: true, blockOwnerDeletion: true }],
      annotations: { "deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4" },
    });
    expect(create.replicaSet.spec).toMatchObject({ replicas: 3, selector: { matchLabels: { app: "web", "pod-template-hash": hash } } });
    expect(create.replicaSet.spec.template.metadata?.labels).toEqual({ app: "web", "pod-template-hash": hash });
    expect(messages(actions)).toEqual([`ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 3`]);
    const status = statusWrite(actions);
    if (status?.kind !== "updateDeploymentStatus") throw new Error("no status write");
    expect(status.deployment.metadata.annotations).toEqual({ "deployment.kubernetes.io/revision": "1" });
    expect(status.deployment.status).toMatchObject({ observedGeneration: 1, unavailableReplicas: 3 });
    expect(status.deployment.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Progressing", "True", "NewReplicaSetCreated"],
      ["Available", "False", "MinimumReplicasUnavailable"],
    ]);
  });

  it("adopts a matching orphan ReplicaSet and releases an owned one that no longer matches", () => {
    const deployment = deploymentFixture(1, undefined);
    const orphan = replicaSetFixture("orphan", 1);
    const strayed = { ...replicaSetFixture("strayed", 0, { ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "uid-web", controller: true }] }), metadata: { name: "strayed", namespace: "default", uid: "uid-strayed", labels: { app: "other" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "uid-web", controller: true }] } };
    const orphanLabelled = { ...orphan, metadata: { ...orphan.metadata, labels: { app: "web" } } };
    const { actions } = planDeployment(deployment, [orphanLabelled, strayed], [], nowMs);
    expect(kinds(actions).slice(0, 2)).toEqual(["adoptReplicaSet", "releaseReplicaSet"]);
  });

  it("reports ProgressDeadlineExceeded once progressDeadlineSeconds pass without progress, and asks to be woken before", () => {
    const deployment: Deployment = {
      ...deploymentFixture(2, undefined),
      status: {
        observedGeneration: 1,
        conditions: [{ type: "Progressing", status: "True", reason: "NewReplicaSetCreated", lastUpdateTime: "2026-01-01T00:00:00Z", lastTransitionTime: "2026-01-01T00:00:00Z" }],
      },
    };
    const created = planDeployment(deployment, [], [], nowMs).actions.find((action) => action.kind === "createReplicaSet");
    if (created?.kind !== "createReplicaSet") throw new Error("no create");
    const replicaSet = { ...created.replicaSet, metadata: { ...created.replicaSet.metadata, uid: "uid-rs", generation: 1, creationTimestamp: "2026-01-01T00:00:00Z" }, status: { replicas: 0, observedGeneration: 1 } };
    const stuck = { ...deployment, metadata: { ...deployment.metadata, annotations: { "deployment.kubernetes.io/revision": "1" } }, status: { ...deployment.status, conditions: [...(deployment.status?.conditions ?? []), { type: "Available", status: "False" as const, reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability.", lastUpdateTime: "2026-01-01T00:00:00Z", lastTransitionTime: "2026-01-01T00:00:00Z" }], unavailableReplicas: 2 } };
    const early = planDeployment(stuck, [replicaSet], [], Date.parse("2026-01-01T00:05:00Z"));
    expect(kinds(early.actions)).toEqual([]);
    expect(early.requeueAfterMs).toBe(301_000);
    const late = planDeployment(stuck, [replicaSet], [], Date.parse("2026-01-01T00:10:01Z"));
    const write = statusWrite(late.actions);
    if (write?.kind !== "updateDeploymentStatus") throw new Error("no status write");
    expect(write.deployment.status?.conditions?.find((c) => c.type === "Progressing")).toMatchObject({ status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${replicaSet.metadata.name ?? ""}" has timed out progressing.` });
  });

  it("Recreate creates the new ReplicaSet only once the old pods, terminating ones included, are gone", () => {
    const deployment = { ...deploymentFixture(2, { type: "Recreate" }, "nginx:2"), metadata: { ...deploymentFixture(2, undefined).metadata, annotations: { "deployment.kubernetes.io/revision": "1" } } };
    const old = replicaSetFixture("web-old", 0, { labels: { app: "web" }, annotations: { "deployment.kubernetes.io/revision": "1" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "uid-web", controller: true }] });
    old.status = { replicas: 0, observedGeneration: 1 };
    const terminating = podFixture("web-old-a", { owner: old, node: "n1", deleting: true });
    expect(kinds(planDeployment(deployment, [old], [terminating], nowMs).actions)).not.toContain("createReplicaSet");
    expect(kinds(planDeployment(deployment, [old], [], nowMs).actions)).toContain("createReplicaSet");
  });

  it("warns and does nothing else for a selector that selects everything", () => {
    const deployment = { ...deploymentFixture(1, undefined), spec: { ...deploymentFixture(1, undefined).spec, selector: {} } };
    expect(messages(planDeployment(deployment, [], [], nowMs).actions)).toEqual(["SelectingAll: This deployment is selecting all pods. A non-empty selector is required."]);
  });
});
