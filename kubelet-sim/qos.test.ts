import { describe, expect, it } from "vitest";
import type { Container, Pod } from "../client/index.js";
import { podQosClass, quantityValue } from "./qos.js";

function pod(...containers: Container["resources"][]): Pod {
  return { metadata: {}, spec: { containers: containers.map((resources, i) => ({ name: `c${i}`, resources })) } };
}

describe("podQosClass", () => {
  it("is BestEffort without requests or limits (zero ones do not count)", () => {
    expect(podQosClass(pod(undefined, {}))).toBe("BestEffort");
    expect(podQosClass(pod({ requests: { cpu: "0" } }))).toBe("BestEffort");
  });

  it("is Guaranteed when every container limits cpu and memory and requests equal limits", () => {
    expect(podQosClass(pod({ requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "0.5", memory: "1024Mi" } }))).toBe("Guaranteed");
  });

  it("is Burstable otherwise", () => {
    expect(podQosClass(pod({ requests: { cpu: "100m" } }))).toBe("Burstable");
    expect(podQosClass(pod({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } }, undefined))).toBe("Burstable");
    expect(podQosClass(pod({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "1Gi" } }))).toBe("Burstable");
  });

  it("parses quantities in every suffix form", () => {
    expect(quantityValue("100m")).toBeCloseTo(0.1);
    expect(quantityValue("1Gi")).toBe(2 ** 30);
    expect(quantityValue("1G")).toBe(1e9);
    expect(quantityValue("1e3")).toBe(1000);
    expect(quantityValue(2)).toBe(2);
    expect(quantityValue("lots")).toBeNaN();
  });
});
