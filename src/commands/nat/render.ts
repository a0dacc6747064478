import { ExitCode } from '../../base/exit-codes.js';
import type { Family } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { FELIX_OPTIONS, felixSettingsOf } from './felix-options.js';
import { POOL_SOURCE_OPTIONS, poolSourceOf } from './pool-options.js';

export default defineCommand({
  name: 'render',
  describe: 'Print the NAT ruleset Felix would program for the pools: iptables-restore, ipset restore, nft -f or JSON',
  options: {
    format: {
      type: 'string',
      choices: ['iptables', 'ipset', 'nftables', 'json'],
      describe:
        "iptables (iptables-restore input for the nat table), ipset (ipset restore input), nftables (nft -f input), json (the model). Default: nftables when the node's FelixConfiguration nftablesMode is Enabled, else iptables",
    },
    'ip-version': { type: 'string', choices: ['4', '6', 'all'], default: 'all', describe: 'IP family to render' },
    ...POOL_SOURCE_OPTIONS,
    ...FELIX_OPTIONS,
  },
  examples: [
    ['poolctl nat render', "the nat table rules for the datastore's pools, IPv4 and IPv6"],
    ['poolctl nat render -f pools.yaml --ip-version 4 | iptables-restore --noflush', 'program them on a test host'],
    ['poolctl nat render --format ipset -f pools.yaml', 'the sets, as ipset restore input'],
    ['poolctl nat render --format nftables --pool-set-name all-ipam-pools', 'nft rules as Calico < 3.31.6 names the sets'],
    ['poolctl nat render --format json | jq .families[0].sets', 'the target-neutral model'],
  ],
  async run(args, ctx) {
    const { renderNatRuleset } = await import('../../nat/render.js');
    const families: Family[] = args.ipVersion === '4' ? [4] : args.ipVersion === '6' ? [6] : [4, 6];
    await renderNatRuleset({ source: poolSourceOf(args), settings: felixSettingsOf(args), families, format: args.format }, ctx);
    return ExitCode.OK;
  },
});
