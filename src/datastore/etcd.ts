import type { Etcd3, ICompare, IKeyValue, IRangeResponse, IRequestOp } from 'etcd3';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { formatByteLimit, MAX_INPUT_BYTES, readFileBounded, TOO_LARGE } from '../base/read-bounded.js';
import { decodeStoredPool, encodeEtcdValue } from './codec.js';
import type { Datastore, ListResult, StoredPool, WatchEvent } from './datastore.js';
import { EngineDatastore, sortedByName, type Backend, type ChunkStats, type Session, type Write } from './engine.js';
import { UnavailableError } from './errors.js';
import { decodeIpamBlock, IPAM_BLOCK_PREFIX, type IpamBlock } from './ipam.js';

// Calico's etcd v3 layout (libcalico-go/lib/backend/model/resource.go, etcdv3/etcdv3.go):
// one key per pool, /calico/resources/v3/projectcalico.org/ippools/<name>, holding the
// IPPool's JSON without metadata.resourceVersion; resourceVersion is the key's mod_revision.

/** PREFIX is the key prefix of every IPPool; a pool's key is PREFIX + name. */
export const PREFIX = '/calico/resources/v3/projectcalico.org/ippools/';
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

/** EtcdConfig is how to reach etcd: Calico's etcd settings (CalicoAPIConfig spec / ETCD_* env). */
export interface EtcdConfig {
  readonly endpoints: readonly string[];
  readonly username?: string;
  readonly password?: string;
  readonly caCertFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** inline PEM (config file only: etcdCACert, etcdCert, etcdKey) */
  readonly caCert?: string;
  readonly cert?: string;
  readonly key?: string;
  /** timeoutMs bounds connecting and each request (default 10 s, as calicoctl). */
  readonly timeoutMs?: number;
}

function keyOf(name: string): string {
  return PREFIX + name;
}

/** describeError turns a client error into one line, without the client's stack. */
function describeError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg
    .replace(/\s+/g, ' ')
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/ Resolution note:.*$/, '')
    .replace(/Last error: Error: /, 'last error: ')
    .trim();
}

/**
 * wasNotApplied reports whether a failed request certainly changed nothing: the connection
 * could not be made, or etcd refused the request outright (too many operations, too large,
 * not permitted), as opposed to a request whose answer was lost (it may have been applied).
 */
function wasNotApplied(e: unknown): boolean {
  return /ECONNREFUSED|No connection established|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|circuit|Failed to connect|Name resolution failed|too many operations|request is too large|duplicate key|permission denied|invalid auth|authentication failed/i.test(
    describeError(e),
  );
}

/**
 * NO_RETRY is a fault-handling policy that runs a call once: poolctl decides itself what to do
 * after a failure (etcd3's default retries a write whose answer was lost, which would then
 * look like a conflict with itself).
 */
const NO_RETRY = {
  execute: <T>(fn: (ctx: { signal: AbortSignal; attempt: number }) => PromiseLike<T> | T): Promise<T> =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal, attempt: 0 })),
};

class EtcdBackend implements Backend {
  readonly kind = 'etcdv3' as const;
  readonly location: string;

  constructor(
    private readonly client: Etcd3,
    endpoints: readonly string[],
  ) {
    this.location = endpoints.join(',');
  }

