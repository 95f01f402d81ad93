import { describe, expect, it } from "vitest";
import { checkFieldSelector, matchesFields, parseFieldSelector, selectableFields, SelectorError } from "./index.js";

function parseError(text: string): string {
  try {
    parseFieldSelector(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SelectorError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(text)} parsed`);
}

describe("parseFieldSelector", () => {
  it("parses =, == and != terms, in upstream's order (the raw terms sorted)", () => {
    expect(parseFieldSelector("status.phase!=Running,spec.nodeName==node-1,metadata.name=web")).toEqual([
      { field: "metadata.name", operator: "=", value: "web" },
      { field: "spec.nodeName", operator: "==", value: "node-1" },
      { field: "status.phase", operator: "!=", value: "Running" },
    ]);
  });

  it("selects everything when empty, and skips empty terms", () => {
    expect(parseFieldSelector("")).toEqual([]);
    expect(parseFieldSelector(",a=b,")).toEqual([{ field: "a", operator: "=", value: "b" }]);
  });

  it("allows an empty value (`spec.nodeName=` is how the scheduler finds unbound pods)", () => {
    expect(parseFieldSelector("spec.nodeName=")).toEqual([{ field: "spec.nodeName", operator: "=", value: "" }]);
  });

  it("unescapes \\, \\= and \\\\ in values (upstream's TestSelectorParse escaping cases)", () => {
    expect(parseFieldSelector("x=a\\,b")).toEqual([{ field: "x", operator: "=", value: "a,b" }]);
    expect(parseFieldSelector("x=a\\=b")).toEqual([{ field: "x", operator: "=", value: "a=b" }]);
    expect(parseFieldSelector("x=a\\\\b")).toEqual([{ field: "x", operator: "=", value: "a\\b" }]);
    expect(parseFieldSelector("x=a\\,b,y!=c")).toEqual([
      { field: "x", operator: "=", value: "a,b" },
      { field: "y", operator: "!=", value: "c" },
    ]);
  });

  it("splits a term at its first operator: the field cannot hold one", () => {
    expect(parseFieldSelector("a!=b\\=c")).toEqual([{ field: "a", operator: "!=", value: "b=c" }]);
    expect(parseFieldSelector("a==b")).toEqual([{ field: "a", operator: "==", value: "b" }]);
  });

  it.each<[string, string]>([
    ["x", "invalid selector: 'x'; can't understand 'x'"],
    ["a=b,x", "invalid selector: 'a=b,x'; can't understand 'x'"],
    ["x=a=b", "invalid field selector: unescaped character in value: 61"],
    ["x==a==b", "invalid field selector: unescaped character in value: 61"],
    ["x=\\q", "invalid field selector: invalid escape sequence: \\q"],
    ["x=a\\", "invalid field selector: invalid escape sequence: \\"],
  ])("refuses %j with upstream's message", (text, message) => {
    expect(parseError(text)).toBe(message);
  });
});

describe("matchesFields", () => {
  const fields = { "metadata.name": "web-1", "spec.nodeName": "", "status.phase": "Running" };

  it("= and == need equality, != inequality", () => {
    expect(matchesFields(parseFieldSelector("metadata.name=web-1"), fields)).toBe(true);
    expect(matchesFields(parseFieldSelector("metadata.name==web-2"), fields)).toBe(false);
    expect(matchesFields(parseFieldSelector("status.phase!=Running"), fields)).toBe(false);
    expect(matchesFields(parseFieldSelector("status.phase!=Pending,metadata.name=web-1"), fields)).toBe(true);
  });

  it("a missing field reads as the empty string", () => {
    expect(matchesFields(parseFieldSelector("spec.nodeName="), fields)).toBe(true);
    expect(matchesFields(parseFieldSelector("status.podIP="), fields)).toBe(true);
    expect(matchesFields(parseFieldSelector("status.podIP!="), fields)).toBe(false);
  });
});

const runningPod = {
  metadata: { name: "web-1", namespace: "shop" },
  spec: {
    nodeName: "node-2",
    restartPolicy: "Always",
    schedulerName: "default-scheduler",
    serviceAccountName: "default",
    containers: [{ name: "web", image: "nginx" }],
  },
  status: { phase: "Running", podIP: "10.244.1.7", podIPs: [{ ip: "10.244.1.7" }], nominatedNodeName: "" },
};

describe("selectableFields", () => {
  it("pods: the registry's fields, hostNetwork defaulting to false", () => {
    expect(selectableFields("pods", runningPod)).toEqual({
      "metadata.name": "web-1",
      "metadata.namespace": "shop",
      "spec.nodeName": "node-2",
      "spec.host": "node-2",
      "spec.restartPolicy": "Always",
      "spec.schedulerName": "default-scheduler",
      "spec.serviceAccountName": "default",
      "spec.hostNetwork": "false",
      "status.phase": "Running",
      "status.podIP": "10.244.1.7",
      "status.nominatedNodeName": "",
    });
  });

  it("pods: a pending pod has empty values, and podIP comes from podIPs[0] or the lone podIP", () => {
    const fields = selectableFields("pods", { metadata: { name: "p", namespace: "default" }, spec: { hostNetwork: true } });
    expect(fields["spec.nodeName"]).toBe("");
    expect(fields["status.phase"]).toBe("");
    expect(fields["spec.hostNetwork"]).toBe("true");
    expect(selectableFields("pods", { status: { podIP: "10.0.0.9" } })["status.podIP"]).toBe("10.0.0.9");
  });

  it("nodes and namespaces are cluster-scoped: no metadata.namespace", () => {
    expect(selectableFields("nodes", { metadata: { name: "node-1" }, spec: { unschedulable: true } })).toEqual({
      "metadata.name": "node-1",
      "spec.unschedulable": "true",
    });
    expect(selectableFields("nodes", { metadata: { name: "node-1" } })["spec.unschedulable"]).toBe("false");
    expect(selectableFields("namespaces", { metadata: { name: "shop" }, status: { phase: "Terminating" } })).toEqual({
      "metadata.name": "shop",
      "status.phase": "Terminating",
    });
  });

  it("secrets, replicasets, services", () => {
    expect(selectableFields("secrets", { metadata: { name: "s", namespace: "n" }, type: "kubernetes.io/tls" })).toEqual({
      "metadata.name": "s",
      "metadata.namespace": "n",
      type: "kubernetes.io/tls",
    });
    expect(selectableFields("replicasets", { metadata: { name: "r", namespace: "n" }, status: { replicas: 3 } })["status.replicas"]).toBe("3");
    expect(selectableFields("replicasets", { metadata: { name: "r", namespace: "n" } })["status.replicas"]).toBe("0");
    expect(selectableFields("services", { metadata: { name: "s", namespace: "n" }, spec: { clusterIP: "None", type: "ClusterIP" } })).toEqual({
      "metadata.name": "s",
      "metadata.namespace": "n",
      "spec.clusterIP": "None",
      "spec.type": "ClusterIP",
    });
  });

  it("events: involvedObject.*, reason, type, and source falling back to reportingComponent", () => {
    const event = {
      metadata: { name: "web-1.17a", namespace: "shop" },
      involvedObject: { kind: "Pod", namespace: "shop", name: "web-1", uid: "u-1", apiVersion: "v1", resourceVersion: "42", fieldPath: "spec.containers{web}" },
      reason: "Pulled",
      type: "Normal",
      reportingComponent: "kubelet",
      source: {},
    };
    expect(selectableFields("events", event)).toEqual({
      "metadata.name": "web-1.17a",
      "metadata.namespace": "shop",
      "involvedObject.kind": "Pod",
      "involvedObject.namespace": "shop",
      "involvedObject.name": "web-1",
      "involvedObject.uid": "u-1",
      "involvedObject.apiVersion": "v1",
      "involvedObject.resourceVersion": "42",
      "involvedObject.fieldPath": "spec.containers{web}",
      reason: "Pulled",
      reportingComponent: "kubelet",
      source: "kubelet",
      type: "Normal",
    });
    expect(selectableFields("events", { ...event, source: { component: "scheduler" } }).source).toBe("scheduler");
  });

  it("other kinds: metadata.name and metadata.namespace", () => {
    expect(selectableFields("deployments", { metadata: { name: "web", namespace: "shop" }, spec: { replicas: 3 } })).toEqual({
      "metadata.name": "web",
      "metadata.namespace": "shop",
    });
  });

  it("selects with the parsed selector, as the apiserver's list does", () => {
    const select = (selector: string) => matchesFields(parseFieldSelector(selector), selectableFields("pods", runningPod));
    expect(select("spec.nodeName=node-2,status.phase=Running")).toBe(true);
    expect(select("spec.nodeName=")).toBe(false);
    expect(select("metadata.namespace!=shop")).toBe(false);
    expect(select("spec.host=node-2")).toBe(true);
  });
});

describe("checkFieldSelector", () => {
  const check = (resource: string, selector: string) => () => checkFieldSelector(resource, parseFieldSelector(selector));

  it("accepts every field the resource supports", () => {
    expect(check("pods", "metadata.name=a,metadata.namespace=b,spec.nodeName=c,status.phase=Running,spec.hostNetwork=true")).not.toThrow();
    expect(check("nodes", "metadata.name=a,spec.unschedulable=false")).not.toThrow();
    expect(check("events", "involvedObject.name=web,involvedObject.kind=Pod,reason=Killing,type=Warning,source=kubelet")).not.toThrow();
    expect(check("deployments", "metadata.name=web")).not.toThrow();
  });

  it("refuses an unsupported field with the conversion function's message", () => {
    expect(check("pods", "spec.containers=x")).toThrow(new SelectorError("field label not supported: spec.containers"));
    expect(check("nodes", "metadata.namespace=x")).toThrow(new SelectorError("field label not supported: metadata.namespace"));
    expect(check("secrets", "data=x")).toThrow(new SelectorError("field label not supported: data"));
  });

  it("pods accept status.podIPs, which no pod offers a value for (it reads as empty)", () => {
    expect(check("pods", "status.podIPs=10.0.0.1")).not.toThrow();
    expect(matchesFields(parseFieldSelector("status.podIPs=10.244.1.7"), selectableFields("pods", runningPod))).toBe(false);
  });

  it("kinds without a conversion function of their own answer with the default conversion's message", () => {
    expect(check("deployments", "spec.replicas=3")).toThrow(
      new SelectorError(`"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"`),
    );
    expect(check("configmaps", "data=x")).toThrow(SelectorError);
  });
});
