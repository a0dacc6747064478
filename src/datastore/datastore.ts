import type { IPPool, NatPool, ObjectMeta } from '../core/index.js';
import type { IpamBlock } from './ipam.js';

/** StoredPool is an IPPool as a datastore returns it: server-set metadata filled in. */
export interface StoredPool extends IPPool {
  metadata: ObjectMeta & { resourceVersion: string; uid: string; creationTimestamp: string };
}

/**
 * StoredResource is a resource of a kind other than IPPool (FelixConfiguration) as a datastore
 * returns it: server-set metadata filled in, the spec as it was written.
 */
export interface StoredResource {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { resourceVersion: string; uid: string; creationTimestamp: string };
  spec: Record<string, unknown>;
}

/**
 * StoredKind names a kind the datastore keeps beside IPPools, by Calico's plural (its etcd key
 * segment: /calico/resources/v3/projectcalico.org/<plural>/<name>).
 */
export type StoredKind = 'felixconfigurations';

/**
 * KindStore is the store of one such kind: libcalico-go's resource operations with the same
 * revision model and errors as the pools' (one store-wide counter; compare-and-swap on
 * resourceVersion; NotFoundError, AlreadyExistsError, ConflictError naming the kind).
 */
export interface KindStore {
  /** list returns every resource of the kind in name order. */
  list(): Promise<StoredResource[]>;
  /** get returns one resource; NotFoundError if there is none. */
  get(name: string): Promise<StoredResource>;
  /** create stores a new resource (uid, creationTimestamp set); AlreadyExistsError if the name is taken. */
  create(r: ResourceValue): Promise<StoredResource>;
  /**
   * update replaces a resource, keeping its uid and creationTimestamp. With
   * metadata.resourceVersion it must be the stored one (ConflictError); NotFoundError if gone.
   */
  update(r: ResourceValue): Promise<StoredResource>;
  /** delete removes a resource, conditional on resourceVersion when given; returns the resource removed. */
  delete(name: string, resourceVersion?: string): Promise<StoredResource>;
}

/** ResourceValue is a resource to write: what the user gave, server-set metadata optional. */
export interface ResourceValue {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Record<string, unknown>;
}

/** ListResult is every pool in name (key) order and the store revision it was read at. */
export interface ListResult {
  readonly items: readonly StoredPool[];
  readonly revision: string;
}

/**
 * Txn is a consistent view of the store inside Datastore.batch: reads see the store as of one
 * revision plus this batch's own earlier writes; writes are staged and committed by the batch.
 * Pools returned by create/update get their resourceVersion when their write commits.
 */
export interface Txn {
  /** get returns the pool or undefined. */
  get(name: string): Promise<StoredPool | undefined>;
  /**
   * list returns every pool in name order. The batch's writes then also depend on the whole
   * set: they commit only if no pool was created or changed since (checks across pools, such
   * as overlapping CIDRs, cannot race).
   */
  list(): Promise<readonly StoredPool[]>;
  /** prefetch reads every pool at once so that later gets are local (many gets); it adds no dependency. */
  prefetch(): Promise<void>;
  /** create stages a new pool (uid and creationTimestamp set); AlreadyExistsError if the name is taken. */
  create(pool: IPPool): Promise<StoredPool>;
  /**
   * update stages a new version of an existing pool. metadata.resourceVersion is required and
   * must be the stored one (ConflictError otherwise); NotFoundError if there is none. uid and
   * creationTimestamp are kept from the stored pool.
   */
  update(pool: IPPool): Promise<StoredPool>;
  /** delete stages the removal of a pool, conditional on resourceVersion when given; returns the pool removed. */
  delete(name: string, resourceVersion?: string): Promise<StoredPool>;
}

/**
 * BatchStep decides what one item writes, through the Txn: at most one write (one pool) per
 * item. It may throw a StoreError (NotFoundError, AlreadyExistsError, ConflictError), which
 * is recorded for that item; its write, if any, is then dropped.
 */
export type BatchStep<I, R> = (item: I) => Promise<R>;

/** BatchOutcome is what became of one item of a batch. */
export type BatchOutcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: Error };

/** BatchOptions tune Datastore.batch. */
export interface BatchOptions {
  /** dryRun runs every step against the store but commits nothing. */
  readonly dryRun?: boolean;
  /** onCommitted is called with the number of items whose writes just became durable. */
  readonly onCommitted?: (n: number) => void;
}

/** WatchEvent is one change to a pool seen by Datastore.watch. */
export interface WatchEvent {
  readonly type: 'added' | 'modified' | 'deleted';
  /** pool is the new value, or for 'deleted' the last value (resourceVersion = the deletion's revision). */
  readonly pool: StoredPool;
}

/** NatListing is what Felix's NAT sees of every pool (natPoolOf, in name order) and the store revision it was read at. */
export interface NatListing {
  readonly pools: readonly NatPool[];
  readonly revision: string;
}

/** NatChange is one pool's change as the NAT sees it: its new projection, or null when it was deleted. */
export interface NatChange {
  readonly name: string;
  readonly pool: NatPool | null;
}

/**
 * NatChangeBatch is what one store revision (or a run of them delivered together) changed:
 * revision is the newest; committedAt is when it was known to be committed (epoch ms: the
 * snapshot's mtime for the embedded store, the moment the watch delivered it for etcd).
 */
