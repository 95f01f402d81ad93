import { describe, expect, it } from "vitest";
import { openApiComponents, openApiV3Document, schemaNameOf } from "./index.js";
import type { OpenApiResource } from "./index.js";

type Json = Record<string, unknown>;
const all = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const coreResources: OpenApiResource[] = [
  { plural: "pods", kind: "Pod", namespaced: true, verbs: all, subresources: ["status", "binding"] },
  { plural: "nodes", kind: "Node", namespaced: false, verbs: all, subresources: ["status"] },
  { plural: "services", kind: "Service", namespaced: true, verbs: all, subresources: ["status"] },
];
const appsResources: OpenApiResource[] = [{ plural: "deployments", kind: "Deployment", namespaced: true, verbs: all, subresources: ["status", "scale"] }];

function at(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((current, key) => (current as Json | undefined)?.[key], value);
}

describe("openApiV3Document", () => {
  const core = openApiV3Document("v1", coreResources);
  const apps = openApiV3Document("apps/v1", appsResources);

  it("describes every operation with its action and group-version-kind", () => {
    expect(core.openapi).toBe("3.0.0");
    const item = "/api/v1/namespaces/{namespace}/pods/{name}";
    expect(at(core, "paths", item, "get", "x-kubernetes-action")).toBe("get");
    expect(at(core, "paths", item, "put", "x-kubernetes-action")).toBe("put");
    expect(at(core, "paths", item, "delete", "x-kubernetes-action")).toBe("delete");
    expect(at(core, "paths", "/api/v1/namespaces/{namespace}/pods", "get", "x-kubernetes-action")).toBe("list");
    expect(at(core, "paths", "/api/v1/namespaces/{namespace}/pods", "post", "x-kubernetes-action")).toBe("post");
    expect(at(core, "paths", "/api/v1/pods", "get", "operationId")).toBe("listCoreV1PodForAllNamespaces");
    expect(at(core, "paths", "/api/v1/nodes/{name}/status", "patch", "operationId")).toBe("patchCoreV1NodeStatus");
    expect(at(core, "paths", `${item}/binding`, "post", "x-kubernetes-group-version-kind")).toEqual({ group: "", version: "v1", kind: "Binding" });
    const patch = at(apps, "paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch") as Json;
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", version: "v1", kind: "Deployment" });
    expect((patch.parameters as Json[]).map((parameter) => parameter.name)).toContain("fieldValidation");
    expect(Object.keys(at(patch, "requestBody", "content") as Json)).toEqual([
      "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml",
    ]);
    expect(at(apps, "paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "get", "x-kubernetes-group-version-kind")).toEqual({ group: "autoscaling", version: "v1", kind: "Scale" });
  });

  it("carries the strategic-merge-patch extensions from upstream's struct tags", () => {
    const schemas = at(core, "components", "schemas") as Record<string, Json>;
    const containers = at(schemas["io.k8s.api.core.v1.PodSpec"], "properties", "containers");
    expect(containers).toMatchObject({ "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] });
    expect(at(schemas["io.k8s.api.core.v1.PodSpec"], "properties", "volumes")).toMatchObject({ "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge,retainKeys" });
    expect(at(schemas["io.k8s.api.core.v1.Container"], "properties", "ports")).toMatchObject({ "x-kubernetes-patch-merge-key": "containerPort", "x-kubernetes-list-map-keys": ["containerPort", "protocol"] });
    expect(at(schemas["io.k8s.api.core.v1.ContainerPort"], "properties", "protocol")).toEqual({ type: "string", default: "TCP" });
    expect(at(schemas["io.k8s.api.core.v1.Container"], "properties", "env")).toMatchObject({ "x-kubernetes-patch-merge-key": "name" });
    expect(at(schemas["io.k8s.api.core.v1.Container"], "properties", "volumeMounts")).toMatchObject({ "x-kubernetes-patch-merge-key": "mountPath" });
    expect(at(schemas["io.k8s.api.core.v1.PodStatus"], "properties", "conditions")).toMatchObject({ "x-kubernetes-patch-merge-key": "type" });
    expect(at(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"], "properties", "ownerReferences")).toMatchObject({ "x-kubernetes-patch-merge-key": "uid" });
    expect(at(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"], "properties", "finalizers")).toMatchObject({ "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge" });
    expect(at(schemas["io.k8s.api.core.v1.ServiceSpec"], "properties", "ports")).toMatchObject({ "x-kubernetes-patch-merge-key": "port", "x-kubernetes-list-map-keys": ["port", "protocol"] });
    expect(at(schemas["io.k8s.api.core.v1.ServicePort"], "properties", "targetPort", "allOf")).toEqual([{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString" }]);
    expect(schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]).toMatchObject({ "x-kubernetes-int-or-string": true });
    expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"]).toMatchObject({ "x-kubernetes-map-type": "atomic" });
    const appsSchemas = at(apps, "components", "schemas") as Record<string, Json>;
    expect(at(appsSchemas["io.k8s.api.apps.v1.DeploymentSpec"], "properties", "strategy")).toMatchObject({ "x-kubernetes-patch-strategy": "retainKeys" });
  });

  it("names kinds as upstream, tags them with their group-version-kind, and resolves every reference", () => {
    expect(schemaNameOf({ group: "apps", version: "v1", kind: "Deployment" })).toBe("io.k8s.api.apps.v1.Deployment");
    const schemas = at(apps, "components", "schemas") as Record<string, Json>;
    expect(schemas["io.k8s.api.apps.v1.Deployment"]?.["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", version: "v1", kind: "Deployment" }]);
    expect(schemas["io.k8s.api.apps.v1.DeploymentList"]).toBeDefined();
    expect(schemas["io.k8s.api.autoscaling.v1.Scale"]).toBeDefined();
    expect(schemas["io.k8s.api.core.v1.Service"]).toBeUndefined();
    for (const document of [core, apps]) {
      const text = JSON.stringify(document);
      const names = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1] ?? "");
      const present = at(document, "components", "schemas") as Json;
      expect(names.filter((name) => present[name] === undefined)).toEqual([]);
    }
    expect(at(openApiComponents()["io.k8s.api.core.v1.PodSpec"], "properties", "terminationGracePeriodSeconds")).toEqual({ type: "integer", format: "int64" });
  });
});
