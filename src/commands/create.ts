import { CliError } from '../cli/cli-error.js';
import { defineCommand } from './command.js';

// Placeholder: replaced by the issue that delivers this command.
export default defineCommand({
  name: 'create',
  describe: 'Create IPPools from files',
  async run() {
    throw new CliError('NOT_IMPLEMENTED', "'create' is not implemented yet");
  },
});
