// The apiserver's verbs through fastify.inject() over a real store (kube-lite's by default;
// ETCD_ENDPOINTS=http://127.0.0.1:2379 runs the same tests against a real etcd 3.4).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { startTestApiServer, type TestApiServer } from "./support/apiserver.js";

let harness: TestApiServer;
let app: FastifyInstance;

beforeAll(async () => {
  harness = await startTestApiServer();
  app = harness.server.app;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, body?: unknown, contentType = "application/json", headers: Record<string, string> = {}): Promise<{ status: number; body: Json; headers: Record<string, unknown> }> {
  const response = await app.inject({
    method,
    url,
    headers: { ...(body === undefined ? {} : { "content-type": contentType }), ...headers },
    ...(body === undefined ? {} : { payload: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  let parsed: Json = {};
  try {
    parsed = JSON.parse(response.body) as Json;
  } catch {
    parsed = { text: response.body };
  }
  return { status: response.statusCode, body: parsed, headers: response.headers };
}

function pod(name: string, extra: Json = {}): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "web" }, ...(extra.metadata ?? {}) },
    spec: { containers: [{ name: "main", image: "nginx:1.27", ports: [{ containerPort: 80, name: "http" }] }], ...(extra.spec ?? {}) },
  };
}

function deployment(name: string, replicas = 2): Json {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image: "nginx:1.27" }] } },
    },
  };
}

describe("discovery", () => {
  it("answers /version with 1.32, the legacy discovery documents and OpenAPI v3", async () => {
    const version = await call("GET", "/version");
    expect(version.body).toMatchObject({ major: "1", minor: "32" });
    expect((await call("GET", "/api")).body.versions).toEqual(["v1"]);
    const groups = (await call("GET", "/apis")).body.groups as Json[];
    expect(groups.map((g) => g.name)).toEqual(expect.arrayContaining(["apps", "coordination.k8s.io"]));
    const core = (await call("GET", "/api/v1")).body.resources as Json[];
    expect(core.find((r) => r.name === "pods")).toMatchObject({ kind: "Pod", namespaced: true, shortNames: ["po"] });
    expect(core.find((r) => r.name === "pods/status")).toMatchObject({ kind: "Pod" });
    const apps = (await call("GET", "/apis/apps/v1")).body.resources as Json[];
    expect(apps.find((r) => r.name === "deployments/scale")).toMatchObject({ group: "autoscaling", version: "v1", kind: "Scale" });
    const index = (await call("GET", "/openapi/v3")).body.paths as Json;
    expect(Object.keys(index)).toEqual(expect.arrayContaining(["api/v1", "apis/apps/v1", "apis/coordination.k8s.io/v1"]));
    const document = await call("GET", String(index["apis/apps/v1"].serverRelativeURL));
    expect(document.status).toBe(200);
    expect(Object.keys(document.body.components.schemas)).toContain("io.k8s.api.apps.v1.Deployment");
  });

  it("bootstraps the default namespaces and the kubernetes service", async () => {
    const namespaces = (await call("GET", "/api/v1/namespaces")).body.items as Json[];
    expect(namespaces.map((n) => n.metadata.name)).toEqual(expect.arrayContaining(["default", "kube-system", "kube-public", "kube-node-lease"]));
    const service = await call("GET", "/api/v1/namespaces/default/services/kubernetes");
    expect(service.body.spec.clusterIP).toBe("10.96.0.1");
  });
});

