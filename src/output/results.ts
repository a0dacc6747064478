import { usageError } from '../base/errors.js';

/**
 * ResourceResult is one resource's outcome of a write command, for `-o json|yaml|name`:
 * what was done (`created`, `configured`, `unchanged`, `replaced`, `patched`, `labeled`,
 * `deleted`, `skipped`) or `failed`, with the failure's code and message.
 */
export interface ResourceResult {
  readonly kind: string;
  readonly name: string;
  readonly action: string;
  /** resourceVersion is the stored version after the write (absent for a dry run, a delete or a failure). */
  readonly resourceVersion?: string;
  readonly code?: string;
  readonly message?: string;
}

/** RESULT_FORMATS are the -o values of the write commands. */
export const RESULT_FORMATS = ['json', 'yaml', 'name'] as const;

/** ResultFormat is one of RESULT_FORMATS. */
export type ResultFormat = (typeof RESULT_FORMATS)[number];

/** RESULT_OUTPUT_HELP describes the write commands' -o flag. */
export const RESULT_OUTPUT_HELP = `print a result per resource instead of the summary: ${RESULT_FORMATS.join(', ')} (failures are also reported on stderr)`;

/** parseResultFormat returns the format an -o value of a write command names, or a usage error. */
export function parseResultFormat(value: string): ResultFormat {
  if (value === 'yml') return 'yaml';
  if ((RESULT_FORMATS as readonly string[]).includes(value)) return value as ResultFormat;
  throw usageError(`unrecognized output format '${value}'`, `write commands print results as one of: ${RESULT_FORMATS.join(', ')}`);
}

/**
 * formatResults prints the outcomes of a write command: json and yaml as one document
 * `{dryRun, results: [...]}` (kubectl-like field names, one entry per resource in input
 * order); name as `ippool/<name>` per resource that did not fail (what `get -o name` prints,
 * so it pipes into get and delete).
 */
export async function formatResults(format: ResultFormat, results: readonly ResourceResult[], dryRun: boolean): Promise<string> {
  if (format === 'name') {
    return results
      .filter((r) => r.action !== 'failed')
      .map((r) => `${r.kind.toLowerCase()}/${r.name}\n`)
      .join('');
  }
  const doc = { dryRun, results };
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  const { stringify } = (await import('yaml')).default;
  return stringify(doc, { schema: 'yaml-1.1', indentSeq: false, lineWidth: 0 });
}
