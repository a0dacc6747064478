import { verdictExit } from '../base/exit-codes.js';
import { defineCommand } from './command.js';
import { FILE_OPTIONS, WRITE_OPTIONS, withResultFormat } from './resource-flags.js';

export default defineCommand({
  name: 'replace',
  describe: 'Replace existing IPPools from files (a resourceVersion in the file must be current)',
  options: { ...FILE_OPTIONS, ...WRITE_OPTIONS },
  examples: [
    ['poolctl replace -f pools.yaml', 'replace pools that exist (fails for missing ones)'],
    ['poolctl get ippool p1 -o yaml > p1.yaml && poolctl replace -f p1.yaml', 'replace only if nobody changed p1 since it was read'],
    ['poolctl replace -f pools.yaml --dry-run', 'check against the datastore, write nothing'],
  ],
  async run(args, ctx) {
    const writeArgs = withResultFormat(args);
    const { runResourceCommand } = await import('../resources/run.js');
    return verdictExit(await runResourceCommand('replace', writeArgs, ctx));
  },
});
