import { describe, expect, it } from "vitest";
import { resolveTarget, type ClusterSnapshot } from "./snapshot.js";
import { defaultTimings, fastTimings, planCluster, storePorts } from "./topology.js";

describe("planCluster", () => {
  const plan = planCluster({ members: 3, nodes: 3, dataDir: "/d", port: 8080, timings: defaultTimings, logLevel: "info" });

  it("runs the contract's components with etcd's Procfile ports and two apiservers on 8080/8081", () => {
    expect(plan.map((c) => c.name)).toEqual([
      "store/s1", "store/s2", "store/s3", "apiserver/1", "apiserver/2",
      "controller-manager/1", "controller-manager/2", "scheduler/1", "scheduler/2",
      "node/node-1", "node/node-2", "node/node-3",
    ]);
    expect([0, 1, 2, 3, 4].map(storePorts)).toEqual([
      { client: 2379, peer: 12380 }, { client: 22379, peer: 22380 }, { client: 32379, peer: 32380 },
      { client: 42379, peer: 42380 }, { client: 52379, peer: 52380 },
    ]);
    const s2 = plan.find((c) => c.name === "store/s2");
    expect(s2?.args).toEqual(expect.arrayContaining(["--listen-client-urls", "http://127.0.0.1:22379", "--initial-cluster", "s1=http://127.0.0.1:12380,s2=http://127.0.0.1:22380,s3=http://127.0.0.1:32380"]));
    const scheduler = plan.find((c) => c.name === "scheduler/2");
    expect(scheduler?.args).toEqual(expect.arrayContaining(["--server", "http://127.0.0.1:8080,http://127.0.0.1:8081", "--identity", "scheduler-2"]));
    expect(plan.find((c) => c.name === "apiserver/2")?.args).toEqual(expect.arrayContaining(["--etcd-servers", "http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379", "--port", "8081"]));
  });

  it("passes the failure timings to the components that use them", () => {
    const fast = planCluster({ members: 5, nodes: 1, dataDir: "/d", port: 9000, timings: fastTimings, logLevel: "warn" });
    expect(fast.filter((c) => c.role === "store")).toHaveLength(5);
    expect(fast.find((c) => c.name === "controller-manager/1")?.args).toEqual(expect.arrayContaining(["--node-monitor-grace-period", fastTimings.nodeMonitorGracePeriod, "--leader-elect-lease-duration", fastTimings.leaseDuration]));
    expect(fast.find((c) => c.name === "apiserver/1")?.args).toEqual(expect.arrayContaining(["--default-unreachable-toleration-seconds", String(fastTimings.podEvictionTimeoutSeconds)]));
    expect(fast.find((c) => c.name === "node/node-1")?.args).toEqual(expect.arrayContaining(["--node-lease-duration-seconds", String(fastTimings.nodeLeaseDurationSeconds)]));
  });
});

describe("resolveTarget", () => {
  const component = (name: string, role: ClusterSnapshot["components"][number]["role"], extra: object = {}) => ({ name, role, pid: 1, running: true, url: undefined, logFile: "", ...extra });
  const snapshot: ClusterSnapshot = {
    storeLeader: "store/s2",
    nodes: [],
    components: [
      component("store/s1", "store"),
      component("store/s2", "store"),
      component("apiserver/1", "apiserver", { running: false }),
      component("apiserver/2", "apiserver"),
      component("scheduler/1", "scheduler", { status: { leading: false } }),
      component("scheduler/2", "scheduler", { status: { leading: true } }),
      component("controller-manager/1", "controller-manager", { status: { leading: false } }),
      component("node/node-1", "kubelet-sim"),
    ],
  };

  it("names the leaders, the first running apiserver, and components by name", () => {
    expect(resolveTarget("store-leader", snapshot)).toEqual({ name: "store/s2" });
    expect(resolveTarget("scheduler-leader", snapshot)).toEqual({ name: "scheduler/2" });
    expect(resolveTarget("apiserver", snapshot)).toEqual({ name: "apiserver/2" });
    expect(resolveTarget("node/node-1", snapshot)).toEqual({ name: "node/node-1" });
  });

  it("explains what cannot be resolved", () => {
    expect(resolveTarget("controller-manager-leader", snapshot)).toEqual({ error: "no controller-manager replica leads right now" });
    expect(resolveTarget("store-leader", { ...snapshot, storeLeader: undefined })).toEqual({ error: "the store has no leader right now" });
    expect(resolveTarget("node/node-9", snapshot)).toMatchObject({ error: expect.stringContaining("unknown target 'node/node-9'") });
  });
});
