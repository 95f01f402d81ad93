import { describe, expect, it } from "vitest";
import { capturedBodies } from "./captured-bodies.js";
import { decodeMessage } from "./decode-message.js";
import { decodeKubernetesProtobuf, ProtobufDecodeError } from "./index.js";
import { appsV1Messages, metaV1Messages } from "./meta-v1-messages.js";
import { coreV1Messages } from "./core-v1-messages.js";
import { buildMessageSpecs } from "./schema.js";
import {
  kubernetesBody,
  mapEntryField,
  messageField,
  packedField,
  stringField,
  varintField,
} from "./test-encoder.js";

const quantity = (text: string): number[] => stringField(1, text);
const intOrStringInt = (value: number): number[] => [...varintField(1, 0), ...varintField(2, value)];
const intOrStringText = (text: string): number[] => [...varintField(1, 1), ...varintField(2, 0), ...stringField(3, text)];

function decodeError(body: Uint8Array): ProtobufDecodeError {
  try {
    decodeKubernetesProtobuf(body);
  } catch (error) {
    if (error instanceof ProtobufDecodeError) return error;
    throw error;
  }
  throw new Error("expected a ProtobufDecodeError");
}

describe("bodies kubectl sent decode to the JSON kubectl printed", () => {
  for (const captured of capturedBodies) {
    it(captured.command, () => {
      const decoded = decodeKubernetesProtobuf(Buffer.from(captured.bodyBase64, "base64"));
      expect(decoded.object).toEqual(captured.json);
    });
  }
});

