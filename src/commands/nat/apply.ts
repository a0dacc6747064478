import { CliError } from '../../cli/cli-error.js';
import { defineCommand } from '../command.js';

// Placeholder: replaced by the issue that delivers this command.
export default defineCommand({
  name: 'apply',
  describe: "Program the NAT ruleset into this host's kernel",
  async run() {
    throw new CliError('NOT_IMPLEMENTED', "'apply' is not implemented yet");
  },
});
