import { usageError } from '../base/errors.js';
import { visible } from '../base/terminal-text.js';
import { IPPOOL_KIND, type ResourceKind, type TableColumn } from '../core/index.js';
import type { GetResult, Printer } from './printer.js';
import { formatTabwriter } from './tabwriter.js';

/**
 * customColumnsPrinter prints the table with the headings asked for, in that order, from the
 * kind's wide columns (core/kinds.ts; calicoctl's custom-columns: the same headings, matched
 * exactly, as resourcemgr's GetTableTemplate). An unknown one is `unknown heading X, valid
 * values are: ...` (calicoctl lists them in random map order; poolctl in the wide order).
 */
export function customColumnsPrinter(headings: readonly string[], kind: ResourceKind = IPPOOL_KIND): Printer {
  const wide = kind.columns.wide;
  const cols = headings.map((h) => {
    const c = wide.find((w) => w.heading === h);
    if (!c) throw usageError(`unknown heading ${h}, valid values are: ${wide.map((w) => w.heading).join(', ')}`, `headings are upper case, e.g. -o custom-columns=${wide.slice(0, 3).map((w) => w.heading).join(',')}`);
    return c;
  });
  return rowsPrinter(() => cols);
}

function rowsPrinter(columnsOf: (result: GetResult) => readonly TableColumn[]): Printer {
  return {
    async print(result: GetResult): Promise<string> {
      const cols = columnsOf(result);
      const rows = [cols.map((c) => c.heading), ...result.items.map((p) => cols.map((c) => visible(c.value(p))))];
      return `${formatTabwriter(rows)}\n`;
    },
  };
}

/**
 * tablePrinter prints one table (headings, then a row per resource, tabwriter layout) followed
 * by an empty line, as calicoctl does; the columns are the kind's (core/kinds.ts). Cells are
 * made visible (base/terminal-text.ts): a newline, tab or escape sequence in stored data
 * prints as `\n`, `\t`, `\x1b`, so each resource stays one row and nothing reaches the
 * terminal raw (kubectl escapes ESC too, and cuts a cell at its first line break; poolctl
 * keeps the whole value).
 */
export function tablePrinter(format: 'table' | 'wide'): Printer {
  return rowsPrinter((result) => (result.kind ?? IPPOOL_KIND).columns[format]);
}
