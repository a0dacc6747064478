import type { Context } from '../base/context.js';
import { planHostNat, type HostPlanOptions } from './host-plan.js';

/** StatusOptions are nat status's: the plan's inputs and the report format. */
export interface StatusOptions extends Omit<HostPlanOptions, 'what'> {
  readonly output: 'text' | 'json';
}

/**
 * natStatus compares the kernel's NAT state with the pools (planHostNat) and prints the
 * differences as text or JSON; it returns whether the kernel is in sync.
 */
export async function natStatus(opts: StatusOptions, ctx: Context): Promise<{ readonly inSync: boolean }> {
  const plan = await planHostNat({ ...opts, what: 'nat status' }, ctx);
  await plan.release(); // read: the lock kept it from seeing an apply half done
  const inSync = plan.changes.length === 0 && plan.conflicts.length === 0;
  const { backend, why } = plan.choice;
  if (opts.output === 'json') {
    const flavour = plan.choice.flavour ? { iptablesBackend: plan.choice.flavour } : {};
    const doc = { backend, ...flavour, backendReason: why, families: plan.families, inSync, differences: plan.changes, conflicts: plan.conflicts };
    ctx.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return { inSync };
  }
  const { formatChanges } = await import('../host/format-changes.js');
  ctx.io.stdout.write(`backend: ${backend} (${why})\n`);
  if (!inSync) ctx.io.stdout.write('+ wanted but missing from the kernel, - in the kernel but not wanted\n');
  ctx.io.stdout.write(formatChanges(plan.changes, { backend, families: plan.families, mode: 'drift', maxItems: 20 }));
  for (const c of plan.conflicts) ctx.io.stdout.write(`conflict: ${c}\n`);
  const n = plan.changes.length + plan.conflicts.length;
  const fix = plan.conflicts.length
    ? `'poolctl nat apply' cannot resolve ${plan.conflicts.length === 1 ? 'the conflict' : 'the conflicts'}: do what ${plan.conflicts.length === 1 ? 'it says' : 'each says'}, then run it with the same flags`
    : "'poolctl nat apply' with the same flags brings the kernel in line";
  ctx.io.stdout.write(inSync ? 'in sync\n' : `drift: ${n} difference${n === 1 ? '' : 's'}; ${fix}\n`);
  return { inSync };
}
