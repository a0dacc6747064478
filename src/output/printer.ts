import { usageError } from '../cli/cli-error.js';
import type { StoredPool } from '../datastore/datastore.js';

/** OUTPUT_FORMATS are the -o values of `get`, in the order help lists them (spec/cli.md). */
export const OUTPUT_FORMATS = ['table', 'wide', 'yaml', 'json', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** FORMAT_ALIASES are calicoctl's spellings accepted too: `ps` (its default table) and `yml`. */
const FORMAT_ALIASES: Readonly<Record<string, OutputFormat>> = { ps: 'table', yml: 'yaml' };

/** OUTPUT_HELP is the -o option's description, naming every format. */
export const OUTPUT_HELP = `output format: ${OUTPUT_FORMATS.join(', ')} (calicoctl's ps and yml are accepted too)`;

/**
 * GetResult is what `get` prints: the pools found and the revision they were read at.
 * `single` is true when exactly one pool was asked for by name: json and yaml then print
 * that resource, otherwise an IPPoolList.
 */
export interface GetResult {
  readonly items: readonly StoredPool[];
  readonly revision: string;
  readonly single: boolean;
  /** crd: print the kubectl (CRD) form (json and yaml only; see crd.ts). */
  readonly crd?: boolean;
}

/** Printer renders a GetResult as text (kubectl cli-runtime's ResourcePrinter). */
export interface Printer {
  print(result: GetResult): Promise<string>;
}

/**
 * listObject is the IPPoolList as Calico marshals it: kind, apiVersion, metadata, items.
 * The apiVersion is core's API_VERSION written out: `get` imports this module statically,
 * and importing core here would load all of core (with the schema validator) into every
 * `--help` and completion run.
 */
export function listObject(result: GetResult): Record<string, unknown> {
  return { kind: 'IPPoolList', apiVersion: 'projectcalico.org/v3', metadata: { resourceVersion: result.revision }, items: result.items };
}

/**
 * printedObject is what json and yaml print: the one pool when a single NAME was asked for
 * and found, otherwise the IPPoolList (listObject).
 */
export function printedObject(result: GetResult): unknown {
  return result.single && result.items.length === 1 ? result.items[0] : listObject(result);
}

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
