import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatPrefix,
  ipv6ValueToWords,
  lastAddrValue,
  PrefixSetBuilder,
  PrefixTable,
  type Addr,
  type Family,
  type Prefix,
} from '../../../src/core/index.js';
import { mustParseAddr, mustParsePrefix } from '../../support/prefix.js';

// The oracle: a plain Set<bigint> of addresses over a small universe (one /24 or /120), built
// by replaying the same adds and removes address by address.

const UNIVERSE: Record<Family, bigint> = { 4: 0x0a000000n, 6: 0xfd00n << 112n }; // 10.0.0.0/24, fd00::/120
const WIDTH: Record<Family, number> = { 4: 32, 6: 128 };

type Op = { readonly add: boolean; readonly prefix: Prefix };

const arbOps = (family: Family): fc.Arbitrary<Op[]> =>
  fc.array(
    fc.record({
      add: fc.boolean(),
      // prefixes of length /24../32 (/120../128) inside the universe, masked
      prefix: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 8 })).map(([off, host]): Prefix => {
        const value = UNIVERSE[family] + (BigInt(off) & ~((1n << BigInt(host)) - 1n));
        return { family, value, bits: WIDTH[family] - host };
      }),
    }),
    { maxLength: 20 },
  );

function oracle(ops: readonly Op[]): Set<bigint> {
  const s = new Set<bigint>();
  for (const { add, prefix } of ops) {
    for (let v = prefix.value; v <= lastAddrValue(prefix); v++) {
      if (add) s.add(v);
      else s.delete(v);
    }
  }
  return s;
}

function build(ops: readonly Op[]) {
  const b = new PrefixSetBuilder();
  for (const { add, prefix } of ops) {
    if (add) b.add(prefix);
    else b.remove(prefix);
  }
  return b.build();
}

/** probe: every address of the universe and one on either side of it. */
function probe(family: Family): bigint[] {
  const out: bigint[] = [];
  for (let v = UNIVERSE[family] - 1n; v <= UNIVERSE[family] + 256n; v++) out.push(v);
  return out;
}

const words = new Uint32Array(4);

describe.each([4, 6] as const)('PrefixSet IPv%i against a Set<bigint> oracle', (family) => {
  it('contains (bigint and typed-array paths) equals the oracle after any add/remove sequence', () => {
    fc.assert(
      fc.property(arbOps(family), (ops) => {
        const set = build(ops);
        const want = oracle(ops);
        for (const v of probe(family)) {
          const a: Addr = { family, value: v };
          expect(set.contains(a)).toBe(want.has(v));
          if (family === 4) {
            expect(set.containsIPv4(Number(v))).toBe(want.has(v));
          } else {
            ipv6ValueToWords(v, words);
            expect(set.containsIPv6Words(words)).toBe(want.has(v));
          }
        }
      }),
    );
  });

  it('ranges are sorted, non-overlapping and non-adjacent', () => {
    fc.assert(
      fc.property(arbOps(family), (ops) => {
        const rs = build(ops).ranges();
        for (let i = 0; i < rs.length; i++) {
          expect(rs[i]!.first <= rs[i]!.last).toBe(true);
          if (i > 0) expect(rs[i - 1]!.last + 1n < rs[i]!.first).toBe(true);
        }
      }),
    );
  });

  it('toPrefixes covers exactly the set, in order, with no two prefixes that merge into one', () => {
    fc.assert(
      fc.property(arbOps(family), (ops) => {
        const prefixes = build(ops).toPrefixes();
        const covered = new Set<bigint>();
        let prevLast = -1n;
        for (const p of prefixes) {
          expect(p.value > prevLast).toBe(true); // sorted, disjoint
          prevLast = lastAddrValue(p);
          for (let v = p.value; v <= lastAddrValue(p); v++) covered.add(v);
        }
        expect([...covered].sort()).toEqual([...oracle(ops)].sort());
        // Minimal: no two neighbours are the halves of one aligned block.
        for (let i = 1; i < prefixes.length; i++) {
          const a = prefixes[i - 1]!;
          const b = prefixes[i]!;
          const host = BigInt(WIDTH[family] - a.bits);
          const mergeable = a.bits === b.bits && b.value === lastAddrValue(a) + 1n && a.value % (1n << (host + 1n)) === 0n;
          expect(mergeable).toBe(false);
        }
      }),
    );
  });

  it('overlaps reports whether any address of a prefix is in the set', () => {
    fc.assert(
      fc.property(arbOps(family), arbOps(family), (ops, queries) => {
        const set = build(ops);
        const want = oracle(ops);
        for (const { prefix } of queries) {
          let any = false;
          for (let v = prefix.value; v <= lastAddrValue(prefix) && !any; v++) any = want.has(v);
          expect(set.overlaps(prefix)).toBe(any);
        }
      }),
    );
  });
});

describe('large IPv4 sets (the per-/16 bucket index) agree with a linear scan', () => {
  it('for hundreds of random prefixes across many /16s', () => {
    const arbPrefix = fc.tuple(fc.integer({ min: 0, max: 0xfffff }), fc.integer({ min: 4, max: 22 })).map(([off, host]): Prefix => {
      const value = (0x0a000000n + (BigInt(off) << 4n)) & ~((1n << BigInt(host)) - 1n); // inside 10.0.0.0/8
      return { family: 4, value, bits: 32 - host };
    });
    fc.assert(
      fc.property(fc.array(arbPrefix, { minLength: 65, maxLength: 400 }), fc.array(fc.integer({ min: 0x09ff0000, max: 0x0b000010 }), { maxLength: 200 }), (prefixes, extra) => {
        const b = new PrefixSetBuilder();
        for (const p of prefixes) b.add(p);
        const set = b.build();
        const table = new PrefixTable(prefixes);
        const probes = new Set<number>(extra);
        for (const p of prefixes) for (const d of [-1, 0, 1]) probes.add(Number(p.value) + d).add(Number(lastAddrValue(p)) + d);
        for (const v of probes) {
          const a: Addr = { family: 4, value: BigInt(v) };
          const want = naiveMostSpecific(prefixes, a);
          expect(set.containsIPv4(v)).toBe(want >= 0);
          expect(table.lookupIPv4(v)).toBe(want);
        }
      }),
      { numRuns: 60 },
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
        const b = new PrefixSetBuilder();
        for (const p of prefixes) b.add(p);
        const set = b.build();
        const table = new PrefixTable(prefixes);
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
      { numRuns: 40 },
    );
  });
});

