import { ExitCode } from '../../base/exit-codes.js';
import { defineCommand } from '../command.js';
import { FELIX_OPTIONS } from './felix-options.js';
import { BACKEND_OPTION, hostPlanOf } from './host-options.js';
import { POOL_SOURCE_OPTIONS } from './pool-options.js';

export default defineCommand({
  name: 'apply',
  describe: "Program the NAT ruleset into this host's kernel (root): only poolctl's sets, chains and tables",
  options: {
    ...POOL_SOURCE_OPTIONS,
    ...BACKEND_OPTION,
    'dry-run': { type: 'boolean', default: false, describe: 'print the changes as a diff and write nothing' },
    force: { type: 'boolean', default: false, describe: 'write even where Felix manages NAT (its other cali- chains, a calico-node process): it will rewrite them' },
    ...FELIX_OPTIONS,
  },
  examples: [
    ['sudo poolctl nat apply', "program the datastore's pools with the backend auto picks"],
    ['sudo poolctl nat apply --dry-run -f pools.yaml', 'show what would change for the pools in a manifest'],
    ['sudo poolctl nat apply --backend nftables', 'program table ip/ip6 calico with nft'],
    ['sudo poolctl nat apply --pool-set-name all-ipam-pools', 'match a node running Calico before v3.31.6 / v3.32.1'],
  ],
  async run(args, ctx) {
    const { applyNat } = await import('../../nat/apply.js');
    await applyNat({ ...hostPlanOf(args), dryRun: args.dryRun, force: args.force }, ctx);
    return ExitCode.OK;
  },
});
