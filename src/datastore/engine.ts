import type { IPPool, NatPool } from '../core/index.js';
import type { toStoredPool, undecodablePool } from './codec.js';
import type { BatchOptions, BatchOutcome, BatchStep, Datastore, KindStore, ListResult, NatListing, NatWatchHandlers, StoredKind, StoredPool, Txn, WatchEvent } from './datastore.js';
import { AlreadyExistsError, ConflictError, ContentionError, NotFoundError, UnavailableError, isStoreError } from './errors.js';
import type { IpamBlock } from './ipam.js';
import { EngineKindStore, type KindBackend } from './kind-store.js';
import { natPoolOf } from './nat-pool.js';

/**
 * Write is one staged change: the pool's new value (null to delete) and what the key must
 * still hold for the write to apply: 'absent', or the resourceVersion it was read at.
 */
export interface Write {
  readonly name: string;
  readonly pool: StoredPool | null;
  readonly expect: 'absent' | string;
}

/** ChunkStats describe the writes staged for the next commit. */
export interface ChunkStats {
  readonly writes: number;
  /** guarded counts writes that expect a resourceVersion (updates and deletes). */
  readonly guarded: number;
  /** bytes is the JSON size of the staged pools and their names. */
  readonly bytes: number;
}

/**
 * Session is a backend's consistent read context. Reads see one revision of the store; commit
 * applies writes atomically only if what this session read has not changed since (every
 * written key; after list(), every pool), and then moves the session on to the revision it
 * created (so later reads include the writes).
 */
export interface Session {
  /** list returns every pool; the next commits then also require that no pool changed meanwhile. */
  list(): Promise<ListResult>;
  /** prefetch reads every pool so that later gets need no round trip; unlike list it adds no requirement. */
  prefetch(): Promise<void>;
  get(name: string): Promise<StoredPool | undefined>;
  /**
   * peek, where the session holds every pool in memory (file, memory), is get without a
   * promise: a batch of 100,000 creates then stages each item without waiting.
   */
  peek?(name: string): StoredPool | undefined;
  /**
   * commit returns the resourceVersion of each write, in order, or null when the store
   * changed under the session (a lost race). It throws UnavailableError when the store
   * cannot be reached; outcome 'unknown' when the request may have been applied.
   */
  commit(writes: readonly Write[]): Promise<string[] | null>;
  /**
   * full reports whether the staged writes must be committed before another is added (etcd:
   * its limits on operations and bytes per request); absent means one commit takes any batch.
   */
  full?(stats: ChunkStats): boolean;
  /**
   * undecodable, where a store can hold a value that is not an IPPool (etcd, written by other
   * tools), returns the resourceVersion of the value stored under name when get or list found
   * one there: get and list leave it out, but the name is taken (create fails with
   * AlreadyExistsError, as Calico's create does) and delete removes it.
   */
  undecodable?(name: string): string | undefined;
}

/** Backend is what a datastore implementation provides to the shared batch engine (and, for other kinds, to kind-store.ts). */
export interface Backend extends KindBackend {
  readonly kind: Datastore['kind'];
  readonly location: string;
  session(): Promise<Session>;
  /** natPools, where the backend keeps the NAT projection (file.ts), is Datastore.natPools without decoding pools. */
  natPools?(): Promise<NatPool[]>;
  /** natList, where the backend has a cheaper read than list() (file.ts, etcd.ts), is Datastore.natList. */
  natList?(): Promise<NatListing>;
  watchNat?(from: NatListing, handlers: NatWatchHandlers): Promise<() => Promise<void>>;
  watch?(onEvent: (e: WatchEvent) => void): Promise<() => Promise<void>>;
  watchKind?: Datastore['watchKind'];
  ipamBlocks?(): Promise<IpamBlock[]>;
  close(): Promise<void>;
}

/** compareNames orders pool names by UTF-16 code units: the key order of every backend (etcd's byte order for ASCII names). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sortedByName returns pools in name order (compareNames). */
export function sortedByName(pools: Iterable<StoredPool>): StoredPool[] {
  return [...pools].sort((a, b) => compareNames(a.metadata.name, b.metadata.name));
}

/** MAX_ATTEMPTS bounds how often a batch re-runs after losing a race to another writer. */
const MAX_ATTEMPTS = 40;

interface Staged {
  readonly pool: StoredPool | null;
  readonly expect: 'absent' | string;
  /** returned are the pools handed to steps for this key since the last commit (the last is `pool`). */
  readonly returned: readonly StoredPool[];
}

