import { usageError } from '../base/errors.js';
import type { ResourceKind } from '../core/index.js';
import type { Printer } from './printer.js';

// Which printer an -o value selects, apart from the printers (kubectl's print_flags.go beside
// pkg/printers): `get` declares its -o flag from here statically, and each printer's module
// loads only for the format used.

/** OUTPUT_FORMATS are the -o values of `get`, in the order help lists them (spec/cli.md). */
export const OUTPUT_FORMATS = ['table', 'wide', 'yaml', 'json', 'name'] as const;

/** OutputFormat is one of OUTPUT_FORMATS. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** OutputSpec is a parsed -o value: a format, or calicoctl's custom-columns with its headings. */
export type OutputSpec = { readonly format: OutputFormat } | { readonly format: 'custom-columns'; readonly headings: readonly string[] };

/** FORMAT_ALIASES are calicoctl's spellings accepted too: `ps` (its default table) and `yml`. */
const FORMAT_ALIASES: Readonly<Record<string, OutputFormat>> = { ps: 'table', yml: 'yaml' };

/** OUTPUT_HELP is the -o option's description, naming every format. */
export const OUTPUT_HELP = `output format: ${OUTPUT_FORMATS.join(', ')}, custom-columns=NAME,CIDR,... (calicoctl's ps and yml are accepted too)`;

const FORMATS_HINT = `use one of: ${OUTPUT_FORMATS.join(', ')}, custom-columns=HEADING,...`;

/**
 * parseOutputFormat reads an -o value as calicoctl's get does (calicoctl/calicoctl/commands/get.go):
 * a format name, or KEY=VALUE where `custom-columns=A,B` lists table headings (an empty list:
 * `need to specify at least one column`). calicoctl's go-template and go-template-file are
 * refused with what to use instead: no well-kept JavaScript library implements Go's
 * text/template, and calicoctl's templates name Go struct fields (.Spec.CIDR), not the JSON
 * ones. Anything else is `unrecognized output format '<x>'`.
 */
export function parseOutputFormat(value: string): OutputSpec {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return { format: value as OutputFormat };
  const alias = FORMAT_ALIASES[value];
  if (alias) return { format: alias };
  const eq = value.indexOf('=');
  const key = eq < 0 ? value : value.slice(0, eq);
  const rest = eq < 0 ? '' : value.slice(eq + 1);
  if (key === 'custom-columns') {
    if (rest === '') throw usageError('need to specify at least one column', 'e.g. -o custom-columns=NAME,CIDR,NAT');
    return { format: 'custom-columns', headings: rest.split(',') };
  }
  if (key === 'go-template' || key === 'go-template-file') {
    throw usageError(
      `output format '${key}' is not supported by poolctl: it has no Go text/template engine`,
      "use -o json with jq (poolctl get ippools -o json | jq -r '.items[].spec.cidr'), or -o custom-columns=NAME,CIDR,...",
    );
  }
  throw usageError(`unrecognized output format '${value}'`, FORMATS_HINT);
}

/**
 * resolvePrinter returns the printer for an -o value (kubectl PrintFlags.ToPrinter); the
 * printers' modules are loaded only for the format used. Custom columns are checked here
 * against the kind's wide columns (core/kinds.ts; IPPool when none is given), before anything
 * is read.
 */
export async function resolvePrinter(value: string, kind?: ResourceKind): Promise<Printer> {
  const spec = parseOutputFormat(value);
  switch (spec.format) {
    case 'table':
    case 'wide':
      return (await import('./table.js')).tablePrinter(spec.format);
    case 'custom-columns':
      return (await import('./table.js')).customColumnsPrinter(spec.headings, kind);
    case 'json':
      return (await import('./json.js')).jsonPrinter();
    case 'yaml':
      return (await import('./yaml.js')).yamlPrinter();
    case 'name':
      return (await import('./name.js')).namePrinter();
  }
}
