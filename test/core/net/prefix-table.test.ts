import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ipv6ValueToWords, PrefixTable, type Addr } from '../../../src/core/index.js';
import { mustParseAddr, mustParsePrefix } from '../../support/prefix.js';
import { arbOps, naiveMostSpecific, probe } from './support.js';

const words = new Uint32Array(4);

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
