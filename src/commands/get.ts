import { CliError } from '../cli/cli-error.js';
import { defineCommand } from './command.js';

// Placeholder: replaced by the issue that delivers this command.
export default defineCommand({
  name: 'get',
  describe: 'List or get IPPools',
  async run() {
    throw new CliError('NOT_IMPLEMENTED', "'get' is not implemented yet");
  },
});
