import { parsePrefix, type NatPool } from '../../core/index.js';

/** SPLICE_MAX is the most changes setMany applies one by one (each moves up to every pool). */
const SPLICE_MAX = 64;

/**
 * SortKey is a pool's place in the model's order, compact (no parse kept per pool): an IPv4
 * prefix as the number first address x 64 + length, an IPv6 one as text that sorts as it
 * does (hex of the address, then the length), a CIDR that does not parse as null (last).
 */
type SortKey = number | string | null;

function sortKey(p: NatPool): SortKey {
  const r = parsePrefix(p.cidr);
  if (!r.ok) return null;
  const { family, value, bits } = r.value.prefix;
  return family === 4 ? Number(value) * 64 + bits : `${value.toString(16).padStart(32, '0')}/${String(bits).padStart(3, '0')}`;
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a === b) return 0;
  if (a === null || b === null) return a === null ? 1 : -1;
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** compare orders pools as the NAT model sorts them: by prefix (IPv4 first), then name; a CIDR that does not parse last. */
function compare(ka: SortKey, a: NatPool, kb: SortKey, b: NatPool): number {
  return compareKeys(ka, kb) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * PoolIndex holds the agent's pools by name and, beside them, in the order buildNatModel
 * sorts them into (prefix, then name): handed the pools in that order, the model only checks
 * the order instead of sorting every pool again on every change (with 10,000 pools that sort
 * was most of the model's time). A change moves one pool: a binary search and a splice; many
 * changes at once (a listing) are sorted once, when the order is next read.
 */
export class PoolIndex {
  private readonly byName = new Map<string, NatPool>();
  private sorted: NatPool[] = [];
  /** keys[i] is sorted[i]'s SortKey */
  private keys: SortKey[] = [];
  /** dirty: sorted is stale (many changes came at once) and is made again by ordered() */
  private dirty = false;

  get size(): number {
    return this.byName.size;
  }

  get(name: string): NatPool | undefined {
    return this.byName.get(name);
  }

  /** set adds, replaces (pool) or removes (null) the pool of a name. */
  set(name: string, pool: NatPool | null): void {
    const old = this.byName.get(name);
    if (old && !this.dirty) {
      const i = this.indexOf(old);
      this.sorted.splice(i, 1);
      this.keys.splice(i, 1);
    }
    if (!pool) {
      this.byName.delete(name);
      return;
    }
    this.byName.set(name, pool);
    if (!this.dirty) {
      const k = sortKey(pool);
      const i = this.insertionPoint(k, pool);
      this.sorted.splice(i, 0, pool);
      this.keys.splice(i, 0, k);
    }
  }

  /** setMany applies many changes: one by one when they are few, else by sorting once later. */
  setMany(changes: readonly { readonly name: string; readonly pool: NatPool | null }[]): void {
    if (changes.length > SPLICE_MAX) this.dirty = true;
    for (const c of changes) this.set(c.name, c.pool);
  }

  /** map is the pools by name (read-only: change them through set). */
  map(): ReadonlyMap<string, NatPool> {
    return this.byName;
  }

  /** ordered is the pools in the model's order (a copy). */
  ordered(): NatPool[] {
    if (this.dirty) {
      const pairs = [...this.byName.values()].map((pool) => ({ pool, key: sortKey(pool) }));
      pairs.sort((x, y) => compare(x.key, x.pool, y.key, y.pool));
      this.sorted = pairs.map((x) => x.pool);
      this.keys = pairs.map((x) => x.key);
      this.dirty = false;
    }
    return this.sorted.slice();
  }

  private insertionPoint(k: SortKey, p: NatPool): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.keys[mid]!, this.sorted[mid]!, k, p) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** indexOf finds a pool object held (names are unique, so it compares equal only to itself). */
  private indexOf(p: NatPool): number {
    const i = this.insertionPoint(sortKey(p), p) - 1;
    if (this.sorted[i] === p) return i;
    const j = this.sorted.indexOf(p);
    if (j < 0) throw new Error(`PoolIndex: pool ${p.name} is not held`);
    return j;
  }
}
