import { describe, expect, it } from "vitest";
import type { Pod } from "../../client/index.js";
import { desiredSubsets, findPort, managesEndpoints, planEndpoints, type Endpoints, type Service } from "./endpoints.js";

function service(extra: Partial<NonNullable<Service["spec"]>> = {}, labels?: Record<string, string>): Service {
  return {
    metadata: { name: "web", namespace: "default", ...(labels === undefined ? {} : { labels }) },
    spec: { selector: { app: "web" }, clusterIP: "10.96.0.10", ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }], ...extra },
  };
}

function pod(name: string, ip: string | undefined, ready: boolean, extra: Partial<Pod["metadata"]> = {}): Pod {
  return {
    metadata: { name, namespace: "default", uid: `uid-${name}`, labels: { app: "web" }, ...extra },
    spec: { nodeName: "node-1", containers: [{ name: "web", ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }, { name: "metrics", containerPort: 9090 }] }] },
    status: {
      phase: "Running",
      ...(ip === undefined ? {} : { podIP: ip, podIPs: [{ ip }] }),
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    },
  };
}

const address = (name: string, ip: string) => ({ ip, nodeName: "node-1", targetRef: { kind: "Pod", namespace: "default", name, uid: `uid-${name}` } });

describe("desiredSubsets", () => {
  it("lists ready pods under addresses and the others under notReadyAddresses, sorted by IP", () => {
    const subsets = desiredSubsets(service(), [pod("b", "10.0.0.2", true), pod("a", "10.0.0.10", true), pod("c", "10.0.0.3", false)]);
    expect(subsets).toEqual([
      {
        // "10.0.0.10" < "10.0.0.2" as strings, as upstream compares them.
        addresses: [address("a", "10.0.0.10"), address("b", "10.0.0.2")],
        notReadyAddresses: [address("c", "10.0.0.3")],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    ]);
  });

  it("leaves out pods without an IP, terminating pods and finished pods", () => {
    const finished = pod("d", "10.0.0.4", false);
    if (finished.status !== undefined) finished.status.phase = "Succeeded";
    const subsets = desiredSubsets(service(), [pod("a", undefined, true), pod("b", "10.0.0.2", true, { deletionTimestamp: "2026-01-01T00:00:00Z" }), finished]);
    expect(subsets).toEqual([]);
  });

  it("publishes not-ready and terminating pods as ready when publishNotReadyAddresses is set", () => {
    const subsets = desiredSubsets(service({ publishNotReadyAddresses: true }), [pod("b", "10.0.0.2", false, { deletionTimestamp: "2026-01-01T00:00:00Z" })]);
    expect(subsets[0]?.addresses).toEqual([address("b", "10.0.0.2")]);
    expect(subsets[0]?.notReadyAddresses).toBeUndefined();
  });

  it("groups ports served by the same addresses into one subset, and splits the others", () => {
    const ports = [
      { name: "http", port: 80, targetPort: "http" },
      { name: "metrics", port: 9090, targetPort: 9090 },
      { name: "admin", port: 81, targetPort: "admin" },
    ];
    const withAdmin = pod("b", "10.0.0.2", true);
    withAdmin.spec.containers[0]?.ports?.push({ name: "admin", containerPort: 7000 });
    const subsets = desiredSubsets(service({ ports }), [pod("a", "10.0.0.1", true), withAdmin]);
    expect(subsets).toEqual([
      { addresses: [address("b", "10.0.0.2")], ports: [{ name: "admin", port: 7000, protocol: "TCP" }] },
      { addresses: [address("a", "10.0.0.1"), address("b", "10.0.0.2")], ports: [{ name: "http", port: 8080, protocol: "TCP" }, { name: "metrics", port: 9090, protocol: "TCP" }] },
    ]);
  });

  it("gives a headless service without ports its addresses and no ports", () => {
    const subsets = desiredSubsets(service({ clusterIP: "None", ports: [] }), [pod("a", "10.0.0.1", true)]);
    expect(subsets).toEqual([{ addresses: [address("a", "10.0.0.1")] }]);
  });
});

describe("findPort", () => {
  it("resolves numbers, names (protocol must match) and a missing targetPort", () => {
    const p = pod("a", "10.0.0.1", true);
    expect(findPort(p, { port: 80, targetPort: 8443 })).toBe(8443);
    expect(findPort(p, { port: 80, targetPort: "http" })).toBe(8080);
    expect(findPort(p, { port: 80, targetPort: "http", protocol: "UDP" })).toBeUndefined();
    expect(findPort(p, { port: 80, targetPort: "nope" })).toBeUndefined();
    expect(findPort(p, { port: 80 })).toBe(80);
  });
});

describe("planEndpoints", () => {
  it("creates, then writes nothing while nothing changed, then updates on a change", () => {
    const pods = [pod("a", "10.0.0.1", true)];
    const created = planEndpoints(service({}, { tier: "front" }), pods, undefined);
    expect(created.kind).toBe("create");
    if (created.kind === "none") return;
    expect(created.endpoints.metadata).toEqual({ name: "web", namespace: "default", labels: { tier: "front" } });
    const stored: Endpoints = { ...created.endpoints, metadata: { ...created.endpoints.metadata, resourceVersion: "5" } };
    expect(planEndpoints(service({}, { tier: "front" }), pods, stored)).toEqual({ kind: "none" });
    const updated = planEndpoints(service({}, { tier: "front" }), [pod("a", "10.0.0.1", false)], stored);
    expect(updated.kind).toBe("update");
    if (updated.kind === "update") {
      expect(updated.endpoints.metadata.resourceVersion).toBe("5");
      expect(updated.endpoints.subsets?.[0]?.notReadyAddresses).toHaveLength(1);
    }
  });

  it("labels headless services' endpoints and ignores that label when comparing", () => {
    const headless = service({ clusterIP: "None" });
    const created = planEndpoints(headless, [], undefined);
    expect(created.kind === "create" && created.endpoints.metadata.labels).toEqual({ "service.kubernetes.io/headless": "" });
    if (created.kind === "create") expect(planEndpoints(headless, [], created.endpoints)).toEqual({ kind: "none" });
  });

  it("truncates beyond 1000 addresses and annotates the object", () => {
    const pods = Array.from({ length: 1001 }, (_, i) => pod(`p${i}`, `10.1.${Math.floor(i / 250)}.${i % 250}`, i % 2 === 0));
    const plan = planEndpoints(service(), pods, undefined);
    if (plan.kind === "none") throw new Error("expected a write");
    const subset = plan.endpoints.subsets?.[0];
    expect((subset?.addresses?.length ?? 0) + (subset?.notReadyAddresses?.length ?? 0)).toBe(1000);
    expect(subset?.addresses).toHaveLength(501);
    expect(plan.endpoints.metadata.annotations).toEqual({ "endpoints.kubernetes.io/over-capacity": "truncated" });
  });

  it("manages only services with a selector that are not ExternalName", () => {
    expect(managesEndpoints(service())).toBe(true);
    expect(managesEndpoints(service({ selector: {} }))).toBe(false);
    expect(managesEndpoints({ metadata: { name: "x" }, spec: {} })).toBe(false);
    expect(managesEndpoints(service({ type: "ExternalName" }))).toBe(false);
  });
});
