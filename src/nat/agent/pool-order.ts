import { comparePrefix, parsePrefix, type NatPool, type Prefix } from '../../core/index.js';

/** SPLICE_MAX is the most changes setMany applies one by one (each moves up to every pool). */
const SPLICE_MAX = 64;

/** PREFIX remembers each pool object's parsed CIDR (null: it does not parse). */
const PREFIX = new WeakMap<NatPool, Prefix | null>();

function prefixOf(p: NatPool): Prefix | null {
  let v = PREFIX.get(p);
  if (v === undefined) {
    const r = parsePrefix(p.cidr);
    v = r.ok ? r.value.prefix : null;
    PREFIX.set(p, v);
  }
  return v;
}

/** compareNatPools orders pools as the NAT model sorts them: by prefix (IPv4 first), then name; a CIDR that does not parse last. */
function compareNatPools(a: NatPool, b: NatPool): number {
  const pa = prefixOf(a);
  const pb = prefixOf(b);
  const byPrefix = pa && pb ? comparePrefix(pa, pb) : pa ? -1 : pb ? 1 : 0;
  return byPrefix || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
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
    if (old && !this.dirty) this.sorted.splice(this.indexOf(old), 1);
    if (!pool) {
      this.byName.delete(name);
      return;
    }
    this.byName.set(name, pool);
    if (!this.dirty) this.sorted.splice(this.insertionPoint(pool), 0, pool);
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
      this.sorted = [...this.byName.values()].sort(compareNatPools);
      this.dirty = false;
    }
    return this.sorted.slice();
  }

  private insertionPoint(p: NatPool): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareNatPools(this.sorted[mid]!, p) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** indexOf finds a pool object held (names are unique, so it compares equal only to itself). */
  private indexOf(p: NatPool): number {
    const i = this.insertionPoint(p) - 1;
    if (this.sorted[i] === p) return i;
    const j = this.sorted.indexOf(p);
    if (j < 0) throw new Error(`PoolIndex: pool ${p.name} is not held`);
    return j;
  }
}