describe("create and get", () => {
  it("creates a pod with server metadata, defaults and default tolerations", async () => {
    const created = await call("POST", "/api/v1/namespaces/default/pods", pod("create-1"));
    expect(created.status).toBe(201);
    const metadata = created.body.metadata;
    expect(metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(metadata.resourceVersion).toMatch(/^\d+$/);
    expect(metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(metadata.namespace).toBe("default");
    expect(created.body.spec.restartPolicy).toBe("Always");
    expect(created.body.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
    expect(created.body.spec.tolerations).toEqual([
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    ]);
    expect(created.body.status.phase).toBe("Pending");
    const read = await call("GET", "/api/v1/namespaces/default/pods/create-1");
    expect(read.body).toEqual(created.body);
    const stored = await harness.store.get("/registry/pods/default/create-1");
    expect(stored).toBeDefined();
  });

  it("refuses a duplicate with 409 AlreadyExists and a missing namespace with 404", async () => {
    await call("POST", "/api/v1/namespaces/default/pods", pod("dup"));
    const again = await call("POST", "/api/v1/namespaces/default/pods", pod("dup"));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ kind: "Status", reason: "AlreadyExists", code: 409, message: 'pods "dup" already exists' });
    const nowhere = await call("POST", "/api/v1/namespaces/nowhere/pods", pod("x"));
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.message).toBe('namespaces "nowhere" not found');
  });

  it("fills generateName", async () => {
    const created = await call("POST", "/api/v1/namespaces/default/pods", { ...pod(""), metadata: { generateName: "gen-" } });
    expect(created.status).toBe(201);
    expect(created.body.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it("answers 422 Invalid naming each bad field, and 404 for a missing object", async () => {
    const bad = await call("POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "Bad_Name" }, spec: { containers: [{ name: "main" }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe("Invalid");
    const fields = (bad.body.details.causes as Json[]).map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(["metadata.name", "spec.containers[0].image"]));
    const missing = await call("GET", "/api/v1/namespaces/default/pods/none");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ reason: "NotFound", message: 'pods "none" not found', details: { name: "none", kind: "pods" } });
  });

  it("handles fieldValidation Strict, Warn and Ignore for unknown fields", async () => {
    const body = { ...pod("fv"), spec: { ...pod("fv").spec, bogus: 1 } };
    const strict = await call("POST", "/api/v1/namespaces/default/pods?fieldValidation=Strict", body);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toContain('unknown field "spec.bogus"');
    const warn = await call("POST", "/api/v1/namespaces/default/pods?fieldValidation=Warn", body);
    expect(warn.status).toBe(201);
    expect(String(warn.headers.warning)).toContain('unknown field \\"spec.bogus\\"');
    expect(warn.body.spec.bogus).toBeUndefined();
    const bad = await call("POST", "/api/v1/namespaces/default/pods?fieldValidation=Sometimes", body);
    expect(bad.status).toBe(400);
  });

  it("stores nothing on dryRun=All", async () => {
    const dry = await call("POST", "/api/v1/namespaces/default/pods?dryRun=All", pod("dry"));
    expect(dry.status).toBe(201);
    expect(dry.body.metadata.name).toBe("dry");
    expect((await call("GET", "/api/v1/namespaces/default/pods/dry")).status).toBe(404);
  });

  it("refuses bodies that are not JSON, wrong kinds and odd content types with 4xx", async () => {
    expect((await call("POST", "/api/v1/namespaces/default/pods", "{not json")).status).toBe(400);
    expect((await call("POST", "/api/v1/namespaces/default/pods", { ...pod("k"), kind: "Service" })).status).toBe(400);
    expect((await call("POST", "/api/v1/namespaces/default/pods", "x", "application/x-www-form-urlencoded")).status).toBe(415);
    const deep = "[".repeat(5000) + "]".repeat(5000);
    expect((await call("POST", "/api/v1/namespaces/default/pods", deep)).status).toBe(400);
  });

  it("decodes each path segment once: an encoded slash is no path separator", async () => {
    expect((await call("GET", "/api/v1/%2F")).status).toBe(404);
    expect((await call("GET", "/api/v1/namespaces/default/configmaps/a%2Fb")).status).toBe(404);
    // "%2541" is the name "%41", not "A".
    await call("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } });
    expect((await call("GET", "/api/v1/namespaces/default/configmaps/%2561")).status).toBe(404);
    expect((await call("GET", "/api/v1/namespaces/default/configmaps/%61")).status).toBe(200);
  });

  it("accepts YAML bodies", async () => {
    const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n";
    const created = await call("POST", "/api/v1/namespaces/default/configmaps", yaml, "application/yaml");
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ a: "b" });
  });
});

