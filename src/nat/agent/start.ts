import type { Context } from '../../base/context.js';
import { usageError } from '../../base/errors.js';
import type { IptablesFlavour } from '../../host/iptables-flavour.js';
import type { BackendRequest } from '../host-plan.js';
import type { FelixSettingsInput } from '../settings.js';
import type { AgentEnd } from './agent.js';
import type { AgentFelix } from './felix-config.js';
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
  /**
   * felixCheckIntervalS: seconds between reads of the FelixConfigurations, while their watch
   * is down, to see whether a setting the agent programs with changed (then it exits to be
   * restarted, as Felix does); 0: only the watch, resyncs and SIGHUP
   */
  readonly felixCheckIntervalS: number;
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
 * runNatAgent checks nat agent's flags (Felix's as nat apply checks them), resolves the Felix
 * settings and the backend from the store's FelixConfigurations for this node and the flags
 * (as nat apply: default, node.<node>, flags; nftablesMode chooses the backend without
 * --backend), then runs the agent (agent.ts) with the context's signals, stderr for the log,
 * the datastore the global options select, and the network namespace's NAT lock. It returns
 * once the agent stopped on SIGTERM or SIGINT ('stopped'), or when a FelixConfiguration
 * setting it programs with changed ('restart': Felix exits to be restarted then).
 */
export async function runNatAgent(opts: NatAgentOptions, ctx: Context): Promise<AgentEnd> {
  const [{ parseNatSettings }, { agentFelix, settingChanges }, { createLogger }, { runAgent }, { createHostExec }, { lockHost }, { openDatastore }, { felixNodeName }] = await Promise.all([
    import('../settings.js'),
    import('./felix-config.js'),
    import('./log.js'),
    import('./agent.js'),
    import('../../host/host-exec.js'),
    import('../../host/host-lock.js'),
    import('../../datastore/index.js'),
    import('../../host/felix-node.js'),
  ]);
  parseNatSettings(opts.settings); // bad flags are usage errors before anything is read
  const resync = nonNegative('resync-interval', opts.resyncIntervalS);
  const debounceMs = nonNegative('debounce-ms', opts.debounceMs);
  const maxDelayMs = nonNegative('max-delay-ms', opts.maxDelayMs);
  const lockTimeoutS = nonNegative('lock-timeout', opts.lockTimeoutS);
  const felixCheckS = nonNegative('felix-check-interval', opts.felixCheckIntervalS);
  if (!ctx.signals) throw new Error('nat agent needs process signals');
  const log = createLogger(ctx.io.stderr, { format: opts.logFormat, level: opts.logLevel });
  const exec = createHostExec({ env: ctx.env });
  // as nat apply: the node's FelixConfigurations give the settings, and nftablesMode the backend
  const node = opts.settings.node ?? felixNodeName(ctx.env);
  let felix: AgentFelix;
  try {
    const ds = await openDatastore(ctx);
    try {
      felix = agentFelix(node, await ds.resources('felixconfigurations').list(), opts.settings, opts.backend);
    } finally {
      await ds.close();
    }
    if (felix.backend.why) log.info('backend chosen by FelixConfiguration', { backend: felix.backend.backend, why: felix.backend.why });
  } catch (e) {
    felix = agentFelix(node, [], opts.settings, opts.backend);
    log.warn("FelixConfigurations not read: Felix's defaults and the flags, backend auto unless --backend (a restart follows once they can be read and differ)", {
      error: (e as Error).message,
    });
  }
  const started = felix;
  return runAgent(
    {
      backend: started.backend,
      iptablesBackend: opts.iptablesBackend,
      settings: {
        describe: `FelixConfiguration default and node.${node}, then the flags`,
        current: () => started.settings,
        changes: async (ds) => settingChanges(started.values, agentFelix(node, await ds.resources('felixconfigurations').list(), opts.settings, opts.backend).values),
        ...(felixCheckS > 0 ? { checkIntervalMs: felixCheckS * 1000 } : {}),
      },
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
