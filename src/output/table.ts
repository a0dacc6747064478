import { visible } from '../base/terminal-text.js';
import { IPPOOL_KIND, type TableColumn } from '../core/index.js';
import type { GetResult, Printer } from './printer.js';
import { formatTabwriter } from './tabwriter.js';

/**
 * tablePrinter prints one table (headings, then a row per resource, tabwriter layout) followed
 * by an empty line, as calicoctl does; the columns are the kind's (core/kinds.ts). Cells are
 * made visible (base/terminal-text.ts): a newline, tab or escape sequence in stored data
 * prints as `\n`, `\t`, `\x1b`, so each resource stays one row and nothing reaches the
 * terminal raw (kubectl escapes ESC too, and cuts a cell at its first line break; poolctl
 * keeps the whole value).
 */
export function tablePrinter(format: 'table' | 'wide'): Printer {
  return {
    async print(result: GetResult): Promise<string> {
      const cols: readonly TableColumn[] = (result.kind ?? IPPOOL_KIND).columns[format];
      const rows = [cols.map((c) => c.heading), ...result.items.map((p) => cols.map((c) => visible(c.value(p))))];
      return `${formatTabwriter(rows)}\n`;
    },
  };
}
