import type { OptionSpec } from '../commands/command.js';

/**
 * GLOBAL_OPTIONS are accepted by every command (spec/cli.md "Invocation"). The last five are
 * calicoctl's, accepted so that scripts written for calicoctl run (cli/make-context.ts):
 * --allow-version-mismatch and -l/--log-level have nothing to change in poolctl, --context
 * warns that it has no effect, -n/-A fail as calicoctl does for a resource that is not namespaced.
 */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  config: { type: 'string', alias: 'c', files: true, nonEmpty: true, describe: 'CalicoAPIConfig file (default $POOLCTL_CONFIG, then /etc/calico/calicoctl.cfg)' },
  store: { type: 'string', files: true, describe: 'embedded store path; overrides DATASTORE_TYPE, POOLCTL_STORE and the config file' },
  color: { type: 'boolean', default: true, describe: 'colour output; --no-color (or NO_COLOR, or a non-TTY stdout) turns it off' },
  'allow-version-mismatch': { type: 'boolean', describe: "calicoctl's; accepted, no effect (poolctl does not compare its version with the cluster's)" },
  'log-level': {
    type: 'string',
    alias: 'l',
    choices: ['panic', 'fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace'],
    describe: "calicoctl's; accepted, no effect (poolctl writes no log)",
  },
  context: { type: 'string', describe: "calicoctl's kubeconfig context; accepted with a warning: it has no effect (no Kubernetes datastore)" },
  namespace: { type: 'string', alias: 'n', describe: "calicoctl's; an error: IPPools are not namespaced" },
  'all-namespaces': { type: 'boolean', alias: 'A', describe: "calicoctl's; an error: IPPools are not namespaced" },
};
