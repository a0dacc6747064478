import fc from 'fast-check';
import { lastAddrValue, type Addr, type Family, type Prefix } from '../../../src/core/index.js';

// Helpers of the address-structure tests. The oracle: a plain Set<bigint> of addresses over a
// small universe (one /24 or /120), built by replaying the same adds and removes address by
// address; and a linear scan for the most specific prefix.

/** UNIVERSE is the first address of the small universe of each family: 10.0.0.0/24, fd00::/120. */
export const UNIVERSE: Record<Family, bigint> = { 4: 0x0a000000n, 6: 0xfd00n << 112n };
/** WIDTH is each family's address width. */
export const WIDTH: Record<Family, number> = { 4: 32, 6: 128 };

/** Op adds or removes a prefix. */
export type Op = { readonly add: boolean; readonly prefix: Prefix };

/** arbPrefix gives masked prefixes of length /24../32 (/120../128) inside the universe. */
export const arbPrefix = (family: Family): fc.Arbitrary<Prefix> =>
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 8 })).map(([off, host]): Prefix => {
    const value = UNIVERSE[family] + (BigInt(off) & ~((1n << BigInt(host)) - 1n));
    return { family, value, bits: WIDTH[family] - host };
  });

/** arbOps gives up to 20 adds and removes of prefixes inside the universe. */
export const arbOps = (family: Family): fc.Arbitrary<Op[]> => fc.array(fc.record({ add: fc.boolean(), prefix: arbPrefix(family) }), { maxLength: 20 });

/** oracle replays the ops address by address. */
export function oracle(ops: readonly Op[]): Set<bigint> {
  const s = new Set<bigint>();
  for (const { add, prefix } of ops) {
    for (let v = prefix.value; v <= lastAddrValue(prefix); v++) {
      if (add) s.add(v);
      else s.delete(v);
    }
  }
  return s;
}

/** probe returns every address of the universe and one on either side of it. */
export function probe(family: Family): bigint[] {
  const out: bigint[] = [];
  for (let v = UNIVERSE[family] - 1n; v <= UNIVERSE[family] + 256n; v++) out.push(v);
  return out;
}

/** naiveMostSpecific is PrefixTable's oracle: a linear scan for the longest containing prefix, first one on ties. */
export function naiveMostSpecific(prefixes: readonly Prefix[], a: Addr): number {
  let best = -1;
  prefixes.forEach((p, i) => {
    const contains = p.family === a.family && a.value >= p.value && a.value <= lastAddrValue(p);
    if (contains && (best < 0 || p.bits > prefixes[best]!.bits)) best = i;
  });
  return best;
}
