import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { applyMergePatch } from "./merge-patch.js";
import { deploymentSchema, emptySchema, podSchema } from "./schema-fixtures.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";
import { PatchError, type JsonObject, type JsonValue } from "./types.js";

function pod(spec: JsonObject, metadata: JsonObject = { name: "web" }): JsonObject {
  return { apiVersion: "v1", kind: "Pod", metadata, spec };
}

function patchPod(live: JsonObject, patch: JsonObject): JsonObject {
  return applyStrategicMergePatch(live, patch, podSchema) as JsonObject;
}

function specOf(value: JsonObject): JsonObject {
  return value.spec as JsonObject;
}

function patchError(action: () => unknown): PatchError {
  try {
    action();
  } catch (error) {
    if (error instanceof PatchError) return error;
    throw error;
  }
  throw new Error("expected a PatchError");
}

const twoContainers = pod({
  containers: [
    { name: "a", image: "a:1", ports: [{ containerPort: 80, protocol: "TCP" }] },
    { name: "b", image: "b:1" },
  ],
});

describe("applyStrategicMergePatch: lists with a merge key", () => {
  it("merges items by key and appends new ones", () => {
    const result = patchPod(twoContainers, { spec: { containers: [{ name: "b", image: "b:2" }, { name: "c", image: "c:1" }] } });
    expect(specOf(result).containers).toEqual([
      { name: "a", image: "a:1", ports: [{ containerPort: 80, protocol: "TCP" }] },
      { name: "b", image: "b:2" },
      { name: "c", image: "c:1" },
    ]);
  });

  it("orders the merged list by $setElementOrder, as kubectl apply sends it", () => {
    const result = patchPod(twoContainers, {
      spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }], containers: [{ name: "a", image: "a:2" }] },
    });
    expect((specOf(result).containers as JsonObject[]).map((container) => [container.name, container.image])).toEqual([
      ["b", "b:1"],
      ["a", "a:2"],
    ]);
  });

  it("interleaves server-only items by the live order (upstream's mergeSortedSlice)", () => {
    const live = pod({ containers: [{ name: "a" }, { name: "x" }, { name: "b" }] });
    const result = patchPod(live, { spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }], containers: [] } });
    expect((specOf(result).containers as JsonObject[]).map((container) => container.name)).toEqual(["x", "b", "a"]);
  });

  it("deletes items with $patch: delete and replaces the list with $patch: replace", () => {
    expect(specOf(patchPod(twoContainers, { spec: { containers: [{ name: "a", $patch: "delete" }] } })).containers).toEqual([{ name: "b", image: "b:1" }]);
    expect(specOf(patchPod(twoContainers, { spec: { containers: [{ name: "c" }, { $patch: "replace" }] } })).containers).toEqual([{ name: "c" }]);
  });

  it("merges nested lists (ports by containerPort) inside merged items, new items first when none is shared", () => {
    const result = patchPod(twoContainers, { spec: { containers: [{ name: "a", ports: [{ containerPort: 443, protocol: "TCP" }] }] } });
    expect(((specOf(result).containers as JsonObject[])[0] as JsonObject).ports).toEqual([
      { containerPort: 443, protocol: "TCP" },
      { containerPort: 80, protocol: "TCP" },
    ]);
  });

  it("refuses an item without its merge key with upstream's message", () => {
    const error = patchError(() => patchPod(twoContainers, { spec: { containers: [{ image: "x" }] } }));
    expect(error.status).toBe(422);
    expect(error.message).toBe("map: map[image:x] does not contain declared merge key: name");
  });

  it("refuses a patch list that contradicts its $setElementOrder", () => {
    const error = patchError(() =>
      patchPod(twoContainers, { spec: { "$setElementOrder/containers": [{ name: "a" }], containers: [{ name: "z" }] } }),
    );
    expect(error.message).toBe("the order in patch list:\n[map[name:z]]\n doesn't match $setElementOrder list:\n[map[name:a]]");
  });

  it("refuses $patch: merge in a list and unknown directives", () => {
    expect(patchError(() => patchPod(twoContainers, { spec: { containers: [{ $patch: "merge" }] } })).message).toBe(
      "merging lists cannot yet be specified in the patch",
    );
    const secured = pod({ securityContext: { runAsUser: 1 } });
    expect(patchError(() => patchPod(secured, { spec: { securityContext: { $patch: "frob" } } })).message).toBe(
      "unknown patch type: frob in map: map[$patch:frob]",
    );
  });
});

