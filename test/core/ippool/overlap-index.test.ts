import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OverlapIndex, overlaps, type Prefix } from '../../../src/core/index.js';
import { mustParsePrefix } from '../../support/prefix.js';
import { fcRuns } from '../../support/fc-runs.js';

function entry(name: string, cidr: string, origin: 'store' | 'input' = 'input') {
  return { name, cidr, prefix: mustParsePrefix(cidr), origin };
}

/** A random prefix inside 10.0.0.0/16 (so that overlaps are frequent), or an IPv6 one. */
const prefix: fc.Arbitrary<Prefix> = fc.oneof(
  fc.record({ v: fc.integer({ min: 0, max: 0xffff }), bits: fc.integer({ min: 14, max: 32 }) }).map(({ v, bits }) => {
    const value = BigInt(0x0a000000 + v);
    const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(32 - bits);
    return { family: 4 as const, value: value & mask, bits };
  }),
  fc.record({ v: fc.integer({ min: 0, max: 0xff }), bits: fc.integer({ min: 112, max: 128 }) }).map(({ v, bits }) => {
    const value = (0xfd00n << 112n) + BigInt(v);
    const mask = ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
    return { family: 6 as const, value: value & mask, bits };
  }),
);

describe('OverlapIndex', () => {
  it('finds exactly the overlapping pools a linear scan finds, in name order', () => {
    fc.assert(
      fc.property(fc.array(prefix, { maxLength: 60 }), fc.array(prefix, { minLength: 1, maxLength: 20 }), (stored, queries) => {
        const idx = new OverlapIndex();
        const all = stored.map((p, i) => ({ name: `p${String(1000 - i)}`, cidr: `c${i}`, prefix: p, origin: 'input' as const }));
        for (const e of all) idx.add(e);
        for (const q of queries) {
          const expected = all
            .filter((e) => overlaps(e.prefix, q))
            .map((e) => e.name)
            .sort();
          expect(idx.overlapping(q).map((e) => e.name)).toEqual(expected);
        }
      }),
      { numRuns: fcRuns(300) },
    );
  });

  it('skips the excepted name, so "already exists" can win (clientv3 ippool.go)', () => {
    const idx = new OverlapIndex();
    idx.add(entry('a', '10.0.0.0/16'));
    idx.add(entry('b', '10.0.1.0/24'));
    expect(idx.overlapping(mustParsePrefix('10.0.0.0/8'), 'a').map((e) => e.name)).toEqual(['b']);
  });

  it('never mixes families', () => {
    const idx = new OverlapIndex();
    idx.add(entry('v4', '0.0.0.0/0'));
    idx.add(entry('mapped', '::ffff:0:0/96'));
    expect(idx.overlapping(mustParsePrefix('::ffff:10.0.0.0/104')).map((e) => e.name)).toEqual(['mapped']);
    expect(idx.overlapping(mustParsePrefix('10.0.0.0/8')).map((e) => e.name)).toEqual(['v4']);
  });

  it('keeps one pool per name and quotes the stored CIDR text', () => {
    const idx = new OverlapIndex();
    expect(idx.addPool({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'a' }, spec: { cidr: '2001:0db8::/32' } }, 'store')).toBe(true);
    expect(idx.addPool({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'a' }, spec: { cidr: '10.0.0.0/8' } }, 'store')).toBe(false);
    expect(idx.addPool({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'bad' }, spec: { cidr: 'nope' } }, 'store')).toBe(false);
    expect(idx.size).toBe(1);
    expect(idx.get('a')).toMatchObject({ cidr: '2001:0db8::/32', origin: 'store' });
    expect(idx.overlapping(mustParsePrefix('2001:db8:1::/48'))[0]?.cidr).toBe('2001:0db8::/32');
  });

  it('agrees with a linear scan through any interleaving of get, overlapping and add (its lookup memory never goes stale)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('get' as const), name: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('overlapping' as const), p: prefix, except: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }) }),
      fc.record({ kind: fc.constant('add' as const), p: prefix, name: fc.integer({ min: 0, max: 9 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const idx = new OverlapIndex();
        const all = new Map<string, { name: string; prefix: Prefix }>();
        for (const o of ops) {
          if (o.kind === 'get') {
            expect(idx.get(`n${o.name}`)?.prefix).toEqual(all.get(`n${o.name}`)?.prefix);
          } else if (o.kind === 'overlapping') {
            const except = o.except === undefined ? undefined : `n${o.except}`;
            const expected = [...all.values()].filter((e) => e.name !== except && overlaps(e.prefix, o.p)).map((e) => e.name).sort();
            expect(idx.overlapping(o.p, except).map((e) => e.name)).toEqual(expected);
          } else {
            const name = `n${o.name}`;
            idx.add({ name, cidr: '', prefix: o.p, origin: 'input' });
            if (!all.has(name)) all.set(name, { name, prefix: o.p });
          }
        }
        expect(idx.size).toBe(all.size);
      }),
      { numRuns: fcRuns(500) },
    );
  });

  it('keeps IPv6 pools whose low 64 bits are zero apart (a bigint-keyed Map would scan them all)', () => {
    const idx = new OverlapIndex();
    for (let i = 0; i < 20_000; i++) {
      const p: Prefix = { family: 6, value: (0xfd00n << 112n) | (BigInt(i) << 64n), bits: 64 };
      expect(idx.overlapping(p)).toEqual([]);
      idx.add({ name: `p${i}`, cidr: '', prefix: p, origin: 'input' });
    }
    expect(idx.overlapping(mustParsePrefix('fd00:0:0:ffff::/112'))).toEqual([]);
    expect(idx.overlapping(mustParsePrefix('fd00:0:0:1234::/64')).map((e) => e.name)).toEqual(['p4660']);
    expect(idx.overlapping(mustParsePrefix('fd00::/48'))).toHaveLength(20_000);
  });

  it('answers 100,000 pools in n log n (a quadratic index would take minutes)', () => {
    const idx = new OverlapIndex();
    let hits = 0;
    for (let i = 0; i < 100_000; i++) {
      const p: Prefix = { family: 4, value: BigInt(0x0a000000 + i * 256), bits: 24 };
      hits += idx.overlapping(p).length;
      idx.add({ name: `p${i}`, cidr: '', prefix: p, origin: 'input' });
    }
    expect(hits).toBe(0);
    expect(idx.overlapping(mustParsePrefix('10.0.0.0/8'))).toHaveLength(65_536);
  });
});
