import { usageError } from '../../base/errors.js';
import { ExitCode } from '../../base/exit-codes.js';
import type { Family } from '../../core/index.js';
import type { RenderFormat } from '../../render/index.js';
import { defineCommand } from '../command.js';
import { FELIX_OPTIONS, type FelixArgs } from './felix-options.js';
import { POOL_SOURCE_OPTIONS, type PoolSourceArgs } from './pool-source.js';

interface RenderArgs extends FelixArgs, PoolSourceArgs {
  readonly format: RenderFormat;
  readonly ipVersion: string;
}

export default defineCommand<RenderArgs>({
  name: 'render',
  describe: 'Print the NAT ruleset Felix would program for the pools: iptables-restore, ipset restore, nft -f or JSON',
  options: {
    format: {
      type: 'string',
      choices: ['iptables', 'ipset', 'nftables', 'json'],
      default: 'iptables',
      describe: 'iptables (iptables-restore input for the nat table), ipset (ipset restore input), nftables (nft -f input), json (the model)',
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
    const [{ settingsFromArgs }, { loadNatPools, natModelOf }, render] = await Promise.all([
      import('../../nat/settings.js'),
      import('../../nat/pools.js'),
      import('../../render/index.js'),
    ]);
    const settings = settingsFromArgs(args);
    const families: Family[] = args.ipVersion === '4' ? [4] : args.ipVersion === '6' ? [6] : [4, 6];
    if (args.format === 'nftables' && settings.interfaceFilter !== undefined) {
      const problem = render.nftInterfaceFilterProblem(settings.interfaceFilter);
      if (problem) throw usageError(problem, 'render --format iptables, or give an exact interface name');
    }
    const { pools, warnings } = await loadNatPools(args, ctx);
    for (const w of warnings) ctx.io.stderr.write(w);
    const model = await natModelOf(pools, settings, families, ctx, 'render --ip-version 4, or leave out --nat-outgoing-address');
    ctx.io.stdout.write(render.renderNat(model, args.format));
    return ExitCode.OK;
  },
});
