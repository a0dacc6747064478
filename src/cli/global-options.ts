import type { OptionSpec } from '../commands/command.js';

/** GLOBAL_OPTIONS are accepted by every command (spec/cli.md "Invocation"). */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  config: { type: 'string', alias: 'c', nonEmpty: true, describe: 'CalicoAPIConfig file (default $POOLCTL_CONFIG, then /etc/calico/calicoctl.cfg)' },
  store: { type: 'string', describe: 'embedded store path; overrides DATASTORE_TYPE, POOLCTL_STORE and the config file' },
  color: { type: 'boolean', default: true, describe: 'colour output; --no-color (or NO_COLOR, or a non-TTY stdout) turns it off' },
};
