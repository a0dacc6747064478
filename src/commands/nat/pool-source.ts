import type { OptionSpec } from '../command.js';

/** POOL_SOURCE_OPTIONS are the -f / -R flags of the NAT commands: pools from files instead of the datastore. */
export const POOL_SOURCE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  filename: {
    type: 'string',
    alias: 'f',
    array: true,
    nonEmpty: true,
    describe: 'take the pools from these files or directories (- for stdin) instead of the datastore; repeatable',
  },
  recursive: { type: 'boolean', alias: 'R', default: false, describe: 'with -f, descend into subdirectories' },
};

/** PoolSourceArgs are the parsed POOL_SOURCE_OPTIONS. */
export interface PoolSourceArgs {
  readonly filename?: readonly string[];
  readonly recursive?: boolean;
}
