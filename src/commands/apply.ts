import { CliError } from '../cli/cli-error.js';
import { defineCommand } from './command.js';

// Placeholder: replaced by the issue that delivers this command.
export default defineCommand({
  name: 'apply',
  describe: 'Create or update IPPools from files',
  async run() {
    throw new CliError('NOT_IMPLEMENTED', "'apply' is not implemented yet");
  },
});
