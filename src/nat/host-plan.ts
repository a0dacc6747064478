import type { Context } from '../base/context.js';
import { PoolctlError } from '../base/errors.js';
import type { Backend } from '../host/desired.js';
import type { RequestedBackend } from '../host/backend.js';
import type { IptablesFlavour } from '../host/iptables-flavour.js';
import type { HostPlan } from '../host/nat-host.js';
import type { PoolSource } from './pools.js';
import type { FelixSettingsInput } from './settings.js';

/** BackendRequest is how the kernel is to be programmed: a backend, or auto (host/backend.ts documents it). */
export type BackendRequest = Backend | 'auto';

/** HostPlanOptions are what nat apply and nat status compare the kernel with, and how they name themselves. */
export interface HostPlanOptions {
  readonly source: PoolSource;
  readonly settings: FelixSettingsInput;
  /** backend is --backend; absent: the FelixConfigurations' nftablesMode chooses, else auto (core felixBackend). */
  readonly backend?: BackendRequest;
  /** iptablesBackend is the iptables flavour (host/iptables-flavour.ts documents auto). */
  readonly iptablesBackend: IptablesFlavour | 'auto';
  /** lockTimeoutMs is how long to wait for the host lock another run holds (host/host-lock.ts). */
  readonly lockTimeoutMs: number;
  /** what names the command in the not-root message and the lock's, e.g. "nat apply". */
  readonly what: string;
  /**
   * writes: the run may write the kernel (nat apply). A nat agent holds the lock for its whole
   * life: a run that writes then fails at once (HOST_LOCKED), one that only reads (nat status,
   * apply --dry-run) reads beside it.
   */
  readonly writes: boolean;
}

/**
 * planHostNat is nat apply's and nat status's common start: root check, the Felix flags,
 * pools and FelixConfigurations (files or the datastore) and the settings resolved from them
 * for the node, the model (both families, as Felix with IPv6 enabled), then the live state of
 * the backend (--backend, else the FelixConfigurations' nftablesMode, else auto) compared with it, read under the host lock (waiting for another run, saying so
 * on stderr). The kernel is read while the pools load and the model is built (the read needs
 * neither); if those fail, the tools still running are stopped and the lock let go. The caller
 * lets go of it with plan.release() when done.
 */
export async function planHostNat(opts: HostPlanOptions, ctx: Context): Promise<HostPlan> {
  const [{ createHostExec }, { planHost, readHost }, { loadNatInputs, natModelOf }, { parseNatSettings }, { felixBackend }] = await Promise.all([
    import('../host/host-exec.js'),
    import('../host/nat-host.js'),
    import('./pools.js'),
    import('./settings.js'),
    import('../core/index.js'),
  ]);
  const abort = new AbortController();
  const exec = createHostExec({ env: ctx.env, signal: abort.signal });
  exec.requireRoot(opts.what);
  parseNatSettings(opts.settings); // bad flags are usage errors before anything is read
  const families = [4, 6] as const;
  const lock = {
    what: opts.what,
    timeoutMs: opts.lockTimeoutMs,
    onWait: (m: string) => ctx.io.stderr.write(`${m}\n`),
    besideAgent: opts.writes ? ('refuse' as const) : ('read' as const),
  };
  // Without --backend, the node's FelixConfigurations choose (nftablesMode), so the kernel is read once they are loaded.
  let decide: ((r: RequestedBackend) => void) | undefined;
  let refuse: ((e: unknown) => void) | undefined;
  const requested =
    opts.backend ??
    new Promise<RequestedBackend>((resolve, reject) => {
      decide = resolve;
      refuse = reject;
    });
  const read = readHost(exec, requested, families, { iptablesBackend: opts.iptablesBackend, lock });
  try {
    const { pools, warnings, resolved } = await loadNatInputs(opts.source, opts.settings, ctx, opts.what);
    const chosen = felixBackend(resolved.felix);
    decide?.(chosen ?? { backend: 'auto' });
    for (const w of warnings) ctx.io.stderr.write(w);
    const model = await natModelOf(pools, resolved.settings, families, ctx, 'leave out --nat-outgoing-address, or natOutgoing on the IPv6 pools');
    const plan = await planHost(model, read);
    for (const w of plan.warnings) ctx.io.stderr.write(`warning: ${w}\n`);
    return plan;
  } catch (e) {
    refuse?.(e);
    abort.abort();
    await read.release();
    throw e;
  }
}

/** conflictError is HOST_CONFLICT: differences apply must not resolve by itself. */
export function conflictError(conflicts: readonly string[]): PoolctlError {
  return new PoolctlError('HOST_CONFLICT', `cannot apply:\n  ${conflicts.join('\n  ')}`);
}
