import type { Context } from '../../base/context.js';
import { usageError } from '../../base/errors.js';
import type { IptablesFlavour } from '../../host/iptables-flavour.js';
import type { BackendRequest } from '../host-plan.js';
import type { FelixSettingsInput } from '../settings.js';
import type { LogFormat, LogLevel } from './log.js';

/** NatAgentOptions are nat agent's flags, parsed and not yet checked. */
export interface NatAgentOptions {
  /** backend is --backend; absent: the store's FelixConfigurations choose (nftablesMode), else auto. */
  readonly backend?: BackendRequest;
  readonly iptablesBackend: IptablesFlavour | 'auto';
  /** lockTimeoutS: seconds to wait for a nat apply or status holding the host lock (an agent holding it: none) */
  readonly lockTimeoutS: number;
  readonly settings: FelixSettingsInput;
  /** resyncIntervalS: seconds between full resyncs; 0 turns them off (SIGHUP still resyncs) */
  readonly resyncIntervalS: number;
  readonly healthListen: string;
  readonly logFormat: LogFormat;
  readonly logLevel: LogLevel;
  readonly cleanupOnExit: boolean;
  readonly debounceMs: number;
  readonly maxDelayMs: number;
}

/** nonNegative checks a numeric flag (USAGE unless a finite number >= 0). */
function nonNegative(name: string, n: number): number {
  if (!Number.isFinite(n) || n < 0) throw usageError(`--${name} ${n}: expected a number >= 0`);
  return n;
}

/**
 * runNatAgent checks nat agent's flags (Felix's as nat apply checks them), then runs the agent
 * (agent.ts) with the context's signals, stderr for the log, the datastore the global options
 * select, and the network namespace's NAT lock. It returns once the agent stopped on SIGTERM
 * or SIGINT.
 */
export async function runNatAgent(opts: NatAgentOptions, ctx: Context): Promise<void> {
  const [{ parseNatSettings, resolveNatSettings }, { createLogger }, { runAgent }, { createHostExec }, { lockHost }, { openDatastore }] = await Promise.all([
    import('../settings.js'),
    import('./log.js'),
    import('./agent.js'),
    import('../../host/host-exec.js'),
    import('../../host/host-lock.js'),
    import('../../datastore/index.js'),
  ]);
  const settings = parseNatSettings(opts.settings);
  const resync = nonNegative('resync-interval', opts.resyncIntervalS);
  const debounceMs = nonNegative('debounce-ms', opts.debounceMs);
  const maxDelayMs = nonNegative('max-delay-ms', opts.maxDelayMs);
  const lockTimeoutS = nonNegative('lock-timeout', opts.lockTimeoutS);
  if (!ctx.signals) throw new Error('nat agent needs process signals');
  const log = createLogger(ctx.io.stderr, { format: opts.logFormat, level: opts.logLevel });
  const exec = createHostExec({ env: ctx.env });
  let backend = opts.backend;
  if (backend === undefined) {
    // as nat apply: the node's FelixConfigurations choose (nftablesMode), read once at start
    const [{ felixBackend }, { felixNodeName }] = await Promise.all([import('../../core/index.js'), import('../../host/felix-node.js')]);
    try {
      const ds = await openDatastore(ctx);
      let configs;
      try {
        configs = await ds.resources('felixconfigurations').list();
      } finally {
        await ds.close();
      }
      const chosen = felixBackend(resolveNatSettings({ node: opts.settings.node ?? felixNodeName(ctx.env), configs, flags: opts.settings }).felix);
      backend = chosen?.backend ?? 'auto';
      if (chosen) log.info('backend chosen by FelixConfiguration', { backend: chosen.backend, why: chosen.why });
    } catch (e) {
      backend = 'auto';
      log.warn('FelixConfigurations not read: backend auto (give --backend to choose)', { error: (e as Error).message });
    }
  }
  await runAgent(
    {
      backend,
      iptablesBackend: opts.iptablesBackend,
      settings: { describe: 'flags', current: () => settings },
      // 0 turns the periodic resync off (setInterval needs a bound: about 24 days)
      resyncIntervalMs: resync > 0 ? resync * 1000 : 2 ** 31 - 1,
      debounceMs,
      maxDelayMs: Math.max(maxDelayMs, debounceMs),
      healthListen: opts.healthListen,
      cleanupOnExit: opts.cleanupOnExit,
    },
    {
      exec,
      log,
      signals: ctx.signals,
      openDatastore: () => openDatastore(ctx),
      // held for the agent's life: a second agent (or a writing nat apply) fails at once
      lock: () => lockHost(exec, { what: 'nat agent', timeoutMs: lockTimeoutS * 1000, besideAgent: 'refuse', onWait: (m) => log.warn(m) }),
    },
  );
}
