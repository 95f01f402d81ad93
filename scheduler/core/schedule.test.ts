import { describe, expect, it } from "vitest";
import type { Pod } from "../../client/index.js";
import { SchedulerCache } from "./cache.js";
import { seededRandom } from "./random.js";
import { feasibleNodesToFind, leastAllocatedScore, schedule, type ScheduleResult } from "./schedule.js";
import { makeNode, makePod, type NodeOptions } from "./test-objects.js";

function cacheWith(nodes: [string, NodeOptions?][], pods: Pod[] = []): SchedulerCache {
  const cache = new SchedulerCache();
  for (const [name, options] of nodes) cache.setNode(makeNode(name, options));
  for (const pod of pods) cache.updatePod(pod);
  return cache;
}

const options = { random: seededRandom(1) };

function boundTo(result: ScheduleResult): string {
  if (result.kind !== "bind") throw new Error(`expected a binding, got: ${result.message}`);
  return result.nodeName;
}

function messageOf(result: ScheduleResult): string {
  if (result.kind !== "unschedulable") throw new Error(`expected unschedulable, got ${result.nodeName}`);
  return result.message;
}

describe("filters", () => {
  it("binds to the one node the pod fits", () => {
    const cache = cacheWith([["small", { cpu: "1" }], ["big", { cpu: "8" }], ["medium", { cpu: "2" }]]);
    expect(boundTo(schedule(makePod("p", { cpu: "3" }), cache, options))).toBe("big");
  });

  it("words the failure as kube-scheduler 1.32: reasons counted over nodes, sorted, then the preemption dry run", () => {
    const cache = cacheWith([["cordoned", { unschedulable: true }], ["node-2", { cpu: "2" }], ["node-3", { cpu: "2" }]]);
    const result = schedule(makePod("p", { cpu: "3" }), cache, options);
    expect(messageOf(result)).toBe(
      "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..",
    );
    expect(result.kind === "unschedulable" && result.reasons).toEqual([
      { plugin: "NodeUnschedulable", reason: "node(s) were unschedulable", nodes: 1 },
      { plugin: "NodeResourcesFit", reason: "Insufficient cpu", nodes: 2 },
    ]);
  });

  it("lists every insufficient resource of a node and sorts reasons as strings", () => {
    const cache = cacheWith([["a", { cpu: "1", memory: "1Gi" }], ["b", { memory: "1Gi" }], ["c", { extra: { "example.com/gpu": "1" } }]]);
    const result = schedule(makePod("p", { cpu: "2", memory: "2Gi", extra: { "example.com/gpu": "2" } }), cache, options);
    expect(messageOf(result)).toBe(
      "0/3 nodes are available: 1 Insufficient cpu, 2 Insufficient memory, 3 Insufficient example.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..",
    );
  });

  it("a pod that requests nothing still needs a pod slot", () => {
    const cache = cacheWith([["full", { pods: "1" }]], [makePod("there", { nodeName: "full" })]);
    expect(messageOf(schedule(makePod("p"), cache, options))).toMatch(/^0\/1 nodes are available: 1 Too many pods\. /);
  });

  it("a cordoned node takes pods that tolerate node.kubernetes.io/unschedulable", () => {
    const cache = cacheWith([["cordoned", { unschedulable: true }]]);
    const tolerant = makePod("p", { spec: { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] } });
    expect(boundTo(schedule(tolerant, cache, options))).toBe("cordoned");
  });

  it("filters nodes that are not Ready, and tainted ones the pod does not tolerate", () => {
    const cache = cacheWith([
      ["down", { ready: false }],
      ["gone", { ready: false, taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }] }],
      ["gpu", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }],
    ]);
    expect(messageOf(schedule(makePod("p"), cache, options))).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) were not ready. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..",
    );
    const tolerant = makePod("t", { spec: { tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu" }] } });
    expect(boundTo(schedule(tolerant, cache, options))).toBe("gpu");
  });

  it("honours nodeSelector and required node affinity", () => {
    const cache = cacheWith([["ssd", { labels: { disk: "ssd" } }], ["hdd", { labels: { disk: "hdd" } }]]);
    expect(boundTo(schedule(makePod("p", { spec: { nodeSelector: { disk: "ssd" } } }), cache, options))).toBe("ssd");
    const byName = makePod("q", {
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["hdd"] }] }] } } } },
    });
    expect(boundTo(schedule(byName, cache, options))).toBe("hdd");
    expect(messageOf(schedule(makePod("r", { spec: { nodeSelector: { disk: "tape" } } }), cache, options))).toMatch(
      /^0\/2 nodes are available: 2 node\(s\) didn't match Pod's node affinity\/selector\. /,
    );
  });

  it("says there are no nodes when there are none", () => {
    expect(messageOf(schedule(makePod("p"), new SchedulerCache(), options))).toBe("no nodes available to schedule pods");
  });
});

