import type { PoolSource } from '../../nat/pools.js';
import type { OptionArgs, OptionSpecs } from '../command.js';

/** POOL_SOURCE_OPTIONS are the -f / -R flags of the NAT commands: pools from files instead of the datastore. */
export const POOL_SOURCE_OPTIONS = {
  filename: {
    type: 'string',
    alias: 'f',
    array: true,
    files: true,
    nonEmpty: true,
    describe: 'take the pools from these files or directories (- for stdin) instead of the datastore; repeatable',
  },
  recursive: { type: 'boolean', alias: 'R', default: false, describe: 'with -f, descend into subdirectories' },
} as const satisfies OptionSpecs;

/** PoolSourceArgs are the parsed POOL_SOURCE_OPTIONS. */
export type PoolSourceArgs = Partial<OptionArgs<typeof POOL_SOURCE_OPTIONS>>;

/** poolSourceOf is where the -f / -R flags say the pools come from (no -f: the datastore). */
export function poolSourceOf(args: PoolSourceArgs): PoolSource {
  return { files: args.filename ?? [], recursive: args.recursive ?? false };
}
