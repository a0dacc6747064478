import { ipv6ValueToWords, type AddrValue, type Family } from './addr.js';

/** BUCKET_MIN is the number of ranges above which a RangeIndex keeps a bucket index. */
const BUCKET_MIN = 64;
/** KEY_BITS is how many address bits after the shared ones pick a bucket: 2^16 buckets. */
const KEY_BITS = 16;

/**
 * RangeIndex is a compiled, immutable list of disjoint address ranges of one family, sorted by
 * first address, held in typed arrays for allocation-free binary search (the hot path of
 * PrefixSet, PrefixTable and batch explain): IPv4 ranges as Uint32Array firsts and lasts,
 * IPv6 ranges as four 32-bit words each, most significant first. find* return the index of the
 * range that contains an address, or -1.
 *
 * Invariant (the constructor's caller guarantees it): ranges sorted by first, disjoint.
 */
export class RangeIndex {
  readonly family: Family;
  readonly length: number;
  readonly #first: Uint32Array;
  readonly #last: Uint32Array;
  /**
   * skip is the number of leading address bits every range shares (those of the first
   * range's first address and the last range's last): an address that differs in them is in
   * no range. word and bit locate the first bit after them: word `word`, bit `bit` from the
   * top; searches compare from that word on.
   */
  readonly #skip: number = 0;
  readonly #word: number = 0;
  readonly #bit: number = 0;
  /** keyBits is the width of the bucket key: the KEY_BITS address bits after the shared ones, or fewer at the end. */
  readonly #keyBits: number = 0;
  /**
   * bucket (for more than BUCKET_MIN ranges): bucket[h] is the index of the first range whose
   * last address has a key >= h, so a lookup searches only the ranges of its key's bucket
   * (ranges with smaller keys end before the address, the first with a larger key ends after).
   */
  readonly #bucket: Uint32Array | null = null;

  /**
   * constructor takes the ranges as words: first[i] and last[i] for IPv4, first[4i..4i+3] and
   * last[4i..4i+3] for IPv6 (most significant first). The index keeps the arrays.
   */
  constructor(family: Family, first: Uint32Array, last: Uint32Array) {
    this.family = family;
    const width = family === 4 ? 1 : 4;
    this.length = first.length / width;
    this.#first = first;
    this.#last = last;
    if (this.length === 0) return;
    const end = (this.length - 1) * width;
    let skip = 0;
    for (let k = 0; k < width; k++) {
      const x = (first[k]! ^ last[end + k]!) >>> 0;
      skip += Math.clz32(x);
      if (x !== 0) break;
    }
    this.#skip = skip;
    this.#word = skip >>> 5;
    this.#bit = skip & 31;
    this.#keyBits = Math.min(KEY_BITS, width * 32 - skip);
    if (this.length > BUCKET_MIN && this.#keyBits > 0) {
      // Keys of the last addresses never decrease: bucket[h] = i for the keys h up to range i's.
      const bucket = new Uint32Array(2 ** this.#keyBits + 1);
      let h = 0;
      for (let i = 0; i < this.length; i++) {
        const k = this.#key(last, i * width);
        if (k < h) continue;
        bucket.fill(i, h, k + 1);
        h = k + 1;
      }
      bucket.fill(this.length, h);
      this.#bucket = bucket;
    }
  }

  /** ofValues returns the index of the ranges [first[i], last[i]], given as AddrValues (numbers for IPv4, bigints for IPv6). */
  static ofValues(family: Family, first: readonly AddrValue[], last: readonly AddrValue[]): RangeIndex {
    if (family === 4) return new RangeIndex(4, Uint32Array.from(first as number[]), Uint32Array.from(last as number[]));
    const f = new Uint32Array(first.length * 4);
    const l = new Uint32Array(f.length);
    for (let i = 0; i < first.length; i++) {
      ipv6ValueToWords(first[i] as bigint, f, i * 4);
      ipv6ValueToWords(last[i] as bigint, l, i * 4);
    }
    return new RangeIndex(6, f, l);
  }

  /** key returns the bucket key of the address in words w[off..]: its keyBits bits after the shared ones. */
  #key(w: ArrayLike<number>, off: number): number {
    const o = this.#bit;
    const kb = this.#keyBits;
    const x = w[off + this.#word]!;
    if (o + kb <= 32) return (x >>> (32 - o - kb)) & ((1 << kb) - 1);
    return ((x << (o + kb - 32)) | (w[off + this.#word + 1]! >>> (64 - o - kb))) & ((1 << kb) - 1);
  }

  /** find4 returns the index of the range containing the IPv4 address v (a uint32), or -1. */
  find4(v: number): number {
    const skip = this.#skip;
    if (skip > 0 && (v ^ this.#first[0]!) >>> (32 - skip) !== 0) return -1;
    // The only candidate is the first range that ends at or after v.
    const last = this.#last;
    let lo = 0;
    let hi = this.length;
    const bucket = this.#bucket;
    if (bucket !== null) {
      const kb = this.#keyBits;
      const h = (v >>> (32 - skip - kb)) & ((1 << kb) - 1);
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
    const c = this.#word;
    const first = this.#first;
    for (let k = 0; k < c; k++) if (w[off + k] !== first[k]) return -1;
    const o = this.#bit;
    if (o > 0 && (w[off + c]! ^ first[c]!) >>> (32 - o) !== 0) return -1;
    // As find4: the only candidate is the first range that ends at or after w.
    const last = this.#last;
    let lo = 0;
    let hi = this.length;
    const bucket = this.#bucket;
    if (bucket !== null) {
      const h = this.#key(w, off);
      lo = bucket[h]!;
      hi = bucket[h + 1]!;
    }
    const from = c < 4 ? c : 3;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareFrom(last, mid * 4, w, off, from) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.length && compareFrom(first, lo * 4, w, off, from) <= 0 ? lo : -1;
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
