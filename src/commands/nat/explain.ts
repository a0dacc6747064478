import { ExitCode } from '../../base/exit-codes.js';
import type { ExplainOptions } from '../../nat/explain.js';
import { defineCommand, type OptionArgs, type OptionSpecs, type PositionalArgs, type PositionalSpec } from '../command.js';
import { FELIX_OPTIONS, felixSettingsOf } from './felix-options.js';
import { POOL_SOURCE_OPTIONS, poolSourceOf } from './pool-options.js';

/** POSITIONALS are nat explain's SRC and DST (one flow; --flows gives a list instead). */
const POSITIONALS = [
  { name: 'src', describe: 'source address (a pod IP)' },
  { name: 'dst', describe: 'destination address' },
] as const satisfies readonly PositionalSpec[];

/** OPTIONS are nat explain's flags. */
const OPTIONS = {
  ...POOL_SOURCE_OPTIONS,
  flows: { type: 'string', files: true, nonEmpty: true, describe: 'explain every "SRC DST" line of FILE (- for stdin); # comments and blank lines are skipped' },
  output: {
    type: 'string',
    alias: 'o',
    choices: ['text', 'json', 'csv', 'table'],
    describe: 'text (default for one flow), table (default for --flows), csv, json (JSON Lines with --flows)',
  },
  'out-interface': { type: 'string', describe: 'egress interface, tested against --nat-outgoing-interface-filter' },
  protocol: { type: 'string', describe: 'protocol (tcp, udp, ...): with --nat-port-range, tcp and udp get the port range' },
  live: { type: 'boolean', default: false, describe: "decide from the sets and rules in this host's kernel (root; iptables or nftables) instead of the pools" },
  backend: {
    type: 'string',
    choices: ['auto', 'iptables', 'nftables'],
    describe:
      "with --live: the ruleset to read. Default: as nat status chooses it, the node's FelixConfiguration nftablesMode (Enabled: nftables, Disabled: iptables), else auto (nftables if a calico nft table exists, else iptables)",
  },
  ...FELIX_OPTIONS,
} as const satisfies OptionSpecs;

/** explainOptionsOf gathers nat explain's arguments as nat/explain.ts takes them. */
function explainOptionsOf(args: OptionArgs<typeof OPTIONS> & PositionalArgs<typeof POSITIONALS>): ExplainOptions {
  return {
    source: poolSourceOf(args),
    settings: felixSettingsOf(args),
    live: args.live,
    ...(args.backend !== undefined ? { backend: args.backend } : {}),
    ...(args.src !== undefined ? { src: args.src } : {}),
    ...(args.dst !== undefined ? { dst: args.dst } : {}),
    ...(args.flows !== undefined ? { flows: args.flows } : {}),
    ...(args.output !== undefined ? { output: args.output } : {}),
    ...(args.protocol !== undefined ? { protocol: args.protocol } : {}),
    ...(args.outInterface !== undefined ? { outInterface: args.outInterface } : {}),
  };
}

export default defineCommand({
  name: 'explain',
  describe: 'Explain the NAT decision for a flow, or for every flow of a list, as Felix would take it',
  positionals: POSITIONALS,
  options: OPTIONS,
  examples: [
    ['poolctl nat explain 10.244.1.5 1.1.1.1', 'is this pod NATed to the internet? (pools from the datastore)'],
    ['poolctl nat explain 10.244.1.5 172.16.4.2 -f examples/pools.yaml', 'the same with pools from a manifest'],
    ['poolctl nat explain 10.244.1.5 10.0.0.12 --nat-outgoing-exclusions IPPoolsAndHostIPs --host-ip 10.0.0.12', 'traffic to another node'],
    ['poolctl nat explain 10.244.1.5 1.1.1.1 -o json', 'the decision and its trace as JSON'],
    ['poolctl nat explain --flows flows.txt -o csv > decisions.csv', 'decide a list of "SRC DST" lines'],
    ['sudo poolctl nat explain --live 10.244.1.5 1.1.1.1', "decide from what this host's kernel holds"],
  ],
  async run(args, ctx) {
    const { runExplain } = await import('../../nat/explain.js');
    await runExplain(explainOptionsOf(args), ctx);
    return ExitCode.OK;
  },
});
