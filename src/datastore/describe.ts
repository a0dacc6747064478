import type { Context } from '../base/context.js';
import type { DatastoreConfig } from './config.js';
import { isDirectory, kubeconfigOf, selectedDatastore } from './index.js';

/** DatastoreView is what `poolctl config view` shows: the datastore a command would use, and what chose it. */
export interface DatastoreView {
  /** type is `file` (the embedded store) or `etcdv3`. */
  readonly type: DatastoreConfig['type'];
  /** path is the embedded store's directory. */
  readonly path?: string;
  /** pathExists says whether that directory is there yet (create and apply make it). */
  readonly pathExists?: boolean;
  readonly endpoints?: readonly string[];
  /** tls names the certificate files (never a password or a key's content). */
  readonly tls?: Readonly<Record<string, string>>;
  readonly username?: string;
  /** selectedBy says which flag, variable or file chose the datastore. */
  readonly selectedBy: string;
  /** kubeconfig is the kubeconfig calicoctl would have used, when nothing selected a datastore and one exists. */
  readonly kubeconfig?: string;
}

/** selectedBy words each DatastoreConfig source (config.ts) as a sentence about what chose the datastore. */
function selectedBy(source: string): string {
  if (source === '--store') return 'the --store flag';
  if (source === 'default') {
    return 'nothing else: no --store, DATASTORE_TYPE, POOLCTL_STORE, ETCD_ENDPOINTS, -c/--config, POOLCTL_CONFIG or /etc/calico/calicoctl.cfg, so the embedded store at its default path ($XDG_DATA_HOME/poolctl, else ~/.local/share/poolctl)';
  }
  if (source.startsWith('config file ')) return `the ${source}`;
  return `the environment: ${source}`;
}

/**
 * viewDatastore resolves the datastore the global options, environment and config file select
 * (config.ts, the same selection every command makes) without opening it, and says what chose it.
 */
export async function viewDatastore(ctx: Pick<Context, 'env' | 'cwd' | 'global'>): Promise<DatastoreView> {
  const cfg = await selectedDatastore(ctx);
  const by = selectedBy(cfg.source);
  if (cfg.type === 'file') {
    const kube = cfg.source === 'default' ? kubeconfigOf(ctx.env) : undefined;
    return { type: 'file', path: cfg.path, pathExists: isDirectory(cfg.path), selectedBy: by, ...(kube ? { kubeconfig: kube } : {}) };
  }
  const e = cfg.etcd;
  const tls: Record<string, string> = {};
  if (e.caCertFile) tls.caCertFile = e.caCertFile;
  if (e.certFile) tls.certFile = e.certFile;
  if (e.keyFile) tls.keyFile = e.keyFile;
  if (e.caCert) tls.caCert = '(inline)';
  if (e.cert) tls.cert = '(inline)';
  return {
    type: 'etcdv3',
    endpoints: e.endpoints,
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(e.username ? { username: e.username } : {}),
    selectedBy: by,
  };
}