describe("a Deployment with the PodTemplateSpec tree", () => {
  // Field numbers from upstream apps/v1, core/v1 and meta/v1 generated.proto.
  const metadata = messageField(
    1,
    stringField(1, "web"),
    stringField(3, "team-a"),
    varintField(7, 4),
    messageField(8, varintField(1, 1_704_164_645), varintField(2, 500)),
    mapEntryField(11, "tier", []),
    mapEntryField(12, "note", [...Buffer.from("two words")]),
    messageField(13, stringField(5, "v1"), stringField(1, "Thing"), stringField(3, "owner"), stringField(4, "u-1"), varintField(6, true)),
    stringField(14, "example.com/guard"),
  );
  const container = messageField(
    2,
    stringField(1, "app"),
    stringField(2, "nginx:1.27"),
    stringField(4, "--verbose"),
    messageField(6, stringField(1, "http"), varintField(3, 8080), stringField(4, "TCP")),
    messageField(7, stringField(1, "MODE"), stringField(2, "fast")),
    messageField(7, stringField(1, "TOKEN"), messageField(3, messageField(4, messageField(1, stringField(1, "creds")), stringField(2, "token")))),
    messageField(8, mapEntryField(1, "memory", quantity("128Mi")), mapEntryField(2, "cpu", quantity("100m"))),
    messageField(9, stringField(1, "config"), varintField(2, true), stringField(3, "/etc/app")),
    messageField(10, messageField(1, messageField(2, stringField(1, "/healthz"), messageField(2, intOrStringText("http")))), varintField(2, 5), varintField(4, 10)),
    messageField(11, messageField(1, messageField(3, messageField(1, intOrStringInt(8080))))),
    stringField(14, "IfNotPresent"),
  );
  const podSpec = messageField(
    2,
    messageField(1, stringField(1, "config"), messageField(2, messageField(19, messageField(1, stringField(1, "app-config")), varintField(3, 420)))),
    messageField(1, stringField(1, "scratch"), messageField(2, messageField(2))),
    container,
    stringField(3, "Always"),
    varintField(4, 0),
    // runAsUser, runAsNonRoot, supplementalGroups packed (1, 2) then unpacked (3).
    messageField(14, varintField(2, 1000), varintField(3, true), packedField(4, [1, 2]), varintField(4, 3)),
    messageField(18, messageField(1, messageField(1, messageField(1, messageField(1, stringField(1, "zone"), stringField(2, "In"), stringField(3, "a")))))),
    messageField(22, stringField(1, "node.kubernetes.io/not-ready"), stringField(2, "Exists"), stringField(4, "NoExecute"), varintField(5, 300)),
    varintField(25, -5),
  );
  const spec = messageField(
    2,
    varintField(1, 3),
    messageField(2, mapEntryField(1, "app", [...Buffer.from("web")])),
    messageField(3, messageField(1, mapEntryField(11, "app", [...Buffer.from("web")])), podSpec),
    messageField(4, stringField(1, "RollingUpdate"), messageField(2, messageField(1, intOrStringInt(0)), messageField(2, intOrStringText("25%")))),
    varintField(6, 10),
  );
  const status = messageField(3);
  const body = kubernetesBody("apps/v1", "Deployment", [...metadata, ...spec, ...status]);

  it("decodes every field into Kubernetes' JSON form", () => {
    const { apiVersion, kind, object } = decodeKubernetesProtobuf(body);
    expect({ apiVersion, kind }).toEqual({ apiVersion: "apps/v1", kind: "Deployment" });
    expect(object).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "web",
        namespace: "team-a",
        generation: 4,
        creationTimestamp: "2024-01-02T03:04:05Z",
        labels: { tier: "" },
        annotations: { note: "two words" },
        ownerReferences: [{ apiVersion: "v1", kind: "Thing", name: "owner", uid: "u-1", controller: true }],
        finalizers: ["example.com/guard"],
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" }, creationTimestamp: null },
          spec: {
            volumes: [
              { name: "config", configMap: { name: "app-config", defaultMode: 420 } },
              { name: "scratch", emptyDir: {} },
            ],
            containers: [
              {
                name: "app",
                image: "nginx:1.27",
                args: ["--verbose"],
                ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
                env: [
                  { name: "MODE", value: "fast" },
                  { name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } },
                ],
                resources: { limits: { memory: "128Mi" }, requests: { cpu: "100m" } },
                volumeMounts: [{ name: "config", readOnly: true, mountPath: "/etc/app" }],
                livenessProbe: { httpGet: { path: "/healthz", port: "http" }, initialDelaySeconds: 5, periodSeconds: 10 },
                readinessProbe: { tcpSocket: { port: 8080 } },
                imagePullPolicy: "IfNotPresent",
              },
            ],
            restartPolicy: "Always",
            terminationGracePeriodSeconds: 0,
            securityContext: { runAsUser: 1000, runAsNonRoot: true, supplementalGroups: [1, 2, 3] },
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }],
                },
              },
            },
            tolerations: [
              { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
            ],
            priority: -5,
          },
        },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
        revisionHistoryLimit: 10,
      },
      status: {},
    });
  });

  it("writes an unset pointer without omitempty as null (GRPCAction.service)", () => {
    const specs = buildMessageSpecs([metaV1Messages, appsV1Messages, coreV1Messages]);
    const grpc = (bytes: number[]): unknown => decodeMessage({ specs }, "GRPCAction", Uint8Array.from(bytes), "grpc");
    expect(grpc(varintField(1, 9000))).toEqual({ port: 9000, service: null });
    expect(grpc([...varintField(1, 9000), ...stringField(2, "")])).toEqual({ port: 9000, service: "" });
    expect(grpc([])).toEqual({ port: 0, service: null });
  });

  it("merges a message field that appears twice, as proto does", () => {
    const twice = kubernetesBody("v1", "ConfigMap", [...messageField(1, stringField(1, "a")), ...messageField(1, stringField(3, "ns"))]);
    expect(decodeKubernetesProtobuf(twice).object).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "ns", creationTimestamp: null } });
  });

  it("writes Secret data as base64 and leaves zero, non-pointer fields out", () => {
    const raw = [...messageField(1, stringField(1, "s"), varintField(7, 0)), ...mapEntryField(2, "bin", [0, 255]), ...stringField(3, "")];
    const decoded = decodeKubernetesProtobuf(kubernetesBody("v1", "Secret", raw));
    expect(decoded.object).toEqual({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", creationTimestamp: null }, data: { bin: "AP8=" } });
  });
});

