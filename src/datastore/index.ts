import type { Context } from '../base/context.js';
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

/**
 * openDatastore opens the datastore a command runs against: the one injected in the context
 * (tests), else the one the global options, environment and config file select
 * (config.ts, spec/cli.md "Datastore selection"). What the store warns about goes to stderr
 * as `warning: ...` lines, made visible (it can quote stored keys and values). The caller closes it.
 */
export async function openDatastore(ctx: Pick<Context, 'env' | 'cwd' | 'global' | 'io'> & { datastore?: Datastore }): Promise<Datastore> {
  if (ctx.datastore) return ctx.datastore;
  return createDatastore(
    await resolveDatastoreConfig({
      env: ctx.env,
      cwd: ctx.cwd,
      ...(ctx.global.store !== undefined ? { store: ctx.global.store } : {}),
      ...(ctx.global.config !== undefined ? { config: ctx.global.config } : {}),
    }),
    (message) => ctx.io.stderr.write(`warning: ${visibleMessage(message)}\n`),
  );
}
