import { defineCommand } from '../command.js';
import type { ExplainArgs } from './explain-run.js';
import { FELIX_OPTIONS } from './felix-options.js';
import { POOL_SOURCE_OPTIONS } from './pool-source.js';

export default defineCommand<ExplainArgs>({
  name: 'explain',
  describe: 'Explain the NAT decision for a flow, or for every flow of a list, as Felix would take it',
  positionals: [
    { name: 'src', describe: 'source address (a pod IP)' },
    { name: 'dst', describe: 'destination address' },
  ],
  options: {
    ...POOL_SOURCE_OPTIONS,
    flows: { type: 'string', nonEmpty: true, describe: 'explain every "SRC DST" line of FILE (- for stdin); # comments and blank lines are skipped' },
    output: {
      type: 'string',
      alias: 'o',
      choices: ['text', 'json', 'csv', 'table'],
      describe: 'text (default for one flow), table (default for --flows), csv, json (JSON Lines with --flows)',
    },
    'out-interface': { type: 'string', describe: 'egress interface, tested against --nat-outgoing-interface-filter' },
    protocol: { type: 'string', describe: 'protocol (tcp, udp, ...): with --nat-port-range, tcp and udp get the port range' },
    live: { type: 'boolean', default: false, describe: "decide from the sets and rules in this host's kernel (root; iptables or nftables) instead of the pools" },
    ...FELIX_OPTIONS,
  },
  examples: [
    ['poolctl nat explain 10.244.1.5 1.1.1.1', 'is this pod NATed to the internet? (pools from the datastore)'],
    ['poolctl nat explain 10.244.1.5 172.16.4.2 -f examples/pools.yaml', 'the same with pools from a manifest'],
    ['poolctl nat explain 10.244.1.5 10.0.0.12 --nat-outgoing-exclusions IPPoolsAndHostIPs --host-ip 10.0.0.12', 'traffic to another node'],
    ['poolctl nat explain 10.244.1.5 1.1.1.1 -o json', 'the decision and its trace as JSON'],
    ['poolctl nat explain --flows flows.txt -o csv > decisions.csv', 'decide a list of "SRC DST" lines'],
    ['sudo poolctl nat explain --live 10.244.1.5 1.1.1.1', "decide from what this host's kernel holds"],
  ],
  run: async (args, ctx) => (await import('./explain-run.js')).runExplain(args, ctx),
});
