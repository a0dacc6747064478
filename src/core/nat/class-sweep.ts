import { ipv6ValueToWords, type AddrValue } from '../net/addr.js';
import { lastAddrValue, POW2 } from '../net/prefix.js';
import { classAt, type ClassFeatures } from './classes.js';
import type { CompiledFamily, PoolIndex } from './compile.js';

/**
 * Classifier writes classAt's answers about an address into out[o..o+3] (src pool, dst pool,
 * src bits, dst bits). Addresses must be asked in increasing order, and every bound of the
 * family's pools and of its tested sets' ranges must be asked (boundaryPoints gives them).
 */
export interface Classifier {
  at(x: AddrValue, out: Int32Array, o: number): void;
}

/** FeatureKind says how ClassSweep answers a feature: from the stack (by the pools of masq, any or poolSet) or from a set's ranges. */
const enum FeatureKind {
  Masq,
  Any,
  PoolSet,
  Ranges,
}

/**
 * ClassSweep is the Classifier of a family whose pools are sorted by prefix with no two alike
 * (what buildNatModel makes): it walks the pools in address order with a stack of those that
 * hold the current address (a pool comes after every pool that contains it, and prefixes
 * nest or are disjoint), so the most specific pool of an index is the topmost of its pools
 * on the stack; each tested set that is not some pools is walked with a cursor on its ranges.
 * No lookup table is built: nat diff asks at every bound of two 10,000-pool models, and
 * building the tables cost more than all its questions.
 */
class ClassSweep implements Classifier {
  /** first and end are each pool's first address and the address after its last (numbers for IPv4, bigints for IPv6). */
  readonly #first: ArrayLike<AddrValue>;
  readonly #end: ArrayLike<AddrValue>;
  /** inMasq and inPoolSet flag the pools of the masq and pool-set indexes. */
  readonly #inMasq: Uint8Array;
  readonly #inPoolSet: Uint8Array;
  readonly #stack: Int32Array;
  #sp = 0;
  #next = 0;
  /** kinds and bounds say how each feature (src features, then dst) is answered; cursors walk the Ranges features' bounds. */
  readonly #kinds: FeatureKind[] = [];
  readonly #bounds: (ArrayLike<AddrValue> | null)[] = [];
  readonly #cursors: number[] = [];
  readonly #srcCount: number;

  constructor(f: CompiledFamily, x: ClassFeatures) {
    const n = f.pools.length;
    if (f.family === 4) {
      const first = new Float64Array(n);
      const end = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const p = f.pools[i]!.prefix;
        first[i] = Number(p.value);
        end[i] = first[i]! + POW2[32 - p.bits]!;
      }
      this.#first = first;
      this.#end = end;
    } else {
      this.#first = f.pools.map((p) => p.prefix.value);
      this.#end = f.pools.map((p) => lastAddrValue(p.prefix) + 1n);
    }
    const flags = (ix: PoolIndex): Uint8Array => {
      const out = new Uint8Array(n);
      for (const i of ix.pools) out[i] = 1;
      return out;
    };
    this.#inMasq = flags(f.masq);
    this.#inPoolSet = flags(f.poolSet);
    this.#stack = new Int32Array(n + 1);
    let lists = 0;
    for (const feature of [...x.src, ...x.dst]) {
      const kind = feature === f.masq ? FeatureKind.Masq : feature === f.any ? FeatureKind.Any : feature === f.poolSet ? FeatureKind.PoolSet : FeatureKind.Ranges;
      this.#kinds.push(kind);
      this.#bounds.push(kind === FeatureKind.Ranges ? x.lists[lists++]!.bounds : null);
      this.#cursors.push(0);
    }
    this.#srcCount = x.src.length;
  }

  /** sweepable reports whether a family's pools are sorted by first address, then length, with no two alike (the stack's premise). */
  static sweepable(f: CompiledFamily): boolean {
    const ps = f.pools;
    for (let i = 1; i < ps.length; i++) {
      const a = ps[i - 1]!.prefix;
      const b = ps[i]!.prefix;
      if (!(a.value < b.value || (a.value === b.value && a.bits < b.bits))) return false;
    }
    return true;
  }

  at(x: AddrValue, out: Int32Array, o: number): void {
    const first = this.#first;
    const end = this.#end;
    const stack = this.#stack;
    let sp = this.#sp;
    while (sp > 0 && end[stack[sp - 1]!]! <= x) sp--;
    let next = this.#next;
    for (; next < first.length && first[next]! <= x; next++) {
      // a pool that ended before x was never asked about (every bound is asked): skip it
      if (end[next]! <= x) continue;
      while (sp > 0 && end[stack[sp - 1]!]! <= first[next]!) sp--;
      stack[sp++] = next;
    }
    this.#next = next;
    this.#sp = sp;
    const any = sp > 0 ? stack[sp - 1]! : -1;
    let masq = -1;
    for (let k = sp - 1; k >= 0 && masq < 0; k--) if (this.#inMasq[stack[k]!] === 1) masq = stack[k]!;
    let poolSet = -1;
    for (let k = sp - 1; k >= 0 && poolSet < 0; k--) if (this.#inPoolSet[stack[k]!] === 1) poolSet = stack[k]!;
    out[o] = masq >= 0 ? masq : any;
    out[o + 1] = poolSet;
    let srcBits = 0;
    let dstBits = 0;
    const kinds = this.#kinds;
    for (let i = 0; i < kinds.length; i++) {
      let has: boolean;
      switch (kinds[i]) {
        case FeatureKind.Masq:
          has = masq >= 0;
          break;
        case FeatureKind.Any:
          has = any >= 0;
          break;
        case FeatureKind.PoolSet:
          has = poolSet >= 0;
          break;
        default: {
          const b = this.#bounds[i]!;
          let j = this.#cursors[i]!;
          while (j < b.length && b[j + 1]! < x) j += 2;
          this.#cursors[i] = j;
          has = j < b.length && b[j]! <= x;
        }
      }
      if (!has) continue;
      if (i < this.#srcCount) srcBits |= 1 << i;
      else dstBits |= 1 << (i - this.#srcCount);
    }
    out[o + 2] = srcBits;
    out[o + 3] = dstBits;
  }
}

/** LookupClassifier is the Classifier of any family: classAt's lookups at each address (the pool tables built on first use). */
class LookupClassifier implements Classifier {
  readonly #w = new Uint32Array(4);

  constructor(
    private readonly f: CompiledFamily,
    private readonly x: ClassFeatures,
  ) {}

  at(x: AddrValue, out: Int32Array, o: number): void {
    if (this.f.family === 4) this.#w[0] = x as number;
    else ipv6ValueToWords(x as bigint, this.#w, 0);
    classAt(this.f, this.x, this.#w, out, o);
  }
}

/**
 * classifierOf returns a Classifier for a family: a sweep when its pools allow one (always
 * for models buildNatModel makes) unless `lookups` asks for classAt's lookups (the reference
 * the sweep is tested against), else lookups. Both give classAt's answers.
 */
export function classifierOf(f: CompiledFamily, x: ClassFeatures, lookups = false): Classifier {
  return !lookups && ClassSweep.sweepable(f) ? new ClassSweep(f, x) : new LookupClassifier(f, x);
}
