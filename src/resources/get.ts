import type { Context } from '../base/context.js';
import { IPPOOL_KIND, type ResourceKind } from '../core/index.js';
import type { Datastore, StoredResource } from '../datastore/datastore.js';
import { openDatastore, NotFoundError, type StoredPool } from '../datastore/index.js';
import type { GetResult } from '../output/printer.js';

/** GetPoolsResult is what `get` prints, and the names that were not found (each a NotFoundError). */
export interface GetPoolsResult extends GetResult {
  readonly errors: readonly NotFoundError[];
}

/** Stored is a resource of any kind as a datastore returns it. */
type Stored = StoredPool | StoredResource;

/** exported is a resource without its server-set metadata (calicoctl get --export). */
function exported<T extends Stored>(p: T): T {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, ...metadata } = p.metadata;
  return { ...p, metadata: metadata as T['metadata'] };
}

/** reader is how a kind's resources are read: the pools, or another kind's store. */
function reader(ds: Datastore, kind: ResourceKind): { list(): Promise<{ items: readonly Stored[]; revision: string }>; get(name: string): Promise<Stored> } {
  if (kind === IPPOOL_KIND) return { list: () => ds.list(), get: (n) => ds.get(n) };
  const store = ds.resources(kind.plural as 'felixconfigurations');
  return {
    list: async () => {
      const items = await store.list();
      return { items, revision: maxRevision(items) };
    },
    get: (n) => store.get(n),
  };
}

function maxRevision(items: readonly Stored[]): string {
  return items.reduce((m, p) => (BigInt(p.metadata.resourceVersion || 0) > BigInt(m) ? p.metadata.resourceVersion : m), '0');
}

/**
 * getResources reads every resource of a kind (no names) or the named ones, in the order
 * named; a missing name is an error for that name only (calicoctl prints the resources found
 * and fails for the rest).
 */
export async function getResources(ctx: Context, kind: ResourceKind, names: readonly string[], opts: { export?: boolean } = {}): Promise<GetPoolsResult> {
  const ds = await openDatastore(ctx);
  try {
    const r = reader(ds, kind);
    let items: Stored[];
    let revision: string;
    const errors: NotFoundError[] = [];
    if (names.length === 0) {
      const list = await r.list();
      items = [...list.items];
      revision = list.revision;
    } else {
      items = [];
      for (const name of names) {
        try {
          items.push(await r.get(name));
        } catch (e) {
          if (!(e instanceof NotFoundError)) throw e;
          errors.push(e);
        }
      }
      revision = maxRevision(items);
    }
    if (opts.export) items = items.map(exported);
    return { kind, items, revision, single: names.length === 1, errors };
  } finally {
    await ds.close();
  }
}

/** getPools is getResources for IPPools. */
export function getPools(ctx: Context, names: readonly string[], opts: { export?: boolean } = {}): Promise<GetPoolsResult> {
  return getResources(ctx, IPPOOL_KIND, names, opts);
}
