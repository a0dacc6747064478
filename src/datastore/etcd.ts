import type { Etcd3, ICompare, IKeyValue, IRangeRequest, IRangeResponse, IRequestOp, ITxnRequest, ITxnResponse } from 'etcd3';
import { decodeStoredPool, decodeStoredResource, encodeEtcdValue, encodeResourceValue } from './codec.js';
import type { NatPool } from '../core/index.js';
import type { Datastore, ListResult, NatListing, NatWatchHandlers, StoredKind, StoredPool, StoredResource, WatchEvent, WatchLost } from './datastore.js';
import { KIND_OF } from './kind-store.js';
import { EngineDatastore, sortedByName, type Backend, type ChunkStats, type Session, type Write } from './engine.js';
import { UnavailableError } from './errors.js';
import { EtcdCallError, openEtcdMembers, parseEndpoint, type Endpoint, type EtcdMembers } from './etcd-members.js';
import { judgeOutcome, type KeyState, type Outcome, type TxnWrite } from './etcd-outcome.js';
import { ETCD_KEEPALIVE_MS, ETCD_TIMEOUT_MS, type EtcdConfig } from './etcd-config.js';
import { loadTlsMaterial, type TlsMaterial } from './etcd-tls.js';
import { watchEtcdNat, watchEtcdPrefix } from './etcd-watch.js';
import { natPoolOf } from './nat-pool.js';
import { decodeIpamBlock, IPAM_BLOCK_PREFIX, type IpamBlock } from './ipam.js';

// Calico's etcd v3 layout (libcalico-go/lib/backend/model/resource.go, etcdv3/etcdv3.go):
// one key per pool, /calico/resources/v3/projectcalico.org/ippools/<name>, holding the
// IPPool's JSON without metadata.resourceVersion; resourceVersion is the key's mod_revision.
// Requests go through EtcdMembers (etcd-members.ts), which moves on to another member when
// one fails; a write whose answer is lost is read back here before anything is reported.

/** PREFIX is the key prefix of every IPPool; a pool's key is PREFIX + name. */
export const PREFIX = '/calico/resources/v3/projectcalico.org/ippools/';
/** RESOURCES is the prefix of every v3 resource key: RESOURCES + plural + '/' + name. */
const RESOURCES = '/calico/resources/v3/projectcalico.org/';

/** PREFIX_END is the end of PREFIX's key range ('/' + 1 = '0'). */
const PREFIX_END = '/calico/resources/v3/projectcalico.org/ippools0';
/**
 * PAGE is the first page size of a list: 1,000 ordinary pools are ~0.5 MB, far below gRPC's
 * 4 MB message limit (one range read of 10,000 exceeds it). Pools with large annotations can
 * still overflow a page; the page is then read again at half the size.
 */
const PAGE = 1000;
/** FLAT_OPS is the most writes of a flat transaction: etcd's default --max-txn-ops is 128, compares included. */
const FLAT_OPS = 127;
/**
 * NESTED_GROUPS x NESTED_OPS is the most writes of a nested transaction: at most 64
 * operations at the top (63 nested transactions, or 1 range compare + 63 key compares) leaves
 * each nested transaction 128 - 64 = 64 (etcd's checkTxnRequest budget).
 */
const NESTED_GROUPS = 63;
const NESTED_OPS = 64;
/** CHUNK_BYTES bounds a transaction's pools: etcd refuses requests over 1.5 MiB (--max-request-bytes). */
const CHUNK_BYTES = 1024 * 1024;
/** RESENDS bounds how often a transaction found not applied after its answer was lost is sent again. */
const RESENDS = 3;
/** RESOURCE_EXHAUSTED is the gRPC status of a message over the size limit. */
const RESOURCE_EXHAUSTED = 8;

function keyOf(name: string): string {
  return PREFIX + name;
}

/** nameOf returns the pool name of an IPPool key, or null for a key Calico would not read as one (a '/' after the prefix). */
function nameOf(key: Buffer): string | null {
  const name = key.toString('utf8').slice(PREFIX.length);
  return name === '' || name.includes('/') ? null : name;
}

/** IGNORE is an onUndecodable for reads that only leave such keys out (the NAT listing and watch). */
const IGNORE = (): void => undefined;

