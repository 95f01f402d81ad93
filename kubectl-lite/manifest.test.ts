import { describe, expect, it } from "vitest";
import { CliError } from "./cli-error.js";
import { parseManifest, problemsOf } from "./manifest.js";

describe("parseManifest", () => {
  it("splits documents and remembers the line each starts on, skipping empty ones", () => {
    const text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n";
    const objects = parseManifest(text, "two.yaml");
    expect(objects.map((o) => [o.object.metadata.name, o.line, o.source])).toEqual([
      ["a", 1, "two.yaml"],
      ["b", 9, "two.yaml"],
    ]);
  });

  it("expands a List", () => {
    const text = JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } }] });
    expect(parseManifest(text, "list.json").map((o) => o.object.kind)).toEqual(["Namespace"]);
  });

  it("names the file and line of a syntax error", () => {
    const text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [a, b\n  c: d\n";
    expect(() => parseManifest(text, "bad.yaml")).toThrow(CliError);
    expect(() => parseManifest(text, "bad.yaml")).toThrow(/^error parsing bad\.yaml: yaml: line [56]: /);
  });

  it("refuses objects without apiVersion, kind or name, naming the document's line", () => {
    expect(problemsOf({ metadata: {} })).toEqual(["apiVersion not set", "kind not set", "metadata.name not set"]);
    expect(problemsOf({ apiVersion: "v1", kind: "Pod", metadata: { generateName: "p-" } })).toEqual([]);
    expect(() => parseManifest("a: 1\n---\nkind: Pod\n", "f.yaml")).toThrow('error validating "f.yaml" (document at line 1): apiVersion not set, kind not set, metadata.name not set');
  });
});