describe('PrefixSet edges', () => {
  it('handles /0 and the last address of each family', () => {
    const set = new PrefixSetBuilder().add(mustParsePrefix('0.0.0.0/0')).add(mustParsePrefix('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128')).build();
    expect(set.containsIPv4(0)).toBe(true);
    expect(set.containsIPv4(0xffffffff)).toBe(true);
    expect(set.contains(mustParseAddr('::'))).toBe(false);
    expect(set.contains(mustParseAddr('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'))).toBe(true);
    expect(set.contains(mustParseAddr('ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe'))).toBe(false);
    expect(set.toPrefixes().map(formatPrefix)).toEqual(['0.0.0.0/0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128']);
  });

  it('never mixes families: an IPv4 /0 holds no IPv6 address, removing ::/0 keeps IPv4', () => {
    const set = new PrefixSetBuilder().add(mustParsePrefix('0.0.0.0/0')).remove(mustParsePrefix('::/0')).build();
    expect(set.contains(mustParseAddr('10.1.2.3'))).toBe(true);
    expect(set.contains(mustParseAddr('::ffff:10.1.2.3'))).toBe(false);
    expect(set.overlaps(mustParsePrefix('::/0'))).toBe(false);
  });

  it('a later add wins over an earlier remove, and the other way round', () => {
    const p = mustParsePrefix('10.0.0.0/24');
    expect(new PrefixSetBuilder().remove(p).add(p).build().contains(mustParseAddr('10.0.0.7'))).toBe(true);
    expect(new PrefixSetBuilder().add(p).remove(p).build().isEmpty).toBe(true);
  });

  it('removes at range boundaries', () => {
    const set = new PrefixSetBuilder()
      .add(mustParsePrefix('10.0.0.0/24'))
      .remove(mustParsePrefix('10.0.0.0/32'))
      .remove(mustParsePrefix('10.0.0.255/32'))
      .build();
    expect(set.toPrefixes().map(formatPrefix)).toEqual([
      '10.0.0.1/32',
      '10.0.0.2/31',
      '10.0.0.4/30',
      '10.0.0.8/29',
      '10.0.0.16/28',
      '10.0.0.32/27',
      '10.0.0.64/26',
      '10.0.0.128/26',
      '10.0.0.192/27',
      '10.0.0.224/28',
      '10.0.0.240/29',
      '10.0.0.248/30',
      '10.0.0.252/31',
      '10.0.0.254/32',
    ]);
  });

  it('merges overlapping and adjacent prefixes (what nft interval sets need)', () => {
    const set = new PrefixSetBuilder()
      .add(mustParsePrefix('10.0.0.0/16'))
      .add(mustParsePrefix('10.0.1.0/24'))
      .add(mustParsePrefix('10.1.0.0/25'))
      .add(mustParsePrefix('10.1.0.128/25'))
      .add(mustParsePrefix('fd00::/64'))
      .add(mustParsePrefix('fd00::/80'))
      .build();
    expect(set.toPrefixes().map(formatPrefix)).toEqual(['10.0.0.0/16', '10.1.0.0/24', 'fd00::/64']);
  });
});

/** naiveMostSpecific is PrefixTable's oracle: a linear scan for the longest containing prefix, first one on ties. */
function naiveMostSpecific(prefixes: readonly Prefix[], a: Addr): number {
  let best = -1;
  prefixes.forEach((p, i) => {
    const contains = p.family === a.family && a.value >= p.value && a.value <= lastAddrValue(p);
    if (contains && (best < 0 || p.bits > prefixes[best]!.bits)) best = i;
  });
  return best;
}

describe.each([4, 6] as const)('PrefixTable IPv%i against a linear scan', (family) => {
  it('returns the most specific containing prefix (first of identical ones), or -1', () => {
    fc.assert(
      fc.property(arbOps(family), (ops) => {
        const prefixes = ops.map((o) => o.prefix);
        const table = new PrefixTable(prefixes);
        for (const v of probe(family)) {
          const a: Addr = { family, value: v };
          const want = naiveMostSpecific(prefixes, a);
          expect(table.lookup(a)).toBe(want);
          if (family === 4) expect(table.lookupIPv4(Number(v))).toBe(want);
          else {
            ipv6ValueToWords(v, words);
            expect(table.lookupIPv6Words(words)).toBe(want);
          }
        }
      }),
    );
  });

  it('finds nothing of the other family', () => {
    const table = new PrefixTable([mustParsePrefix(family === 4 ? '::/0' : '0.0.0.0/0')]);
    expect(table.lookup(mustParseAddr(family === 4 ? '10.0.0.1' : 'fd00::1'))).toBe(-1);
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
        const b = new PrefixSetBuilder();
        for (const p of prefixes) b.add(p);
        const set = b.build();
        const table = new PrefixTable(prefixes);
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
      { numRuns: 300 },
    );
  });
});
