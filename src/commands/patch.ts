import { usageError } from '../base/errors.js';
import { verdictExit } from '../base/exit-codes.js';
import type { PatchType } from '../core/index.js';
import { defineCommand } from './command.js';
import { WRITE_OPTIONS, withResultFormat } from './resource-flags.js';

/** PATCH_TYPES are the --type values, calicoctl's default first (core/json-patch.ts applies them). */
const PATCH_TYPES: readonly PatchType[] = ['strategic', 'merge', 'json'];

/**
 * patch: change fields of existing pools or FelixConfigurations in place (calicoctl/calicoctl/commands/patch.go),
 * judged by Calico's update rules and written conditional on the version read.
 */
export default defineCommand({
  name: 'patch',
  describe: 'Change fields of an existing IPPool or FelixConfiguration in place (strategic merge patch, as calicoctl; or --type merge|json)',
  positionals: [
    { name: 'resource', required: true, describe: 'ippool (or ippools, ipp, ipps, pool, pools), felixconfiguration (felixconfig, ...), or KIND/NAME' },
    { name: 'names', variadic: true, describe: 'resource name(s)' },
  ],
  options: {
    patch: { type: 'string', alias: 'p', describe: 'the patch, as JSON: {"spec":{"natOutgoing":true}} (or a JSON Patch array with --type json)' },
    type: {
      type: 'string',
      alias: 't',
      choices: PATCH_TYPES,
      default: 'strategic',
      describe: 'strategic (calicoctl\'s default: lists replaced, null deletes, $patch directives), merge (RFC 7386), json (RFC 6902 operations)',
    },
    ...WRITE_OPTIONS,
  },
  examples: [
    ['poolctl patch ippool default-ipv4-ippool -p \'{"spec":{"natOutgoing":true}}\'', 'turn outgoing NAT on for a pool'],
    ['poolctl patch ippool old-pool -p \'{"spec":{"disabled":true}}\'', 'stop IPAM allocating from a pool (before migrating off it)'],
    ['poolctl patch ippool p1 --type json -p \'[{"op":"remove","path":"/metadata/labels/team"}]\'', 'a JSON Patch (RFC 6902)'],
    ['poolctl patch ippool p1 -p \'{"spec":{"ipipMode":"Always"}}\' --dry-run', 'check the result against Calico\'s rules, write nothing'],
    ['poolctl patch felixconfig default -p \'{"spec":{"natPortRange":"32768:65000"}}\'', "change a Felix setting of the cluster"],
  ],
  async run(args, ctx) {
    const writeArgs = withResultFormat(args);
    if (args.patch === undefined) throw usageError('patch needs the patch: -p/--patch JSON', `poolctl patch ippool NAME -p '{"spec":{"natOutgoing":true}}'`);
    const type = args.type as PatchType;
    const [{ parseKindArgs }, { patchModification }, { parsePatch, JSON_OBJECT_AS_STRATEGIC }] = await Promise.all([
      import('../resources/kinds.js'),
      import('../resources/modify.js'),
      import('../core/index.js'),
    ]);
    const parsed = parsePatch(args.patch, type);
    if (!parsed.ok) throw usageError(parsed.error, `e.g. poolctl patch ippool NAME -p '{"spec":{"natOutgoing":true}}'`);
    const { kind, names } = parseKindArgs([args.resource, ...(args.names ?? [])]);
    if (names.length === 0) throw usageError(`specify the name of the ${kind.kind} to patch`, `poolctl patch ippool NAME -p '{"spec":{"natOutgoing":true}}'`);
    if (type === 'json' && !Array.isArray(parsed.value)) ctx.io.stderr.write(`warning: ${JSON_OBJECT_AS_STRATEGIC}\n`);
    const { runResourceCommand } = await import('../resources/run.js');
    return verdictExit(await runResourceCommand('patch', { ...writeArgs, names, kind, modify: patchModification(parsed.value, type) }, ctx));
  },
});
