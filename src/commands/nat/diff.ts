import { verdictExit } from '../../base/exit-codes.js';
import type { DiffOptions } from '../../nat/diff.js';
import type { PoolSource } from '../../nat/pools.js';
import { defineCommand, type OptionArgs, type OptionSpecs } from '../command.js';
import { FELIX_OPTIONS, felixSettingsOf } from './felix-options.js';

/** OPTIONS are nat diff's flags: the two states, the flows to check, the format and the Felix settings. */
const OPTIONS = {
  filename: {
    type: 'string',
    alias: 'f',
    array: true,
    describe: 'the state after the change: these files or directories (- for stdin); before is the datastore unless --from is given (same as --to)',
  },
  from: { type: 'string', array: true, describe: 'the state before the change: these files or directories (default: the datastore)' },
  to: { type: 'string', array: true, describe: 'the state after the change: these files or directories (default: the datastore)' },
  recursive: { type: 'boolean', alias: 'R', default: false, describe: 'descend into subdirectories of the directories given' },
  flows: { type: 'string', describe: 'also list the "SRC DST" lines of FILE (- for stdin) whose verdict changes' },
  output: {
    type: 'string',
    alias: 'o',
    choices: ['text', 'json', 'github'],
    default: 'text',
    describe: 'text, json, or github (GitHub Actions warnings on the lines of the pools that cause each change)',
  },
  ...FELIX_OPTIONS,
} as const satisfies OptionSpecs;

/** diffOptionsOf gathers nat diff's arguments as nat/diff.ts takes them: -f and --to name the after state, --from the before; a state not named is the datastore. */
function diffOptionsOf(args: Partial<OptionArgs<typeof OPTIONS>>): DiffOptions {
  const recursive = args.recursive ?? false;
  const source = (files: readonly string[] | undefined): PoolSource | undefined => (files && files.length > 0 ? { files, recursive } : undefined);
  const after = [...(args.filename ?? []), ...(args.to ?? [])];
  const from = source(args.from);
  const to = source(after);
  return {
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    settings: felixSettingsOf(args),
    ...(args.flows !== undefined ? { flows: args.flows } : {}),
    output: (args.output ?? 'text') as DiffOptions['output'],
  };
}

export default defineCommand({
  name: 'diff',
  describe: 'Show exactly which flows change NAT verdict or SNAT target between two states (exit 0: none, 1: some change)',
  options: OPTIONS,
  examples: [
    ['poolctl nat diff -f pools.yaml', "what applying pools.yaml would change for the datastore's pools"],
    ['poolctl nat diff --from main/pools/ --to pr/pools/ -o github', 'a pull request check: annotate the pools that change NAT'],
    ['poolctl nat diff --from backup.yaml', 'what changed since backup.yaml (before) in the datastore (after)'],
    ['poolctl nat diff -f pools.yaml --flows flows.txt', 'also list the given "SRC DST" flows whose verdict changes'],
  ],
  async run(args, ctx) {
    const { runNatDiff } = await import('../../nat/diff.js');
    const { changed } = await runNatDiff(diffOptionsOf(args), ctx);
    return verdictExit(!changed);
  },
});