/**
 * nowTimestamp is Kubernetes' creationTimestamp text: RFC 3339, UTC, whole seconds
 * (metav1.Time marshals with time.RFC3339).
 */
function nowTimestamp(): string {
  const now = Math.floor(Date.now() / 1000);
  if (now !== lastSecond) {
    lastSecond = now;
    lastTimestamp = new Date(now * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  }
  return lastTimestamp;
}

let lastSecond = -1;
let lastTimestamp = '';

/** Current is what a Txn holds for a name: its staged write, else (base) the session's pool. */
interface Current {
  readonly staged: Staged | undefined;
  readonly base: StoredPool | undefined;
}

/** valueOf returns the pool a Current stands for (undefined when deleted or absent). */
function valueOf(c: Current): StoredPool | undefined {
  return c.staged ? (c.staged.pool ?? undefined) : c.base;
}

/**
 * Overlay is the Txn a batch step sees: the session's view plus the writes staged since the
 * last commit. Each step stages at most one write (one key), so a chunk maps to one backend
 * transaction and an item's outcome to one write.
 */
class Overlay implements Txn {
  readonly staged = new Map<string, Staged>();
  /** stats of the staged writes (bytes only when the session bounds chunks) */
  private guarded = 0;
  private bytes = 0;
  /** undo is the current step's write (its key and what was staged for it before), if any */
  private undo: { readonly name: string; readonly prev: Staged | undefined } | null = null;

  constructor(
    private readonly session: Session,
    private readonly encode: typeof toStoredPool,
    private readonly placeholder: typeof undecodablePool,
  ) {}

  async prefetch(): Promise<void> {
    await this.session.prefetch();
  }

  /** full reports whether the staged writes make a full chunk. */
  full(): boolean {
    return this.session.full?.({ writes: this.staged.size, guarded: this.guarded, bytes: this.bytes }) ?? false;
  }

  async get(name: string): Promise<StoredPool | undefined> {
    const s = this.staged.get(name);
    if (s) return s.pool ?? undefined;
    return this.session.get(name);
  }

  /**
   * current returns what the Txn holds for name: the staged entry, else the session's pool
   * (sync when the session can peek, so that a step needs no await).
   */
  private current(name: string): Current | Promise<Current> {
    const staged = this.staged.get(name);
    if (staged) return { staged, base: undefined };
    if (this.session.peek) return { staged, base: this.session.peek(name) };
    return this.session.get(name).then((base) => ({ staged, base }));
  }

  async list(): Promise<readonly StoredPool[]> {
    const base = (await this.session.list()).items;
    if (this.staged.size === 0) return base;
    const byName = new Map(base.map((p) => [p.metadata.name, p] as const));
    for (const [name, s] of this.staged) {
      if (s.pool) byName.set(name, s.pool);
      else byName.delete(name);
    }
    return sortedByName(byName.values());
  }

  async create(pool: IPPool): Promise<StoredPool> {
    const name = pool.metadata.name;
    const c = this.current(name);
    const cur = c instanceof Promise ? await c : c;
    if (valueOf(cur) || this.undecodable(name, cur) !== undefined) throw new AlreadyExistsError(name);
    // The global crypto, not node:crypto: that costs ~3 ms to load, and only writes need it.
    const stored = this.encode(pool, { resourceVersion: '', uid: globalThis.crypto.randomUUID(), creationTimestamp: nowTimestamp() });
    this.stage(name, stored, cur);
    return stored;
  }

  async update(pool: IPPool): Promise<StoredPool> {
    const name = pool.metadata.name;
    const c = this.current(name);
    const cur = c instanceof Promise ? await c : c;
    const value = valueOf(cur);
    if (!value) throw new NotFoundError(name);
    if (pool.metadata.resourceVersion === undefined || pool.metadata.resourceVersion !== value.metadata.resourceVersion) {
      throw new ConflictError(name);
    }
    const stored = this.encode(pool, { resourceVersion: '', uid: value.metadata.uid, creationTimestamp: value.metadata.creationTimestamp });
    this.stage(name, stored, cur);
    return stored;
  }

  async delete(name: string, resourceVersion?: string): Promise<StoredPool> {
    const c = this.current(name);
    let cur = c instanceof Promise ? await c : c;
    let value = valueOf(cur);
    const occupied = value ? undefined : this.undecodable(name, cur);
    if (occupied !== undefined) {
      // A value that is not an IPPool: delete removes it like a pool (the only way to, short of etcdctl).
      value = this.placeholder(name, occupied);
      cur = { staged: undefined, base: value };
    }
    if (!value) throw new NotFoundError(name);
    if (resourceVersion !== undefined && resourceVersion !== '' && resourceVersion !== value.metadata.resourceVersion) {
      throw new ConflictError(name);
    }
    this.stage(name, null, cur);
    return value;
  }

  /** undecodable returns the resourceVersion of an unreadable value stored under name (nothing staged for it), if any. */
  private undecodable(name: string, cur: Current): string | undefined {
    return cur.staged ? undefined : this.session.undecodable?.(name);
  }

  /** stage records the step's write of name; cur is what current(name) returned. */
  private stage(name: string, pool: StoredPool | null, cur: Current): void {
    if (this.undo) throw new Error('a batch step may stage at most one write');
    const prev = cur.staged;
    const expect = prev ? prev.expect : cur.base ? cur.base.metadata.resourceVersion : 'absent';
    this.undo = { name, prev };
    this.staged.set(name, { pool, expect, returned: pool ? [...(prev?.returned ?? []), pool] : (prev?.returned ?? []) });
    if (!prev && expect !== 'absent') this.guarded++;
    if (this.session.full) this.bytes += (pool ? JSON.stringify(pool).length : 0) + name.length;
  }

  /** beginStep starts recording one item's write. */
  beginStep(): void {
    this.undo = null;
  }

  /** rollbackStep drops the write of the item that just failed. */
  rollbackStep(): void {
    if (!this.undo) return;
    const { name, prev } = this.undo;
    if (prev) this.staged.set(name, prev);
    else {
      if (this.staged.get(name)?.expect !== 'absent') this.guarded--;
      this.staged.delete(name);
    }
    this.undo = null;
  }

  /**
   * takeWrites returns the staged writes (one per key, the last value) and, for each, the pools
   * handed out for that key, which get the write's resourceVersion; it clears the stage.
   */
  takeWrites(): { writes: Write[]; pools: (readonly StoredPool[])[] } {
    const writes: Write[] = [];
    const pools: (readonly StoredPool[])[] = [];
    for (const [name, s] of this.staged) {
      writes.push({ name, pool: s.pool, expect: s.expect });
      pools.push(s.returned);
    }
    this.staged.clear();
    this.guarded = 0;
    this.bytes = 0;
    return { writes, pools };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * runBatch is Datastore.batch over a Backend. Items are run in order through the step; when
 * the session says the staged writes make a full chunk (or at the end) they are committed. A lost race re-runs
 * the items of the uncommitted chunk on a fresh session (at most MAX_ATTEMPTS times). If the
 * store becomes unreachable, committed items keep their outcomes, the chunk under way fails
 * with the error's outcome ('unknown' if the request was sent) and later items fail as not applied.
 */
async function runBatch<I, R>(
  backend: Backend,
  items: readonly I[],
  begin: (txn: Txn) => Promise<BatchStep<I, R>> | BatchStep<I, R>,
  opts: BatchOptions = {},
): Promise<BatchOutcome<R>[]> {
  const out: BatchOutcome<R>[] = [];
  if (items.length === 0) return out;
  // The codec (and the core rules it uses for defaults) loads only for writes: reads stay light.
  const { toStoredPool, undecodablePool } = await import('./codec.js');
  let attempts = 0;
  let committedAny = false;
  while (out.length < items.length) {
    attempts++;
    let session: Session;
    let overlay: Overlay;
    let step: BatchStep<I, R>;
    try {
      session = await backend.session();
      overlay = new Overlay(session, toStoredPool, undecodablePool);
      step = await begin(overlay);
    } catch (e) {
      if (e instanceof UnavailableError && committedAny) return failRest(out, items.length, e);
      throw e;
    }
    let chunk: BatchOutcome<R>[] = [];
    let lost = false;
    for (let i = out.length; i < items.length; i++) {
      overlay.beginStep();
      try {
        const value = await step(items[i]!);
        chunk.push({ ok: true, value });
      } catch (e) {
        if (isStoreError(e)) {
          overlay.rollbackStep();
          chunk.push({ ok: false, error: e });
        } else if (e instanceof UnavailableError) {
          if (!committedAny) throw e;
          return failRest(out, items.length, e, chunk);
        } else throw e;
      }
      const last = i === items.length - 1;
      if (opts.dryRun) {
        if (last) out.push(...chunk);
        continue;
      }
      if (!last && !overlay.full()) continue;
      const { writes, pools } = overlay.takeWrites();
      let versions: string[] | null = [];
      if (writes.length > 0) {
        try {
          versions = await session.commit(writes);
        } catch (e) {
          if (!(e instanceof UnavailableError)) throw e;
          for (const c of chunk) out.push(c.ok ? { ok: false, error: e } : c);
          return failRest(out, items.length, e);
        }
      }
      if (versions === null) {
        lost = true;
        break;
      }
      versions.forEach((rv, k) => {
        for (const p of pools[k]!) p.metadata.resourceVersion = rv;
      });
      out.push(...chunk);
      committedAny = true;
      opts.onCommitted?.(chunk.length);
      chunk = [];
      attempts = 0;
    }
    if (!lost) return out;
    if (attempts >= MAX_ATTEMPTS) return failRest(out, items.length, new ContentionError(backend.location, attempts));
    await sleep(Math.floor(Math.random() * 5 * Math.min(attempts, 10)) + 1);
  }
  return out;
}

/**
 * failRest ends a batch that cannot go on: the items of the uncommitted chunk that had failed
 * on their own keep their errors, every other remaining item fails with e as not applied.
 */
function failRest<R>(out: BatchOutcome<R>[], total: number, e: Error, chunk: readonly BatchOutcome<R>[] = []): BatchOutcome<R>[] {
  const notApplied = e instanceof UnavailableError && e.outcome === 'unknown' ? new UnavailableError(e.message, { outcome: 'not-applied' }) : e;
  for (const c of chunk) out.push(c.ok ? { ok: false, error: notApplied } : c);
  while (out.length < total) out.push({ ok: false, error: notApplied });
  return out;
}

/** unwrap returns a single-item batch's value or throws its error. */
function unwrap<R>(outcomes: BatchOutcome<R>[]): R {
  const o = outcomes[0]!;
  if (!o.ok) throw o.error;
  return o.value;
}

/**
 * EngineDatastore is a Datastore over a Backend: single-resource operations are one-item
 * batches, so every write path has the same checks and the same commit.
 */
export class EngineDatastore implements Datastore {
  readonly kind: Datastore['kind'];
  readonly location: string;
  readonly watch?: Datastore['watch'];
  readonly watchNat?: Datastore['watchNat'];
  readonly watchKind?: Datastore['watchKind'];
  readonly ipamBlocks?: Datastore['ipamBlocks'];

  constructor(private readonly backend: Backend) {
    this.kind = backend.kind;
    this.location = backend.location;
    if (backend.watch) this.watch = (onEvent) => backend.watch!(onEvent);
    if (backend.watchNat) this.watchNat = (from, handlers) => backend.watchNat!(from, handlers);
    if (backend.watchKind) this.watchKind = (kind, onChange, onLost) => backend.watchKind!(kind, onChange, onLost);
    if (backend.ipamBlocks) this.ipamBlocks = () => backend.ipamBlocks!();
  }

  async get(name: string): Promise<StoredPool> {
    const p = await (await this.backend.session()).get(name);
    if (!p) throw new NotFoundError(name);
    return p;
  }

  async list(): Promise<ListResult> {
    return (await this.backend.session()).list();
  }

  resources(kind: StoredKind): KindStore {
    return new EngineKindStore(this.backend, kind);
  }

  async natPools(): Promise<NatPool[]> {
    if (this.backend.natPools) return this.backend.natPools();
    return (await this.list()).items.map(natPoolOf);
  }

  async natList(): Promise<NatListing> {
    if (this.backend.natList) return this.backend.natList();
    const { items, revision } = await this.list();
    return { pools: items.map(natPoolOf), revision };
  }

  async create(pool: IPPool): Promise<StoredPool> {
    return unwrap(await this.batch([pool], (txn) => (p) => txn.create(p)));
  }

  async update(pool: IPPool): Promise<StoredPool> {
    return unwrap(await this.batch([pool], (txn) => (p) => txn.update(p)));
  }

  async delete(name: string, resourceVersion?: string): Promise<StoredPool> {
    return unwrap(await this.batch([name], (txn) => (n) => txn.delete(n, resourceVersion)));
  }

  batch<I, R>(items: readonly I[], begin: (txn: Txn) => Promise<BatchStep<I, R>> | BatchStep<I, R>, opts?: BatchOptions): Promise<BatchOutcome<R>[]> {
    return runBatch(this.backend, items, begin, opts);
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