describe("applyStrategicMergePatch: primitive lists", () => {
  const withFinalizers = pod({}, { name: "web", finalizers: ["a", "b"] });
  const finalizers = (value: JsonObject): JsonValue | undefined => (value.metadata as JsonObject).finalizers;

  it("unions a merge list, patch items first when they are new (upstream's order)", () => {
    expect(finalizers(patchPod(withFinalizers, { metadata: { finalizers: ["b", "c"] } }))).toEqual(["a", "b", "c"]);
    expect(finalizers(patchPod(withFinalizers, { metadata: { finalizers: ["c"] } }))).toEqual(["c", "a", "b"]);
  });

  it("orders by $setElementOrder", () => {
    const result = patchPod(withFinalizers, { metadata: { "$setElementOrder/finalizers": ["c", "a"], finalizers: ["c"] } });
    expect(finalizers(result)).toEqual(["c", "a", "b"]);
  });

  it("removes items listed in $deleteFromPrimitiveList", () => {
    expect(finalizers(patchPod(withFinalizers, { metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } }))).toEqual(["b"]);
    expect(finalizers(patchPod(pod({}), { metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } }))).toBeUndefined();
  });

  it("replaces lists without a merge strategy, and lists the schema does not know", () => {
    const live = pod({ tolerations: [{ key: "a" }], extra: [1, 2] });
    const result = patchPod(live, { spec: { tolerations: [{ key: "b" }], extra: [3] } });
    expect(specOf(result).tolerations).toEqual([{ key: "b" }]);
    expect(specOf(result).extra).toEqual([3]);
  });

  it("refuses lists of lists", () => {
    const live = pod({}, { name: "web", finalizers: [["a"]] as unknown as JsonValue[] });
    expect(patchError(() => patchPod(live, { metadata: { finalizers: [["b"]] } })).message).toBe("lists of lists are not supported");
  });
});

describe("applyStrategicMergePatch: maps", () => {
  const labelled = pod({ securityContext: { runAsUser: 1 } }, { name: "web", labels: { app: "web", tier: "front" } });

  it("deletes a member with null and ignores nulls the live object lacks", () => {
    const result = patchPod(labelled, { metadata: { labels: { tier: null, absent: null }, annotations: { a: "1", b: null } } });
    expect((result.metadata as JsonObject).labels).toEqual({ app: "web" });
    expect((result.metadata as JsonObject).annotations).toEqual({ a: "1" });
  });

  it("replaces a map with $patch: replace and empties it with $patch: delete", () => {
    const replaced = patchPod(labelled, { metadata: { labels: { $patch: "replace", only: "this" } } });
    expect((replaced.metadata as JsonObject).labels).toEqual({ only: "this" });
    expect(specOf(patchPod(labelled, { spec: { securityContext: { $patch: "delete" } } })).securityContext).toEqual({});
    expect(specOf(patchPod(pod({}), { spec: { securityContext: { $patch: "delete" } } }))).not.toHaveProperty("securityContext");
  });

  it("clears the members $retainKeys does not list (Deployment strategy)", () => {
    const live = { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } }, replicas: 2 } };
    const result = applyStrategicMergePatch(live, { spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: null } } }, deploymentSchema);
    expect(result).toEqual({ spec: { strategy: { type: "Recreate" }, replicas: 2 } });
  });

  it("refuses a patch member that $retainKeys does not list", () => {
    const live = { spec: { strategy: { type: "RollingUpdate" } } };
    const error = patchError(() => applyStrategicMergePatch(live, { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } }, deploymentSchema));
    expect(error.status).toBe(400);
    expect(error.message).toBe("invalid patch format of retainKeys");
  });

  it("applies $retainKeys inside list items (volumes: merge,retainKeys)", () => {
    const live = pod({ volumes: [{ name: "v", emptyDir: {} }] });
    const result = patchPod(live, { spec: { volumes: [{ name: "v", $retainKeys: ["configMap", "name"], configMap: { name: "cm" } }] } });
    expect(specOf(result).volumes).toEqual([{ name: "v", configMap: { name: "cm" } }]);
  });

  it("drops nulls and directive maps from values it adds", () => {
    const result = patchPod(pod({}), { spec: { securityContext: { runAsUser: null, runAsNonRoot: true }, affinity: { nodeAffinity: { $patch: "delete" } } } });
    expect(specOf(result).securityContext).toEqual({ runAsNonRoot: true });
    expect(specOf(result).affinity).toEqual({});
  });

  it("does not modify its inputs", () => {
    const live = structuredClone(twoContainers);
    const patch = { spec: { containers: [{ name: "a", $patch: "delete" }] } };
    patchPod(live, patch);
    expect(live).toEqual(twoContainers);
    expect(patch).toEqual({ spec: { containers: [{ name: "a", $patch: "delete" }] } });
  });

  it("equals a JSON merge patch on maps without lists or directives", () => {
    const key = fc.constantFrom("a", "b", "c", "labels");
    const scalar = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null));
    const tree = fc.letrec<{ node: JsonValue }>((tie) => ({
      node: fc.oneof({ depthSize: "small" }, scalar, fc.dictionary(key, tie("node"), { maxKeys: 3 })),
    })).node;
    const document = fc.dictionary(key, tree, { maxKeys: 4 });
    fc.assert(
      fc.property(document, document, (target, patch) => {
        const cleanTarget = applyMergePatch({}, target);
        for (const schema of [emptySchema, podSchema]) {
          expect(applyStrategicMergePatch(cleanTarget, patch, schema)).toEqual(applyMergePatch(cleanTarget, patch));
        }
      }),
    );
  });
});