export interface NatChangeBatch {
  readonly changes: readonly NatChange[];
  readonly revision: string;
  readonly committedAt: number;
}

/** WatchLost says why a watch ended by itself: the revision to resume from was compacted (list again), or the store is unreachable. */
export interface WatchLost {
  readonly compacted: boolean;
  readonly message: string;
}

/** NatWatchHandlers receive a NAT watch's batches, in revision order, and its end (once, unless it was stopped). */
export interface NatWatchHandlers {
  onChanges(batch: NatChangeBatch): void;
  onLost(lost: WatchLost): void;
}

/**
 * Datastore is the one interface over poolctl's backends (embedded file store, etcd v3, and
 * an in-memory store for tests), after libcalico-go's backend api (`libcalico-go/lib/backend/api/api.go`):
 * revisions, typed errors (datastore/errors.ts), compare-and-swap updates.
 *
 * Every write goes through batch: `begin` receives a Txn (a consistent view) and returns the
 * step run for each item in order. The backend commits the staged writes only if nothing the
 * view was built from has changed meanwhile; if it has, it builds a new view and runs the
 * uncommitted items again (bounded), so checks made in a step against the view (such as
 * overlapping CIDRs) can never race with another writer. The embedded store commits a batch
 * as one write; etcd in as few transactions as its limits allow (128 operations per
 * transaction level, 1.5 MiB per request: thousands of pools each, see etcd.ts).
 */
export interface Datastore {
  /** kind is the backend type, as DATASTORE_TYPE names it. */
  readonly kind: 'file' | 'etcdv3' | 'memory';
  /** location names the store for messages, e.g. "/home/u/.local/share/poolctl" or the etcd endpoints. */
  readonly location: string;
  /** get returns one pool; NotFoundError if there is none. */
  get(name: string): Promise<StoredPool>;
  /** list returns every pool in name order and the revision it was read at. */
  list(): Promise<ListResult>;
  /**
   * natPools returns what Felix's NAT sees of every pool, in name order: exactly
   * `list().items.map(natPoolOf)` (nat-pool.ts), which the embedded store reads from a
   * projection it keeps beside the pools, without decoding them.
   */
  natPools(): Promise<NatPool[]>;
  /** resources returns the store of another kind than IPPool (FelixConfiguration). */
  resources(kind: StoredKind): KindStore;
  /** create stores a new pool; AlreadyExistsError if the name is taken. */
  create(pool: IPPool): Promise<StoredPool>;
  /** update replaces a pool; metadata.resourceVersion is required (ConflictError if stale, NotFoundError if gone). */
  update(pool: IPPool): Promise<StoredPool>;
  /** delete removes a pool, conditional on resourceVersion when given; returns the pool removed. */
  delete(name: string, resourceVersion?: string): Promise<StoredPool>;
  /**
   * batch runs `begin(txn)` on a consistent view and then its step for each item in order, and
   * commits the writes. One outcome per item, in order. It throws only when nothing could be
   * done at all (the store unreachable before the first commit); later failures become the
   * outcomes of the items they hit.
   */
  batch<I, R>(items: readonly I[], begin: (txn: Txn) => Promise<BatchStep<I, R>> | BatchStep<I, R>, opts?: BatchOptions): Promise<BatchOutcome<R>[]>;
  /**
   * natList is natPools with the revision it was read at, one consistent read (the start of
   * a NAT watch); etcd reads it in pages and keeps only the projection of each pool.
   */
  natList(): Promise<NatListing>;
  /**
   * watchNat, where the backend has it (etcd, the embedded store, memory), reports the changes
   * after a listing (`from`: natList's result, or the state the caller has reached since):
   * etcd resumes at from.revision + 1 and reports a compacted revision; the embedded store
   * watches its directory (fs.watch, with polling as a fallback) and compares snapshots with
   * from.pools. It resolves once the watch is established (rejects with UnavailableError when
   * it cannot be); the returned function stops it.
   */
  watchNat?(from: NatListing, handlers: NatWatchHandlers): Promise<() => Promise<void>>;
  /**
   * watchKind, where the backend has it (etcd, the embedded store), calls onChange after each
   * change that may concern a kind other than IPPool (FelixConfiguration), from the moment it
   * resolves: etcd watches the kind's key prefix (Calico's, as Felix's syncer does; lost as
   * watchNat is, compacted or not), the embedded store each new snapshot. It says only that
   * something may have changed: the caller reads the kind again. It resolves once the watch is
   * established (rejects with UnavailableError when it cannot be); the returned function stops it.
   */
  watchKind?(kind: StoredKind, onChange: () => void, onLost: (lost: WatchLost) => void): Promise<() => Promise<void>>;
  /**
   * watch, where the backend has it (etcd, memory), calls onEvent for every change after the
   * current revision until the returned stop function is called.
   */
  watch?(onEvent: (e: WatchEvent) => void): Promise<() => Promise<void>>;
  /**
   * ipamBlocks, where the backend holds Calico IPAM (etcd), returns every allocation block
   * (ipam.ts). Its presence also means the store is Calico's own: delete then follows
   * clientv3's order (disable the pool first). The embedded store has no IPAM.
   */
  ipamBlocks?(): Promise<IpamBlock[]>;
  close(): Promise<void>;
}
