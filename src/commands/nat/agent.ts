import { ExitCode } from '../../base/exit-codes.js';
import { defineCommand } from '../command.js';
import { FELIX_OPTIONS, felixSettingsOf } from './felix-options.js';
import { BACKEND_OPTION } from './host-options.js';

export default defineCommand({
  name: 'agent',
  describe: "Keep this host's NAT in step with the datastore (root; runs until SIGTERM): watch the pools, program changes incrementally",
  options: {
    ...BACKEND_OPTION,
    'resync-interval': {
      type: 'number',
      default: 90,
      describe: 'seconds between full resyncs (pools listed again, the kernel read and repaired), as Felix refreshes its rules; 0: only on SIGHUP',
    },
    'felix-check-interval': {
      type: 'number',
      default: 10,
      describe:
        "seconds between reads of this node's FelixConfigurations while their watch is down (the watch sees a change at once): when a setting the agent programs with changed, it exits 129 to be restarted, as Felix does; 0: only the watch, resyncs and SIGHUP",
    },
    'health-listen': {
      type: 'string',
      default: '127.0.0.1:9099',
      describe: "HOST:PORT for /livez, /readyz and /metrics (Felix's health port; loopback)",
    },
    'log-format': { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'log lines on stderr: readable text, or one JSON object a line' },
    'log-level': { type: 'string', choices: ['debug', 'info', 'warn', 'error'], default: 'info', describe: 'the least important messages logged' },
    'cleanup-on-exit': { type: 'boolean', default: false, describe: 'remove the NAT sets, chains and tables when stopped (default: leave them in place)' },
    'debounce-ms': { type: 'number', default: 2, describe: 'write once no change has come for this many milliseconds (a burst becomes one write) ...' },
    'max-delay-ms': { type: 'number', default: 100, describe: '... or this long after the first change of a burst' },
    ...FELIX_OPTIONS,
  },
  examples: [
    ['sudo poolctl nat agent', "follow the datastore's pools and program this host (backend as nat apply picks it)"],
    ['sudo poolctl nat agent --backend nftables --log-format json', 'nftables, JSON logs'],
    ['curl -s 127.0.0.1:9099/metrics | grep poolctl_agent_', "the agent's metrics"],
    ['sudo kill -HUP $(pgrep -f "poolctl nat agent")', 'resync now'],
  ],
  async run(args, ctx) {
    const { runNatAgent } = await import('../../nat/agent/start.js');
    const end = await runNatAgent(
      {
        backend: args.backend,
        iptablesBackend: args.iptablesBackend,
        lockTimeoutS: args.lockTimeout,
        settings: felixSettingsOf(args),
        resyncIntervalS: args.resyncInterval,
        felixCheckIntervalS: args.felixCheckInterval,
        healthListen: args.healthListen,
        logFormat: args.logFormat,
        logLevel: args.logLevel,
        cleanupOnExit: args.cleanupOnExit,
        debounceMs: args.debounceMs,
        maxDelayMs: args.maxDelayMs,
      },
      ctx,
    );
    return end === 'restart' ? ExitCode.CONFIG_CHANGED : ExitCode.OK;
  },
});
