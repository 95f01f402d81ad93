import { describe, expect, it } from "vitest";
import type { Taint, Toleration } from "../../client/index.js";
import { countIntolerablePreferNoSchedule, findUntoleratedTaint, toleratesTaint, untoleratedTaintReason } from "./taints.js";

const gpu: Taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };

describe("toleratesTaint", () => {
  it("defaults the operator to Equal, which compares values", () => {
    expect(toleratesTaint({ key: "dedicated", value: "gpu" }, gpu)).toBe(true);
    expect(toleratesTaint({ key: "dedicated", value: "cpu" }, gpu)).toBe(false);
    expect(toleratesTaint({ key: "dedicated", operator: "Equal" }, gpu)).toBe(false);
  });

  it("Exists ignores the value; an empty key with Exists tolerates every taint", () => {
    expect(toleratesTaint({ key: "dedicated", operator: "Exists" }, gpu)).toBe(true);
    expect(toleratesTaint({ operator: "Exists" }, gpu)).toBe(true);
    expect(toleratesTaint({ operator: "Exists" }, { key: "x", effect: "NoExecute" })).toBe(true);
  });

  it("an empty effect matches every effect, a set one only its own", () => {
    expect(toleratesTaint({ key: "dedicated", operator: "Exists", effect: "" }, gpu)).toBe(true);
    expect(toleratesTaint({ key: "dedicated", operator: "Exists", effect: "NoExecute" }, gpu)).toBe(false);
  });

  it("an unknown operator tolerates nothing", () => {
    expect(toleratesTaint({ key: "dedicated", operator: "Gt" as Toleration["operator"] }, gpu)).toBe(false);
  });
});

describe("taint filter and score", () => {
  it("finds the first NoSchedule/NoExecute taint not tolerated and words it as upstream", () => {
    const taints: Taint[] = [{ key: "soft", effect: "PreferNoSchedule" }, gpu, { key: "node.kubernetes.io/unreachable", effect: "NoExecute" }];
    const untolerated = findUntoleratedTaint(taints, [{ key: "dedicated", value: "gpu" }]);
    expect(untolerated?.key).toBe("node.kubernetes.io/unreachable");
    expect(untoleratedTaintReason(untolerated as Taint)).toBe("node(s) had untolerated taint {node.kubernetes.io/unreachable: }");
    expect(untoleratedTaintReason(gpu)).toBe("node(s) had untolerated taint {dedicated: gpu}");
    expect(findUntoleratedTaint(taints, [{ operator: "Exists" }])).toBeUndefined();
  });

  it("counts PreferNoSchedule taints, only tolerations with an empty or PreferNoSchedule effect count", () => {
    const taints: Taint[] = [{ key: "a", effect: "PreferNoSchedule" }, { key: "b", effect: "PreferNoSchedule" }, gpu];
    expect(countIntolerablePreferNoSchedule(taints, [])).toBe(2);
    expect(countIntolerablePreferNoSchedule(taints, [{ key: "a", operator: "Exists" }])).toBe(1);
    expect(countIntolerablePreferNoSchedule(taints, [{ key: "a", operator: "Exists", effect: "NoSchedule" }])).toBe(2);
  });
});