describe("what the decoder refuses, with a message naming it", () => {
  it("a field number the tables do not know, with its path", () => {
    const raw = messageField(2, messageField(3, messageField(2, messageField(2, stringField(1, "c"), stringField(99, "x")))));
    const error = decodeError(kubernetesBody("apps/v1", "Deployment", raw));
    expect(error.message).toContain("unknown field number 99");
    expect(error.message).toContain("spec.template.spec.containers[0]");
  });

  it("a wire type that does not match the declared type", () => {
    const error = decodeError(kubernetesBody("apps/v1", "Deployment", messageField(2, stringField(1, "3"))));
    expect(error.message).toMatch(/replicas .* wire type 2, expected 0 at spec/);
  });

  it("bodies that are not Kubernetes protobuf, or kinds it does not support", () => {
    expect(decodeError(Uint8Array.from([0x7b, 0x7d])).message).toContain("magic");
    expect(decodeError(kubernetesBody("v1", "Pod", [])).message).toContain('kind "Pod" of apiVersion "v1" is not supported');
    expect(decodeError(kubernetesBody("v1", "ConfigMap", [], stringField(3, "gzip"))).message).toContain("contentEncoding");
  });

  it("values Kubernetes' own decoder refuses", () => {
    const badIntOrString = messageField(2, messageField(1, varintField(3, 80), messageField(4, varintField(1, 2))));
    expect(decodeError(kubernetesBody("v1", "Service", badIntOrString)).message).toContain("IntOrString type 2");
    const hugeGeneration = messageField(1, varintField(7, 2n ** 60n));
    expect(decodeError(kubernetesBody("v1", "ConfigMap", hugeGeneration)).message).toContain("int64 value");
    const badQuantity = messageField(2, messageField(3, messageField(2, messageField(2, stringField(1, "c"), messageField(8, mapEntryField(1, "cpu", quantity("lots")))))));
    expect(decodeError(kubernetesBody("apps/v1", "Deployment", badQuantity)).message).toContain('quantity "lots"');
  });

  it("truncated input", () => {
    const body = kubernetesBody("v1", "Namespace", messageField(1, stringField(1, "team")));
    expect(decodeError(body.subarray(0, body.length - 2)).message).toMatch(/runs past the end|truncated/);
  });
});

describe("the tables", () => {
  it("every message is reachable from a supported kind and decodes from no bytes", () => {
    const specs = buildMessageSpecs([metaV1Messages, appsV1Messages, coreV1Messages]);
    const reached = new Set<string>();
    const pending = ["ConfigMap", "Secret", "Namespace", "Service", "Deployment"];
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (reached.has(name) || !specs.has(name)) continue;
      reached.add(name);
      pending.push(...(specs.get(name)?.fields.map((field) => field.type) ?? []));
    }
    expect([...specs.keys()].filter((name) => !reached.has(name))).toEqual([]);
    for (const name of specs.keys()) expect(() => decodeMessage({ specs }, name, new Uint8Array(0), name)).not.toThrow();
  });

  it("name only types they define, and the flags change the JSON (the checker can fail)", () => {
    const specs = buildMessageSpecs([metaV1Messages, appsV1Messages, coreV1Messages]);
    const zeroReplicas = Uint8Array.from(varintField(1, 0));
    // Also the zero DeploymentSpec as encoding/json writes it: unset non-pointer structs included.
    expect(decodeMessage({ specs }, "DeploymentSpec", zeroReplicas, "spec")).toEqual({
      replicas: 0,
      selector: null,
      template: { metadata: { creationTimestamp: null }, spec: { containers: null } },
      strategy: {},
    });
    // The same bytes with replicas declared a plain omitempty int32: Go would leave the zero out.
    const withoutPointer = { ...appsV1Messages, DeploymentSpec: ["1 replicas int32", "2 selector LabelSelector ptr req"] };
    const altered = buildMessageSpecs([metaV1Messages, withoutPointer, coreV1Messages]);
    expect(decodeMessage({ specs: altered }, "DeploymentSpec", zeroReplicas, "spec")).toEqual({ selector: null });
    expect(() => buildMessageSpecs([{ Broken: ["1 field NoSuchMessage"] }])).toThrow(/unknown type NoSuchMessage/);
  });
});
