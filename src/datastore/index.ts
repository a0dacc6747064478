import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../base/context.js';
import { PoolctlError } from '../base/errors.js';
import { visibleMessage } from '../base/terminal-text.js';
import { resolveDatastoreConfig, type DatastoreConfig } from './config.js';
import type { Datastore } from './datastore.js';

export type { StoredPool } from './datastore.js';
export { NotFoundError } from './errors.js';

/**
 * createDatastore opens the backend a configuration names: the embedded store (file.ts) or
 * etcd v3 (etcd.ts, which loads the etcd3 client only then).
 */
async function createDatastore(cfg: DatastoreConfig, warn: (message: string) => void): Promise<Datastore> {
  if (cfg.type === 'file') {
    const { openFileDatastore } = await import('./file.js');
    return openFileDatastore(cfg.path, { warn });
  }
  const { openEtcdDatastore } = await import('./etcd.js');
  return openEtcdDatastore(cfg.etcd, { warn });
}

/** kubeconfigOf returns the kubeconfig a calicoctl user would have: $KUBECONFIG, else ~/.kube/config if it exists. */
export function kubeconfigOf(env: Context['env']): string | undefined {
  if (env.KUBECONFIG) return env.KUBECONFIG;
  const home = join(env.HOME || homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

/**
 * kubeNotice is the line printed when a kubeconfig exists but nothing selected a datastore:
 * calicoctl would then use the Kubernetes datastore, which poolctl does not support.
 */
export function kubeNotice(path: string, kubeconfig: string): string {
  return (
    `note: using poolctl's embedded store at ${path}, not the cluster of ${kubeconfig}: the Kubernetes datastore is not supported; ` +
    "for a cluster's pools use 'kubectl get ippools.crd.projectcalico.org -o yaml | poolctl validate -f -' (or nat explain/render -f -)"
  );
}

/** OpenOptions say what a command will do with the store. */
export interface OpenOptions {
  /** create: the command writes new pools, so an embedded store that does not exist yet is made; otherwise a --store directory must exist. */
  readonly create?: boolean;
}

/**
 * openDatastore opens the datastore a command runs against: the one injected in the context
 * (tests), else the one the global options, environment and config file select
 * (config.ts, spec/cli.md "Datastore selection"). What the store warns about goes to stderr
 * as `warning: ...` lines, made visible (it can quote stored keys and values). Two guards for a store the user did not mean: a `--store`
 * directory that does not exist is an error unless the command creates pools (a mistyped
 * path is not an empty store); and when nothing selected a datastore but a kubeconfig
 * exists (calicoctl would use the Kubernetes datastore), one `note:` line says which store is
 * used. The caller closes it.
 */
export async function openDatastore(ctx: Pick<Context, 'env' | 'cwd' | 'global' | 'io'> & { datastore?: Datastore }, opts: OpenOptions = {}): Promise<Datastore> {
  if (ctx.datastore) return ctx.datastore;
  const cfg = await selectedDatastore(ctx);
  if (cfg.type === 'file' && cfg.source === '--store' && !opts.create && !isDirectory(cfg.path)) {
    throw new PoolctlError('CONFIG_INVALID', `the store directory ${cfg.path} (--store) ${existsSync(cfg.path) ? 'is not a directory' : 'does not exist'}`, {
      hint: 'check the path; create and apply make the directory on their first write',
    });
  }
  if (cfg.type === 'file' && cfg.source === 'default') {
    const kube = kubeconfigOf(ctx.env);
    if (kube) ctx.io.stderr.write(`${kubeNotice(cfg.path, kube)}\n`);
  }
  return createDatastore(cfg, (message) => ctx.io.stderr.write(`warning: ${visibleMessage(message)}\n`));
}

/** selectedDatastore is the datastore a command's global options, environment and config file select (config.ts), not opened. */
export function selectedDatastore(ctx: Pick<Context, 'env' | 'cwd' | 'global'>): Promise<DatastoreConfig> {
  return resolveDatastoreConfig({
    env: ctx.env,
    cwd: ctx.cwd,
    ...(ctx.global.store !== undefined ? { store: ctx.global.store } : {}),
    ...(ctx.global.config !== undefined ? { config: ctx.global.config } : {}),
  });
}

/** isDirectory reports whether path is an existing directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
