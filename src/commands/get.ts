import { visibleMessage } from '../base/terminal-text.js';
import { ExitCode } from '../base/exit-codes.js';
import { OUTPUT_FORMATS, OUTPUT_HELP, resolvePrinter } from '../output/print-flags.js';
import { defineCommand } from './command.js';

export default defineCommand({
  name: 'get',
  describe: 'List IPPools, or get them by name',
  positionals: [
    { name: 'resource', required: true, describe: 'ippool (or ippools, ipp, ipps, pool, pools), or KIND/NAME' },
    { name: 'names', variadic: true, describe: 'pool names (all pools when none)' },
  ],
  options: {
    output: { type: 'string', alias: 'o', default: 'table', describe: OUTPUT_HELP, values: [...OUTPUT_FORMATS, 'custom-columns='] },
    export: { type: 'boolean', default: false, describe: 'leave out uid, resourceVersion and creationTimestamp (for re-applying elsewhere)' },
  },
  examples: [
    ['poolctl get ippools', 'list every pool (NAME, CIDR, SELECTOR)'],
    ['poolctl get ippools -o wide', 'list with NAT, encapsulation, disabled and assignment mode'],
    ['poolctl get ippool default-ipv4-ippool -o yaml', 'one pool as YAML'],
    ['poolctl get pools -o json', 'every pool as an IPPoolList in JSON'],
    ['poolctl get pools -o name | xargs poolctl delete', 'delete every pool'],
  ],
  async run(args, ctx) {
    const { parseResourceArgs } = await import('../resources/kinds.js');
    const names = parseResourceArgs([args.resource, ...(args.names ?? [])]);
    const printer = await resolvePrinter(args.output);
    const { getPools } = await import('../resources/get.js');
    const result = await getPools(ctx, names, { export: args.export });
    // Named pools that are all missing print nothing but the errors, as calicoctl.
    if (names.length === 0 || result.items.length > 0) ctx.io.stdout.write(await printer.print(result));
    for (const e of result.errors) ctx.io.stderr.write(`${visibleMessage(e.message)}\n`);
    return result.errors.length > 0 ? ExitCode.FAILURE : ExitCode.OK;
  },
});
