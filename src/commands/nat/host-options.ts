import type { HostPlanOptions } from '../../nat/host-plan.js';
import type { OptionSpec } from '../command.js';
import { felixSettingsOf, type FelixArgs } from './felix-options.js';
import { poolSourceOf, type PoolSourceArgs } from './pool-source.js';

/** HostArgs are the flags nat apply and nat status share. */
export interface HostArgs extends FelixArgs, PoolSourceArgs {
  readonly backend?: string;
}

/** BACKEND_OPTION selects how the kernel is programmed (host/backend.ts documents auto). */
export const BACKEND_OPTION: Readonly<Record<string, OptionSpec>> = {
  backend: {
    type: 'string',
    choices: ['auto', 'iptables', 'nftables'],
    default: 'auto',
    describe:
      'iptables (ipset + iptables-restore), nftables (nft, table ip/ip6 calico), or auto: nftables if a calico nft table exists, else iptables if installed, else nftables',
  },
};

/** hostPlanOf gathers the host flags as nat/host-plan.ts takes them. */
export function hostPlanOf(args: HostArgs): Omit<HostPlanOptions, 'what'> {
  return {
    source: poolSourceOf(args),
    settings: felixSettingsOf(args),
    backend: args.backend === 'iptables' || args.backend === 'nftables' ? args.backend : 'auto',
  };
}
