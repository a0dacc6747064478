import { CliError } from '../../cli/cli-error.js';
import { defineCommand } from '../command.js';

// Placeholder: replaced by the issue that delivers this command.
export default defineCommand({
  name: 'render',
  describe: 'Print the NAT ruleset Felix would program',
  async run() {
    throw new CliError('NOT_IMPLEMENTED', "'render' is not implemented yet");
  },
});
