import { verdictExit } from '../../base/exit-codes.js';
import { defineCommand } from '../command.js';
import { FELIX_OPTIONS } from './felix-options.js';
import { BACKEND_OPTION, hostPlanOf } from './host-options.js';
import { POOL_SOURCE_OPTIONS } from './pool-options.js';

export default defineCommand({
  name: 'status',
  describe: "Compare the kernel's NAT state (sets, rules by cali: hash, the POSTROUTING jump) with the pools (root)",
  options: {
    ...POOL_SOURCE_OPTIONS,
    ...BACKEND_OPTION,
    output: { type: 'string', alias: 'o', choices: ['text', 'json'], default: 'text', describe: 'text or json' },
    ...FELIX_OPTIONS,
  },
  examples: [
    ['sudo poolctl nat status', 'is the kernel in sync with the datastore? exit 0 in sync, 1 drift'],
    ['sudo poolctl nat status -f pools.yaml -o json', 'the differences as JSON'],
  ],
  async run(args, ctx) {
    const { natStatus } = await import('../../nat/status.js');
    const { inSync } = await natStatus({ ...hostPlanOf(args), output: args.output }, ctx);
    return verdictExit(inSync);
  },
});
