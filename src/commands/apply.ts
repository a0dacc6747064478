import { verdictExit } from '../base/exit-codes.js';
import { defineCommand } from './command.js';
import { FILE_OPTIONS } from './resource-flags.js';

export default defineCommand({
  name: 'apply',
  describe: 'Create IPPools, or update the ones that exist; reports created, configured or unchanged',
  options: FILE_OPTIONS,
  examples: [
    ['poolctl apply -f pools.yaml', 'create or update the pools in a file'],
    ['poolctl get ippool p1 -o yaml --export > p1.yaml && poolctl apply -f p1.yaml', 'edit a pool and apply it back'],
  ],
  async run(args, ctx) {
    const { runResourceCommand } = await import('../resources/run.js');
    return verdictExit(await runResourceCommand('apply', args, ctx));
  },
});
