import { describe, expect, it } from "vitest";
import { deploymentRolloutStatus, historyLines, planUndo, revisionAnnotation, type Deployment, type ReplicaSet } from "./rollout.js";

function deployment(status: Deployment["status"], generation = 2, replicas = 3): Deployment {
  return { metadata: { name: "web", uid: "d-1", generation, annotations: { [revisionAnnotation]: "2" } }, spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:2" }] } } }, status };
}

function replicaSet(revision: number, image: string, changeCause?: string): ReplicaSet {
  return {
    metadata: {
      name: `web-${revision}`,
      annotations: { [revisionAnnotation]: String(revision), ...(changeCause === undefined ? {} : { "kubernetes.io/change-cause": changeCause }) },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "d-1", controller: true }],
    },
    spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web", "pod-template-hash": `h${revision}` } }, spec: { containers: [{ name: "web", image }] } } },
  };
}

describe("rollout status", () => {
  it("says what kubectl says at each stage", () => {
    expect(deploymentRolloutStatus(deployment({ observedGeneration: 1 })).message).toBe("Waiting for deployment spec update to be observed...");
    expect(deploymentRolloutStatus(deployment({ observedGeneration: 2, updatedReplicas: 1, replicas: 3 })).message).toBe('Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...');
    expect(deploymentRolloutStatus(deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 4 })).message).toBe('Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...');
    expect(deploymentRolloutStatus(deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 1 })).message).toBe('Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...');
    expect(deploymentRolloutStatus(deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 }))).toEqual({ message: 'deployment "web" successfully rolled out', done: true });
  });

  it("fails past the progress deadline", () => {
    const stuck = deployment({ observedGeneration: 2, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] });
    expect(() => deploymentRolloutStatus(stuck)).toThrow('deployment "web" exceeded its progress deadline');
  });
});

describe("rollout history and undo", () => {
  const replicaSets = [replicaSet(2, "nginx:2"), replicaSet(1, "nginx:1", "kubectl-lite apply")];

  it("lists revisions oldest first with their change cause", () => {
    expect(historyLines(planInput(replicaSets))).toEqual(["REVISION  CHANGE-CAUSE", "1         kubectl-lite apply", "2         <none>"]);
  });

  it("goes back to the previous revision's template without the pod-template-hash label", () => {
    const plan = planUndo(deployment({}), replicaSets, 0);
    expect(plan).toEqual({ kind: "rollback", revision: 1, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1" }] } } });
  });

  it("skips a revision whose template is the current one, and names a missing revision", () => {
    expect(planUndo(deployment({}), replicaSets, 2)).toEqual({ kind: "skip", revision: 2 });
    expect(() => planUndo(deployment({}), replicaSets, 7)).toThrow("unable to find specified revision 7 in history");
    expect(() => planUndo(deployment({}), [replicaSet(2, "nginx:2")], 0)).toThrow('no rollout history found for deployment "web"');
  });
});

function planInput(replicaSets: ReplicaSet[]): ReplicaSet[] {
  return [...replicaSets].sort((a, b) => Number(a.metadata.annotations?.[revisionAnnotation]) - Number(b.metadata.annotations?.[revisionAnnotation]));
}
