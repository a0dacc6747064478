import { CliError } from '../cli/cli-error.js';
import { defineCommand } from './command.js';

// Placeholder: replaced by the issue that delivers this command.
export default defineCommand({
  name: 'replace',
  describe: 'Replace existing IPPools from files',
  async run() {
    throw new CliError('NOT_IMPLEMENTED', "'replace' is not implemented yet");
  },
});