/** WATCH_BACKOFF_FIRST_MS and WATCH_BACKOFF_MAX_MS pace the watch client's own reconnects (as the members' channels: 100 ms doubling to 1 s). */
const WATCH_BACKOFF_FIRST_MS = 100;
const WATCH_BACKOFF_MAX_MS = 1000;

/** WatchBackoff is the shape of the etcd3 client's watchBackoff option (cockatiel's IBackoff). */
interface WatchBackoff {
  readonly duration: number;
  next(): WatchBackoff;
}

/**
 * watchBackoff gives the pause before the etcd3 watch client reconnects a broken stream:
 * ms, doubling up to WATCH_BACKOFF_MAX_MS. etcd3 (1.1.2) waits for it on a timer that
 * Etcd3.close() does not clear and that keeps the process alive; with its default (up to
 * 30 s, grown by every outage the client lived through) a closed datastore held the process
 * up to 30 s (the nat agent's SIGTERM). Capped, what close leaves behind ends within a
 * second. Nothing here relies on that reconnect: watchEtcdNat ends a watch that lost its
 * stream and its caller resumes it, and close cancels every watch first.
 */
function watchBackoff(ms: number): WatchBackoff {
  return { duration: ms, next: () => watchBackoff(Math.min(ms * 2, WATCH_BACKOFF_MAX_MS)) };
}

const AUTH_FAILURE = /permission denied|authentication failed|invalid auth token|user name is empty/i;

/** txnOps nests ops in transactions of NESTED_OPS when there are more than a flat transaction allows. */
function txnOps(ops: IRequestOp[]): IRequestOp[] {
  if (ops.length <= FLAT_OPS) return ops;
  const nested: IRequestOp[] = [];
  for (let i = 0; i < ops.length; i += NESTED_OPS) nested.push({ request_txn: { compare: [], success: ops.slice(i, i + NESTED_OPS), failure: [] } });
  return nested;
}

/**
 * WatchConfig is how the watch client connects: the endpoints, TLS and user, and its liveness
 * checks (keepaliveMs: a ping on the connection this often; timeoutMs: a ping unanswered this
 * long ends it, and a watch not established this long fails).
 */
interface WatchConfig {
  readonly endpoints: readonly Endpoint[];
  readonly tls?: TlsMaterial;
  readonly username?: string;
  readonly password?: string;
  readonly keepaliveMs: number;
  readonly timeoutMs: number;
}

class EtcdBackend implements Backend {
  readonly kind = 'etcdv3' as const;
  readonly location: string;
  private readonly warned = new Set<string>();
  private watchClient: Etcd3 | null = null;
  /** watches are the stops of the watches not yet stopped; close stops them before it closes the client. */
  private readonly watches = new Set<() => Promise<void>>();

  constructor(
    private readonly members: EtcdMembers,
    private readonly watchConfig: WatchConfig,
    private readonly warnSink: ((message: string) => void) | undefined,
  ) {
    this.location = members.location;
  }

