import { describe, expect, it } from "vitest";
import { parseSchedulerFlags } from "./cli.js";

describe("parseSchedulerFlags", () => {
  it("has kube-scheduler's defaults", () => {
    const flags = parseSchedulerFlags(["--server", "http://127.0.0.1:8080,http://127.0.0.1:8081"]);
    expect(flags.servers).toEqual(["http://127.0.0.1:8080", "http://127.0.0.1:8081"]);
    expect(flags.leaderElect).toBe(true);
    expect(flags.leaderElection).toEqual({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    expect([flags.leaseNamespace, flags.leaseName, flags.schedulerName]).toEqual(["kube-system", "kube-scheduler", "default-scheduler"]);
    expect(flags.identity).toMatch(/_/);
  });

  it("reads Go durations and boolean --leader-elect forms", () => {
    const flags = parseSchedulerFlags(["--server=http://a:1", "--leader-elect", "--leader-elect-lease-duration=2s", "--leader-elect-renew-deadline", "1500ms", "--leader-elect-retry-period", "300ms"]);
    expect(flags.leaderElect).toBe(true);
    expect(flags.leaderElection).toEqual({ leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 300 });
    expect(parseSchedulerFlags(["--server=http://a:1", "--leader-elect=false"]).leaderElect).toBe(false);
    expect(parseSchedulerFlags(["--server=http://a:1", "--leader-elect=0"]).leaderElect).toBe(false);
    expect(parseSchedulerFlags(["--server=http://a:1", "--leader-elect=True"]).leaderElect).toBe(true);
  });

  it("refuses bad input with a message naming the flag", () => {
    expect(() => parseSchedulerFlags([])).toThrow(/--server is required/);
    expect(() => parseSchedulerFlags(["--server=http://a:1", "--leader-elect-lease-duration=soon"])).toThrow(/--leader-elect-lease-duration/);
    expect(() => parseSchedulerFlags(["--server=http://a:1", "--leader-elect=maybe"])).toThrow(/--leader-elect must be true or false/);
    expect(() => parseSchedulerFlags(["--server=http://a:1", "--bogus"])).toThrow(/bogus/);
    expect(() => parseSchedulerFlags(["--server=http://a:1", "--port=70000"])).toThrow(/--port/);
  });
});
