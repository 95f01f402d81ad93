import { describe, expect, it } from "vitest";
import { decodeObject } from "./index.js";
import { deploymentManifest, podManifest, serviceManifest } from "./fixtures/manifests.js";

const deploymentKind = { group: "apps", version: "v1", kind: "Deployment" };
const podKind = { group: "", version: "v1", kind: "Pod" };

describe("decodeObject", () => {
  it("keeps a realistic Deployment exactly as submitted", () => {
    const result = decodeObject(deploymentKind, deploymentManifest);
    expect(result).toEqual({ ok: true, object: deploymentManifest, unknownFields: [] });
  });

  it("orders keys as Kubernetes serializes its structs", () => {
    const result = decodeObject(podKind, { spec: podManifest.spec, metadata: podManifest.metadata, apiVersion: "v1", kind: "Pod" });
    expect(result.ok && Object.keys(result.object)).toEqual(["kind", "apiVersion", "metadata", "spec"]);
  });

  it("reports unknown fields at their paths and drops them", () => {
    const body = structuredClone(podManifest) as Record<string, unknown> & typeof podManifest;
    Object.assign(body.spec, { foo: 1 });
    Object.assign(body.spec.containers[0] ?? {}, { bar: true });
    const result = decodeObject(podKind, body);
    expect(result.ok && result.unknownFields).toEqual(["spec.containers[0].bar", "spec.foo"]);
    expect(result.ok && result.object).toEqual(podManifest);
  });

  it("treats null as absent", () => {
    const result = decodeObject(podKind, { ...podManifest, metadata: { ...podManifest.metadata, creationTimestamp: null } });
    expect(result.ok && result.object).toEqual(podManifest);
  });

  it("answers a wrong type with the Go decoder's message naming the field", () => {
    const result = decodeObject(podKind, { ...podManifest, spec: { containers: "nginx" } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBe(
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container',
    );
    expect(!result.ok && result.causes[0]?.field).toBe("spec.containers");
  });

  it("names nested fields with their index", () => {
    const result = decodeObject(podKind, { spec: { containers: [{ name: "a", image: 5 }] } });
    expect(!result.ok && result.causes).toEqual([
      { field: "spec.containers[0].image", reason: "FieldValueTypeInvalid", message: "json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string" },
    ]);
  });

  it("refuses a malformed quantity naming the field", () => {
    const result = decodeObject(podKind, { spec: { containers: [{ name: "a", resources: { limits: { cpu: "lots" } } }] } });
    expect(!result.ok && result.message).toContain("spec.containers[0].resources.limits[cpu]: quantities must match the regular expression");
  });

  it("refuses a quantity with an unknown suffix or a malformed number", () => {
    const suffix = decodeObject(podKind, { spec: { containers: [{ name: "a", resources: { requests: { memory: "1mi" } } }] } });
    expect(!suffix.ok && suffix.message).toBe('Pod in version "v1" cannot be handled as a Pod: spec.containers[0].resources.requests[memory]: unable to parse quantity\'s suffix');
    expect(decodeObject(podKind, { spec: { containers: [{ name: "a", resources: { requests: { cpu: "1.2.3" } } }] } }).ok).toBe(false);
    expect(decodeObject(podKind, { spec: { containers: [{ name: "a", resources: { requests: { cpu: "1e3", memory: "1.5Gi" } } }] } }).ok).toBe(true);
  });

  it("refuses a fractional int32 and a bad time", () => {
    const fractional = decodeObject(podKind, { spec: { terminationGracePeriodSeconds: 1.5, containers: [] } });
    expect(!fractional.ok && fractional.causes[0]).toEqual({
      field: "spec.terminationGracePeriodSeconds", reason: "FieldValueTypeInvalid",
      message: "json: cannot unmarshal number 1.5 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64",
    });
    const time = decodeObject(podKind, { metadata: { creationTimestamp: "yesterday" } });
    expect(!time.ok && time.causes[0]?.field).toBe("metadata.creationTimestamp");
  });

  it("accepts int-or-string ports and refuses other types there", () => {
    expect(decodeObject({ group: "", version: "v1", kind: "Service" }, serviceManifest).ok).toBe(true);
    const bad = decodeObject({ group: "", version: "v1", kind: "Service" }, { spec: { ports: [{ port: 80, targetPort: true }] } });
    expect(!bad.ok && bad.causes[0]?.field).toBe("spec.ports[0].targetPort");
  });

  it("keeps a map key named __proto__ as a key", () => {
    const body = JSON.parse('{"metadata":{"labels":{"__proto__":"x","a":"b"}}}') as unknown;
    const result = decodeObject(podKind, body);
    const labels = result.ok ? (result.object.metadata as { labels: Record<string, unknown> }).labels : {};
    expect(Object.keys(labels)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it("refuses a body that is not an object", () => {
    const result = decodeObject(podKind, "pod");
    expect(!result.ok && result.message).toBe('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go value of type v1.Pod');
  });
});

describe("decodeObject on []byte fields", () => {
  const secretKind = { group: "", version: "v1", kind: "Secret" };
  it("accepts base64 and refuses anything else naming the key", () => {
    expect(decodeObject(secretKind, { data: { a: "aGVsbG8=", b: "" } }).ok).toBe(true);
    const result = decodeObject(secretKind, { data: { password: "hello!" } });
    expect(!result.ok && result.message).toBe('Secret in version "v1" cannot be handled as a Secret: data[password]: illegal base64 data at input byte 5');
    expect(decodeObject(secretKind, { data: { a: "abc" } }).ok).toBe(false);
  });
});