  /** warn passes a message on once per process. */
  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warnSink?.(message);
  }

  /** failure is the UnavailableError (DATASTORE_UNREACHABLE) for a request that failed for good; `outcome` is what is known of a write. */
  private failure(what: string, e: EtcdCallError, outcome: 'not-applied' | 'unknown' = 'not-applied'): UnavailableError {
    if (AUTH_FAILURE.test(e.reason)) {
      return new UnavailableError(`etcd at ${this.location} refused the ${what}: ${e.reason}`, {
        outcome,
        hint: 'check ETCD_USERNAME / ETCD_PASSWORD (or etcdUsername / etcdPassword in the config file)',
      });
    }
    if (e.failure === 'refused') return new UnavailableError(`etcd at ${this.location} refused the ${what}: ${e.reason}`, { outcome });
    return new UnavailableError(`cannot reach etcd at ${this.location}: ${what} failed: ${e.reason}`, {
      outcome,
      hint: `check ETCD_ENDPOINTS (or etcdEndpoints in the config file) and that etcd is running; each request waits at most ${this.members.timeoutMs / 1000} s (POOLCTL_ETCD_TIMEOUT)`,
    });
  }

  /** read sends a read request; a failure becomes an UnavailableError naming the endpoints. */
  private async read<Q, R>(what: string, method: 'range' | 'txn', req: Q): Promise<R> {
    try {
      return await this.members.request<Q, R>(method, req, 'read', this.members.deadline());
    } catch (e) {
      throw e instanceof EtcdCallError ? this.failure(what, e) : e;
    }
  }

  /**
   * decode reads one stored value: the pool, or undefined when the key is not an IPPool key
   * Calico reads (skipped silently, as Calico does) or its value is not an IPPool (skipped,
   * with a warning naming the key; `onUndecodable` learns its name and revision).
   */
  private decode(kv: IKeyValue, onUndecodable: (name: string, rv: string) => void): StoredPool | undefined {
    const name = nameOf(kv.key);
    if (name === null) return undefined;
    const rv = String(kv.mod_revision);
    const d = decodeStoredPool(kv.value.toString('utf8'), rv, name);
    const key = PREFIX + name;
    if (!d.ok) {
      onUndecodable(name, rv);
      this.warn(`etcd key ${key} does not hold an IPPool Calico can read (${d.reason}); get and list leave it out, poolctl delete ippool ${name} removes it`);
      return undefined;
    }
    if (d.note) this.warn(`etcd key ${key}: ${d.note}; it is shown as ${name}`);
    return d.pool;
  }

  /** readAll reads every pool in pages, all at the revision of the first page. */
  private async readAll(onUndecodable: (name: string, rv: string) => void): Promise<{ pools: Map<string, StoredPool>; revision: string }> {
    const pools = new Map<string, StoredPool>();
    const revision = await this.scan((p) => pools.set(p.metadata.name, p), onUndecodable);
    return { pools, revision };
  }

  /** natList reads natPoolOf of every pool, page by page (only the projections are kept: 100,000 pools stay small). */
  async natList(): Promise<NatListing> {
    const pools: NatPool[] = [];
    const revision = await this.scan((p) => pools.push(natPoolOf(p)), IGNORE);
    return { pools, revision };
  }

  /**
   * watchNat follows the pools after from.revision (etcd-watch.ts) through a watch client of its
   * own, closed with the watch: a watch lost to a silent member leaves nothing behind (the
   * client's stream to it would hold the next watch until gRPC gives the connection up), and
   * the next watch picks a member anew.
   */
  async watchNat(from: NatListing, handlers: NatWatchHandlers): Promise<() => Promise<void>> {
    const client = await this.newWatchClient();
    const decode = (kv: IKeyValue): StoredPool | null => this.decode(kv, IGNORE) ?? null;
    const stop = await watchEtcdNat(client, PREFIX, from.revision, nameOf, decode, handlers, this.watchConfig.timeoutMs).catch((e) => {
      client.close();
      throw this.failure('watch', new EtcdCallError('unreachable', (e as Error).message));
    });
    return this.tracked(() => stop().finally(() => client.close()));
  }

  /**
   * watchKind follows a kind's keys (RESOURCES + plural + '/', as Felix's syncer watches them)
   * from the current revision through a watch client of its own, as watchNat: each response
   * with events calls onChange; a lost watch calls onLost (etcd-watch.ts).
   */
  async watchKind(kind: StoredKind, onChange: () => void, onLost: (lost: WatchLost) => void): Promise<() => Promise<void>> {
    const client = await this.newWatchClient();
    const stop = await watchEtcdPrefix(client, `${RESOURCES}${kind}/`, undefined, this.watchConfig.timeoutMs, onLost, () => onChange()).catch((e) => {
      client.close();
      throw this.failure('watch', new EtcdCallError('unreachable', (e as Error).message));
    });
    return this.tracked(() => stop().finally(() => client.close()));
  }

  /** tracked registers a watch's stop until it is called (close calls the ones left). */
  private tracked(stop: () => Promise<void>): () => Promise<void> {
    const once = (): Promise<void> => {
      this.watches.delete(once);
      return stop();
    };
    this.watches.add(once);
    return once;
  }

  /**
   * scan calls visit for every pool, in key order, reading in pages all at the revision of the
   * first page, which it returns (onUndecodable: a key whose value is not an IPPool).
   */
  private async scan(visit: (p: StoredPool) => void, onUndecodable: (name: string, rv: string) => void): Promise<string> {
    let revision: string | undefined;
    let from = Buffer.from(PREFIX);
    let limit = PAGE;
    for (;;) {
      const page: IRangeRequest = { key: from, range_end: Buffer.from(PREFIX_END), limit, ...(revision ? { revision } : {}) };
      let res: IRangeResponse;
      try {
        res = await this.members.request<IRangeRequest, IRangeResponse>('range', page, 'read', this.members.deadline());
      } catch (e) {
        if (!(e instanceof EtcdCallError)) throw e;
        if (limit > 1 && e.code === RESOURCE_EXHAUSTED) {
          limit = Math.max(1, limit >> 1);
          continue;
        }
        throw this.failure('list', e);
      }
      revision ??= String(res.header.revision);
      for (const item of res.kvs) {
        const p = this.decode(item, onUndecodable);
        if (p) visit(p);
      }
      const last = res.kvs.at(-1);
      if (!res.more || !last) break;
      from = Buffer.concat([last.key, Buffer.from([0])]);
    }
    return revision ?? '0';
  }

  /**
   * readKeys reads the given keys at one revision (a read-only transaction per FLAT_OPS keys:
   * linearizable, so a lost write is either visible or will never be), by the deadline.
   */
  private async readKeys(keys: readonly string[], deadline: number): Promise<{ state: Map<string, KeyState>; revision: string }> {
    const state = new Map<string, KeyState>();
    let revision: string | undefined;
    for (let i = 0; i < keys.length; i += FLAT_OPS) {
      const success: IRequestOp[] = keys.slice(i, i + FLAT_OPS).map((k) => ({ request_range: { key: Buffer.from(k), ...(revision ? { revision } : {}) } }));
      const res = await this.members.request<ITxnRequest, ITxnResponse>('txn', { compare: [], success, failure: [] }, 'read', deadline);
      revision ??= String(res.header.revision);
      for (const r of res.responses) {
        for (const kv of r.response_range?.kvs ?? []) {
          state.set(kv.key.toString('utf8'), { value: kv.value, mod_revision: String(kv.mod_revision), create_revision: String(kv.create_revision) });
        }
      }
    }
    return { state, revision: revision ?? '0' };
  }

  async session(): Promise<Session> {
    /** all pools (after list or prefetch), kept current with this session's commits */
    let all: Map<string, StoredPool> | null = null;
    let allRevision = '0';
    /** guard is the revision no pool may have changed after (set by list), advanced by each commit */
    let guard: string | null = null;
    /** seen is the newest revision this session has read: a write sent later can only apply after it */
    let seen = 0n;
    const single = new Map<string, StoredPool | undefined>();
    /** undecodable keys (name → mod_revision) seen by this session: occupied, not pools */
    const undecodable = new Map<string, string>();
    const onUndecodable = (name: string, rv: string): void => void undecodable.set(name, rv);
    const see = (revision: string | number): void => {
      const r = BigInt(revision);
      if (r > seen) seen = r;
    };

    const prefetch = async (): Promise<void> => {
      if (all) return;
      const r = await this.readAll(onUndecodable);
      all = r.pools;
      allRevision = r.revision;
      see(r.revision);
    };

    const list = async (): Promise<ListResult> => {
      await prefetch();
      guard ??= allRevision;
      const items = sortedByName(all!.values());
      return { items, revision: guard };
    };

    const get = async (name: string): Promise<StoredPool | undefined> => {
      if (all) return all.get(name);
      if (single.has(name)) return single.get(name);
      const res = await this.read<IRangeRequest, IRangeResponse>('get', 'range', { key: Buffer.from(keyOf(name)) });
      see(res.header.revision);
      const first = res.kvs[0];
      const p = first ? this.decode(first, onUndecodable) : undefined;
      single.set(name, p);
      return p;
    };

    // A session that listed guards the whole pool range: no pool created or changed since the
    // list (mod_revision <= the guard revision; etcd evaluates a range compare over every key
    // in it). Updates and deletes also guard their own key, so a pool deleted meanwhile is
    // not written back; creates without a range guard require their key to be absent.
    // etcd allows 128 operations per transaction level (--max-txn-ops, compares included) and
    // 1.5 MiB per request: a guarded chunk nests its writes in up to 63 transactions of 64, so
    // one range compare (the expensive part) covers thousands of writes.
    const full = (st: ChunkStats): boolean =>
      st.bytes >= CHUNK_BYTES || (guard ? st.writes >= NESTED_GROUPS * NESTED_OPS || st.guarded >= NESTED_GROUPS : st.writes >= FLAT_OPS);

    /** applied records a committed transaction (at revision rv; null: only deletes, revision unknown) in the session's view. */
    const applied = (writes: readonly Write[], rv: string | null, readAt: string): string[] => {
      const version = rv ?? readAt;
      for (const w of writes) {
        const p = w.pool ? { ...w.pool, metadata: { ...w.pool.metadata, resourceVersion: version } } : undefined;
        undecodable.delete(w.name);
        if (all) {
          if (p) all.set(w.name, p);
          else all.delete(w.name);
        } else single.set(w.name, p);
      }
      if (guard && rv) guard = rv;
      see(version);
      return writes.map(() => version);
    };

    const commit = async (writes: readonly Write[]): Promise<string[] | null> => {
      const compare: ICompare[] = [];
      if (guard) {
        compare.push({ key: Buffer.from(PREFIX), range_end: Buffer.from(PREFIX_END), target: 'Mod', result: 'Less', mod_revision: String(BigInt(guard) + 1n) });
      }
      const sent: TxnWrite[] = [];
      const ops: IRequestOp[] = [];
      for (const w of writes) {
        const key = keyOf(w.name);
        if (w.expect !== 'absent') compare.push({ key: Buffer.from(key), target: 'Mod', result: 'Equal', mod_revision: w.expect });
        else if (!guard) compare.push({ key: Buffer.from(key), target: 'Version', result: 'Equal', version: 0 });
        const value = w.pool ? Buffer.from(encodeEtcdValue(w.pool)) : null;
        sent.push({ key, value, expect: w.expect });
        ops.push(value ? { request_put: { key: Buffer.from(key), value } } : { request_delete_range: { key: Buffer.from(key) } });
      }
      const req: ITxnRequest = { compare, success: txnOps(ops), failure: [] };
      const deadline = this.members.deadline();
      /** sentAfter is the newest revision read before the transaction was first sent: if it applied, it applied after that. */
      const sentAfter = seen;
      /** lostBefore is why an earlier send's answer was lost (that send was found not applied), if one was */
      let lostBefore: string | null = null;
      /**
       * readBack reads the transaction's keys and decides what became of it; it throws an
       * UnavailableError ('unknown') when it cannot read them or cannot tell.
       */
      const readBack = async (why: string): Promise<{ outcome: Exclude<Outcome, { applied: 'unknown' }>; revision: string }> => {
        let r: Awaited<ReturnType<EtcdBackend['readKeys']>>;
        try {
          r = await this.readKeys(sent.map((w) => w.key), deadline);
        } catch (x) {
          if (!(x instanceof EtcdCallError)) throw x;
          throw this.failure('write', new EtcdCallError(x.failure, `${why}; reading it back failed too: ${x.reason}`), 'unknown');
        }
        const outcome = judgeOutcome(sent, r.state, sentAfter);
        if (outcome.applied === 'unknown') {
          throw this.failure('write', new EtcdCallError('lost', `${why}; reading it back could not tell whether it was applied: ${outcome.why}`), 'unknown');
        }
        return { outcome, revision: r.revision };
      };
      for (let sends = 1; ; sends++) {
        let res: ITxnResponse;
        try {
          res = await this.members.request<ITxnRequest, ITxnResponse>('txn', req, 'write', deadline);
        } catch (e) {
          if (!(e instanceof EtcdCallError)) throw e;
          if (e.failure !== 'lost') throw this.failure('write', e);
          // The answer was lost: read the keys back to learn whether the transaction applied.
          const back = await readBack(e.reason);
          if (back.outcome.applied === true) return applied(writes, back.outcome.revision, back.revision);
          see(back.revision);
          lostBefore = e.reason;
          if (sends <= RESENDS && Date.now() < deadline) continue;
          throw this.failure('write', new EtcdCallError('unreachable', `${e.reason} (not applied; sent ${sends} times)`));
        }
        if (res.succeeded) return applied(writes, String(res.header.revision), String(res.header.revision));
        if (lostBefore !== null) {
          // A send whose answer was lost can still apply after it was read back (its proposal
          // was in flight): then this send fails its compares. Look once more before calling
          // it a lost race, which would re-run the items and misreport them.
          const back = await readBack(lostBefore);
          if (back.outcome.applied === true) return applied(writes, back.outcome.revision, back.revision);
        }
        return null;
      }
    };

    return { list, prefetch, get, commit, full, undecodable: (name) => undecodable.get(name) };
  }

  /** ipamBlocks reads Calico IPAM's allocation blocks (ipam.ts), in pages of PAGE keys, all at the first page's revision. */
  async ipamBlocks(): Promise<IpamBlock[]> {
    const blocks: IpamBlock[] = [];
    const end = Buffer.from(IPAM_BLOCK_PREFIX.slice(0, -1) + '0');
    let from = Buffer.from(IPAM_BLOCK_PREFIX);
    let revision: string | undefined;
    for (;;) {
      const page: IRangeRequest = { key: from, range_end: end, limit: PAGE, ...(revision ? { revision } : {}) };
      const res = await this.read<IRangeRequest, IRangeResponse>('IPAM block list', 'range', page);
      revision ??= String(res.header.revision);
      for (const kv of res.kvs) {
        const b = decodeIpamBlock(kv.key.toString('utf8'), kv.value.toString('utf8'));
        if (b) blocks.push(b);
      }
      const last = res.kvs.at(-1);
      if (!res.more || !last) return blocks;
      from = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }

  /** readKind reads every resource of a kind (Calico's keys, RESOURCES + plural + '/'): a kind holds a few, one range read. */
  async readKind(kind: StoredKind): Promise<Map<string, StoredResource>> {
    const prefix = `${RESOURCES}${kind}/`;
    const res = await this.read<IRangeRequest, IRangeResponse>('list', 'range', { key: Buffer.from(prefix), range_end: Buffer.from(`${RESOURCES}${kind}0`) });
    const out = new Map<string, StoredResource>();
    for (const kv of res.kvs) {
      const r = decodeStoredResource(kv.value.toString('utf8'), KIND_OF[kind], String(kv.mod_revision));
      if (r) out.set(r.metadata.name, r);
    }
    return out;
  }

  /**
   * writeKind is one transaction: the key's mod_revision (or its absence) compared, then the
   * put or delete. A lost answer is an unknown outcome (not read back, unlike pool batches).
   */
  async writeKind(kind: StoredKind, name: string, value: StoredResource | null, expect: 'absent' | string): Promise<string | null> {
    const key = Buffer.from(`${RESOURCES}${kind}/${name}`);
    const compare: ICompare[] = [
      expect === 'absent' ? { key, target: 'Version', result: 'Equal', version: 0 } : { key, target: 'Mod', result: 'Equal', mod_revision: expect },
    ];
    const op: IRequestOp = value ? { request_put: { key, value: Buffer.from(encodeResourceValue(value)) } } : { request_delete_range: { key } };
    let res: ITxnResponse;
    try {
      res = await this.members.request<ITxnRequest, ITxnResponse>('txn', { compare, success: [op], failure: [] }, 'write', this.members.deadline());
    } catch (e) {
      throw e instanceof EtcdCallError ? this.failure('write', e, e.failure === 'lost' ? 'unknown' : 'not-applied') : e;
    }
    return res.succeeded ? String(res.header.revision) : null;
  }

  /**
   * watcher is the etcd3 client the watches use, over every endpoint (its reconnects suit a
   * long-lived stream); made once. Its connections are pinged (gRPC keepalive, as libcalico-go's
   * client does): a member that goes silent (a network partition that drops packets and sends
   * no reset) is noticed within keepaliveMs + timeoutMs, the connection ended, and the watch
   * lost, so that the caller reports it and watches again (the client picks a member anew).
   * Pings go only while a watch is open (etcd's default policy refuses pings without a stream
   * more often than every 5 s, and so does it for intervals below --grpc-keepalive-min-time).
   */
  private async watcher(): Promise<Etcd3> {
    this.watchClient ??= await this.newWatchClient();
    return this.watchClient;
  }

  /** newWatchClient makes an etcd3 client for watches (see watcher). */
  private async newWatchClient(): Promise<Etcd3> {
    const { Etcd3 } = await import('etcd3');
    const c = this.watchConfig;
    return new Etcd3({
      faultHandling: { watchBackoff: watchBackoff(WATCH_BACKOFF_FIRST_MS / 2) },
      grpcOptions: { 'grpc.keepalive_time_ms': c.keepaliveMs, 'grpc.keepalive_timeout_ms': c.timeoutMs },
      hosts: c.endpoints.map((e) => `${e.secure || c.tls ? 'https' : 'http'}://${e.target}`),
      ...(c.tls ? { credentials: { rootCertificate: c.tls.rootCertificate, ...(c.tls.privateKey ? { privateKey: c.tls.privateKey, certChain: c.tls.certChain! } : {}) } } : {}),
      ...(c.username && c.password ? { auth: { username: c.username, password: c.password } } : {}),
    });
  }

  /** watch follows the pools through the watch client. */
  async watch(onEvent: (e: WatchEvent) => void): Promise<() => Promise<void>> {
    const client = await this.watcher();
    let watcher;
    try {
      watcher = await client.watch().prefix(PREFIX).withPreviousKV().create();
    } catch (e) {
      throw this.failure('watch', new EtcdCallError('unreachable', (e as Error).message));
    }
    watcher.on('put', (kv, prev) => {
      const pool = this.decode(kv, IGNORE);
      if (pool) onEvent({ type: prev ? 'modified' : 'added', pool });
    });
    watcher.on('delete', (kv, prev) => {
      const name = nameOf(kv.key);
      const d = prev && name !== null ? decodeStoredPool(prev.value.toString('utf8'), String(kv.mod_revision), name) : null;
      if (d?.ok) onEvent({ type: 'deleted', pool: d.pool });
    });
    return this.tracked(() => watcher.cancel());
  }

  /**
   * close ends every connection without waiting on etcd: the watches left are cancelled (not
   * awaited: a cut-off stream may never confirm; the client's close ends them), then the
   * members' channels and the watch client are closed.
   */
  async close(): Promise<void> {
    for (const stop of [...this.watches]) void stop().catch(() => {});
    this.members.close();
    this.watchClient?.close();
  }
}

