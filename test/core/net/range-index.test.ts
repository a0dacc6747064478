// covers: src/core/net/range-index.ts (through PrefixSet's and PrefixTable's compiled lookups)
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ipv6ValueToWords, lastAddrValue, PrefixSetBuilder, PrefixTable, type Addr, type Prefix, type PrefixSet } from '../../../src/core/index.js';
import { naiveMostSpecific, WIDTH } from './support.js';
import { fcRuns } from '../../support/fc-runs.js';

const words = new Uint32Array(4);

/** compiled returns the PrefixSet and the PrefixTable of the prefixes: both compile a RangeIndex. */
function compiled(prefixes: readonly Prefix[]): { set: PrefixSet; table: PrefixTable } {
  const b = new PrefixSetBuilder();
  for (const p of prefixes) b.add(p);
  return { set: b.build(), table: new PrefixTable(prefixes) };
}

describe('large IPv4 sets (the per-/16 bucket index) agree with a linear scan', () => {
  it('for hundreds of random prefixes across many /16s', () => {
    const arbPrefix = fc.tuple(fc.integer({ min: 0, max: 0xfffff }), fc.integer({ min: 4, max: 22 })).map(([off, host]): Prefix => {
      const value = (0x0a000000n + (BigInt(off) << 4n)) & ~((1n << BigInt(host)) - 1n); // inside 10.0.0.0/8
      return { family: 4, value, bits: 32 - host };
    });
    fc.assert(
      fc.property(fc.array(arbPrefix, { minLength: 65, maxLength: 400 }), fc.array(fc.integer({ min: 0x09ff0000, max: 0x0b000010 }), { maxLength: 200 }), (prefixes, extra) => {
        const { set, table } = compiled(prefixes);
        const probes = new Set<number>(extra);
        for (const p of prefixes) for (const d of [-1, 0, 1]) probes.add(Number(p.value) + d).add(Number(lastAddrValue(p)) + d);
        for (const v of probes) {
          const a: Addr = { family: 4, value: BigInt(v) };
          const want = naiveMostSpecific(prefixes, a);
          expect(set.containsIPv4(v)).toBe(want >= 0);
          expect(table.lookupIPv4(v)).toBe(want);
        }
      }),
      { numRuns: fcRuns(60) },
    );
  });
});

describe('large IPv6 sets (common words skipped, bucket index) agree with a linear scan', () => {
  it('for hundreds of random prefixes inside one /32', () => {
    const base = 0xfd000010n << 96n;
    const arbPrefix = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 8, max: 100 })).map(([off, host]): Prefix => {
      const value = (base + (off << 32n)) & ~((1n << BigInt(host)) - 1n); // inside fd00:10::/32
      return { family: 6, value, bits: 128 - host };
    });
    const arbProbe = fc.bigInt({ min: base - 5n, max: base + (1n << 96n) + 5n });
    fc.assert(
      fc.property(fc.array(arbPrefix, { minLength: 65, maxLength: 300 }), fc.array(arbProbe, { maxLength: 100 }), (prefixes, extra) => {
        const { set, table } = compiled(prefixes);
        const probes = new Set<bigint>(extra);
        for (const p of prefixes) for (const d of [-1n, 0n, 1n]) probes.add(p.value + d).add(lastAddrValue(p) + d);
        for (const v of probes) {
          const a: Addr = { family: 6, value: v };
          const want = naiveMostSpecific(prefixes, a);
          ipv6ValueToWords(v, words);
          expect(set.containsIPv6Words(words)).toBe(want >= 0);
          expect(table.lookupIPv6Words(words)).toBe(want);
        }
      }),
      { numRuns: fcRuns(40) },
    );
  });
});

describe.each([4, 6] as const)('IPv%i lookups agree with a linear scan whatever leading bits the prefixes share', (family) => {
  // The compiled index skips the bits every prefix shares and buckets on the next 16: the
  // span of the prefixes (2^span addresses) moves that key anywhere in the address, across
  // 32-bit words for IPv6, and shrinks it at the end of the address.
  const width = WIDTH[family];
  const top = (1n << BigInt(width)) - 1n;
  const arbWorld = fc
    .record({
      // spans that put the key at a word's start, middle and end, and across words
      span: fc.oneof(fc.integer({ min: 1, max: width }), fc.constantFrom(...[8, 15, 16, 17, 24, 31, 32, width - 1, width - 15, width - 17, width - 40].filter((n) => n >= 1))),
      base: fc.bigInt({ min: 0n, max: top }),
      // many small prefixes (over 64 ranges: the bucket index) and a few of any size (nesting)
      small: fc.array(fc.tuple(fc.bigInt({ min: 0n, max: top }), fc.integer({ min: 0, max: 4 })), { minLength: 65, maxLength: 150 }),
      large: fc.array(fc.tuple(fc.bigInt({ min: 0n, max: top }), fc.integer({ min: 0, max: width })), { maxLength: 4 }),
      extra: fc.array(fc.bigInt({ min: 0n, max: top }), { maxLength: 40 }),
    })
    .map(({ span, base, small, large, extra }) => {
      const size = 1n << BigInt(span);
      const start = base & ~(size - 1n);
      const prefixes = [...small, ...large].map(([off, host]): Prefix => {
        const h = Math.min(host, span);
        const value = (start + (off % size)) & ~((1n << BigInt(h)) - 1n);
        return { family, value, bits: width - h };
      });
      // probes around the span and, above it, in every bucket a key could pick
      const around = [start - 1n, start, start + size - 1n, start + size, start + size + (size >> 1n), start + 2n * size - 1n];
      return { prefixes, probes: [...extra, ...around, ...extra.map((x) => start + (x % size))].filter((v) => v >= 0n && v <= top) };
    });
  it('PrefixSet.contains* and PrefixTable.lookup*', () => {
    fc.assert(
      fc.property(arbWorld, ({ prefixes, probes }) => {
        const { set, table } = compiled(prefixes);
        const all = new Set<bigint>(probes);
        for (const p of prefixes) for (const d of [-1n, 0n, 1n]) all.add(p.value + d).add(lastAddrValue(p) + d);
        for (const v of all) {
          if (v < 0n || v > top) continue;
          const want = naiveMostSpecific(prefixes, { family, value: v });
          if (family === 4) {
            expect(set.containsIPv4(Number(v))).toBe(want >= 0);
            expect(table.lookupIPv4(Number(v))).toBe(want);
          } else {
            ipv6ValueToWords(v, words);
            expect(set.containsIPv6Words(words)).toBe(want >= 0);
            expect(table.lookupIPv6Words(words)).toBe(want);
          }
        }
      }),
      { numRuns: fcRuns(300) },
    );
  });
});
