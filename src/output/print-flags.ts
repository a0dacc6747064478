import { usageError } from '../base/errors.js';
import type { Printer } from './printer.js';

// Which printer an -o value selects, apart from the printers (kubectl's print_flags.go beside
// pkg/printers): `get` declares its -o flag from here statically, and each printer's module
// loads only for the format used.

/** OUTPUT_FORMATS are the -o values of `get`, in the order help lists them (spec/cli.md). */
export const OUTPUT_FORMATS = ['table', 'wide', 'yaml', 'json', 'name'] as const;

/** OutputFormat is one of OUTPUT_FORMATS. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** FORMAT_ALIASES are calicoctl's spellings accepted too: `ps` (its default table) and `yml`. */
const FORMAT_ALIASES: Readonly<Record<string, OutputFormat>> = { ps: 'table', yml: 'yaml' };

/** OUTPUT_HELP is the -o option's description, naming every format. */
export const OUTPUT_HELP = `output format: ${OUTPUT_FORMATS.join(', ')} (calicoctl's ps and yml are accepted too)`;

/** parseOutputFormat returns the format an -o value names, or a usage error listing the formats. */
export function parseOutputFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  const alias = FORMAT_ALIASES[value];
  if (alias) return alias;
  throw usageError(`unrecognized output format '${value}'`, `use one of: ${OUTPUT_FORMATS.join(', ')}`);
}

/**
 * resolvePrinter returns the printer for an -o value (kubectl PrintFlags.ToPrinter); the
 * printers' modules are loaded only for the format used.
 */
export async function resolvePrinter(value: string): Promise<Printer> {
  const format = parseOutputFormat(value);
  switch (format) {
    case 'table':
    case 'wide':
      return (await import('./table.js')).tablePrinter(format);
    case 'json':
      return (await import('./json.js')).jsonPrinter();
    case 'yaml':
      return (await import('./yaml.js')).yamlPrinter();
    case 'name':
      return (await import('./name.js')).namePrinter();
  }
}
