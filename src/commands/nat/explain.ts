import { CliError } from '../../cli/cli-error.js';
import { defineCommand } from '../command.js';

// Placeholder: replaced by the issue that delivers this command.
export default defineCommand({
  name: 'explain',
  describe: 'Explain the NAT decision for a flow',
  async run() {
    throw new CliError('NOT_IMPLEMENTED', "'explain' is not implemented yet");
  },
});
