import type { IPPool, ObjectMeta } from '../core/index.js';

/** StoredPool is an IPPool as a datastore returns it: server-set metadata filled in. */
export interface StoredPool extends IPPool {
  metadata: ObjectMeta & { resourceVersion: string; uid: string; creationTimestamp: string };
}

/** ListResult is every pool in name (key) order and the store revision it was read at. */
export interface ListResult {
  readonly items: readonly StoredPool[];
  readonly revision: string;
}

/**
 * Datastore is the one interface over poolctl's backends (embedded file store, etcd v3, and
 * an in-memory store for tests), after libcalico-go's backend api: revisions, typed errors
 * (datastore/errors.ts), compare-and-swap updates. The full contract is owned by the
 * datastore layer (issue 4); commands that only read pools use list().
 */
export interface Datastore {
  /** kind is the backend type, as DATASTORE_TYPE names it. */
  readonly kind: 'file' | 'etcdv3' | 'memory';
  /** location names the store for messages, e.g. "/home/u/.local/share/poolctl" or the etcd endpoints. */
  readonly location: string;
  list(): Promise<ListResult>;
  close(): Promise<void>;
}
