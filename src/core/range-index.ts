import { ipv6ValueToWords, type Family } from './addr.js';
import { lastAddrValue, type Prefix } from './prefix.js';

/** AddrRange is an inclusive range of addresses of one family: first <= last. */
export interface AddrRange {
  readonly family: Family;
  readonly first: bigint;
  readonly last: bigint;
}

/**
 * AddrValue is an address as the range structures compute with it: a number for IPv4 (exact
 * in a double, with room for last + 1) and a bigint for IPv6, so IPv4 sets never allocate
 * bigints. One range, one family: the two kinds never meet in an expression.
 */
export type AddrValue = number | bigint;

/** ValueRange is an inclusive range of AddrValues. */
export interface ValueRange {
  first: AddrValue;
  last: AddrValue;
}

/** succ returns x + 1. */
export function succ(x: AddrValue): AddrValue {
  return typeof x === 'number' ? x + 1 : x + 1n;
}

/** pred returns x - 1. */
export function pred(x: AddrValue): AddrValue {
  return typeof x === 'number' ? x - 1 : x - 1n;
}

/** zeroOf returns the first address of a family as an AddrValue. */
export function zeroOf(family: Family): AddrValue {
  return family === 4 ? 0 : 0n;
}

/** prefixRange returns a prefix's first and last address as AddrValues. */
export function prefixRange(p: Prefix): ValueRange {
  if (p.family === 4) {
    const first = Number(p.value);
    return { first, last: first + 2 ** (32 - p.bits) - 1 };
  }
  return { first: p.value, last: lastAddrValue(p) };
}

/** BUCKET_MIN is the number of IPv4 ranges above which a RangeIndex keeps a per-/16 bucket index. */
const BUCKET_MIN = 64;

/**
 * RangeIndex is a compiled, immutable list of disjoint address ranges of one family, sorted by
 * first address, held in typed arrays for allocation-free binary search (the hot path of
 * PrefixSet and PrefixTable): IPv4 ranges as Uint32Array firsts and lasts, IPv6 ranges as four
 * 32-bit words each, most significant first. find* return the index of the range that
 * contains an address, or -1.
 *
 * Invariant (the constructor's caller guarantees it): ranges sorted by first, disjoint.
 */
export class RangeIndex {
  readonly family: Family;
  readonly length: number;
  readonly #first: Uint32Array;
  readonly #last: Uint32Array;
  /**
   * common (IPv6) is the number of leading 32-bit words every range shares: an address that
   * differs in them is in no range, and searches compare from word `common` on.
   */
  readonly #common: number = 0;
  /**
   * bucket (for more than BUCKET_MIN ranges): bucket[h] is the index of the first range that
   * ends at or after the address whose first word after the common ones is h << 16 (IPv4: the
   * /16 h), so a lookup searches only the ranges of its bucket.
   */
  readonly #bucket: Uint32Array | null = null;

  constructor(family: Family, ranges: readonly ValueRange[]) {
    this.family = family;
    this.length = ranges.length;
    this.#first = new Uint32Array(ranges.length * (family === 4 ? 1 : 4));
    this.#last = new Uint32Array(this.#first.length);
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i]!;
      if (family === 4) {
        this.#first[i] = Number(r.first);
        this.#last[i] = Number(r.last);
      } else {
        ipv6ValueToWords(BigInt(r.first), this.#first, i * 4);
        ipv6ValueToWords(BigInt(r.last), this.#last, i * 4);
      }
    }
    const width = family === 4 ? 1 : 4;
    if (family === 6 && this.length > 0) {
      const last = (this.length - 1) * 4;
      while (this.#common < 4 && this.#first[this.#common] === this.#last[last + this.#common]) this.#common++;
    }
    if (this.length > BUCKET_MIN && this.#common < width) {
      // The bucket key is the top half of the first word after the common ones.
      const c = this.#common;
      const bucket = new Uint32Array(65537);
      let i = 0;
      for (let h = 0; h <= 65536; h++) {
        while (i < this.length && this.#last[i * width + c]! < h * 65536) i++;
        bucket[h] = i;
      }
      this.#bucket = bucket;
    }
  }

  /** find4 returns the index of the range containing the IPv4 address v (a uint32), or -1. */
  find4(v: number): number {
    // The only candidate is the first range that ends at or after v.
    const last = this.#last;
    let lo = 0;
    let hi = this.length;
    const bucket = this.#bucket;
    if (bucket !== null) {
      const h = v >>> 16;
      lo = bucket[h]!;
      hi = bucket[h + 1]!; // that range ends past v, so the search stops there at the latest
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (last[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.length && this.#first[lo]! <= v ? lo : -1;
  }

  /**
   * find6 returns the index of the range containing the IPv6 address held as four 32-bit
   * words w[off..off+3] (most significant first), or -1.
   */
  find6(w: ArrayLike<number>, off = 0): number {
    const c = this.#common;
    const first = this.#first;
    for (let k = 0; k < c; k++) if (w[off + k] !== first[k]) return -1;
    // As find4: the only candidate is the first range that ends at or after w.
    const last = this.#last;
    let lo = 0;
    let hi = this.length;
    const bucket = this.#bucket;
    if (bucket !== null) {
      const h = w[off + c]! >>> 16;
      lo = bucket[h]!;
      hi = bucket[h + 1]!;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareFrom(last, mid * 4, w, off, c) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.length && compareFrom(first, lo * 4, w, off, c) <= 0 ? lo : -1;
  }
}

/** compareFrom compares the words a[ai..ai+3] with w[wi..wi+3] from word `from` on (the earlier ones are equal): <0, 0 or >0. */
function compareFrom(a: Uint32Array, ai: number, w: ArrayLike<number>, wi: number, from: number): number {
  for (let k = from; k < 4; k++) {
    const x = a[ai + k]!;
    const y = w[wi + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
