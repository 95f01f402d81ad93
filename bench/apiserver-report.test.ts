import { describe, expect, it } from "vitest";
import { type ApiBenchResults, apiBenchMarkdown, scopeOfRead, sloSummary, sloVerdict } from "./apiserver-report.js";
import type { CreateResult, CpuShares, ReadResult } from "./apiserver-workloads.js";
import type { LatencySummary } from "./support/load.js";

const latency = (p99Ms: number): LatencySummary => ({ count: 10, p50Ms: p99Ms / 2, p90Ms: p99Ms, p99Ms, maxMs: p99Ms, meanMs: p99Ms / 2 });
const cpu: CpuShares = { benchPercent: 5, watchWorkersPercent: 0, apiserverPercent: 50, storePercent: 60, otherPercent: 10 };
const window = { startUs: 0, endUs: 1 };

const creates = (p99Ms: number, clients: number): CreateResult => ({
  clients,
  creates: 100,
  errors: 0,
  firstError: undefined,
  durationMs: 1000,
  createsPerSecond: 100,
  latency: latency(p99Ms),
  cpu,
  apiserverCpuUsPerCreate: 900,
  storeCpuUsPerCreate: 1200,
  window,
});

const read = (what: string, path: string, p99Ms: number): ReadResult => ({ what, path, samples: 5, responseBytes: 1000, latency: latency(p99Ms), cpu, apiserverCpuMsPerRequest: 1, window });

function results(createP99Ms: number, clusterListP99Ms: number): ApiBenchResults {
  return {
    machine: { date: "2026-11-25T00:00:00Z", command: "npm run bench:apiserver", cpus: 2, cpuModel: "cpu", memoryGiB: 1, os: "Linux", node: "v20", uptimeAtStart: "up 1 day, load average: 1.00, 1.00, 1.00", loadAverageAtStart: [1, 1, 1], kubeLiteCommit: "abc", kubeLiteWorkingTree: "clean working tree", bin: "dist/cluster/main.js" },
    settings: {},
    apiserverCommand: "node apiserver",
    storeCommand: "node store",
    sequentialCreates: creates(20, 1),
    stored: [
      {
        podsInNamespace: 1000,
        podsInCluster: 1000,
        fill: creates(createP99Ms, 32),
        reads: [read("GET pod", "/api/v1/namespaces/bench/pods/<name>", 5), read("LIST ns", "/api/v1/namespaces/bench/pods?limit=500", 300), read("LIST all", "/api/v1/pods?limit=500", clusterListP99Ms)],
      },
    ],
    watch: [],
  };
}

describe("SLO verdicts", () => {
  it("scopes a read by its path", () => {
    expect(scopeOfRead("/api/v1/namespaces/bench/pods/<name>")).toBe("resource");
    expect(scopeOfRead("/api/v1/namespaces/bench/pods?labelSelector=a%3Db&limit=500")).toBe("namespace");
    expect(scopeOfRead("/api/v1/pods?limit=500")).toBe("cluster");
  });

  it("says met with the headroom, or not met with how far over", () => {
    expect(sloVerdict(100, "mutating")).toBe("met (10× headroom)");
    expect(sloVerdict(4000, "namespace")).toBe("met (1.3× headroom)");
    expect(sloVerdict(2500, "mutating")).toBe("**not met** (2.5× over)");
  });

  it("summarizes the worst p99 of each SLO", () => {
    const lines = sloSummary(results(1500, 40_000));
    expect(lines[0]).toContain("1500.0 ms — **not met**");
    expect(lines.find((l) => l.startsWith("- LIST across the cluster"))).toContain("**not met** (1.3× over)");
    expect(lines.find((l) => l.startsWith("- GET"))).toContain("met (200× headroom)");
  });
});

describe("apiBenchMarkdown", () => {
  it("writes the load at start and one row per create phase and read", () => {
    const markdown = apiBenchMarkdown(results(50, 900));
    expect(markdown).toContain("load average: 1.00, 1.00, 1.00");
    expect(markdown).toContain("| sequential | 1 | 100 |");
    expect(markdown).toContain("| fill to 1000 | 32 | 100 |");
    expect(markdown.match(/^\| 1000 \| /gm)?.length).toBe(3);
  });
});
