import type { Context } from '../base/context.js';
import { PoolctlError } from '../base/errors.js';
import type { HostPlan } from '../host/nat-host.js';
import { conflictError, planHostNat, type HostPlanOptions } from './host-plan.js';

/** ApplyOptions are nat apply's: the plan's inputs, whether to write nothing, and whether to write on a Felix-managed host. */
export interface ApplyOptions extends Omit<HostPlanOptions, 'what'> {
  readonly dryRun: boolean;
  readonly force?: boolean;
}

/** felixManagedError is FELIX_MANAGED, naming what shows that Felix manages the host's NAT. */
function felixManagedError(signs: readonly string[]): PoolctlError {
  return new PoolctlError('FELIX_MANAGED', `Felix manages NAT on this host (${signs.join('; ')}): nat apply would fight it over the cali- chains and sets`);
}

/**
 * applyNat programs the NAT ruleset into the kernel: it plans (planHostNat), prints the changes
 * and makes them, or with dryRun prints them as a diff and writes nothing. Conflicts stop it
 * (HOST_CONFLICT), a dry run after printing its diff. The host lock is held until it is done.
 * On a host Felix manages (its other cali- chains, a calico-node process: host/felix-guard.ts)
 * it refuses to write (FELIX_MANAGED) unless forced; a dry run warns.
 */
export async function applyNat(opts: ApplyOptions, ctx: Context): Promise<void> {
  const plan = await planHostNat({ ...opts, what: 'nat apply' }, ctx);
  try {
    await applyPlan(plan, opts, ctx);
  } finally {
    await plan.release();
  }
}

/** applyPlan prints the plan (dry run) or makes it and prints what was done. */
async function applyPlan(plan: HostPlan, opts: ApplyOptions, ctx: Context): Promise<void> {
  const { formatChanges } = await import('../host/format-changes.js');
  const { backend } = plan.choice;
  if (plan.felixSigns.length > 0 && !opts.force && plan.changes.length > 0) {
    if (!opts.dryRun) throw felixManagedError(plan.felixSigns);
    ctx.io.stderr.write(`warning: ${felixManagedError(plan.felixSigns).message}; nat apply would refuse without --force\n`);
  }
  if (plan.changes.length === 0 && !plan.conflicts.length) {
    ctx.io.stdout.write(`no changes: the ${backend} ruleset is in place\n`);
    return;
  }
  const n = plan.changes.length;
  const noun = `change${n === 1 ? '' : 's'}`;
  if (opts.dryRun) {
    ctx.io.stdout.write(`backend: ${backend} (${plan.choice.why})\n`);
    ctx.io.stdout.write(formatChanges(plan.changes, { backend, families: plan.families, mode: 'plan', maxItems: 50 }));
    ctx.io.stdout.write(`dry run: ${n} ${noun} would be made with ${backend}; nothing was written\n`);
    if (plan.conflicts.length) throw conflictError(plan.conflicts);
    return;
  }
  if (plan.conflicts.length) throw conflictError(plan.conflicts);
  await plan.apply();
  ctx.io.stdout.write(formatChanges(plan.changes, { backend, families: plan.families, mode: 'plan', maxItems: 0 }));
  ctx.io.stdout.write(`applied ${n} ${noun} with ${backend}\n`);
}
