import { IPPOOL_KIND, type TableColumn } from '../core/index.js';
import type { GetResult, Printer } from './printer.js';
import { formatTabwriter } from './tabwriter.js';

/**
 * tablePrinter prints one table (headings, then a row per resource, tabwriter layout) followed
 * by an empty line, as calicoctl does; the columns are the kind's (core/kinds.ts).
 */
export function tablePrinter(format: 'table' | 'wide'): Printer {
  return {
    async print(result: GetResult): Promise<string> {
      const cols: readonly TableColumn[] = (result.kind ?? IPPOOL_KIND).columns[format];
      const rows = [cols.map((c) => c.heading), ...result.items.map((p) => cols.map((c) => c.value(p)))];
      return `${formatTabwriter(rows)}\n`;
    },
  };
}
