import type { Family } from './addr.js';
import type { IPPool } from './ippool-types.js';
import { lastAddrValue, networkMask, parsePrefix, type Prefix } from './prefix.js';

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

function compareEntry(a: OverlapEntry, b: OverlapEntry): number {
  const x = a.prefix;
  const y = b.prefix;
  if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  return x.bits - y.bits;
}

/**
 * SortedEntries is a sorted list of entries (by network address, then prefix length) kept as
 * a list of sorted chunks of at most 2*CHUNK: insert is a binary search plus a splice in one
 * chunk, and a range scan is a binary search plus a walk, so n inserts and queries cost
 * O(n log n) in practice (the chunk index itself is tiny).
 *
 * Invariant: every chunk is non-empty and sorted; chunks are in order; maxes[i] is the last
 * entry of chunks[i].
 */
class SortedEntries {
  private readonly chunks: OverlapEntry[][] = [];
  private readonly maxes: OverlapEntry[] = [];

  insert(e: OverlapEntry): void {
    if (this.chunks.length === 0) {
      this.chunks.push([e]);
      this.maxes.push(e);
      return;
    }
    // First chunk whose max is >= e (or the last chunk).
    let lo = 0;
    let hi = this.maxes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareEntry(this.maxes[mid]!, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    const chunk = this.chunks[lo]!;
    let a = 0;
    let b = chunk.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (compareEntry(chunk[mid]!, e) <= 0) a = mid + 1;
      else b = mid;
    }
    chunk.splice(a, 0, e);
    this.maxes[lo] = chunk[chunk.length - 1]!;
    if (chunk.length > 2 * CHUNK) {
      const tail = chunk.splice(CHUNK);
      this.chunks.splice(lo + 1, 0, tail);
      this.maxes[lo] = chunk[chunk.length - 1]!;
      this.maxes.splice(lo + 1, 0, tail[tail.length - 1]!);
    }
  }

  /** forEachFrom calls fn for entries with network address >= from, in order, until fn returns false. */
  forEachFrom(from: bigint, fn: (e: OverlapEntry) => boolean): void {
    let lo = 0;
    let hi = this.maxes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.maxes[mid]!.prefix.value < from) lo = mid + 1;
      else hi = mid;
    }
    for (let c = lo; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      let i = 0;
      if (c === lo) {
        let b = chunk.length;
        while (i < b) {
          const mid = (i + b) >> 1;
          if (chunk[mid]!.prefix.value < from) i = mid + 1;
          else b = mid;
        }
      }
      for (; i < chunk.length; i++) if (!fn(chunk[i]!)) return;
    }
  }
}

/** FamilyIndex holds one family's pools. */
interface FamilyIndex {
  /** byLength maps a prefix length to the pools of exactly that length, keyed by network address. */
  readonly byLength: Map<number, Map<bigint, OverlapEntry[]>>;
  /** sorted holds every pool, for the "contained in" direction. */
  readonly sorted: SortedEntries;
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

  /** size is the number of pools in the index. */
  get size(): number {
    return this.names.size;
  }

  /** get returns the pool of that name, if any. */
  get(name: string): OverlapEntry | undefined {
    return this.names.get(name);
  }

  /** has reports whether a pool of that name is in the index. */
  has(name: string): boolean {
    return this.names.has(name);
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
    if (!p.ok || this.names.has(pool.metadata.name)) return false;
    this.add({ name: pool.metadata.name, cidr, prefix: p.value.prefix, origin });
    return true;
  }

  /** add puts a pool in the index; a second pool of a name already present is ignored. */
  add(entry: OverlapEntry): void {
    if (this.names.has(entry.name)) return;
    this.names.set(entry.name, entry);
    let f = this.families.get(entry.prefix.family);
    if (!f) {
      f = { byLength: new Map(), sorted: new SortedEntries() };
      this.families.set(entry.prefix.family, f);
    }
    let byAddr = f.byLength.get(entry.prefix.bits);
    if (!byAddr) {
      byAddr = new Map();
      f.byLength.set(entry.prefix.bits, byAddr);
    }
    const same = byAddr.get(entry.prefix.value);
    if (same) same.push(entry);
    else byAddr.set(entry.prefix.value, [entry]);
    f.sorted.insert(entry);
  }

  /**
   * overlapping returns the pools overlapping p, except those named `except` (Calico skips the
   * pool's own name so that "already exists" wins), sorted by name: the datastore's key order,
   * in which Calico lists pools and reports overlaps.
   */
  overlapping(p: Prefix, except?: string): OverlapEntry[] {
    const f = this.families.get(p.family);
    if (!f) return [];
    const out: OverlapEntry[] = [];
    for (const [bits, byAddr] of f.byLength) {
      if (bits > p.bits) continue;
      const hits = byAddr.get(p.value & networkMask(p.family, bits));
      if (hits) for (const e of hits) if (e.name !== except) out.push(e);
    }
    const last = lastAddrValue(p);
    f.sorted.forEachFrom(p.value, (e) => {
      if (e.prefix.value > last) return false;
      if (e.prefix.bits > p.bits && e.name !== except) out.push(e);
      return true;
    });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
