import type { Family } from '../net/addr.js';
import { lastAddrValue, networkMask, parsePrefix, POW2, type Prefix } from '../net/prefix.js';
import type { IPPool } from './types.js';

/** OverlapEntry is one pool known to an OverlapIndex. */
export interface OverlapEntry {
  readonly name: string;
  /** cidr is the pool's spec.cidr as stored; Calico's overlap message quotes it verbatim. */
  readonly cidr: string;
  readonly prefix: Prefix;
  /** origin says where the pool came from: the datastore, or an earlier document of the input. */
  readonly origin: 'store' | 'input';
}

/** CHUNK is the largest chunk of the sorted list before it splits (sortedcontainers' "load"). */
const CHUNK = 512;

/**
 * Node is an entry with its sort key: the network address as a number, exact for IPv4 and
 * the top 53 bits for IPv6 (so most comparisons need no bigint arithmetic, which allocates
 * and calls into the runtime).
 */
interface Node {
  readonly entry: OverlapEntry;
  readonly key: number;
}

/** sortKey is a Node's key: order-preserving (a <= b implies key(a) <= key(b)), exact for IPv4. */
function sortKey(p: Prefix): number {
  return p.family === 4 ? Number(p.value) : Number(p.value >> 75n);
}

/** compareNode orders by network address, then prefix length. */
function compareNode(a: Node, b: Node): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  const x = a.entry.prefix;
  const y = b.entry.prefix;
  // Equal keys: equal IPv4 addresses, or IPv6 addresses equal in their top 53 bits.
  if (x.family === 6 && x.value !== y.value) return x.value < y.value ? -1 : 1;
  return x.bits - y.bits;
}

/** below reports whether a node's address is below an address (given with its key). */
function below(n: Node, key: number, value: bigint): boolean {
  return n.key < key || (n.key === key && n.entry.prefix.family === 6 && n.entry.prefix.value < value);
}

/**
 * SortedEntries is a sorted list of entries (by network address, then prefix length) kept as
 * a list of sorted chunks of at most 2*CHUNK: insert is a binary search plus a splice in one
 * chunk (an append when the entry sorts last, as pools listed in address order do), and a
 * range scan is a binary search plus a walk, so n inserts and queries cost O(n log n) in
 * practice (the chunk index itself is tiny).
 *
 * Invariant: every chunk is non-empty and sorted; chunks are in order; maxes[i] is the last
 * node of chunks[i].
 */
class SortedEntries {
  readonly chunks: Node[][] = [];
  private readonly maxes: Node[] = [];

  insert(e: Node): void {
    const last = this.maxes.length - 1;
    if (last < 0) {
      this.chunks.push([e]);
      this.maxes.push(e);
      return;
    }
    // First chunk whose max is >= e (or the last chunk).
    let lo = 0;
    if (compareNode(this.maxes[last]!, e) <= 0) {
      lo = last;
      this.chunks[lo]!.push(e);
    } else {
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareNode(this.maxes[mid]!, e) < 0) lo = mid + 1;
        else hi = mid;
      }
      const chunk = this.chunks[lo]!;
      let a = 0;
      let b = chunk.length;
      while (a < b) {
        const mid = (a + b) >> 1;
        if (compareNode(chunk[mid]!, e) <= 0) a = mid + 1;
        else b = mid;
      }
      chunk.splice(a, 0, e);
    }
    const chunk = this.chunks[lo]!;
    this.maxes[lo] = chunk[chunk.length - 1]!;
    if (chunk.length > 2 * CHUNK) {
      const tail = chunk.splice(CHUNK);
      this.chunks.splice(lo + 1, 0, tail);
      this.maxes[lo] = chunk[chunk.length - 1]!;
      this.maxes.splice(lo + 1, 0, tail[tail.length - 1]!);
    }
  }

  /** atChunk and atIndex are firstFrom's answer. */
  atChunk = 0;
  atIndex = 0;

  /**
   * firstFrom finds the first node whose network address is >= the given one (key: its
   * sortKey): its position is then (atChunk, atIndex), atChunk past the end if there is none.
   */
  firstFrom(key: number, value: bigint): void {
    let lo = 0;
    let hi = this.maxes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (below(this.maxes[mid]!, key, value)) lo = mid + 1;
      else hi = mid;
    }
    const chunk = this.chunks[lo];
    let i = 0;
    let b = chunk ? chunk.length : 0;
    while (i < b) {
      const mid = (i + b) >> 1;
      if (below(chunk![mid]!, key, value)) i = mid + 1;
      else b = mid;
    }
    this.atChunk = lo;
    this.atIndex = i;
  }
}

/** NO_ENTRIES is overlapping's answer when nothing overlaps (shared: the common case). */
const NO_ENTRIES: readonly OverlapEntry[] = [];

/** FamilyIndex holds one family's pools. */
interface FamilyIndex {
  /** lengths lists the prefix lengths present, each once. */
  readonly lengths: number[];
  /**
   * byLength[len] holds the pools of exactly that length, keyed by addrKey of the network
   * address (exact for IPv4; a bucket may mix IPv6 addresses, so lookups compare values).
   */
  readonly byLength: (Map<number, OverlapEntry[]> | undefined)[];
  /** sorted holds every pool, for the "contained in" direction. */
  readonly sorted: SortedEntries;
}

/**
 * addrKey is a Map key for a network address: the IPv4 value itself; for IPv6 a 53-bit fold
 * of all 128 bits (a bigint Map key would hash by its low 64 bits only, which are zero in
 * most IPv6 pools, and make every lookup a linear scan).
 */
