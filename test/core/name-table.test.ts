import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NameTable } from '../../src/core/index.js';
import { fcRuns } from '../support/fc-runs.js';

describe('NameTable', () => {
  it.each([
    ['as a table', 32],
    ['after it turns into a Map (every collision)', 0],
    ['after it turns into a Map (some collisions)', 2],
  ])('behaves as a Map %s', (_how, maxProbe) => {
    const name = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 3000 }).map((i) => `pool-${i}`));
    const op = fc.record({ set: fc.boolean(), name, value: fc.integer() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const t = new NameTable<{ v: number }>(maxProbe);
        const ref = new Map<string, { v: number }>();
        for (const o of ops) {
          if (o.set) {
            t.set(o.name, { v: o.value });
            ref.set(o.name, { v: o.value });
          }
          expect(t.get(o.name)).toEqual(ref.get(o.name));
          expect(t.size).toBe(ref.size);
        }
        for (const [k, v] of ref) expect(t.get(k)).toEqual(v);
      }),
      { numRuns: fcRuns(60) },
    );
  });

  it('holds 200,000 names', () => {
    const t = new NameTable<{ i: number }>();
    for (let i = 0; i < 200_000; i++) t.set(`pool-${i}`, { i });
    expect(t.size).toBe(200_000);
    expect(t.get('pool-123456')).toEqual({ i: 123456 });
    expect(t.get('pool-200000')).toBeUndefined();
  });
});