/**
 * openEtcdDatastore prepares a connection to every etcd endpoint (the gRPC library loads
 * here, lazily: it costs ~0.2 s). TLS is used when a CA, certificate or key is given (files,
 * or inline PEM from the config file; checked first, see etcd-tls.ts), username and password
 * only when both are set. A user name and password inside an endpoint URL are ignored, as
 * Calico's etcd client ignores them, with a warning. Nothing is sent until the first read or
 * write; `warn` receives what a user should know (unreadable values, ignored settings).
 */
export async function openEtcdDatastore(cfg: EtcdConfig, opts: { warn?: (message: string) => void } = {}): Promise<Datastore> {
  const endpoints = cfg.endpoints
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map(parseEndpoint);
  if (endpoints.length === 0) throw new UnavailableError('no etcd endpoints specified');
  const tls = await loadTlsMaterial(cfg);
  for (const e of endpoints.filter((x) => x.userinfo)) {
    opts.warn?.(`the user name and password in the etcd endpoint ${e.display} are ignored (as calicoctl ignores them); set ETCD_USERNAME and ETCD_PASSWORD`);
  }
  const auth = cfg.username && cfg.password ? { username: cfg.username, password: cfg.password } : {};
  const members = await openEtcdMembers(endpoints, { ...(tls ? { tls } : {}), ...auth, timeoutMs: cfg.timeoutMs ?? ETCD_TIMEOUT_MS });
  const liveness = { keepaliveMs: cfg.keepaliveMs ?? ETCD_KEEPALIVE_MS, timeoutMs: cfg.timeoutMs ?? ETCD_TIMEOUT_MS };
  return new EngineDatastore(new EtcdBackend(members, { endpoints, ...(tls ? { tls } : {}), ...auth, ...liveness }, opts.warn));
}