function addrKey(p: Prefix, value: bigint): number {
  return p.family === 4 ? Number(value) : Number(BigInt.asUintN(53, value ^ (value >> 53n) ^ (value >> 106n)));
}

/**
 * OverlapIndex answers Calico's create-time overlap question (libcalico-go/lib/clientv3/ippool.go,
 * validateAndSetDefaults: each other-named pool whose network contains the new pool's base
 * address or vice versa) in O(log n + k) per query instead of Calico's linear scan:
 *
 *   pools containing P (length <= P.bits): one map lookup per prefix length present in the
 *     index, keyed by P's address masked to that length;
 *   pools inside P (length > P.bits): a binary search for P's first address in the sorted list,
 *     then a walk while addresses stay within P.
 *
 * Families never mix. Names are unique, as in a datastore: adding a name that is present
 * changes nothing.
 */
export class OverlapIndex {
  private readonly families = new Map<Family, FamilyIndex>();
  private readonly names = new Map<string, OverlapEntry>();
  /**
   * missName, missAddrs and missKey remember the last lookups that found nothing (a name in
   * get, a prefix's own network in overlapping) until the next add: judging a pool and then
   * adding it asks each question twice, and on a large index each lookup costs cache misses.
   */
  private missName: string | undefined;
  private missAddrs: Map<number, OverlapEntry[]> | undefined;
  private missKey = 0;

  /** size is the number of pools in the index. */
  get size(): number {
    return this.names.size;
  }

  /** get returns the pool of that name, if any. */
  get(name: string): OverlapEntry | undefined {
    const e = this.names.get(name);
    if (e === undefined) this.missName = name;
    return e;
  }

  /**
   * addPool adds a stored or accepted pool by its spec.cidr as written (Calico's message quotes
   * it verbatim; the network is what overlaps). A pool whose CIDR does not parse is skipped, as
   * clientv3 skips it (logging "IPPool is configured with an invalid CIDR"); returns whether it
   * was added.
   */
  addPool(pool: IPPool, origin: OverlapEntry['origin']): boolean {
    const cidr = pool.spec?.cidr ?? '';
    const p = parsePrefix(cidr);
    if (!p.ok || this.get(pool.metadata.name)) return false;
    this.add({ name: pool.metadata.name, cidr, prefix: p.value.prefix, origin });
    return true;
  }

  /** add puts a pool in the index; a second pool of a name already present is ignored. */
  add(entry: OverlapEntry): void {
    if (entry.name !== this.missName && this.names.get(entry.name)) return;
    this.missName = undefined;
    this.names.set(entry.name, entry);
    const p = entry.prefix;
    let f = this.families.get(p.family);
    if (!f) {
      f = { lengths: [], byLength: [], sorted: new SortedEntries() };
      this.families.set(p.family, f);
    }
    let byAddr = f.byLength[p.bits];
    if (!byAddr) {
      byAddr = new Map();
      f.byLength[p.bits] = byAddr;
      f.lengths.push(p.bits);
    }
    const key = sortKey(p);
    const k = p.family === 4 ? key : addrKey(p, p.value);
    const same = byAddr === this.missAddrs && k === this.missKey ? undefined : byAddr.get(k);
    this.missAddrs = undefined;
    if (same) same.push(entry);
    else byAddr.set(k, [entry]);
    f.sorted.insert({ entry, key });
  }

  /**
   * overlapping returns the pools overlapping p, except those named `except` (Calico skips the
   * pool's own name so that "already exists" wins), sorted by name: the datastore's key order,
   * in which Calico lists pools and reports overlaps.
   */
  overlapping(p: Prefix, except?: string): readonly OverlapEntry[] {
    const f = this.families.get(p.family);
    if (!f) return NO_ENTRIES;
    let out: OverlapEntry[] | undefined;
    const v4 = p.family === 4;
    // IPv4 addresses are exact numbers: no bigint arithmetic (which allocates) for them.
    const key = sortKey(p);
    for (const bits of f.lengths) {
      if (bits > p.bits) continue;
      const net = v4 ? 0n : p.value & networkMask(p.family, bits);
      const k = v4 ? (bits === 0 ? 0 : (key & (-1 << (32 - bits))) >>> 0) : addrKey(p, net);
      const byAddr = f.byLength[bits]!;
      const hits = byAddr.get(k);
      if (hits) {
        for (const e of hits) if (e.name !== except && (v4 || e.prefix.value === net)) (out ??= []).push(e);
      } else if (bits === p.bits) {
        this.missAddrs = byAddr;
        this.missKey = k;
      }
    }
    // Pools inside p: from p's first address while addresses stay within p.
    const last = v4 ? 0n : lastAddrValue(p);
    const lastKey = v4 ? key + POW2[32 - p.bits]! - 1 : Number(last >> 75n);
    const sorted = f.sorted;
    const chunks = sorted.chunks;
    sorted.firstFrom(key, p.value);
    let i = sorted.atIndex;
    scan: for (let c = sorted.atChunk; c < chunks.length; c++, i = 0) {
      const chunk = chunks[c]!;
      for (; i < chunk.length; i++) {
        const n = chunk[i]!;
        if (n.key > lastKey || (n.key === lastKey && !v4 && n.entry.prefix.value > last)) break scan;
        const e = n.entry;
        if (e.prefix.bits > p.bits && e.name !== except) (out ??= []).push(e);
      }
    }
    if (!out) return NO_ENTRIES;
    return out.length > 1 ? out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : out;
  }
}
