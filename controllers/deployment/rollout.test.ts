// The rollout maths, driven through planDeployment in a simulated world where pods become
// available one at a time: maxSurge and maxUnavailable must hold at every step.
import { describe, expect, it } from "vitest";
import { getCondition } from "./conditions.js";
import { revisionAnnotation, revisionHistoryAnnotation } from "./revisions.js";
import { maxSurge, maxUnavailable } from "./rollout-math.js";
import { DeploymentWorld, deploymentFixture } from "./simulation.js";
import type { IntOrPercent } from "./types.js";

/**
 * Runs syncs until nothing changes; `check` runs whenever pods changed. The Deployment controller
 * syncs twice before the ReplicaSet controller catches up (it reacts to its own writes first), so
 * it decides from ReplicaSets whose pods and status lag their spec. Returns the step count.
 */
function settle(world: DeploymentWorld, check: () => void = () => undefined, stepsMax = 5000): number {
  for (let step = 0; step < stepsMax; step += 1) {
    const writes = [...world.syncDeployment(), ...world.syncDeployment()].filter((action) => action.kind !== "event");
    const reportedLate = world.syncReplicaSets(check);
    check();
    const progressed = world.onePodReady();
    check();
    if (!progressed && !reportedLate && writes.length === 0 && !world.hasLateStatuses()) return step;
  }
  throw new Error("the rollout never settled");
}

function expectComplete(world: DeploymentWorld, replicas: number): void {
  const status = world.deployment.status ?? {};
  expect(status).toMatchObject({ observedGeneration: world.deployment.metadata.generation });
  expect(status.replicas ?? 0).toBe(replicas);
  expect(status.updatedReplicas ?? 0).toBe(replicas);
  expect(status.availableReplicas ?? 0).toBe(replicas);
  expect(getCondition(status, "Available")?.status).toBe("True");
  if (replicas > 0) expect(getCondition(status, "Progressing")?.reason).toBe("NewReplicaSetAvailable");
  expect(world.pods.filter((pod) => pod.ready)).toHaveLength(replicas);
}

const imageOf = (world: DeploymentWorld, name: string) => world.replicaSets.get(name)?.spec.template.spec.containers[0]?.image;

describe("RollingUpdate never exceeds maxSurge nor goes under maxUnavailable", () => {
  const surges: IntOrPercent[] = [0, 1, 2, "25%", "50%", "100%"];
  const unavailables: IntOrPercent[] = [0, 1, 3, "25%", "50%"];
  const cases = [1, 2, 3, 4, 5, 7, 10, 13].flatMap((replicas) => surges.flatMap((surge) => unavailables.map((unavailable) => [replicas, surge, unavailable] as const)));

  const valid = cases.filter(([, surge, unavailable]) => !(surge === 0 && unavailable === 0));
  const withLateStatus = [false, true].flatMap((late) => valid.map(([replicas, surge, unavailable]) => [replicas, surge, unavailable, late] as const));

  it.each(withLateStatus)("replicas %i, maxSurge %s, maxUnavailable %s, status after deletes late: %s", (replicas, surge, unavailable, late) => {
    const world = new DeploymentWorld(deploymentFixture(replicas, { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } }));
    world.statusAfterDeletesLate = late;
    settle(world);
    expectComplete(world, replicas);
    const firstReplicaSet = [...world.replicaSets.keys()][0] ?? "";

    world.editSpec((deployment) => {
      const [container] = deployment.spec.template.spec.containers;
      if (container !== undefined) container.image = "nginx:1.28";
    });
    const ceiling = replicas + maxSurge(world.deployment);
    const floor = replicas - maxUnavailable(world.deployment);
    let lowest = Number.POSITIVE_INFINITY;
    let highest = 0;
    settle(world, () => {
      const total = world.pods.length;
      const available = world.pods.filter((pod) => pod.ready).length;
      highest = Math.max(highest, total);
      lowest = Math.min(lowest, available);
      expect(total).toBeLessThanOrEqual(ceiling);
      expect(available).toBeGreaterThanOrEqual(floor);
    });
    expectComplete(world, replicas);
    // The rollout really used its room (so the bounds above were tested, not avoided).
    expect(highest === ceiling || lowest === floor).toBe(true);
    expect(world.replicaSets.get(firstReplicaSet)?.spec.replicas).toBe(0);
    expect(world.pods.every((pod) => world.replicaSetOf(pod)?.spec.template.spec.containers[0]?.image === "nginx:1.28")).toBe(true);
  });
});

