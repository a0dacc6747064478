import { parseResultFormat, RESULT_FORMATS, RESULT_OUTPUT_HELP, type ResultFormat } from '../output/results.js';
import type { OptionArgs, OptionSpecs } from './command.js';

/** FILE_OPTIONS declare -f (repeatable; a file, a directory, or - for stdin), -R and --skip-empty. */
export const FILE_OPTIONS = {
  filename: { type: 'string', alias: 'f', array: true, files: true, nonEmpty: true, describe: 'file, directory (.yaml, .yml, .json) or - for stdin; repeatable' },
  recursive: { type: 'boolean', alias: 'R', default: false, describe: 'descend into subdirectories of -f directories' },
  'skip-empty': { type: 'boolean', default: false, describe: "succeed with 'No resources specified' when the input holds no resources" },
} as const satisfies OptionSpecs;

/** FileArgs are the parsed FILE_OPTIONS, shared by create, apply, replace and delete. */
export type FileArgs = OptionArgs<typeof FILE_OPTIONS>;

/** WRITE_OPTIONS declare what every write command takes: --dry-run, and -o for a result per resource. */
export const WRITE_OPTIONS = {
  'dry-run': { type: 'boolean', default: false, describe: 'check everything against the datastore (rules, overlaps, existence, versions) and write nothing' },
  output: { type: 'string', alias: 'o', describe: RESULT_OUTPUT_HELP, values: RESULT_FORMATS },
} as const satisfies OptionSpecs;

/** withResultFormat returns a write command's args with -o read as a ResultFormat (a usage error for any other value). */
export function withResultFormat<A extends { readonly output?: string }>(args: A): Omit<A, 'output'> & { readonly output?: ResultFormat } {
  const { output, ...rest } = args;
  return output === undefined ? rest : { ...rest, output: parseResultFormat(output) };
}
