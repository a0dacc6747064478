/**
 * formatTabwriter lays out rows as calicoctl's Go text/tabwriter does
 * (`tabwriter.NewWriter(out, 5, 1, 3, ' ', 0)`, calicoctl/calicoctl/commands/common/printer.go):
 * every cell is terminated by a tab, so every column, the last one included, is padded to
 * its widest cell plus 3 spaces (at least 5). Lines therefore end in spaces, exactly as
 * calicoctl's do. Widths count code points, as tabwriter counts runes.
 */
export function formatTabwriter(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  const len = (s: string): number => {
    let n = 0;
    for (const _ of s) n++;
    return n;
  };
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 5, len(cell) + 3);
    });
  }
  let out = '';
  for (const row of rows) {
    let line = '';
    row.forEach((cell, i) => {
      line += cell + ' '.repeat(widths[i]! - len(cell));
    });
    out += `${line}\n`;
  }
  return out;
}
