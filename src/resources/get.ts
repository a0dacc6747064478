import type { Context } from '../base/context.js';
import { openDatastore, NotFoundError, type StoredPool } from '../datastore/index.js';
import type { GetResult } from '../output/printer.js';

/** GetPoolsResult is what `get` prints, and the names that were not found (each a NotFoundError). */
export interface GetPoolsResult extends GetResult {
  readonly errors: readonly NotFoundError[];
}

/** exported is a pool without its server-set metadata (calicoctl get --export). */
function exported(p: StoredPool): StoredPool {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, ...metadata } = p.metadata;
  return { ...p, metadata: metadata as StoredPool['metadata'] };
}

/**
 * getPools reads every pool (no names) or the named ones, in the order named; a missing name
 * is an error for that name only (calicoctl prints the pools found and fails for the rest).
 */
export async function getPools(ctx: Context, names: readonly string[], opts: { export?: boolean } = {}): Promise<GetPoolsResult> {
  const ds = await openDatastore(ctx);
  try {
    let items: StoredPool[];
    let revision: string;
    const errors: NotFoundError[] = [];
    if (names.length === 0) {
      const list = await ds.list();
      items = [...list.items];
      revision = list.revision;
    } else {
      items = [];
      for (const name of names) {
        try {
          items.push(await ds.get(name));
        } catch (e) {
          if (!(e instanceof NotFoundError)) throw e;
          errors.push(e);
        }
      }
      revision = items.reduce((m, p) => (BigInt(p.metadata.resourceVersion || 0) > BigInt(m) ? p.metadata.resourceVersion : m), '0');
    }
    if (opts.export) items = items.map(exported);
    return { items, revision, single: names.length === 1, errors };
  } finally {
    await ds.close();
  }
}
