import { verdictExit } from '../base/exit-codes.js';
import { defineCommand } from './command.js';
import { FILE_OPTIONS } from './resource-flags.js';

export default defineCommand({
  name: 'replace',
  describe: 'Replace existing IPPools from files (a resourceVersion in the file must be current)',
  options: FILE_OPTIONS,
  examples: [
    ['poolctl replace -f pools.yaml', 'replace pools that exist (fails for missing ones)'],
    ['poolctl get ippool p1 -o yaml > p1.yaml && poolctl replace -f p1.yaml', 'replace only if nobody changed p1 since it was read'],
  ],
  async run(args, ctx) {
    const { runResourceCommand } = await import('../resources/run.js');
    return verdictExit(await runResourceCommand('replace', args, ctx));
  },
});
