// Go's text/tabwriter, as kubectl's describe and rollout history use it: cells end at tabs, and
// a column is aligned over each block of consecutive lines that have a cell in it (a line with
// fewer cells ends the block), so sections of describe align on their own.

export interface TabwriterOptions {
  readonly minWidth: number;
  readonly padding: number;
}

/** Formats tab-separated lines; the text after a line's last tab is never padded (an empty one leaves the padding, as Go's does). */
export function tabwrite(lines: readonly string[], options: TabwriterOptions): string[] {
  const cells = lines.map((line) => line.split("\t"));
  const widths: number[] = [];
  const output: string[] = new Array<string>(lines.length).fill("");
  const render = (index: number): void => {
    const row = cells[index] ?? [];
    output[index] = row.map((cell, column) => (column < row.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell)).join("");
  };
  const format = (first: number, last: number): void => {
    const column = widths.length;
    let line = first;
    while (line < last) {
      if (column >= (cells[line]?.length ?? 0) - 1) {
        render(line);
        line += 1;
        continue;
      }
      let width = options.minWidth;
      const blockStart = line;
      while (line < last && column < (cells[line]?.length ?? 0) - 1) {
        width = Math.max(width, (cells[line]?.[column]?.length ?? 0) + options.padding);
        line += 1;
      }
      widths.push(width);
      format(blockStart, line);
      widths.pop();
    }
  };
  format(0, cells.length);
  return output;
}
