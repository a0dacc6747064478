import { usageError } from '../../base/errors.js';
import type { HostPlanOptions } from '../../nat/host-plan.js';
import type { OptionArgs, OptionSpecs } from '../command.js';
import { felixSettingsOf, type FelixArgs } from './felix-options.js';
import { poolSourceOf, type PoolSourceArgs } from './pool-options.js';

/** BACKEND_OPTION selects how the kernel is programmed (host/backend.ts documents auto). */
export const BACKEND_OPTION = {
  backend: {
    type: 'string',
    choices: ['auto', 'iptables', 'nftables'],
    describe:
      "iptables (ipset + iptables-restore), nftables (nft, table ip/ip6 calico), or auto: nftables if a calico nft table exists, else iptables if installed, else nftables. Default: as the node's FelixConfiguration nftablesMode says (Enabled: nftables, Disabled: iptables), else auto",
  },
  'iptables-backend': {
    type: 'string',
    choices: ['auto', 'legacy', 'nft'],
    default: 'auto',
    describe:
      "the iptables flavour (Felix's IptablesBackend): auto uses the one holding cali- chains (both: exit 3), else detects it as Felix does",
  },
  'lock-timeout': {
    type: 'number',
    default: 60,
    describe: 'seconds to wait for another nat apply or status in this network namespace to finish (then exit 3)',
  },
} as const satisfies OptionSpecs;

/** HostArgs are the flags nat apply and nat status share. */
export type HostArgs = FelixArgs & PoolSourceArgs & Partial<OptionArgs<typeof BACKEND_OPTION>>;

/** hostPlanOf gathers the host flags as nat/host-plan.ts takes them (a negative --lock-timeout is USAGE). */
export function hostPlanOf(args: HostArgs): Omit<HostPlanOptions, 'what' | 'writes'> {
  const lockTimeout = args.lockTimeout ?? 60;
  if (!Number.isFinite(lockTimeout) || lockTimeout < 0) throw usageError(`--lock-timeout must be a number of seconds, 0 or more (got ${lockTimeout})`);
  return {
    source: poolSourceOf(args),
    settings: felixSettingsOf(args),
    ...(args.backend !== undefined ? { backend: args.backend } : {}),
    iptablesBackend: args.iptablesBackend ?? 'auto',
    lockTimeoutMs: lockTimeout * 1000,
  };
}
