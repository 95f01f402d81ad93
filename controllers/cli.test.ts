import { describe, expect, it } from "vitest";
import { defaultControllerManagerSettings } from "./controller.js";
import { parseControllerManagerFlags } from "./cli.js";

describe("controller-manager flags", () => {
  it("defaults to Kubernetes 1.32's timings", () => {
    const { settings } = parseControllerManagerFlags(["--server", "http://127.0.0.1:1"]);
    expect(settings).toEqual(defaultControllerManagerSettings);
    expect(settings).toMatchObject({ nodeMonitorGracePeriodMs: 50_000, nodeStartupGracePeriodMs: 60_000, nodeMonitorPeriodMs: 5_000, nodeEvictionRatePerSecond: 0.1, secondaryNodeEvictionRatePerSecond: 0.01, unhealthyZoneThreshold: 0.55, workers: 5 });
  });

  it("takes Go durations for the grace periods and refuses bad values", () => {
    const { settings } = parseControllerManagerFlags(["--server", "http://127.0.0.1:1", "--node-monitor-grace-period", "3s", "--node-startup-grace-period", "1m30s", "--node-monitor-period", "300ms"]);
    expect(settings).toMatchObject({ nodeMonitorGracePeriodMs: 3_000, nodeStartupGracePeriodMs: 90_000, nodeMonitorPeriodMs: 300 });
    expect(() => parseControllerManagerFlags(["--server", "http://127.0.0.1:1", "--node-startup-grace-period", "soon"])).toThrow(/--node-startup-grace-period/);
    expect(() => parseControllerManagerFlags(["--server", "http://127.0.0.1:1", "--concurrent-workers", "0"])).toThrow(/--concurrent-workers/);
  });
});
