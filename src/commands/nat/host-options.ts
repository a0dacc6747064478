import type { HostPlanOptions } from '../../nat/host-plan.js';
import type { OptionArgs, OptionSpecs } from '../command.js';
import { felixSettingsOf, type FelixArgs } from './felix-options.js';
import { poolSourceOf, type PoolSourceArgs } from './pool-options.js';

/** BACKEND_OPTION selects how the kernel is programmed (host/backend.ts documents auto). */
export const BACKEND_OPTION = {
  backend: {
    type: 'string',
    choices: ['auto', 'iptables', 'nftables'],
    default: 'auto',
    describe:
      'iptables (ipset + iptables-restore), nftables (nft, table ip/ip6 calico), or auto: nftables if a calico nft table exists, else iptables if installed, else nftables',
  },
} as const satisfies OptionSpecs;

/** HostArgs are the flags nat apply and nat status share. */
export type HostArgs = FelixArgs & PoolSourceArgs & Partial<OptionArgs<typeof BACKEND_OPTION>>;

/** hostPlanOf gathers the host flags as nat/host-plan.ts takes them. */
export function hostPlanOf(args: HostArgs): Omit<HostPlanOptions, 'what'> {
  return {
    source: poolSourceOf(args),
    settings: felixSettingsOf(args),
    backend: args.backend ?? 'auto',
  };
}
