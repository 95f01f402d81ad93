import { describe, expect, it } from "vitest";
import { tabwrite } from "./tabwriter.js";

describe("tabwrite (Go's text/tabwriter)", () => {
  it("aligns each block of consecutive lines that share a column, and lets a line without one end the block", () => {
    const lines = ["Name:\tweb", "RollingUpdateStrategy:\t25%", "Pod Template:", "  Labels:\tapp=web", "  Containers:", "   web:", "    Image:\tnginx", "    Environment:\t<none>", "  Node-Selectors:\t<none>"];
    expect(tabwrite(lines, { minWidth: 0, padding: 2 })).toEqual([
      "Name:                   web",
      "RollingUpdateStrategy:  25%",
      "Pod Template:",
      "  Labels:  app=web",
      "  Containers:",
      "   web:",
      "    Image:         nginx",
      "    Environment:   <none>",
      "  Node-Selectors:  <none>",
    ]);
  });

  it("aligns inner columns within the outer column's block, and pads an empty last cell's column", () => {
    expect(tabwrite(["a\tbb\tc", "aaa\tb\tc", "x:\t"], { minWidth: 0, padding: 1 })).toEqual(["a   bb c", "aaa b  c", "x:  "]);
  });
});
