import { verdictExit } from '../base/exit-codes.js';
import { defineCommand } from './command.js';
import { FILE_OPTIONS, WRITE_OPTIONS, withResultFormat } from './resource-flags.js';

export default defineCommand({
  name: 'apply',
  describe: 'Create IPPools, or update the ones that exist; reports created, configured or unchanged',
  options: { ...FILE_OPTIONS, ...WRITE_OPTIONS },
  examples: [
    ['poolctl apply -f pools.yaml', 'create or update the pools in a file'],
    ['poolctl diff -f pools.yaml && echo "nothing to apply"', 'see first what apply would change'],
    ['poolctl apply -f pools.yaml --dry-run', 'check against the datastore, write nothing'],
    ['poolctl apply -f pools.yaml -o json', 'a JSON result per pool (created, configured, unchanged, failed)'],
    ['poolctl get ippool p1 -o yaml --export > p1.yaml && poolctl apply -f p1.yaml', 'edit a pool and apply it back'],
  ],
  async run(args, ctx) {
    const writeArgs = withResultFormat(args);
    const { runResourceCommand } = await import('../resources/run.js');
    return verdictExit(await runResourceCommand('apply', writeArgs, ctx));
  },
});
