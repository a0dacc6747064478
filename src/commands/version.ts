import { ExitCode } from '../base/exit-codes.js';
import { CALICO_TARGET, VERSION, versionText } from '../base/version-info.js';
import { defineCommand } from './command.js';

export default defineCommand({
  name: 'version',
  describe: 'Print the poolctl version and the Calico release whose semantics it follows',
  options: {
    output: { type: 'string', alias: 'o', choices: ['text', 'json'], default: 'text', describe: 'output format' },
  },
  examples: [
    ['poolctl version', 'print the version'],
    ['poolctl version -o json', 'print it as JSON'],
  ],
  async run(args, ctx) {
    if (args.output === 'json') {
      ctx.io.stdout.write(`${JSON.stringify({ version: VERSION, calico: CALICO_TARGET, node: process.versions.node })}\n`);
    } else {
      ctx.io.stdout.write(versionText());
    }
    return ExitCode.OK;
  },
});
