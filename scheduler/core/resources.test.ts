import { describe, expect, it } from "vitest";
import type { PodSpec } from "../../client/index.js";
import { defaultMemoryRequestBytes, defaultMilliCpuRequest, podRequests } from "./resources.js";

const container = (name: string, requests?: Record<string, string>) => ({ name, resources: requests === undefined ? undefined : { requests } });

describe("podRequests", () => {
  const spec: PodSpec = {
    containers: [container("a", { cpu: "2", memory: "1G" }), container("b", { cpu: "1", memory: "1G", "example.com/gpu": "1" })],
    initContainers: [container("init-1", { cpu: "2", memory: "1G" }), container("init-2", { cpu: "2", memory: "3G", "example.com/gpu": "2" })],
    overhead: { cpu: "250m", memory: "100M" },
  };

  it("sums containers, takes the max with each init container, adds overhead", () => {
    const requests = podRequests(spec);
    expect(requests.milliCpu).toBe(3250);
    expect(requests.memory).toBe(3_100_000_000);
    expect(requests.scalars.get("example.com/gpu")).toBe(2);
  });

  it("scoring counts defaults for cpu and memory a container leaves out, but not explicit zeros", () => {
    const requests = podRequests({ containers: [container("a"), container("b", { cpu: "0" })] }, true);
    expect(requests.milliCpu).toBe(defaultMilliCpuRequest);
    expect(requests.memory).toBe(2 * defaultMemoryRequestBytes);
    expect(podRequests({ containers: [container("a")] }).milliCpu).toBe(0);
  });
});
