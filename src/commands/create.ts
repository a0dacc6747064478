import { verdictExit } from '../base/exit-codes.js';
import { defineCommand } from './command.js';
import { FILE_OPTIONS, WRITE_OPTIONS, withResultFormat } from './resource-flags.js';

export default defineCommand({
  name: 'create',
  describe: 'Create IPPools from files (fails for pools that exist)',
  options: {
    ...FILE_OPTIONS,
    'skip-exists': { type: 'boolean', default: false, describe: 'skip pools that already exist instead of failing' },
    ...WRITE_OPTIONS,
  },
  examples: [
    ['poolctl create -f pools.yaml', 'create the pools in a file'],
    ['poolctl create -f manifests/ -R --skip-exists', 'create the pools of every .yaml/.yml/.json below a directory, skipping existing ones'],
    ['cat pool.yaml | poolctl create -f -', 'create from stdin'],
    ['poolctl create -f pools.yaml --dry-run', 'show what would fail, write nothing'],
  ],
  async run(args, ctx) {
    const writeArgs = withResultFormat(args);
    const { runResourceCommand } = await import('../resources/run.js');
    return verdictExit(await runResourceCommand('create', writeArgs, ctx));
  },
});
