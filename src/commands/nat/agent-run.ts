import { usageError } from '../../cli/cli-error.js';
import type { Context } from '../../cli/context.js';
import { ExitCode } from '../../cli/exit-codes.js';
import type { FelixArgs } from './felix-options.js';

/** AgentArgs are nat agent's parsed flags. */
export interface AgentArgs extends FelixArgs {
  readonly backend?: string;
  readonly resyncInterval?: number;
  readonly healthListen?: string;
  readonly logFormat?: string;
  readonly logLevel?: string;
  readonly cleanupOnExit?: boolean;
  readonly debounceMs?: number;
  readonly maxDelayMs?: number;
}

/** nonNegative checks a numeric flag. */
function nonNegative(name: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isFinite(n) || n < 0) throw usageError(`--${name} ${v}: expected a number >= 0`);
  return n;
}

/**
 * runAgentCommand checks nat agent's flags (Felix's as nat apply checks them), then runs the
 * agent (nat/agent/agent.ts) with this process's signals, stderr for the log, the datastore
 * the global options select, and the network namespace's NAT lock. It returns 0 once the
 * agent stopped on SIGTERM or SIGINT.
 */
export async function runAgentCommand(args: AgentArgs, ctx: Context): Promise<number> {
  const [{ settingsFromArgs }, { createLogger }, { runAgent }, { createHostExec }, { lockNamespace }, { openDatastore }] = await Promise.all([
    import('./felix-settings.js'),
    import('../../nat/agent/log.js'),
    import('../../nat/agent/agent.js'),
    import('../../host/host-exec.js'),
    import('../../host/agent-lock.js'),
    import('../../datastore/index.js'),
  ]);
  const settings = settingsFromArgs(args);
  const resync = nonNegative('resync-interval', args.resyncInterval, 90);
  const debounceMs = nonNegative('debounce-ms', args.debounceMs, 2);
  const maxDelayMs = nonNegative('max-delay-ms', args.maxDelayMs, 100);
  if (!ctx.signals) throw new Error('nat agent needs process signals');
  const log = createLogger(ctx.io.stderr, {
    format: args.logFormat === 'json' ? 'json' : 'text',
    level: (['debug', 'info', 'warn', 'error'] as const).find((l) => l === args.logLevel) ?? 'info',
  });
  const backend = args.backend === 'iptables' || args.backend === 'nftables' ? args.backend : 'auto';
  await runAgent(
    {
      backend,
      settings: { describe: 'flags', current: () => settings },
      // 0 turns the periodic resync off (setInterval needs a bound: about 24 days)
      resyncIntervalMs: resync > 0 ? resync * 1000 : 2 ** 31 - 1,
      debounceMs,
      maxDelayMs: Math.max(maxDelayMs, debounceMs),
      healthListen: args.healthListen ?? '127.0.0.1:9099',
      cleanupOnExit: args.cleanupOnExit ?? false,
    },
    {
      exec: createHostExec({ env: ctx.env }),
      log,
      signals: ctx.signals,
      openDatastore: () => openDatastore(ctx),
      lock: () => lockNamespace('nat agent'),
    },
  );
  return ExitCode.OK;
}
