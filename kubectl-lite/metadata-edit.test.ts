import { describe, expect, it } from "vitest";
import { planMetadataEdit, splitMetadataArguments } from "./metadata-edit.js";

describe("label and annotate", () => {
  it("splits resource arguments from KEY=VALUE and KEY- changes", () => {
    const { resources, changes } = splitMetadataArguments(["deploy", "web", "team=blue", "old-"]);
    expect(resources).toEqual(["deploy", "web"]);
    expect([...changes.set]).toEqual([["team", "blue"]]);
    expect(changes.remove).toEqual(["old"]);
    expect(() => splitMetadataArguments(["deploy", "web", "a=1", "a-"])).toThrow("can not both modify and remove");
  });

  it("refuses to replace a value without --overwrite, in each verb's words", () => {
    const changes = { set: new Map([["team", "red"]]), remove: [] };
    expect(() => planMetadataEdit("labels", { team: "blue" }, changes, false)).toThrow("'team' already has a value (blue), and --overwrite is false");
    expect(() => planMetadataEdit("annotations", { team: "blue" }, changes, false)).toThrow("--overwrite is false but found the following declared annotation(s): 'team' already has a value (blue)");
    expect(planMetadataEdit("labels", { team: "blue" }, changes, true)).toEqual({ patch: { team: "red" }, outcome: "labeled", missing: [] });
  });

  it("patches only what changes and says labeled, unlabeled or not labeled", () => {
    expect(planMetadataEdit("labels", { team: "blue" }, { set: new Map([["team", "blue"]]), remove: [] }, false)).toEqual({ patch: {}, outcome: "not labeled", missing: [] });
    expect(planMetadataEdit("labels", { team: "blue" }, { set: new Map(), remove: ["team", "gone"] }, false)).toEqual({ patch: { team: null }, outcome: "unlabeled", missing: ["gone"] });
    expect(planMetadataEdit("annotations", undefined, { set: new Map([["note", "hi"]]), remove: [] }, false).outcome).toBe("annotated");
  });
});
