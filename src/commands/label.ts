import { usageError } from '../base/errors.js';
import { verdictExit } from '../base/exit-codes.js';
import { defineCommand } from './command.js';
import { WRITE_OPTIONS, withResultFormat } from './resource-flags.js';

const USAGE_HINT = 'poolctl label ippools NAME key=value [--overwrite] | poolctl label ippools NAME key --remove';

/**
 * label: set or remove one label of a pool or FelixConfiguration, with calicoctl's rules and messages
 * (calicoctl/calicoctl/commands/label.go).
 */
export default defineCommand({
  name: 'label',
  describe: 'Set (key=value) or remove (key --remove) a label of an IPPool or FelixConfiguration',
  positionals: [
    { name: 'resource', required: true, describe: 'ippool (or ippools, ipp, ipps, pool, pools) or felixconfiguration (felixconfig, ...)' },
    { name: 'name', required: true, describe: 'resource name' },
    { name: 'label', required: true, describe: 'key=value to set, or key with --remove' },
  ],
  options: {
    overwrite: { type: 'boolean', default: false, describe: 'change the value of a key that is already there (cannot be used with --remove)' },
    remove: { type: 'boolean', default: false, describe: 'remove the key; an error if the pool does not have it (cannot be used with --overwrite)' },
    ...WRITE_OPTIONS,
  },
  examples: [
    ['poolctl label ippools p1 team=net', 'set a label'],
    ['poolctl label ippools p1 team=edge --overwrite', 'change its value'],
    ['poolctl label ippools p1 team --remove', 'remove it'],
  ],
  async run(args, ctx) {
    const writeArgs = withResultFormat(args);
    if (args.overwrite && args.remove) throw usageError('--overwrite and --remove cannot be used together', USAGE_HINT);
    let change;
    if (args.remove) change = { key: args.label, remove: true as const };
    else {
      // calicoctl splits on every '=' and wants exactly two parts
      const kv = args.label.split('=');
      if (kv.length !== 2) throw usageError(`invalid label ${args.label}`, USAGE_HINT);
      change = { key: kv[0]!, value: kv[1]!, overwrite: args.overwrite };
    }
    const [{ parseKindArgs }, { labelModification, labelReport }, { runResourceCommand }] = await Promise.all([
      import('../resources/kinds.js'),
      import('../resources/modify.js'),
      import('../resources/run.js'),
    ]);
    const { kind, names } = parseKindArgs([args.resource, args.name]);
    const name = names[0];
    const what = `${args.resource} ${args.name}`;
    const outcome = {};
    return verdictExit(
      await runResourceCommand(
        'label',
        { ...writeArgs, names: [name!], kind, modify: labelModification(change, what, outcome), report: labelReport(change.key, what, outcome, args.dryRun) },
        ctx,
      ),
    );
  },
});
