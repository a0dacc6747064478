import { usageError } from '../base/errors.js';
import { verdictExit } from '../base/exit-codes.js';
import { defineCommand } from './command.js';
import { FILE_OPTIONS, WRITE_OPTIONS, withResultFormat } from './resource-flags.js';

export default defineCommand({
  name: 'delete',
  describe: 'Delete IPPools or FelixConfigurations by name or from files',
  positionals: [
    { name: 'resource', describe: 'ippool (or ippools, ipp, ipps, pool, pools), felixconfiguration (felixconfig, ...), or KIND/NAME' },
    { name: 'names', variadic: true, describe: 'resource names' },
  ],
  options: {
    ...FILE_OPTIONS,
    'skip-not-exists': { type: 'boolean', alias: 's', default: false, describe: "don't fail for pools that do not exist" },
    force: {
      type: 'boolean',
      default: false,
      describe: 'etcd: delete even while Calico IPAM still has addresses allocated from the pool (its blocks are left behind)',
    },
    ...WRITE_OPTIONS,
  },
  examples: [
    ['poolctl delete ippool p1 p2', 'delete two pools by name'],
    ['poolctl delete -f pools.yaml', 'delete the pools named in a file (a resourceVersion there must be current)'],
    ['poolctl get pools -o name | xargs poolctl delete --skip-not-exists', 'delete every pool'],
    ['poolctl delete ippool old-pool --dry-run', 'would the delete go through (on etcd: are its IPAM blocks empty)?'],
  ],
  async run(args, ctx) {
    const writeArgs = withResultFormat(args);
    const words = args.resource === undefined ? [] : [args.resource, ...(args.names ?? [])];
    const files = args.filename ?? [];
    if (files.length > 0 && words.length > 0) throw usageError('give either names or -f, not both', 'poolctl delete ippool NAME... | poolctl delete -f FILE');
    if (files.length === 0 && words.length === 0) throw usageError('specify pools to delete', 'poolctl delete ippool NAME... | poolctl delete -f FILE');
    let byName = {};
    if (files.length === 0) {
      const { parseKindArgs } = await import('../resources/kinds.js');
      const { kind, names } = parseKindArgs(words);
      if (names.length === 0) throw usageError('specify the names of the resources to delete', 'poolctl delete ippool NAME...');
      byName = { kind, names };
    }
    const { runResourceCommand } = await import('../resources/run.js');
    return verdictExit(await runResourceCommand('delete', { ...writeArgs, ...byName }, ctx));
  },
});