describe("preemption wording", () => {
  it("with lower-priority pods that would not free enough, repeats the filter's reasons", () => {
    const cache = cacheWith([["n", { cpu: "2" }]], [makePod("low", { cpu: "500m", nodeName: "n", priority: -1 })]);
    expect(messageOf(schedule(makePod("p", { cpu: "3" }), cache, options))).toBe(
      "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu..",
    );
  });

  it("says kube-lite does not preempt where evicting lower-priority pods would make room", () => {
    const cache = cacheWith([["n", { cpu: "2" }]], [makePod("low", { cpu: "2", nodeName: "n", priority: -1 })]);
    expect(messageOf(schedule(makePod("p", { cpu: "1" }), cache, options))).toContain("1 kube-lite does not preempt lower-priority pods.");
  });
});

describe("scores", () => {
  it("LeastAllocated is upstream's formula (free share × 100, cpu and memory averaged)", () => {
    const cache = cacheWith([["n", { cpu: "4", memory: "10000" }]], [makePod("a", { cpu: "3", memory: "5000", nodeName: "n" })]);
    const node = cache.node("n");
    if (node === undefined) throw new Error("no node");
    expect(leastAllocatedScore({ milliCpu: 0, memory: 0, scalars: new Map() }, node)).toBe(Math.trunc((25 + 50) / 2));
  });

  it("prefers the less allocated node", () => {
    const cache = cacheWith([["busy"], ["idle"]], [makePod("a", { cpu: "3", memory: "4Gi", nodeName: "busy" })]);
    expect(boundTo(schedule(makePod("p", { cpu: "100m" }), cache, options))).toBe("idle");
  });

  it("spreads the pods of one owner", () => {
    // Both nodes equally allocated; only the owner differs.
    const cache = cacheWith([["node-1"], ["node-2"]], [makePod("a", { cpu: "1", nodeName: "node-1", ownerUid: "rs-1" }), makePod("b", { cpu: "1", nodeName: "node-2", ownerUid: "rs-2" })]);
    for (let seed = 0; seed < 20; seed++) {
      expect(boundTo(schedule(makePod("p", { cpu: "1", ownerUid: "rs-1" }), cache, { random: seededRandom(seed) }))).toBe("node-2");
    }
  });

  it("avoids PreferNoSchedule taints the pod does not tolerate", () => {
    const cache = cacheWith([["soft", { taints: [{ key: "spot", effect: "PreferNoSchedule" }] }], ["plain"]]);
    expect(boundTo(schedule(makePod("p"), cache, options))).toBe("plain");
    const tolerant = makePod("t", { spec: { tolerations: [{ key: "spot", operator: "Exists" }], nodeSelector: {} } });
    const picks = new Set(Array.from({ length: 20 }, (_, seed) => boundTo(schedule(tolerant, cache, { random: seededRandom(seed) }))));
    expect(picks).toEqual(new Set(["soft", "plain"]));
  });

  it("follows preferred node affinity, but TaintToleration (weight 3) outweighs it (weight 2), as upstream", () => {
    const prefer = (name: string) =>
      makePod("q", {
        spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchFields: [{ key: "metadata.name", operator: "In", values: [name] }] } }] } } },
      });
    const plain = cacheWith([["a"], ["b"]]);
    expect(boundTo(schedule(prefer("b"), plain, options))).toBe("b");
    const tainted = cacheWith([["soft", { taints: [{ key: "spot", effect: "PreferNoSchedule" }] }], ["plain"]]);
    expect(boundTo(schedule(prefer("soft"), tainted, options))).toBe("plain");
  });

  it("breaks ties with the injected random source: the same seed, the same choice; other seeds reach other nodes", () => {
    const cache = cacheWith([["a"], ["b"], ["c"]]);
    const pick = (seed: number) => boundTo(schedule(makePod("p"), cache, { random: seededRandom(seed) }));
    expect(pick(7)).toBe(pick(7));
    const chosen = new Set(Array.from({ length: 30 }, (_, seed) => pick(seed)));
    expect(chosen).toEqual(new Set(["a", "b", "c"]));
  });
});

describe("at scale", () => {
  it("checks enough nodes, not all of them (upstream numFeasibleNodesToFind)", () => {
    expect(feasibleNodesToFind(50)).toBe(50);
    expect(feasibleNodesToFind(1000)).toBe(420);
    expect(feasibleNodesToFind(5000)).toBe(500);
    expect(feasibleNodesToFind(1000, 100)).toBe(1000);
  });

  it("1,000 pods of one owner over 100 nodes, each assumed as decided, land 10 per node", () => {
    const cache = cacheWith(Array.from({ length: 100 }, (_, index): [string] => [`node-${index}`]));
    const random = seededRandom(42);
    let startIndex = 0;
    for (let index = 0; index < 1000; index++) {
      const pod = makePod(`p-${index}`, { cpu: "100m", memory: "128Mi", ownerUid: "rs-1" });
      const result = schedule(pod, cache, { random, startIndex });
      cache.assume(pod, boundTo(result));
      startIndex = result.nextStartIndex;
    }
    expect(new Set(cache.nodes().map((node) => node.pods.size))).toEqual(new Set([10]));
  });
});
