import { CliError } from '../cli/cli-error.js';
import { defineCommand } from './command.js';

// Placeholder: replaced by the issue that delivers this command.
export default defineCommand({
  name: 'validate',
  describe: "Validate IPPool manifests offline with Calico's rules",
  async run() {
    throw new CliError('NOT_IMPLEMENTED', "'validate' is not implemented yet");
  },
});
