import { CliError } from '../cli/cli-error.js';
import { defineCommand } from './command.js';

// Placeholder: replaced by the issue that delivers this command.
export default defineCommand({
  name: 'delete',
  describe: 'Delete IPPools by name or from files',
  async run() {
    throw new CliError('NOT_IMPLEMENTED', "'delete' is not implemented yet");
  },
});
