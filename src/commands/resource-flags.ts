import type { OptionArgs, OptionSpecs } from './command.js';

/** FILE_OPTIONS declare -f (repeatable; a file, a directory, or - for stdin), -R and --skip-empty. */
export const FILE_OPTIONS = {
  filename: { type: 'string', alias: 'f', array: true, nonEmpty: true, describe: 'file, directory (.yaml, .yml, .json) or - for stdin; repeatable' },
  recursive: { type: 'boolean', alias: 'R', default: false, describe: 'descend into subdirectories of -f directories' },
  'skip-empty': { type: 'boolean', default: false, describe: "succeed with 'No resources specified' when the input holds no resources" },
} as const satisfies OptionSpecs;

/** FileArgs are the parsed FILE_OPTIONS, shared by create, apply, replace and delete. */
export type FileArgs = OptionArgs<typeof FILE_OPTIONS>;