describe("revisions, rollback and history", () => {
  const editImage = (world: DeploymentWorld, image: string) =>
    world.editSpec((deployment) => {
      const [container] = deployment.spec.template.spec.containers;
      if (container !== undefined) container.image = image;
    });

  it("numbers each template, reuses an old ReplicaSet on rollback with the next revision, and prunes beyond revisionHistoryLimit", () => {
    const world = new DeploymentWorld(deploymentFixture(3, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, "nginx:1"));
    settle(world);
    const [first] = [...world.replicaSets.keys()];
    expect(world.deployment.metadata.annotations?.[revisionAnnotation]).toBe("1");
    editImage(world, "nginx:2");
    settle(world);
    expect(world.deployment.metadata.annotations?.[revisionAnnotation]).toBe("2");
    expect(world.replicaSets.size).toBe(2);
    // kubectl rollout undo: the template of revision 1 again.
    editImage(world, "nginx:1");
    settle(world);
    expect(world.replicaSets.size).toBe(2);
    const reused = world.replicaSets.get(first ?? "");
    expect(reused?.metadata.annotations).toMatchObject({ [revisionAnnotation]: "3", [revisionHistoryAnnotation]: "1" });
    expect(world.deployment.metadata.annotations?.[revisionAnnotation]).toBe("3");
    expect(imageOf(world, first ?? "")).toBe("nginx:1");
    expectComplete(world, 3);

    world.editSpec((deployment) => (deployment.spec.revisionHistoryLimit = 0));
    settle(world);
    expect([...world.replicaSets.keys()]).toEqual([first]);
  });
});

describe("Recreate", () => {
  it("scales every old pod away before the new ReplicaSet gets any", () => {
    const world = new DeploymentWorld(deploymentFixture(4, { type: "Recreate" }, "nginx:1"));
    settle(world);
    world.editSpec((deployment) => {
      const [container] = deployment.spec.template.spec.containers;
      if (container !== undefined) container.image = "nginx:2";
    });
    settle(world, () => {
      const images = new Set(world.pods.map((pod) => world.replicaSetOf(pod)?.spec.template.spec.containers[0]?.image));
      expect(images.size).toBeLessThanOrEqual(1);
    });
    expectComplete(world, 4);
  });
});

describe("scaling", () => {
  it("scales proportionally in the middle of a rollout (the upstream documentation's example)", () => {
    const world = new DeploymentWorld(deploymentFixture(10, { type: "RollingUpdate", rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } }, "nginx:1"));
    settle(world);
    world.editSpec((deployment) => {
      const [container] = deployment.spec.template.spec.containers;
      if (container !== undefined) container.image = "nginx:does-not-exist";
    });
    // The new image never turns ready: run syncs without readiness until it is stuck.
    for (let step = 0; step < 10; step += 1) {
      world.syncDeployment();
      world.syncReplicaSets();
    }
    const sizes = () => [...world.replicaSets.values()].map((replicaSet) => replicaSet.spec.replicas);
    expect(sizes()).toEqual([8, 5]);
    world.editSpec((deployment) => (deployment.spec.replicas = 15));
    world.syncDeployment();
    expect(sizes()).toEqual([11, 7]);
    expect(world.events.slice(-2)).toEqual([`ScalingReplicaSet: Scaled up replica set ${[...world.replicaSets.keys()][0] ?? ""} from 8 to 11`, `ScalingReplicaSet: Scaled up replica set ${[...world.replicaSets.keys()][1] ?? ""} from 5 to 7`]);
  });

  it("scales a settled Deployment up and down, and to zero", () => {
    const world = new DeploymentWorld(deploymentFixture(6, undefined));
    settle(world);
    for (const replicas of [10, 2, 0]) {
      world.editSpec((deployment) => (deployment.spec.replicas = replicas));
      settle(world);
      expectComplete(world, replicas);
    }
  });

  it("scales but does not roll out while paused, and rolls out once resumed", () => {
    const world = new DeploymentWorld(deploymentFixture(3, undefined, "nginx:1"));
    settle(world);
    world.editSpec((deployment) => {
      deployment.spec.paused = true;
      const [container] = deployment.spec.template.spec.containers;
      if (container !== undefined) container.image = "nginx:2";
      deployment.spec.replicas = 5;
    });
    settle(world);
    expect(world.replicaSets.size).toBe(1);
    expect(world.pods).toHaveLength(5);
    expect(getCondition(world.deployment.status, "Progressing")).toMatchObject({ status: "Unknown", reason: "DeploymentPaused" });
    world.editSpec((deployment) => (deployment.spec.paused = false));
    settle(world);
    expect(world.replicaSets.size).toBe(2);
    expectComplete(world, 5);
  });
});
