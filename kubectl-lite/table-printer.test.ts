import { describe, expect, it } from "vitest";
import { alignRows, columnWidths, tableCells, type Table } from "./table-printer.js";

const podTable: Table = {
  kind: "Table",
  columnDefinitions: [
    { name: "Name", format: "name", priority: 0 },
    { name: "Ready", priority: 0 },
    { name: "Status", priority: 0 },
    { name: "Restarts", priority: 0 },
    { name: "Age", priority: 0 },
    { name: "IP", priority: 1 },
    { name: "Node", priority: 1 },
  ],
  rows: [
    { cells: ["web-7d9f8-abcde", "1/1", "Running", 0, "5m"], object: { metadata: { namespace: "default" } } },
    { cells: ["db-0", "0/1", "Pending", 2, "10s", null, null], object: { metadata: { namespace: "prod", labels: { b: "2", a: "1" } } } },
  ],
};

describe("table printing", () => {
  it("upper-cases headers, hides priority columns and aligns as Go's tabwriter (padding 3)", () => {
    expect(alignRows(tableCells(podTable, { wide: false, withNamespace: false }))).toEqual([
      "NAME              READY   STATUS    RESTARTS   AGE",
      "web-7d9f8-abcde   1/1     Running   0          5m",
      "db-0              0/1     Pending   2          10s",
    ]);
  });

  it("adds NAMESPACE first with -A, wide columns with <none> for missing cells, kind prefixes and labels", () => {
    const lines = alignRows(tableCells(podTable, { wide: true, withNamespace: true, kindPrefix: "pod", showLabels: true }));
    expect(lines[0]).toBe("NAMESPACE   NAME                  READY   STATUS    RESTARTS   AGE   IP       NODE     LABELS");
    expect(lines[2]).toBe("prod        pod/db-0              0/1     Pending   2          10s   <none>   <none>   a=1,b=2");
    expect(lines[1]).toMatch(/^default {5}pod\/web-7d9f8-abcde {3}1\/1 .* 5m {4}<none> {3}<none> {3}<none>$/);
  });

  it("keeps a minimum column width of 6 and widens, never narrows, columns for later rows", () => {
    const widths = columnWidths([["A", "B", "C"]]);
    expect(widths).toEqual([6, 6]);
    expect(columnWidths([["a-much-longer-name", "x", "y"]], widths)).toEqual([21, 6]);
    expect(alignRows(tableCells(podTable, { wide: false, withNamespace: false, noHeaders: true }))[0]).toBe("web-7d9f8-abcde   1/1   Running   0     5m");
  });

  it("keeps the padding before an empty last cell, as kubectl's tabwriter does (get nodes without a VERSION)", () => {
    expect(alignRows([["NAME", "AGE", "VERSION"], ["node-2", "31m", ""]])).toEqual(["NAME     AGE   VERSION", "node-2   31m   "]);
  });
});