describe("update, optimistic concurrency and subresources", () => {
  it("updates with the current resourceVersion and answers 409 Conflict to a stale one", async () => {
    const created = (await call("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "occ" }, data: { v: "1" } })).body;
    const updated = await call("PUT", "/api/v1/namespaces/default/configmaps/occ", { ...created, data: { v: "2" } });
    expect(updated.status).toBe(200);
    expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const stale = await call("PUT", "/api/v1/namespaces/default/configmaps/occ", { ...created, data: { v: "3" } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe("Conflict");
    expect(stale.body.message).toBe('Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again');
  });

  it("skips the write when an update changes nothing", async () => {
    const created = (await call("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "noop" }, data: { v: "1" } })).body;
    const same = await call("PUT", "/api/v1/namespaces/default/configmaps/noop", created);
    expect(same.status).toBe(200);
    expect(same.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it("bumps generation on spec changes only; status writes go through /status", async () => {
    const created = (await call("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("gen"))).body;
    expect(created.metadata.generation).toBe(1);
    const labelled = await call("PATCH", "/apis/apps/v1/namespaces/default/deployments/gen", { metadata: { labels: { x: "y" } } }, "application/merge-patch+json");
    expect(labelled.body.metadata.generation).toBe(1);
    const scaled = await call("PATCH", "/apis/apps/v1/namespaces/default/deployments/gen", { spec: { replicas: 5 } }, "application/merge-patch+json");
    expect(scaled.body.metadata.generation).toBe(2);
    const ignoredStatus = await call("PATCH", "/apis/apps/v1/namespaces/default/deployments/gen", { status: { replicas: 9 } }, "application/merge-patch+json");
    expect(ignoredStatus.body.status?.replicas).toBeUndefined();
    const status = await call("PATCH", "/apis/apps/v1/namespaces/default/deployments/gen/status", { status: { replicas: 3, observedGeneration: 2 }, spec: { replicas: 1 } }, "application/merge-patch+json");
    expect(status.status).toBe(200);
    expect(status.body.status.replicas).toBe(3);
    expect(status.body.spec.replicas).toBe(5);
  });

  it("serves the scale subresource as autoscaling/v1 Scale", async () => {
    await call("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("scaled", 1));
    const scale = await call("GET", "/apis/apps/v1/namespaces/default/deployments/scaled/scale");
    expect(scale.body).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 1 }, status: { replicas: 0, selector: "app=scaled" } });
    const patched = await call("PATCH", "/apis/apps/v1/namespaces/default/deployments/scaled/scale", { spec: { replicas: 4 } }, "application/merge-patch+json");
    expect(patched.status).toBe(200);
    expect(patched.body.spec.replicas).toBe(4);
    expect((await call("GET", "/apis/apps/v1/namespaces/default/deployments/scaled")).body.spec.replicas).toBe(4);
    // Patches without a resourceVersion that lose a race are retried, never answered 409 (kubectl
    // scale while a controller writes status); a stale resourceVersion in the patch still is 409.
    const racing = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => call("PATCH", "/apis/apps/v1/namespaces/default/deployments/scaled/scale", { spec: { replicas: n } }, "application/merge-patch+json")));
    expect(racing.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const labels = await Promise.all([1, 2, 3, 4].map((n) => call("PATCH", "/apis/apps/v1/namespaces/default/deployments/scaled", { metadata: { labels: { [`l${n}`]: "x" } } }, "application/merge-patch+json")));
    expect(labels.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const stale = await call("PATCH", "/apis/apps/v1/namespaces/default/deployments/scaled/scale", { metadata: { resourceVersion: "1" }, spec: { replicas: 9 } }, "application/merge-patch+json");
    expect(stale.status).toBe(409);
  });

  it("binds a pod to a node once", async () => {
    await call("POST", "/api/v1/namespaces/default/pods", pod("bind-me"));
    const binding = { apiVersion: "v1", kind: "Binding", metadata: { name: "bind-me" }, target: { kind: "Node", name: "node-1" } };
    expect((await call("POST", "/api/v1/namespaces/default/pods/bind-me/binding", binding)).status).toBe(201);
    const bound = await call("GET", "/api/v1/namespaces/default/pods/bind-me");
    expect(bound.body.spec.nodeName).toBe("node-1");
    expect(bound.body.status.conditions).toContainEqual(expect.objectContaining({ type: "PodScheduled", status: "True" }));
    const again = await call("POST", "/api/v1/namespaces/default/pods/bind-me/binding", { ...binding, target: { kind: "Node", name: "node-2" } });
    expect(again.status).toBe(409);
  });

  it("applies JSON patches and strategic merge patches", async () => {
    await call("POST", "/api/v1/namespaces/default/pods", pod("patch-me"));
    const json = await call("PATCH", "/api/v1/namespaces/default/pods/patch-me", [{ op: "add", path: "/metadata/labels/tier", value: "front" }], "application/json-patch+json");
    expect(json.body.metadata.labels).toEqual({ app: "web", tier: "front" });
    const failed = await call("PATCH", "/api/v1/namespaces/default/pods/patch-me", [{ op: "test", path: "/metadata/labels/tier", value: "back" }], "application/json-patch+json");
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(failed.status).toBeLessThan(500);
    const strategic = await call("PATCH", "/api/v1/namespaces/default/pods/patch-me", { spec: { containers: [{ name: "main", image: "nginx:1.28" }] } }, "application/strategic-merge-patch+json");
    expect(strategic.status).toBe(200);
    expect(strategic.body.spec.containers).toHaveLength(1);
    expect(strategic.body.spec.containers[0]).toMatchObject({ name: "main", image: "nginx:1.28", ports: [{ containerPort: 80, name: "http", protocol: "TCP" }] });
  });
});

describe("list", () => {
  it("selects by label and field and pages with limit/continue over one revision", async () => {
    await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "paging" } });
    for (let i = 0; i < 7; i++) {
      await call("POST", "/api/v1/namespaces/paging/pods", pod(`p${i}`, { metadata: { labels: { app: "web", parity: i % 2 === 0 ? "even" : "odd" } } }));
    }
    const even = await call("GET", "/api/v1/namespaces/paging/pods?labelSelector=parity%3Deven");
    expect((even.body.items as Json[]).map((p) => p.metadata.name)).toEqual(["p0", "p2", "p4", "p6"]);
    const notIn = await call("GET", "/api/v1/namespaces/paging/pods?labelSelector=parity+notin+(even)");
    expect(notIn.body.items).toHaveLength(3);
    const byName = await call("GET", "/api/v1/namespaces/paging/pods?fieldSelector=metadata.name%3Dp3");
    expect((byName.body.items as Json[]).map((p) => p.metadata.name)).toEqual(["p3"]);
    const badField = await call("GET", "/api/v1/namespaces/paging/pods?fieldSelector=spec.bogus%3D1");
    expect(badField.status).toBe(400);
    const first = await call("GET", "/api/v1/namespaces/paging/pods?limit=3");
    expect(first.body.items).toHaveLength(3);
    expect(first.body.metadata.remainingItemCount).toBe(4);
    // A write between pages does not show up: every page is read at the first page's revision.
    await call("POST", "/api/v1/namespaces/paging/pods", pod("p00"));
    const second = await call("GET", `/api/v1/namespaces/paging/pods?limit=3&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    const third = await call("GET", `/api/v1/namespaces/paging/pods?limit=3&continue=${encodeURIComponent(second.body.metadata.continue)}`);
    expect(third.body.metadata.continue).toBeUndefined();
    const names = [...first.body.items, ...second.body.items, ...third.body.items].map((p: Json) => p.metadata.name);
    expect(names).toEqual(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    const all = await call("GET", "/api/v1/pods?labelSelector=parity");
    expect(all.body.items).toHaveLength(7);
    expect(all.body.items[0].kind).toBeUndefined();
  });

  it("serves resourceVersion=0 lists from the watch cache, with selectors", async () => {
    const fresh = await call("GET", "/api/v1/namespaces/paging/pods?labelSelector=parity%3Dodd");
    // The cache follows the store's watch: wait until it has caught up with the last write.
    let cached = await call("GET", "/api/v1/namespaces/paging/pods?labelSelector=parity%3Dodd&resourceVersion=0");
    for (let i = 0; i < 100 && cached.body.items.length !== fresh.body.items.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      cached = await call("GET", "/api/v1/namespaces/paging/pods?labelSelector=parity%3Dodd&resourceVersion=0");
    }
    expect((cached.body.items as Json[]).map((p) => p.metadata.name)).toEqual((fresh.body.items as Json[]).map((p) => p.metadata.name));
    expect(cached.body.items[0].kind).toBeUndefined();
    expect(Number(cached.body.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it("serves Tables when kubectl asks for them", async () => {
    const table = await call("GET", "/api/v1/namespaces/paging/pods", undefined, undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" });
    expect(table.body.kind).toBe("Table");
    expect((table.body.columnDefinitions as Json[]).map((c) => c.name)).toEqual(expect.arrayContaining(["Name", "Ready", "Status", "Restarts", "Age"]));
    expect(table.body.rows[0].object).toMatchObject({ kind: "PartialObjectMetadata", metadata: { namespace: "paging" } });
  });
});

describe("delete", () => {
  it("deletes at once without finalizers, and waits for finalizers with them", async () => {
    await call("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "gone" } });
    const deleted = await call("DELETE", "/api/v1/namespaces/default/configmaps/gone");
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ kind: "Status", status: "Success", details: { name: "gone", kind: "configmaps" } });
    expect((await call("GET", "/api/v1/namespaces/default/configmaps/gone")).status).toBe(404);

    await call("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held", finalizers: ["example.com/hold"] } });
    const marked = await call("DELETE", "/api/v1/namespaces/default/configmaps/held");
    // Left in place, yet 200: Kubernetes answers 202 only when orphanDependents=false asked for it.
    expect(marked.status).toBe(200);
    expect(marked.body.metadata.deletionTimestamp).toBeDefined();
    const released = await call("PATCH", "/api/v1/namespaces/default/configmaps/held", { metadata: { finalizers: null } }, "application/merge-patch+json");
    expect(released.status).toBe(200);
    expect((await call("GET", "/api/v1/namespaces/default/configmaps/held")).status).toBe(404);
  });

  it("adds the foregroundDeletion finalizer and checks preconditions", async () => {
    const created = (await call("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("fg"))).body;
    const wrongUid = await call("DELETE", "/apis/apps/v1/namespaces/default/deployments/fg", { kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: "nope" } });
    expect(wrongUid.status).toBe(409);
    // rest.BeforeDelete's wording, on the kind and its group.
    expect(wrongUid.body).toMatchObject({
      reason: "Conflict",
      message: `Operation cannot be fulfilled on Deployment.apps "fg": the UID in the precondition (nope) does not match the UID in record (${created.metadata.uid}). The object might have been deleted and then recreated`,
      details: { name: "fg", group: "apps", kind: "Deployment" },
    });
    const stale = await call("DELETE", "/apis/apps/v1/namespaces/default/deployments/fg", { kind: "DeleteOptions", apiVersion: "v1", preconditions: { resourceVersion: "1" } });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe(`Operation cannot be fulfilled on Deployment.apps "fg": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${created.metadata.resourceVersion}). The object might have been modified`);
    const foreground = await call("DELETE", "/apis/apps/v1/namespaces/default/deployments/fg", { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Foreground", preconditions: { uid: created.metadata.uid } });
    expect(foreground.status).toBe(200);
    expect(foreground.body.metadata.finalizers).toEqual(["foregroundDeletion"]);
  });

  it("words a core object's precondition conflict with its kind and no group", async () => {
    const created = (await call("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "guarded-cm" } })).body;
    const stale = await call("DELETE", "/api/v1/namespaces/default/configmaps/guarded-cm", { kind: "DeleteOptions", apiVersion: "v1", preconditions: { resourceVersion: "1" } });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe(`Operation cannot be fulfilled on ConfigMap "guarded-cm": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${created.metadata.resourceVersion}). The object might have been modified`);
    expect(stale.body.details).toEqual({ name: "guarded-cm", kind: "ConfigMap" });
    expect((await call("DELETE", "/api/v1/namespaces/default/configmaps/guarded-cm")).status).toBe(200);
  });

  it("answers 202 only for a deletion left pending that orphanDependents=false asked for", async () => {
    const held = (name: string): Json => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, finalizers: ["example.com/hold"] } });
    await call("POST", "/api/v1/namespaces/default/configmaps", held("cascade"));
    const cascading = await call("DELETE", "/api/v1/namespaces/default/configmaps/cascade", { kind: "DeleteOptions", apiVersion: "v1", orphanDependents: false });
    expect(cascading.status).toBe(202);
    // The generic store: orphanDependents=false asks for neither garbage collector finalizer.
    expect(cascading.body.metadata.finalizers).toEqual(["example.com/hold"]);
    // The query parameter counts as the body's field; a DELETE of an object being deleted is answered the same way.
    expect((await call("DELETE", "/api/v1/namespaces/default/configmaps/cascade?orphanDependents=false")).status).toBe(202);
    expect((await call("DELETE", "/api/v1/namespaces/default/configmaps/cascade?propagationPolicy=Foreground")).status).toBe(200);
    expect((await call("PATCH", "/api/v1/namespaces/default/configmaps/cascade", { metadata: { finalizers: null } }, "application/merge-patch+json")).status).toBe(200);
    // Deleted at once: 200 whatever was asked.
    await call("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "at-once" } });
    expect((await call("DELETE", "/api/v1/namespaces/default/configmaps/at-once?orphanDependents=false")).status).toBe(200);
    // Foreground on an object already orphaning: orphan goes, foregroundDeletion comes.
    await call("POST", "/api/v1/namespaces/default/configmaps", { ...held("switch"), metadata: { name: "switch", finalizers: ["orphan"] } });
    const switched = await call("DELETE", "/api/v1/namespaces/default/configmaps/switch", { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Foreground" });
    expect(switched.status).toBe(200);
    expect(switched.body.metadata.finalizers).toEqual(["foregroundDeletion"]);
    expect((await call("PATCH", "/api/v1/namespaces/default/configmaps/switch", { metadata: { finalizers: null } }, "application/merge-patch+json")).status).toBe(200);
  });

  it("refuses invalid DeleteOptions with 422 on DeleteOptions.meta.k8s.io, as ValidateDeleteOptions", async () => {
    await call("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "options" } });
    const both = await call("DELETE", "/api/v1/namespaces/default/configmaps/options", { kind: "DeleteOptions", apiVersion: "v1", orphanDependents: true, propagationPolicy: "Foreground" });
    expect(both.status).toBe(422);
    expect(both.body).toMatchObject({
      reason: "Invalid",
      message: 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Foreground": orphanDependents and deletionPropagation cannot be both set',
      details: { group: "meta.k8s.io", kind: "DeleteOptions", causes: [{ reason: "FieldValueInvalid", field: "propagationPolicy", message: 'Invalid value: "Foreground": orphanDependents and deletionPropagation cannot be both set' }] },
    });
    const unknown = await call("DELETE", "/api/v1/namespaces/default/configmaps/options?propagationPolicy=Bogus");
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toBe('DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Bogus": supported values: "Foreground", "Background", "Orphan", "nil"');
    expect((await call("GET", "/api/v1/namespaces/default/configmaps/options")).status).toBe(200);
  });

  it("deletes scheduled pods gracefully and unscheduled ones at once", async () => {
    await call("POST", "/api/v1/namespaces/default/pods", pod("graceful", { spec: { nodeName: "node-1" } }));
    const graceful = await call("DELETE", "/api/v1/namespaces/default/pods/graceful");
    expect(graceful.body.metadata.deletionGracePeriodSeconds).toBe(30);
    expect((await call("GET", "/api/v1/namespaces/default/pods/graceful")).status).toBe(200);
    const now = await call("DELETE", "/api/v1/namespaces/default/pods/graceful?gracePeriodSeconds=0");
    expect(now.status).toBe(200);
    expect((await call("GET", "/api/v1/namespaces/default/pods/graceful")).status).toBe(404);
  });

  it("deletes a collection by selector", async () => {
    await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "sweep" } });
    for (const name of ["a", "b", "c"]) await call("POST", "/api/v1/namespaces/sweep/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { sweep: name === "c" ? "no" : "yes" } } });
    const swept = await call("DELETE", "/api/v1/namespaces/sweep/configmaps?labelSelector=sweep%3Dyes");
    expect(swept.status).toBe(200);
    const left = await call("GET", "/api/v1/namespaces/sweep/configmaps");
    expect((left.body.items as Json[]).map((c) => c.metadata.name)).toEqual(["c"]);
  });
});

describe("namespaces and events", () => {
  /** Kubernetes' finalize subresource: PUT the namespace with spec.finalizers emptied. */
  async function finalize(namespace: string, finalizers: string[] = []): ReturnType<typeof call> {
    const current = await call("GET", `/api/v1/namespaces/${namespace}`);
    return call("PUT", `/api/v1/namespaces/${namespace}/finalize`, { ...current.body, spec: { finalizers } });
  }

  it("NamespaceLifecycle reads this apiserver's own namespace writes at once: create then use, delete then refuse, missing → 404", async () => {
    // The active-namespace check is served from the watch cache once it has caught up with the
    // apiserver's last namespace write; these requests follow each other with no gap.
    expect((await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "brisk" } })).status).toBe(201);
    expect((await call("POST", "/api/v1/namespaces/brisk/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "first" } })).status).toBe(201);
    expect((await call("DELETE", "/api/v1/namespaces/brisk")).status).toBe(200);
    const refused = await call("POST", "/api/v1/namespaces/brisk/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "second" } });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain("because it is being terminated");
    expect((await finalize("brisk")).status).toBe(200);
    expect((await call("POST", "/api/v1/namespaces/brisk/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "third" } })).status).toBe(404);
    const missing = await call("POST", "/api/v1/namespaces/nowhere/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "lost" } });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('namespaces "nowhere" not found');
  });

  it("a namespace DELETE marks it Terminating and leaves its content to the namespace controller; PUT finalize ends it; default is protected", async () => {
    const created = await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "doomed" } });
    expect(created.body.spec).toEqual({ finalizers: ["kubernetes"] });
    await call("POST", "/api/v1/namespaces/doomed/pods", pod("inside", { spec: { nodeName: "node-1" } }));
    const first = await call("DELETE", "/api/v1/namespaces/doomed");
    expect(first.status).toBe(200);
    expect(first.body.status.phase).toBe("Terminating");
    expect(first.body.metadata.deletionTimestamp).toBeDefined();
    // Kubernetes' namespace DELETE sets no grace period, and adds no finalizer without a policy.
    expect(first.body.metadata.deletionGracePeriodSeconds).toBeUndefined();
    expect(first.body.metadata.finalizers).toBeUndefined();
    // The apiserver deletes nothing inside: that is the namespace controller's work.
    expect((await call("GET", "/api/v1/namespaces/doomed/pods/inside")).status).toBe(200);
    // A second DELETE while spec.finalizers is not empty changes nothing and answers the namespace (Kubernetes 1.17+).
    const again = await call("DELETE", "/api/v1/namespaces/doomed");
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    // Only PUT on finalize; a stale resourceVersion is a conflict.
    expect((await call("GET", "/api/v1/namespaces/doomed/finalize")).status).toBe(405);
    const current = await call("GET", "/api/v1/namespaces/doomed");
    expect((await call("PUT", "/api/v1/namespaces/doomed/finalize", { ...current.body, metadata: { ...current.body.metadata, resourceVersion: "1" }, spec: { finalizers: [] } })).status).toBe(409);
    // A status write does not end a namespace that spec.finalizers still hold.
    expect((await call("PUT", "/api/v1/namespaces/doomed/status", { ...current.body, status: { phase: "Terminating", conditions: [] } })).status).toBe(200);
    expect((await finalize("doomed", ["example.com/other"])).status).toBe(200);
    expect((await call("GET", "/api/v1/namespaces/doomed")).status).toBe(200);
    const last = await finalize("doomed");
    expect(last.status).toBe(200);
    expect((await call("GET", "/api/v1/namespaces/doomed")).status).toBe(404);
    expect((await call("DELETE", "/api/v1/namespaces/default")).status).toBe(403);
  });

  it("PUT finalize keeps the request's metadata and spec and the stored status, ignores the metadata the server owns, and adds no finalizer to a Terminating namespace", async () => {
    await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "relabel", labels: { team: "a" } } });
    await call("DELETE", "/api/v1/namespaces/relabel");
    const current = (await call("GET", "/api/v1/namespaces/relabel")).body;
    const server = { uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, deletionTimestamp: current.metadata.deletionTimestamp };
    const relabelled = await call("PUT", "/api/v1/namespaces/relabel/finalize", {
      ...current,
      metadata: { ...current.metadata, labels: { team: "b" }, annotations: { note: "through finalize" }, creationTimestamp: "2000-01-01T00:00:00Z", deletionTimestamp: null },
      spec: { finalizers: ["kubernetes", "example.com/other"] },
      status: { phase: "Active" },
    });
    expect(relabelled.status).toBe(200);
    expect(relabelled.body.metadata).toMatchObject({ ...server, labels: { team: "b" }, annotations: { note: "through finalize" } });
    expect(relabelled.body.spec.finalizers).toEqual(["kubernetes", "example.com/other"]);
    expect(relabelled.body.status.phase).toBe("Terminating");
    // Another uid is a precondition that fails, as on any update.
    expect((await call("PUT", "/api/v1/namespaces/relabel/finalize", { ...relabelled.body, metadata: { ...relabelled.body.metadata, uid: "other" } })).status).toBe(409);
    const added = await call("PUT", "/api/v1/namespaces/relabel/finalize", { ...relabelled.body, metadata: { ...relabelled.body.metadata, finalizers: ["example.com/late"] } });
    expect(added.status).toBe(422);
    expect(added.body.details.causes).toEqual([{ reason: "FieldValueForbidden", field: "metadata.finalizers", message: 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/late"}' }]);
    expect((await finalize("relabel")).status).toBe(200);
    expect((await call("GET", "/api/v1/namespaces/relabel")).status).toBe(404);
  });

  it("checks a namespace DELETE's uid and resourceVersion preconditions before marking it Terminating", async () => {
    const created = (await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "guarded" } })).body;
    const wrongUid = await call("DELETE", "/api/v1/namespaces/guarded", { kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: "nope" } });
    expect(wrongUid.status).toBe(409);
    expect(wrongUid.body).toMatchObject({ reason: "Conflict", message: `Operation cannot be fulfilled on namespaces "guarded": Precondition failed: UID in precondition: nope, UID in object meta: ${created.metadata.uid}` });
    const stale = await call("DELETE", "/api/v1/namespaces/guarded", { kind: "DeleteOptions", apiVersion: "v1", preconditions: { resourceVersion: "1" } });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe(`Operation cannot be fulfilled on namespaces "guarded": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${created.metadata.resourceVersion}`);
    expect((await call("GET", "/api/v1/namespaces/guarded")).body.metadata.deletionTimestamp).toBeUndefined();
    const marked = await call("DELETE", "/api/v1/namespaces/guarded", { kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion } });
    expect(marked.status).toBe(200);
    expect(marked.body.status.phase).toBe("Terminating");
    // Checked on a Terminating namespace too.
    expect((await call("DELETE", "/api/v1/namespaces/guarded", { kind: "DeleteOptions", apiVersion: "v1", preconditions: { resourceVersion: created.metadata.resourceVersion } })).status).toBe(409);
    expect((await finalize("guarded")).status).toBe(200);
  });

  it("a namespace DELETE answers 202 only when orphanDependents=false asked for it: being emptied, it is not deleted", async () => {
    await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "accepted" } });
    expect((await call("DELETE", "/api/v1/namespaces/accepted?orphanDependents=false")).status).toBe(202);
    expect((await call("DELETE", "/api/v1/namespaces/accepted")).status).toBe(200);
    expect((await call("DELETE", "/api/v1/namespaces/accepted?orphanDependents=false")).status).toBe(202);
    expect((await call("DELETE", "/api/v1/namespaces/accepted?propagationPolicy=Foreground")).status).toBe(200);
    expect((await finalize("accepted")).status).toBe(200);
  });

  it("a namespace DELETE sets the garbage collector's finalizers as its propagation policy asks, and the namespace waits for them", async () => {
    const create = async (name: string, finalizers?: string[]): Promise<void> => {
      expect((await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name, ...(finalizers === undefined ? {} : { finalizers }) } })).status).toBe(201);
    };
    const remove = (name: string, options: Json = {}): ReturnType<typeof call> => call("DELETE", `/api/v1/namespaces/${name}`, { kind: "DeleteOptions", apiVersion: "v1", ...options });
    await create("prop-orphan");
    const orphaned = await remove("prop-orphan", { propagationPolicy: "Orphan" });
    expect(orphaned.status).toBe(200);
    expect(orphaned.body.metadata.finalizers).toEqual(["orphan"]);
    // Finalized by the namespace controller, the namespace stays until "orphan" is gone too (the garbage collector's part).
    expect((await finalize("prop-orphan")).status).toBe(200);
    const waiting = await call("GET", "/api/v1/namespaces/prop-orphan");
    expect(waiting.status).toBe(200);
    expect(waiting.body.spec.finalizers).toEqual([]);
    expect((await call("PATCH", "/api/v1/namespaces/prop-orphan", { metadata: { finalizers: null } }, "application/merge-patch+json")).status).toBe(200);
    expect((await call("GET", "/api/v1/namespaces/prop-orphan")).status).toBe(404);

    await create("prop-foreground", ["example.com/keep"]);
    expect((await remove("prop-foreground", { propagationPolicy: "Foreground" })).body.metadata.finalizers).toEqual(["example.com/keep", "foregroundDeletion"]);
    // orphanDependents=false (deprecated) asks for foregroundDeletion too; true for orphan.
    await create("prop-legacy");
    const legacy = await remove("prop-legacy", { orphanDependents: false });
    expect(legacy.status).toBe(202);
    expect(legacy.body.metadata.finalizers).toEqual(["foregroundDeletion"]);
    // Background takes both away; no policy leaves them as they are.
    await create("prop-background", ["orphan", "example.com/keep"]);
    expect((await remove("prop-background", { propagationPolicy: "Background" })).body.metadata.finalizers).toEqual(["example.com/keep"]);
    await create("prop-default", ["orphan"]);
    expect((await remove("prop-default")).body.metadata.finalizers).toEqual(["orphan"]);
    await create("prop-dry");
    expect((await call("DELETE", "/api/v1/namespaces/prop-dry?dryRun=All", { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Orphan" })).body.metadata.finalizers).toEqual(["orphan"]);
    expect((await call("GET", "/api/v1/namespaces/prop-dry")).body.metadata).not.toHaveProperty("deletionTimestamp");
  });

  it("stores events with a lease, so they expire", async () => {
    const event = { apiVersion: "v1", kind: "Event", metadata: { name: "e1" }, involvedObject: { kind: "Pod", name: "p", namespace: "default" }, reason: "Test", message: "hello", type: "Normal", count: 1 };
    expect((await call("POST", "/api/v1/namespaces/default/events", event)).status).toBe(201);
    const stored = await harness.store.get("/registry/events/default/e1");
    expect(stored?.lease).not.toBe("0");
    const ttl = await harness.store.leaseTimeToLive(stored?.lease ?? "0");
    expect(ttl.ttlSeconds).toBeGreaterThan(3600);
  });
});

describe("services", () => {
  it("allocates distinct cluster IPs from the range and frees them on delete", async () => {
    const service = (name: string, clusterIP?: string) => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...(clusterIP === undefined ? {} : { clusterIP }) } });
    const a = await call("POST", "/api/v1/namespaces/default/services", service("svc-a"));
    const b = await call("POST", "/api/v1/namespaces/default/services", service("svc-b"));
    expect(a.status).toBe(201);
    expect(a.body.spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    expect(a.body.spec.clusterIPs).toEqual([a.body.spec.clusterIP]);
    expect(a.body.spec.ports[0]).toMatchObject({ port: 80, protocol: "TCP", targetPort: 80 });
    expect(b.body.spec.clusterIP).not.toBe(a.body.spec.clusterIP);
    const taken = await call("POST", "/api/v1/namespaces/default/services", service("svc-c", a.body.spec.clusterIP));
    expect(taken.status).toBe(422);
    await call("DELETE", "/api/v1/namespaces/default/services/svc-a");
    const reused = await call("POST", "/api/v1/namespaces/default/services", service("svc-d", a.body.spec.clusterIP));
    expect(reused.status).toBe(201);
  });
});
