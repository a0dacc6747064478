import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildNatModel, DEFAULT_NAT_SETTINGS, formatPrefix, type NatPool } from '../../../src/core/index.js';
import { PoolIndex } from '../../../src/nat/agent/pool-order.js';

const CIDRS = ['10.0.0.0/8', '10.0.0.0/16', '10.1.0.0/16', '10.1.2.0/24', '192.168.0.0/16', '10.1.2.3/16', 'fd00::/64', 'fd00::/48', '2001:db8::/32', 'not-a-cidr'];

describe('PoolIndex', () => {
  it('keeps the pools in the model order (prefix, then name) through changes, one by one and many at once, and the model is the same as from the unsorted pools', () => {
    const change = fc.record({ name: fc.constantFrom(...Array.from({ length: 40 }, (_, i) => `p${i}`)), cidr: fc.option(fc.constantFrom(...CIDRS.slice(0, -1)), { nil: null }), natOutgoing: fc.boolean() });
    // a step is one change, or many at once (a listing: more than setMany splices one by one)
    const step = fc.oneof(change.map((c) => [c]), fc.array(change, { minLength: 65, maxLength: 120 }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const idx = new PoolIndex();
        const ref = new Map<string, NatPool>();
        for (const cs of steps) {
          const changes = cs.map((c) => ({ name: c.name, pool: c.cidr === null ? null : { name: c.name, cidr: c.cidr, natOutgoing: c.natOutgoing, disabled: false } }));
          if (changes.length === 1) idx.set(changes[0]!.name, changes[0]!.pool);
          else idx.setMany(changes);
          for (const c of changes) c.pool ? ref.set(c.name, c.pool) : ref.delete(c.name);
          expect(idx.size).toBe(ref.size);
          const ordered = idx.ordered();
          expect(new Set(ordered)).toEqual(new Set(ref.values()));
          const a = buildNatModel(ordered, DEFAULT_NAT_SETTINGS);
          const b = buildNatModel([...ref.values()].reverse(), DEFAULT_NAT_SETTINGS);
          if (!a.ok || !b.ok) throw new Error('model failed');
          const sets = (m: typeof a.value) => m.families.map((f) => f.sets.map((s) => [s.name, s.members.map(formatPrefix)]));
          expect(sets(a.value)).toEqual(sets(b.value));
          // the order the model sorts into: each family's pools by prefix, then name
          for (const f of a.value.families) expect(ordered.filter((p) => f.pools!.some((q) => q.name === p.name)).map((p) => p.name)).toEqual(f.pools!.map((p) => p.name));
        }
      }),
    );
  });

  it('puts a pool whose CIDR does not parse last (the model refuses it anyway)', () => {
    const idx = new PoolIndex();
    idx.set('bad', { name: 'bad', cidr: 'nope', natOutgoing: true, disabled: false });
    idx.set('b', { name: 'b', cidr: '10.0.0.0/8', natOutgoing: true, disabled: false });
    idx.set('a', { name: 'a', cidr: '10.0.0.0/8', natOutgoing: true, disabled: false });
    expect(idx.ordered().map((p) => p.name)).toEqual(['a', 'b', 'bad']);
    idx.set('bad', null);
    expect(idx.ordered().map((p) => p.name)).toEqual(['a', 'b']);
    expect(idx.get('a')?.cidr).toBe('10.0.0.0/8');
  });
});
