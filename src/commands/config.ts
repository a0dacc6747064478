import { ExitCode } from '../base/exit-codes.js';
import { defineCommand } from './command.js';

const view = defineCommand({
  name: 'view',
  describe: 'Print the datastore commands use, and which flag, variable or file chose it (nothing is opened)',
  options: {
    output: { type: 'string', alias: 'o', choices: ['text', 'json'], default: 'text', describe: 'output format' },
  },
  examples: [
    ['poolctl config view', 'which datastore, and why'],
    ['DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=http://10.0.0.1:2379 poolctl config view', 'check a selection before using it'],
  ],
  async run(args, ctx) {
    const { viewDatastore } = await import('../datastore/describe.js');
    const v = await viewDatastore(ctx);
    if (args.output === 'json') {
      ctx.io.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
      return ExitCode.OK;
    }
    const lines: [string, string][] = [];
    if (v.type === 'file') {
      lines.push(['datastore', 'file (poolctl\'s embedded store)'], ['path', `${v.path} (${v.pathExists ? 'exists' : 'does not exist yet: create and apply make it'})`]);
    } else {
      lines.push(['datastore', 'etcdv3'], ['endpoints', (v.endpoints ?? []).join(',')]);
      if (v.username) lines.push(['username', v.username]);
      for (const [k, f] of Object.entries(v.tls ?? {})) lines.push([k, f]);
    }
    lines.push(['selected by', v.selectedBy]);
    if (v.kubeconfig) {
      lines.push(['kubeconfig', `${v.kubeconfig} is not used: the Kubernetes datastore is not supported (kubectl get ippools.crd.projectcalico.org -o yaml | poolctl validate -f -)`]);
    }
    const width = Math.max(...lines.map(([k]) => k.length)) + 2;
    ctx.io.stdout.write(lines.map(([k, val]) => `${`${k}:`.padEnd(width)}${val}\n`).join(''));
    return ExitCode.OK;
  },
});

/** config groups the commands about poolctl's own configuration (kubectl's `config view`). */
export default defineCommand({
  name: 'config',
  describe: 'Show which datastore poolctl uses and why',
  subcommands: [view],
});
