import { describe, expect, it } from "vitest";
import type { BenchResults, MachineFacts, SystemResult } from "./report.js";
import { versus, watchResultsTable } from "./watch-report.js";
import type { WatchLatencyResult } from "./watch-workloads.js";

describe("versus", () => {
  it("meets 'no worse than etcd' at or below etcd's latency, at or above its rate", () => {
    expect(versus(4, 5, true)).toEqual({ ratio: "0.80×", goal: "no worse than etcd: met" });
    expect(versus(6, 5, true).goal).toBe("no worse than etcd: **not met**");
    expect(versus(900, 1000, false).goal).toBe("no worse than etcd: **not met**");
    expect(versus(1000, 1000, false).goal).toBe("no worse than etcd: met");
  });

  it("says nothing without both figures", () => {
    expect(versus(undefined, 5, true)).toEqual({ ratio: "–", goal: "" });
    expect(versus(Number.NaN, 5, true)).toEqual({ ratio: "–", goal: "" });
  });
});

const summary = (p50Ms: number, p99Ms: number) => ({ count: 300, p50Ms, p90Ms: p50Ms, p99Ms, maxMs: p99Ms, meanMs: p50Ms });

function latency(watchers: number, p50Ms: number, p99Ms: number): WatchLatencyResult {
  return {
    watchers,
    workers: 2,
    puts: 300,
    undelivered: 0,
    events: 300 * watchers,
    durationMs: 1000,
    eventLatency: summary(p50Ms, p99Ms),
    putLatency: summary(p50Ms, p99Ms),
    clientCpuPercent: 10,
    workersCpuPercent: 5,
    clientCpuUsPerEvent: 1,
    membersCpuPercent: 50,
    membersCpuUsPerEvent: 2,
    canceledWatchers: 0,
    streamErrors: 0,
    firstProblem: undefined,
  };
}

describe("watchResultsTable", () => {
  it("puts each watcher count's latency beside etcd's with the verdict", () => {
    const system = (name: string, p50Ms: number): SystemResult => ({ system: name, memberCommand: "", watch: [{ latency: latency(100, p50Ms, 3 * p50Ms) }] });
    const results: BenchResults = { machine: { etcd: "3.4.23" } as MachineFacts, settings: {}, systems: [system("kube-lite", 12), system("etcd", 10)] };
    const table = watchResultsTable(results);
    expect(table).toContain("| write-to-watch latency p50, 100 watchers (ms) | 12.00 | 10.00 | 1.20× | no worse than etcd: **not met** |");
    expect(table).toContain("| etcd 3.4.23 |");
    // No lease phase ran: its rows show dashes, not zeros.
    expect(table).toContain("| lease grants per second, sequential | – | – | – |  |");
  });
});
