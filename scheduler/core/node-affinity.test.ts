import { describe, expect, it } from "vitest";
import type { NodeSelectorRequirement, PodSpec } from "../../client/index.js";
import { compilePreferredNodeAffinity, compileRequiredNodeAffinity, compileTerm, preferredAffinityScore } from "./node-affinity.js";

const node = { name: "node-1", labels: { disk: "ssd", cores: "8", zone: "a" } };
const matches = (...matchExpressions: NodeSelectorRequirement[]) => compileTerm({ matchExpressions })(node);

describe("node selector terms", () => {
  it("In / NotIn / Exists / DoesNotExist", () => {
    expect(matches({ key: "disk", operator: "In", values: ["ssd", "nvme"] })).toBe(true);
    expect(matches({ key: "disk", operator: "In", values: ["hdd"] })).toBe(false);
    expect(matches({ key: "absent", operator: "NotIn", values: ["x"] })).toBe(true);
    expect(matches({ key: "disk", operator: "NotIn", values: ["ssd"] })).toBe(false);
    expect(matches({ key: "disk", operator: "Exists" })).toBe(true);
    expect(matches({ key: "disk", operator: "DoesNotExist" })).toBe(false);
    expect(matches({ key: "gpu", operator: "DoesNotExist" })).toBe(true);
  });

  it("Gt / Lt compare integers; a label that is not one does not match", () => {
    expect(matches({ key: "cores", operator: "Gt", values: ["4"] })).toBe(true);
    expect(matches({ key: "cores", operator: "Lt", values: ["4"] })).toBe(false);
    expect(matches({ key: "disk", operator: "Gt", values: ["4"] })).toBe(false);
  });

  it("requirements in a term are ANDed; an invalid requirement or an empty term matches nothing", () => {
    expect(matches({ key: "disk", operator: "In", values: ["ssd"] }, { key: "zone", operator: "In", values: ["b"] })).toBe(false);
    expect(matches({ key: "disk", operator: "In", values: [] })).toBe(false);
    expect(matches({ key: "cores", operator: "Gt", values: ["four"] })).toBe(false);
    expect(matches({ key: "disk", operator: "Exists", values: ["ssd"] })).toBe(false);
    expect(compileTerm({})(node)).toBe(false);
  });

  it("matchFields knows metadata.name with one value", () => {
    expect(compileTerm({ matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1"] }] })(node)).toBe(true);
    expect(compileTerm({ matchFields: [{ key: "metadata.name", operator: "NotIn", values: ["node-1"] }] })(node)).toBe(false);
    expect(compileTerm({ matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1", "node-2"] }] })(node)).toBe(false);
    expect(compileTerm({ matchFields: [{ key: "metadata.uid", operator: "In", values: ["x"] }] })(node)).toBe(false);
  });
});

describe("required affinity and nodeSelector", () => {
  const spec = (extra: Partial<PodSpec>): PodSpec => ({ containers: [], ...extra });

  it("is undefined when the pod has neither", () => {
    expect(compileRequiredNodeAffinity(spec({}))).toBeUndefined();
  });

  it("needs every nodeSelector label and any one required term", () => {
    const required = compileRequiredNodeAffinity(
      spec({
        nodeSelector: { disk: "ssd" },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] }, { matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1"] }] }],
            },
          },
        },
      }),
    );
    expect(required?.(node)).toBe(true);
    expect(required?.({ name: "node-2", labels: node.labels })).toBe(false);
    expect(required?.({ name: "node-1", labels: { disk: "hdd" } })).toBe(false);
  });

  it("sums the weights of preferred terms the node meets", () => {
    const preferences = compilePreferredNodeAffinity([
      { weight: 10, preference: { matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] } },
      { weight: 5, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] } },
      { weight: 7, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] } },
    ]);
    expect(preferredAffinityScore(preferences, node)).toBe(15);
  });
});
