import { describe, expect, it } from "vitest";
import { FieldSet, comparePathElements, keyElement, pathToString } from "./field-set.js";

const fieldsV1 = {
  "f:metadata": { "f:annotations": { ".": {}, "f:deployment.kubernetes.io/revision": {} }, "f:labels": { "f:app": {} } },
  "f:spec": {
    "f:replicas": {},
    "f:template": {
      "f:spec": {
        "f:containers": {
          'k:{"name":"nginx"}': {
            ".": {},
            "f:image": {},
            "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
          },
        },
      },
    },
  },
  "f:metadata2": {},
};

describe("FieldSet", () => {
  it("round-trips fieldsV1, with '.' for elements that are members and have children", () => {
    const set = FieldSet.fromFieldsV1(fieldsV1);
    expect(set.toFieldsV1()).toEqual(fieldsV1);
    expect(JSON.stringify(set.toFieldsV1())).toBe(JSON.stringify(FieldSet.fromFieldsV1(set.toFieldsV1()).toFieldsV1()));
    expect(set.has(["f:metadata", "f:annotations"])).toBe(true);
    expect(set.has(["f:metadata", "f:labels"])).toBe(false);
  });

  it("sorts elements as upstream: fields, then keys (numbers by value), then values", () => {
    const elements = ['k:{"containerPort":443,"protocol":"TCP"}', "v:\"b\"", "f:z", 'k:{"containerPort":80,"protocol":"TCP"}', "f:a", 'v:"a"'];
    expect([...elements].sort(comparePathElements)).toEqual([
      "f:a",
      "f:z",
      'k:{"containerPort":80,"protocol":"TCP"}',
      'k:{"containerPort":443,"protocol":"TCP"}',
      'v:"a"',
      'v:"b"',
    ]);
    const set = FieldSet.fromPaths([["f:list", 'k:{"containerPort":443,"protocol":"TCP"}'], ["f:list", 'k:{"containerPort":80,"protocol":"TCP"}']]);
    expect(Object.keys(set.toFieldsV1()["f:list"] as object)).toEqual(['k:{"containerPort":80,"protocol":"TCP"}', 'k:{"containerPort":443,"protocol":"TCP"}']);
  });

  it("computes union, intersection and difference level by level", () => {
    const left = FieldSet.fromPaths([["f:a"], ["f:b", "f:c"], ["f:b", "f:d"]]);
    const right = FieldSet.fromPaths([["f:b", "f:c"], ["f:e"]]);
    expect(left.union(right).paths()).toEqual([["f:a"], ["f:e"], ["f:b", "f:c"], ["f:b", "f:d"]]);
    expect(left.intersection(right).paths()).toEqual([["f:b", "f:c"]]);
    expect(left.difference(right).paths()).toEqual([["f:a"], ["f:b", "f:d"]]);
    expect(right.difference(right).isEmpty()).toBe(true);
  });

  it("makes named fields on paths members", () => {
    const set = FieldSet.fromPaths([["f:spec", "f:list", 'k:{"name":"a"}', "f:image"]]);
    expect(set.withNamedFieldsAsMembers().paths()).toEqual([
      ["f:spec"],
      ["f:spec", "f:list"],
      ["f:spec", "f:list", 'k:{"name":"a"}', "f:image"],
    ]);
  });

  it("prints paths as upstream's conflicts do", () => {
    expect(pathToString(["f:spec", "f:containers", keyElement([["name", "nginx"]]), "f:image"])).toBe('.spec.containers[name="nginx"].image');
    expect(pathToString(["f:ports", keyElement([["protocol", "TCP"], ["containerPort", 80]])])).toBe('.ports[containerPort=80,protocol="TCP"]');
    expect(pathToString(["f:metadata", "f:finalizers", 'v:"a"'])).toBe('.metadata.finalizers[="a"]');
  });
});
