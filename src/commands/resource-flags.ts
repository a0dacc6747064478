import type { OptionSpec } from './command.js';

/** FileArgs are the parsed -f flags shared by create, apply, replace and delete. */
export interface FileArgs {
  readonly filename?: string[];
  readonly recursive: boolean;
  readonly skipEmpty: boolean;
}

/** FILE_OPTIONS declare -f (repeatable; a file, a directory, or - for stdin), -R and --skip-empty. */
export const FILE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  filename: { type: 'string', alias: 'f', array: true, nonEmpty: true, describe: 'file, directory (.yaml, .yml, .json) or - for stdin; repeatable' },
  recursive: { type: 'boolean', alias: 'R', default: false, describe: 'descend into subdirectories of -f directories' },
  'skip-empty': { type: 'boolean', default: false, describe: "succeed with 'No resources specified' when the input holds no resources" },
};
