import { usageError } from '../base/errors.js';
import { visible } from '../base/terminal-text.js';
import type { StoredPool } from '../datastore/datastore.js';
import type { GetResult, Printer } from './printer.js';
import { formatTabwriter } from './tabwriter.js';

/** Column is one table column: its heading and how a pool fills it. */
interface Column {
  readonly heading: string;
  readonly value: (p: StoredPool) => string;
}

const mode = (m: string | undefined): string => (m ? m : 'Never');

const NAME: Column = { heading: 'NAME', value: (p) => p.metadata.name };
const CIDR: Column = { heading: 'CIDR', value: (p) => p.spec.cidr ?? '' };
const SELECTOR: Column = { heading: 'SELECTOR', value: (p) => p.spec.nodeSelector ?? '' };

/**
 * COLUMNS are calicoctl's IPPool table columns (calicoctl/calicoctl/resourcemgr/ippool.go):
 * `ps` (poolctl's table) and wide, ASSIGNMENTMODE last (v3.30+). Booleans print true/false,
 * empty modes Never, SELECTOR the raw nodeSelector.
 */
const COLUMNS: Readonly<Record<'table' | 'wide', readonly Column[]>> = {
  table: [NAME, CIDR, SELECTOR],
  wide: [
    NAME,
    CIDR,
    { heading: 'NAT', value: (p) => String(p.spec.natOutgoing === true) },
    { heading: 'IPIPMODE', value: (p) => mode(p.spec.ipipMode) },
    { heading: 'VXLANMODE', value: (p) => mode(p.spec.vxlanMode) },
    { heading: 'DISABLED', value: (p) => String(p.spec.disabled === true) },
    { heading: 'DISABLEBGPEXPORT', value: (p) => String(p.spec.disableBGPExport === true) },
    SELECTOR,
    { heading: 'ASSIGNMENTMODE', value: (p) => p.spec.assignmentMode ?? '' },
  ],
};

/**
 * customColumnsPrinter prints the table with the headings asked for, in that order, from the
 * wide columns (calicoctl's custom-columns: the same headings, matched exactly, as
 * resourcemgr's GetTableTemplate). An unknown one is `unknown heading X, valid values are:
 * ...` (calicoctl lists them in random map order; poolctl in the wide order).
 */
export function customColumnsPrinter(headings: readonly string[]): Printer {
  const wide = COLUMNS.wide;
  const cols = headings.map((h) => {
    const c = wide.find((w) => w.heading === h);
    if (!c) throw usageError(`unknown heading ${h}, valid values are: ${wide.map((w) => w.heading).join(', ')}`, 'headings are upper case, e.g. -o custom-columns=NAME,CIDR,NAT');
    return c;
  });
  return rowsPrinter(cols);
}

function rowsPrinter(cols: readonly Column[]): Printer {
  return {
    async print(result: GetResult): Promise<string> {
      const rows = [cols.map((c) => c.heading), ...result.items.map((p) => cols.map((c) => visible(c.value(p))))];
      return `${formatTabwriter(rows)}\n`;
    },
  };
}

/**
 * tablePrinter prints one table (headings, then a row per pool, tabwriter layout) followed by
 * an empty line, as calicoctl does. Cells are made visible (base/terminal-text.ts): a newline, tab
 * or escape sequence in stored data prints as `\n`, `\t`, `\x1b`, so each pool stays one
 * row and nothing reaches the terminal raw (kubectl escapes ESC too, and cuts a cell at its
 * first line break; poolctl keeps the whole value).
 */
export function tablePrinter(format: 'table' | 'wide'): Printer {
  return rowsPrinter(COLUMNS[format]);
}
