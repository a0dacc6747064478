import { ExitCode } from '../../cli/exit-codes.js';
import { defineCommand } from '../command.js';
import { BACKEND_OPTION, planFromArgs, type HostArgs } from './apply.js';
import { FELIX_OPTIONS } from './felix-options.js';
import { POOL_SOURCE_OPTIONS } from './pool-source.js';

interface StatusArgs extends HostArgs {
  readonly output?: string;
}

export default defineCommand<StatusArgs>({
  name: 'status',
  describe: "Compare the kernel's NAT state (sets, rules by cali: hash, the POSTROUTING jump) with the pools (root)",
  options: {
    ...POOL_SOURCE_OPTIONS,
    ...BACKEND_OPTION,
    output: { type: 'string', alias: 'o', choices: ['text', 'json'], default: 'text', describe: 'text or json' },
    ...FELIX_OPTIONS,
  },
  examples: [
    ['sudo poolctl nat status', 'is the kernel in sync with the datastore? exit 0 in sync, 1 drift'],
    ['sudo poolctl nat status -f pools.yaml -o json', 'the differences as JSON'],
  ],
  async run(args, ctx) {
    const plan = await planFromArgs(args, ctx, 'nat status');
    await plan.release(); // read: the lock kept it from seeing an apply half done
    const inSync = plan.changes.length === 0 && plan.conflicts.length === 0;
    const { backend, why } = plan.choice;
    if (args.output === 'json') {
      const flavour = plan.choice.flavour ? { iptablesBackend: plan.choice.flavour } : {};
      const doc = { backend, ...flavour, backendReason: why, families: plan.families, inSync, differences: plan.changes, conflicts: plan.conflicts };
      ctx.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      const { formatChanges } = await import('../../host/format-changes.js');
      ctx.io.stdout.write(`backend: ${backend} (${why})\n`);
      if (!inSync) ctx.io.stdout.write('+ wanted but missing from the kernel, - in the kernel but not wanted\n');
      ctx.io.stdout.write(formatChanges(plan.changes, { backend, families: plan.families, mode: 'drift', maxItems: 20 }));
      for (const c of plan.conflicts) ctx.io.stdout.write(`conflict: ${c}\n`);
      const n = plan.changes.length + plan.conflicts.length;
      const fix = plan.conflicts.length
        ? `'poolctl nat apply' cannot resolve ${plan.conflicts.length === 1 ? 'the conflict' : 'the conflicts'}: do what ${plan.conflicts.length === 1 ? 'it says' : 'each says'}, then run it with the same flags`
        : "'poolctl nat apply' with the same flags brings the kernel in line";
      ctx.io.stdout.write(inSync ? 'in sync\n' : `drift: ${n} difference${n === 1 ? '' : 's'}; ${fix}\n`);
    }
    return inSync ? ExitCode.OK : ExitCode.FAILURE;
  },
});
