import { usageError } from '../base/errors.js';
import { visibleMessage } from '../base/terminal-text.js';
import { ExitCode } from '../base/exit-codes.js';
import { OUTPUT_FORMATS, OUTPUT_HELP, resolvePrinter } from '../output/print-flags.js';
import { defineCommand } from './command.js';

export default defineCommand({
  name: 'get',
  describe: 'List IPPools or FelixConfigurations, or get them by name',
  positionals: [
    { name: 'resource', required: true, describe: 'ippool (or ippools, ipp, ipps, pool, pools), felixconfiguration (felixconfigurations, felixconfig, felixconfigs), or KIND/NAME' },
    { name: 'names', variadic: true, describe: 'resource names (all of the kind when none)' },
  ],
  options: {
    output: { type: 'string', alias: 'o', default: 'table', describe: OUTPUT_HELP, values: [...OUTPUT_FORMATS, 'custom-columns='] },
    export: { type: 'boolean', default: false, describe: 'leave out uid, resourceVersion and creationTimestamp (for re-applying elsewhere)' },
    crd: {
      type: 'boolean',
      default: false,
      describe: 'with -o yaml|json: the kubectl form (crd.projectcalico.org/v1 IPPool, a v1 List), for kubectl apply -f -',
    },
  },
  examples: [
    ['poolctl get ippools', 'list every pool (NAME, CIDR, SELECTOR)'],
    ['poolctl get ippools -o wide', 'list with NAT, encapsulation, disabled and assignment mode'],
    ['poolctl get ippool default-ipv4-ippool -o yaml', 'one pool as YAML'],
    ['poolctl get pools -o json', 'every pool as an IPPoolList in JSON'],
    ['poolctl get pools -o name | xargs poolctl delete', 'delete every pool'],
    ['poolctl get ippools -o yaml --crd | kubectl apply -f -', 'copy the pools into a cluster that keeps them as Kubernetes resources'],
    ['poolctl get felixconfig default -o yaml', "the cluster's Felix settings"],
  ],
  async run(args, ctx) {
    const { parseKindArgs } = await import('../resources/kinds.js');
    const { kind, names } = parseKindArgs([args.resource, ...(args.names ?? [])]);
    if (args.crd && !['yaml', 'yml', 'json'].includes(args.output)) throw usageError('--crd needs -o yaml or -o json', 'poolctl get ippools -o yaml --crd');
    if (args.crd && kind.kind !== 'IPPool') throw usageError('--crd prints IPPools only', `poolctl get ${kind.aliases[1]} -o yaml`);
    const printer = await resolvePrinter(args.output, kind);
    const { getResources } = await import('../resources/get.js');
    const result = { ...(await getResources(ctx, kind, names, { export: args.export })), crd: args.crd };
    // Named resources that are all missing print nothing but the errors, as calicoctl.
    if (names.length === 0 || result.items.length > 0) ctx.io.stdout.write(await printer.print(result));
    for (const e of result.errors) ctx.io.stderr.write(`${visibleMessage(e.message)}\n`);
    return result.errors.length > 0 ? ExitCode.FAILURE : ExitCode.OK;
  },
});
