import { CliError } from '../../cli/cli-error.js';
import { defineCommand } from '../command.js';

// Placeholder: replaced by the issue that delivers this command.
export default defineCommand({
  name: 'status',
  describe: "Compare the kernel's NAT state with the pools",
  async run() {
    throw new CliError('NOT_IMPLEMENTED', "'status' is not implemented yet");
  },
});
