import { describe, expect, it } from "vitest";
import { parseKubeletSimFlags, parseLabels } from "./flags.js";

const server = ["--server", "http://127.0.0.1:8080,http://127.0.0.1:8081"];

describe("parseKubeletSimFlags", () => {
  it("defaults as the issue and the kubelet do", () => {
    const flags = parseKubeletSimFlags(server);
    expect(flags).toMatchObject({
      servers: ["http://127.0.0.1:8080", "http://127.0.0.1:8081"],
      nodeNames: ["node-1"],
      cpu: "4",
      memory: "8Gi",
      maxPods: 110,
      leaseDurationSeconds: 40,
      leaseRenewIntervalMs: 10_000,
      statusUpdateFrequencyMs: 10_000,
      statusReportFrequencyMs: 300_000,
      podStartDelayMs: 1000,
      podStopDelayMs: 500,
    });
  });

  it("names many nodes from a prefix, and takes Go durations and quantities", () => {
    const flags = parseKubeletSimFlags([...server, "--nodes", "3", "--node-prefix", "sim-", "--node-lease-duration-seconds", "8", "--pod-start-delay", "0", "--cpu", "500m", "--labels", "a=1,b="]);
    expect(flags.nodeNames).toEqual(["sim-1", "sim-2", "sim-3"]);
    expect(flags.leaseRenewIntervalMs).toBe(2000);
    expect(flags.podStartDelayMs).toBe(0);
    expect(flags.cpu).toBe("500m");
    expect(flags.labels).toEqual({ a: "1", b: "" });
  });

  it("refuses bad input with a message naming the flag", () => {
    expect(() => parseKubeletSimFlags([])).toThrow(/--server is required/);
    expect(() => parseKubeletSimFlags([...server, "--nodes", "0"])).toThrow(/--nodes/);
    expect(() => parseKubeletSimFlags([...server, "--nodes", "2", "--node", "x"])).toThrow(/either --node or --nodes/);
    expect(() => parseKubeletSimFlags([...server, "--memory", "lots"])).toThrow(/--memory/);
    expect(() => parseKubeletSimFlags([...server, "--node-status-update-frequency", "10"])).toThrow(/--node-status-update-frequency/);
    expect(() => parseKubeletSimFlags([...server, "--node-lease-renew-interval", "0"])).toThrow(/positive/);
    expect(() => parseKubeletSimFlags([...server, "--bogus"])).toThrow(/bogus/);
    expect(() => parseLabels("novalue", "--labels")).toThrow(/key=value/);
  });
});