describe("applyStrategicMergePatch: a kubectl client-side apply patch", () => {
  it("applies nested $setElementOrder, a $patch: delete item and scalar changes together", () => {
    const live = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" } },
      spec: {
        replicas: 1,
        template: {
          spec: {
            containers: [{ name: "nginx", image: "nginx:1.25", env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], ports: [{ containerPort: 80, protocol: "TCP" }] }],
          },
        },
      },
    };
    const patch: JsonObject = {
      metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"new":true}' } },
      spec: {
        replicas: 3,
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "nginx" }],
            containers: [
              {
                "$setElementOrder/env": [{ name: "A" }, { name: "C" }],
                env: [{ name: "C", value: "3" }, { $patch: "delete", name: "B" }],
                image: "nginx:1.26",
                name: "nginx",
              },
            ],
          },
        },
      },
    };
    const result = applyStrategicMergePatch(live, patch, deploymentSchema) as JsonObject;
    expect(result.spec).toEqual({
      replicas: 3,
      template: {
        spec: {
          containers: [{ name: "nginx", image: "nginx:1.26", env: [{ name: "A", value: "1" }, { name: "C", value: "3" }], ports: [{ containerPort: 80, protocol: "TCP" }] }],
        },
      },
    });
    expect((result.metadata as JsonObject).annotations).toEqual({ "kubectl.kubernetes.io/last-applied-configuration": '{"new":true}' });
  });
});

describe("applyStrategicMergePatch on long lists", () => {
  it("merges and orders 2,000 items quickly", () => {
    const live = pod({ containers: Array.from({ length: 2000 }, (_, index) => ({ name: `c${index}`, image: "old" })) });
    const order = Array.from({ length: 2000 }, (_, index) => ({ name: `c${1999 - index}` }));
    const started = performance.now();
    const result = patchPod(live, { spec: { "$setElementOrder/containers": order, containers: [{ name: "c5", image: "new" }] } });
    const containers = specOf(result).containers as JsonObject[];
    expect(containers[0]?.name).toBe("c1999");
    expect(containers.find((container) => container.name === "c5")?.image).toBe("new");
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

// The fuzz suite expected refusals for these three; upstream's mergeMap (apimachinery
// strategicpatch, the apply half the apiserver runs) accepts them, and so does this port.
describe("applyStrategicMergePatch: malformed directives upstream lets through", () => {
  it("ignores a $deleteFromPrimitiveList value that is not a list (only sortMergeListsByNameMap, a test helper upstream, checks it)", () => {
    const live = pod({}, { name: "web", finalizers: ["a"] });
    expect(patchPod(live, { metadata: { "$deleteFromPrimitiveList/finalizers": 5 } })).toEqual(live);
    expect(patchPod(pod({}), { metadata: { "$deleteFromPrimitiveList/finalizers": 5 } })).toEqual(pod({}));
  });

  it("refuses a $patch that is not a string on an existing map, and drops the map where the object has none (removeDirectives)", () => {
    const live = pod({}, { name: "web", labels: { app: "web" } });
    expect(patchError(() => patchPod(live, { metadata: { labels: { $patch: 5 } } })).status).toBe(422);
    expect(patchPod(pod({}), { metadata: { labels: { $patch: 5 } } })).toEqual(pod({}));
  });

  it("refuses a {$patch: delete} list item without its merge key only when the live list exists", () => {
    const error = patchError(() => patchPod(twoContainers, { spec: { containers: [{ $patch: "delete" }] } }));
    expect(error.message).toBe("map: map[$patch:delete] does not contain declared merge key: name");
    const result = patchPod(pod({}), { spec: { containers: [{ $patch: "delete" }] } });
    expect(specOf(result).containers).toEqual([]);
  });
});
