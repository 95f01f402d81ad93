import { describe, expect, it } from "vitest";
import type { CoreEvent, Pod } from "../client/index.js";
import { describeDeployment, describePod, formatQuantity, parseQuantity } from "./describe-kinds.js";
import { describeTime, formatSelector } from "./describe-writer.js";
import type { Deployment } from "./rollout.js";

const now = Date.parse("2026-11-25T21:30:00Z");

describe("describe", () => {
  // The expected text is kubectl 1.32's describe of the same object, captured against kube-lite's apiserver.
  it("lays a deployment out as kubectl does, events last", () => {
    const deployment: Deployment = {
      metadata: { name: "web", namespace: "default", creationTimestamp: "2026-11-25T21:18:17Z", labels: { app: "web" }, annotations: { x: "y", "kubectl.kubernetes.io/last-applied-configuration": "{}" }, generation: 2 },
      spec: {
        replicas: 5,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] } },
      },
    };
    const events: CoreEvent[] = [
      { metadata: { name: "e" }, involvedObject: { kind: "Deployment", name: "web" }, type: "Normal", reason: "ScalingReplicaSet", message: "Scaled up replica set web-abc to 5", source: { component: "deployment-controller" }, firstTimestamp: "2026-11-25T21:29:50Z", lastTimestamp: "2026-11-25T21:29:50Z", count: 1 },
    ];
    expect(describeDeployment(deployment, { events, nowMs: now })).toBe(`Name:                   web
Namespace:              default
CreationTimestamp:      Wed, 25 Nov 2026 21:18:17 +0000
Labels:                 app=web
Annotations:            x: y
Selector:               app=web
Replicas:               5 desired | 0 updated | 0 total | 0 available | 0 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        0
RollingUpdateStrategy:  25% max unavailable, 25% max surge
Pod Template:
  Labels:  app=web
  Containers:
   web:
    Image:         nginx:1.27
    Port:          80/TCP
    Host Port:     0/TCP
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Events:
  Type    Reason             Age   From                   Message
  ----    ------             ----  ----                   -------
  Normal  ScalingReplicaSet  10s   deployment-controller  Scaled up replica set web-abc to 5`);
  });

  it("lays a scheduled, not yet started pod out as kubectl does", () => {
    const pod: Pod = {
      metadata: { name: "p1", namespace: "default", labels: { b: "c", app: "x" } },
      spec: { nodeName: "node-2", containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }], resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
      status: { phase: "Pending", qosClass: "Burstable" },
    };
    expect(describePod(pod, { events: [], nowMs: now })).toBe(`Name:         p1
Namespace:    default
Node:         node-2/
Labels:       app=x
              b=c
Annotations:  <none>
Status:       Pending
IP:           
IPs:          <none>
Containers:
  c:
    Image:      nginx
    Port:       80/TCP
    Host Port:  0/TCP
    Requests:
      cpu:        100m
      memory:     64Mi
    Environment:  <none>
    Mounts:       <none>
Volumes:          <none>
QoS Class:        Burstable
Node-Selectors:   <none>
Tolerations:      <none>
Events:           <none>`);
  });

  it("formats times, selectors and quantities as kubectl does", () => {
    expect(describeTime("2026-01-05T03:04:05Z")).toBe("Mon, 05 Jan 2026 03:04:05 +0000");
    expect(formatSelector({ matchLabels: { tier: "web", app: "x" }, matchExpressions: [{ key: "env", operator: "In", values: ["prod", "dev"] }, { key: "gone", operator: "DoesNotExist" }] })).toBe("app=x,env in (dev,prod),!gone,tier=web");
    expect(formatSelector({})).toBe("<none>");
    expect(parseQuantity("250m")).toBe(0.25);
    expect(parseQuantity("64Mi")).toBe(64 * 1024 * 1024);
    expect(formatQuantity("cpu", 0.35)).toBe("350m");
    expect(formatQuantity("cpu", 2)).toBe("2");
    expect(formatQuantity("memory", 192 * 1024 * 1024)).toBe("192Mi");
  });
});
