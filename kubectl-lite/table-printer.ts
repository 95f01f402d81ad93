// Prints a server-side meta.k8s.io/v1 Table as kubectl get does: upper-case headers, columns of
// priority > 0 only with -o wide, a NAMESPACE column first with -A, "kind.group/name" names
// when several types are listed, and Go's tabwriter alignment (kubectl's printers use
// minwidth 6, padding 3, blanks).
import type { ObjectMeta } from "../client/index.js";

export interface TableColumn {
  readonly name: string;
  readonly type?: string;
  readonly format?: string;
  readonly priority?: number;
}

export interface TableRow {
  readonly cells: readonly unknown[];
  readonly object?: { readonly metadata?: ObjectMeta };
}

export interface Table {
  readonly kind: "Table";
  readonly columnDefinitions: readonly TableColumn[] | null;
  readonly rows: readonly TableRow[] | null;
  readonly metadata?: { readonly resourceVersion?: string };
}

export interface TablePrintOptions {
  readonly wide: boolean;
  /** -A: a NAMESPACE column from each row's object metadata. */
  readonly withNamespace: boolean;
  /** Set when several types are printed: names become "deployment.apps/web". */
  readonly kindPrefix?: string;
  readonly noHeaders?: boolean;
  /** --show-labels: a LABELS column last. */
  readonly showLabels?: boolean;
}

const tabMinWidth = 6;
const tabPadding = 3;

export function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "Table";
}

/** kubectl prints a missing cell as <none>, everything else with Go's %v. */
export function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return "<none>";
  if (typeof cell === "object") return JSON.stringify(cell);
  return String(cell);
}

export function labelsText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? "<none>" : entries.map(([key, value]) => `${key}=${value}`).join(",");
}

/** The table's cells as text: the header row first (unless noHeaders), then one row per object. */
export function tableCells(table: Table, options: TablePrintOptions, columns: readonly TableColumn[] = table.columnDefinitions ?? []): string[][] {
  const shown = columns.map((column, index) => ({ column, index })).filter(({ column }) => options.wide || (column.priority ?? 0) === 0);
  const nameIndex = Math.max(0, columns.findIndex((column) => column.format === "name"));
  const rows: string[][] = [];
  if (options.noHeaders !== true) {
    rows.push([
      ...(options.withNamespace ? ["NAMESPACE"] : []),
      ...shown.map(({ column }) => column.name.toUpperCase()),
      ...(options.showLabels === true ? ["LABELS"] : []),
    ]);
  }
  for (const row of table.rows ?? []) {
    const cells = shown.map(({ index }) => {
      const text = cellText(row.cells[index]);
      return index === nameIndex && options.kindPrefix !== undefined ? `${options.kindPrefix}/${text}` : text;
    });
    rows.push([
      ...(options.withNamespace ? [row.object?.metadata?.namespace ?? ""] : []),
      ...cells,
      ...(options.showLabels === true ? [labelsText(row.object?.metadata?.labels)] : []),
    ]);
  }
  return rows;
}

/** Each column's width as Go's tabwriter sets it: the widest cell plus padding, at least the minimum. */
export function columnWidths(rows: readonly (readonly string[])[], previous: readonly number[] = []): number[] {
  const widths = [...previous];
  for (const row of rows) {
    row.forEach((cell, index) => {
      // The last cell of a line is not a tabwriter column: it is never padded.
      if (index === row.length - 1) return;
      widths[index] = Math.max(widths[index] ?? 0, cell.length + tabPadding, tabMinWidth);
    });
  }
  return widths;
}

/** Lines with every cell but the last padded to its column's width (an empty last cell leaves the padding, as Go's tabwriter does). */
export function alignRows(rows: readonly (readonly string[])[], widths: readonly number[] = columnWidths(rows)): string[] {
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join(""));
}
