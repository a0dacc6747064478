import { CliError } from '../../cli/cli-error.js';
import type { Context } from '../../cli/context.js';
import { ExitCode } from '../../cli/exit-codes.js';
import type { HostPlan } from '../../host/nat-host.js';
import { defineCommand, type OptionSpec } from '../command.js';
import { FELIX_OPTIONS, type FelixArgs } from './felix-options.js';
import { POOL_SOURCE_OPTIONS, type PoolSourceArgs } from './pool-source.js';

/** HostArgs are the flags nat apply and nat status share. */
export interface HostArgs extends FelixArgs, PoolSourceArgs {
  readonly backend?: string;
  readonly iptablesBackend?: string;
  readonly lockTimeout?: number;
}

/** BACKEND_OPTION selects how the kernel is programmed (host/backend.ts documents auto). */
export const BACKEND_OPTION: Readonly<Record<string, OptionSpec>> = {
  backend: {
    type: 'string',
    choices: ['auto', 'iptables', 'nftables'],
    default: 'auto',
    describe:
      'iptables (ipset + iptables-restore), nftables (nft, table ip/ip6 calico), or auto: nftables if a calico nft table exists, else iptables if installed, else nftables',
  },
  'iptables-backend': {
    type: 'string',
    choices: ['auto', 'legacy', 'nft'],
    default: 'auto',
    describe:
      "the iptables flavour (Felix's IptablesBackend): auto uses the one holding cali- chains (both: exit 3), else detects it as Felix does",
  },
  'lock-timeout': {
    type: 'number',
    default: 60,
    describe: 'seconds to wait for another nat apply or status in this network namespace to finish (then exit 3)',
  },
};

/**
 * planFromArgs is nat apply's and nat status's common start: root check, the Felix flags,
 * pools (-f or the datastore), the model (both families, as Felix with IPv6 enabled), then the
 * live state of the backend compared with it. The kernel is read while the pools load and the
 * model is built (the read needs neither); if those fail, the tools still running are stopped.
 */
export async function planFromArgs(args: HostArgs, ctx: Context, what: string): Promise<HostPlan> {
  const [{ createHostExec }, { planHost, readHost }, { loadNatPools, natModelOf }, { settingsFromArgs }] = await Promise.all([
    import('../../host/host-exec.js'),
    import('../../host/nat-host.js'),
    import('./nat-pools.js'),
    import('./felix-settings.js'),
  ]);
  const abort = new AbortController();
  const exec = createHostExec({ env: ctx.env, signal: abort.signal });
  exec.requireRoot(what);
  const settings = settingsFromArgs(args);
  const backend = args.backend === 'iptables' || args.backend === 'nftables' ? args.backend : 'auto';
  const families = [4, 6] as const;
  const iptablesBackend = args.iptablesBackend === 'legacy' || args.iptablesBackend === 'nft' ? args.iptablesBackend : 'auto';
  const seconds = args.lockTimeout ?? 60;
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new CliError('USAGE', `--lock-timeout must be a number of seconds, 0 or more (got ${seconds})`, { exitCode: ExitCode.USAGE });
  }
  const timeoutMs = seconds * 1000;
  const lock = { what, timeoutMs, onWait: (m: string) => ctx.io.stderr.write(`${m}\n`) };
  const read = readHost(exec, backend, families, { iptablesBackend, lock });
  try {
    const { pools, warnings } = await loadNatPools(args, ctx);
    for (const w of warnings) ctx.io.stderr.write(w);
    const model = await natModelOf(pools, settings, families, ctx, 'leave out --nat-outgoing-address, or natOutgoing on the IPv6 pools');
    const plan = await planHost(model, read);
    for (const w of plan.warnings) ctx.io.stderr.write(`warning: ${w}\n`);
    return plan;
  } catch (e) {
    abort.abort();
    await read.release();
    throw e;
  }
}

/** conflictError stops apply for differences it must not resolve by itself. */
function conflictError(conflicts: readonly string[]): CliError {
  return new CliError('HOST_CONFLICT', `cannot apply:\n  ${conflicts.join('\n  ')}`, { exitCode: ExitCode.FAILURE });
}

interface ApplyArgs extends HostArgs {
  readonly dryRun?: boolean;
}

export default defineCommand<ApplyArgs>({
  name: 'apply',
  describe: "Program the NAT ruleset into this host's kernel (root): only poolctl's sets, chains and tables",
  options: {
    ...POOL_SOURCE_OPTIONS,
    ...BACKEND_OPTION,
    'dry-run': { type: 'boolean', default: false, describe: 'print the changes as a diff and write nothing' },
    ...FELIX_OPTIONS,
  },
  examples: [
    ['sudo poolctl nat apply', "program the datastore's pools with the backend auto picks"],
    ['sudo poolctl nat apply --dry-run -f pools.yaml', 'show what would change for the pools in a manifest'],
    ['sudo poolctl nat apply --backend nftables', 'program table ip/ip6 calico with nft'],
    ['sudo poolctl nat apply --pool-set-name all-ipam-pools', 'match a node running Calico before v3.31.6 / v3.32.1'],
  ],
  async run(args, ctx) {
    const plan = await planFromArgs(args, ctx, 'nat apply');
    try {
      return await applyPlan(plan, args, ctx);
    } finally {
      await plan.release();
    }
  },
});

/** applyPlan prints the plan (dry run) or makes it and prints what was done. */
async function applyPlan(plan: HostPlan, args: ApplyArgs, ctx: Context): Promise<ExitCode> {
  const { formatChanges } = await import('../../host/format-changes.js');
  const { backend } = plan.choice;
  if (plan.changes.length === 0 && !plan.conflicts.length) {
    ctx.io.stdout.write(`no changes: the ${backend} ruleset is in place\n`);
    return ExitCode.OK;
  }
  const n = plan.changes.length;
  const noun = `change${n === 1 ? '' : 's'}`;
  if (args.dryRun) {
    ctx.io.stdout.write(`backend: ${backend} (${plan.choice.why})\n`);
    ctx.io.stdout.write(formatChanges(plan.changes, { backend, families: plan.families, mode: 'plan', maxItems: 50 }));
    ctx.io.stdout.write(`dry run: ${n} ${noun} would be made with ${backend}; nothing was written\n`);
    if (plan.conflicts.length) throw conflictError(plan.conflicts);
    return ExitCode.OK;
  }
  if (plan.conflicts.length) throw conflictError(plan.conflicts);
  await plan.apply();
  ctx.io.stdout.write(formatChanges(plan.changes, { backend, families: plan.families, mode: 'plan', maxItems: 0 }));
  ctx.io.stdout.write(`applied ${n} ${noun} with ${backend}\n`);
  return ExitCode.OK;
}