  /** call runs one request; a failure becomes an UnavailableError naming the endpoints (DATASTORE_UNREACHABLE). */
  private async call<T>(what: string, write: boolean, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.failure(what, write, e);
    }
  }

  /** failure is the UnavailableError for a failed request (`what`; a write may have been applied). */
  private failure(what: string, write: boolean, e: unknown): UnavailableError {
    const reason = describeError(e);
    const outcome = write && !wasNotApplied(e) ? 'unknown' : 'not-applied';
    if (/permission denied|authentication failed|invalid auth token|user name is empty/i.test(reason)) {
      return new UnavailableError(`etcd at ${this.location} refused the ${what}: ${reason}`, {
        outcome,
        hint: 'check ETCD_USERNAME / ETCD_PASSWORD (or etcdUsername / etcdPassword in the config file)',
      });
    }
    if (/^etcdserver: /.test(reason)) return new UnavailableError(`etcd at ${this.location} refused the ${what}: ${reason}`, { outcome });
    return new UnavailableError(`cannot reach etcd at ${this.location}: ${what} failed: ${reason}`, {
      outcome,
      hint: 'check ETCD_ENDPOINTS (or etcdEndpoints in the config file) and that etcd is running',
    });
  }

  private decode(kv: IKeyValue): StoredPool | null {
    return decodeStoredPool(kv.value.toString('utf8'), String(kv.mod_revision));
  }

  /** readAll reads every pool in pages, all at the revision of the first page. */
  private async readAll(): Promise<{ pools: Map<string, StoredPool>; revision: string }> {
    const kv = this.client.kv;
    const pools = new Map<string, StoredPool>();
    let revision: string | undefined;
    let from = Buffer.from(PREFIX);
    let limit = PAGE;
    for (;;) {
      const page = { key: from, range_end: Buffer.from(PREFIX_END), limit, ...(revision ? { revision } : {}) };
      let res: IRangeResponse;
      try {
        res = await kv.range(page);
      } catch (e) {
        if (limit > 1 && /RESOURCE_EXHAUSTED|larger than max/i.test(String((e as Error).message))) {
          limit = Math.max(1, limit >> 1);
          continue;
        }
        throw this.failure('list', false, e);
      }
      revision ??= String(res.header.revision);
      for (const item of res.kvs) {
        const p = this.decode(item);
        if (p) pools.set(p.metadata.name, p);
      }
      const last = res.kvs.at(-1);
      if (!res.more || !last) break;
      from = Buffer.concat([last.key, Buffer.from([0])]);
    }
    return { pools, revision: revision ?? '0' };
  }

  async session(): Promise<Session> {
    const kv = this.client.kv;
    /** all pools (after list or prefetch), kept current with this session's commits */
    let all: Map<string, StoredPool> | null = null;
    let allRevision = '0';
    /** guard is the revision no pool may have changed after (set by list), advanced by each commit */
    let guard: string | null = null;
    const single = new Map<string, StoredPool | undefined>();

    const prefetch = async (): Promise<void> => {
      if (all) return;
      const r = await this.readAll();
      all = r.pools;
      allRevision = r.revision;
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
      const res = await this.call('get', false, () => kv.range({ key: Buffer.from(keyOf(name)) }));
      const first = res.kvs[0];
      const p = (first && this.decode(first)) ?? undefined;
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

    const commit = async (writes: readonly Write[]): Promise<string[] | null> => {
      const compare: ICompare[] = [];
      if (guard) {
        compare.push({ key: Buffer.from(PREFIX), range_end: Buffer.from(PREFIX_END), target: 'Mod', result: 'Less', mod_revision: String(BigInt(guard) + 1n) });
      }
      for (const w of writes) {
        if (w.expect !== 'absent') compare.push({ key: Buffer.from(keyOf(w.name)), target: 'Mod', result: 'Equal', mod_revision: w.expect });
        else if (!guard) compare.push({ key: Buffer.from(keyOf(w.name)), target: 'Version', result: 'Equal', version: 0 });
      }
      const ops: IRequestOp[] = writes.map((w) =>
        w.pool
          ? { request_put: { key: Buffer.from(keyOf(w.name)), value: Buffer.from(encodeEtcdValue(w.pool)) } }
          : { request_delete_range: { key: Buffer.from(keyOf(w.name)) } },
      );
      let success = ops;
      if (ops.length > FLAT_OPS) {
        success = [];
        for (let i = 0; i < ops.length; i += NESTED_OPS) {
          success.push({ request_txn: { compare: [], success: ops.slice(i, i + NESTED_OPS), failure: [] } });
        }
      }
      const res = await this.call('write', true, () => kv.txn({ compare, success, failure: [] }));
      if (!res.succeeded) return null;
      const rv = String(res.header.revision);
      for (const w of writes) {
        const p = w.pool ? { ...w.pool, metadata: { ...w.pool.metadata, resourceVersion: rv } } : undefined;
        if (all) {
          if (p) all.set(w.name, p);
          else all.delete(w.name);
        } else single.set(w.name, p);
      }
      if (guard) guard = rv;
      return writes.map(() => rv);
    };

    return { list, prefetch, get, commit, full };
  }

  /** ipamBlocks reads Calico IPAM's allocation blocks (ipam.ts), in pages of PAGE keys. */
  async ipamBlocks(): Promise<IpamBlock[]> {
    const blocks: IpamBlock[] = [];
    const end = Buffer.from(IPAM_BLOCK_PREFIX.slice(0, -1) + '0');
    let from = Buffer.from(IPAM_BLOCK_PREFIX);
    let revision: string | undefined;
    for (;;) {
      const res = await this.call('IPAM block list', false, () => this.client.kv.range({ key: from, range_end: end, limit: PAGE, ...(revision ? { revision } : {}) }));
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

  async watch(onEvent: (e: WatchEvent) => void): Promise<() => Promise<void>> {
    const watcher = await this.call('watch', false, () => this.client.watch().prefix(PREFIX).withPreviousKV().create());
    watcher.on('put', (kv, prev) => {
      const pool = this.decode(kv);
      if (pool) onEvent({ type: prev ? 'modified' : 'added', pool });
    });
    watcher.on('delete', (kv, prev) => {
      const pool = prev && decodeStoredPool(prev.value.toString('utf8'), String(kv.mod_revision));
      if (pool) onEvent({ type: 'deleted', pool });
    });
    return () => watcher.cancel();
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

/** readPem reads a TLS file through the bounded reader (MAX_INPUT_BYTES): /dev/zero or a FIFO cannot exhaust memory. */
function readPem(path: string, what: string): Buffer {
  let b: Buffer | typeof TOO_LARGE;
  try {
    b = readFileBounded({ openSync, fstatSync, readSync, closeSync }, path);
  } catch (e) {
    throw new UnavailableError(`cannot read the etcd ${what} file ${path}: ${(e as Error).message}`);
  }
  if (b === TOO_LARGE) throw new UnavailableError(`cannot read the etcd ${what} file ${path}: it exceeds the size limit of ${formatByteLimit(MAX_INPUT_BYTES)}`);
  return b;
}

/**
 * openEtcdDatastore connects to etcd v3 (etcd3 is loaded here, lazily: it costs ~300 ms).
 * TLS is used when a CA, certificate or key is given (files, or inline PEM from the config
 * file, never both: Calico's rule); username and password only when both are set. Nothing
 * is sent until the first read or write.
 */
export async function openEtcdDatastore(cfg: EtcdConfig): Promise<Datastore> {
  const { Etcd3 } = await import('etcd3');
  const haveInline = Boolean(cfg.caCert || cfg.cert || cfg.key);
  const haveFiles = Boolean(cfg.caCertFile || cfg.certFile || cfg.keyFile);
  if (haveInline && haveFiles) {
    // libcalico-go/lib/backend/etcdv3/etcdv3.go NewEtcdV3Client
    throw new UnavailableError('Cannot mix inline certificate-key and certificate / key files');
  }
  let credentials: { rootCertificate: Buffer; privateKey?: Buffer; certChain?: Buffer } | undefined;
  if (haveInline || haveFiles) {
    const ca = cfg.caCert ? Buffer.from(cfg.caCert) : cfg.caCertFile ? readPem(cfg.caCertFile, 'CA certificate') : undefined;
    const cert = cfg.cert ? Buffer.from(cfg.cert) : cfg.certFile ? readPem(cfg.certFile, 'client certificate') : undefined;
    const key = cfg.key ? Buffer.from(cfg.key) : cfg.keyFile ? readPem(cfg.keyFile, 'client key') : undefined;
    if (Boolean(cert) !== Boolean(key)) {
      throw new UnavailableError('etcd TLS needs both a client certificate and its key (ETCD_CERT_FILE and ETCD_KEY_FILE)');
    }
    // Without a CA of its own, etcd3 needs one: use Node's bundled roots.
    const { rootCertificates } = await import('node:tls');
    credentials = {
      rootCertificate: ca ?? Buffer.from(rootCertificates.join('\n')),
      ...(key ? { privateKey: key } : {}),
      ...(cert ? { certChain: cert } : {}),
    };
  }
  const timeout = cfg.timeoutMs ?? 10_000;
  const hosts = cfg.endpoints.map((e) => e.trim()).filter((e) => e !== '');
  if (hosts.length === 0) throw new UnavailableError('no etcd endpoints specified');
  const client = new Etcd3({
    hosts,
    ...(credentials ? { credentials } : {}),
    ...(cfg.username && cfg.password ? { auth: { username: cfg.username, password: cfg.password, callOptions: () => ({ deadline: Date.now() + timeout }) } } : {}),
    dialTimeout: timeout,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    faultHandling: { global: NO_RETRY as never, host: () => NO_RETRY as never },
  });
  return new EngineDatastore(new EtcdBackend(client, hosts));
}
