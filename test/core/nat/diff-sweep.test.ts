import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildNatModel, CidrParses, compileNatModel, diffNatReport, type CompiledNat, type Family, type NatPool, type NatSettings } from '../../../src/core/index.js';
import { rangesOf } from '../../../src/core/net/range-list.js';
import { fcRuns } from '../../support/fc-runs.js';
import { arbWorld } from './nat-oracle.js';

// covers: src/core/nat/class-sweep.ts, src/core/nat/diff.ts (diffNatReport: the sweep against classAt's lookups)

/**
 * compiledPair compiles both states' models for both families, or for IPv4 only when the
 * settings refuse IPv6 (NATOutgoingAddress with IPv6 NAT pools), as nat diff does.
 */
function compiledPair(before: readonly NatPool[], s1: NatSettings, after: readonly NatPool[], s2: NatSettings, shared: boolean): [CompiledNat, CompiledNat] {
  for (const families of [[4, 6], [4]] as Family[][]) {
    // CIDR parses shared between the states (as nat diff builds them), or remembered per pool object
    const parses = shared ? new CidrParses() : undefined;
    const a = buildNatModel(before, s1, { families, ...(parses ? { parses } : {}) });
    const b = buildNatModel(after, s2, { families, ...(parses ? { parses } : {}) });
    if (a.ok && b.ok) return [compileNatModel(a.value), compileNatModel(b.value)];
  }
  throw new Error('no IPv4 model');
}

/** poolSetOf is what nat diff took before the sweep gave it: the prefixes of both models' pool-set pools. */
function poolSetOf(a: CompiledNat, b: CompiledNat, family: Family) {
  return rangesOf(family, [...a.pools(family), ...b.pools(family)].filter((p) => p.inPoolSet).map((p) => p.prefix));
}

/** Change is one edit of a state: natOutgoing or the uses turned around, the CIDR moved, the pool removed, or a new pool. */
type Change = { kind: 'flip' | 'uses' | 'remove'; at: number } | { kind: 'cidr'; at: number; to: NatPool } | { kind: 'add'; pool: NatPool };

/** changed applies the changes to the pools (each by position, modulo the pools left). */
function changed(pools: readonly NatPool[], changes: readonly Change[]): NatPool[] {
  const out = [...pools];
  for (const c of changes) {
    if (c.kind === 'add') {
      if (!out.some((p) => p.name === c.pool.name)) out.push(c.pool);
      continue;
    }
    if (out.length === 0) continue;
    const i = c.at % out.length;
    const p = out[i]!;
    if (c.kind === 'remove') out.splice(i, 1);
    else if (c.kind === 'flip') out[i] = { ...p, natOutgoing: !p.natOutgoing };
    else if (c.kind === 'uses') out[i] = { ...p, allowedUses: p.allowedUses?.[0] === 'LoadBalancer' ? ['Workload'] : ['LoadBalancer'] };
    else if (c.kind === 'cidr') out[i] = { ...p, cidr: c.to.cidr };
  }
  return out;
}

/** state is a world of both families at once: IPv4 and IPv6 pools (renamed apart) and the IPv4 world's settings. */
const state = fc.tuple(arbWorld(4), arbWorld(6)).map(([w4, w6]) => ({
  pools: [...w4.pools, ...w6.pools.map((p) => ({ ...p, name: `${p.name}6` }))],
  settings: w4.settings,
  more: w6.pools,
}));

const change = (more: readonly NatPool[]): fc.Arbitrary<Change> =>
  fc.oneof(
    fc.record({ kind: fc.constantFrom('flip' as const, 'uses' as const, 'remove' as const), at: fc.nat(20) }),
    ...(more.length > 0
      ? [
          fc.record({ kind: fc.constant('cidr' as const), at: fc.nat(20), to: fc.constantFrom(...more) }),
          fc.constantFrom(...more).map((p): Change => ({ kind: 'add', pool: { ...p, name: `new-${p.name}` } })),
        ]
      : []),
  );

describe('diffNatReport: the sweep gives exactly what classAt lookups give', () => {
  it('on random pool sets and random changes (nested and overlapping, disabled, LoadBalancer-only, IPv6; same and other settings; empty states)', () => {
    fc.assert(
      fc.property(
        state.chain((s) => fc.tuple(fc.constant(s), fc.array(change(s.more), { maxLength: 5 }), fc.option(state.map((o) => o.settings), { freq: 3 }), fc.integer({ min: 0, max: 9 }))),
        ([s, changes, other, empty]) => {
          const before = empty === 0 ? [] : s.pools;
          const after = empty === 1 ? [] : changed(s.pools, changes);
          const settings2 = other ?? s.settings;
          const [a, b] = compiledPair(before, s.settings, after, settings2, empty % 2 === 0);
          const fast = diffNatReport(a, b);
          const full = diffNatReport(a, b, { lookups: true });
          expect(fast.regions).toEqual(full.regions);
          for (const family of [4, 6] as const) expect(fast.poolSets[family]).toEqual(poolSetOf(a, b, family));
        },
      ),
      { numRuns: fcRuns(300) },
    );
  });

  it('models the sweep cannot walk (pools out of order, as a host model may hold them) take the lookups', () => {
    const pools: NatPool[] = [
      { name: 'outer', cidr: '10.0.0.0/16', natOutgoing: true, disabled: false },
      { name: 'inner', cidr: '10.0.1.0/24', natOutgoing: false, disabled: false },
    ];
    const m = buildNatModel(pools, { poolSetName: 'network-ip-pools', natOutgoingExclusions: 'IPPoolsOnly', hostIPs: [], randomFully: true });
    if (!m.ok) throw new Error(m.error.message);
    const f = m.value.families[0]!;
    // the same pools, in reverse order: not sorted by prefix
    const reversed = { ...m.value, families: [{ ...f, pools: [...f.pools!].reverse() }, m.value.families[1]!] };
    const empty = buildNatModel([], m.value.settings);
    if (!empty.ok) throw new Error(empty.error.message);
    const r = diffNatReport(compileNatModel(empty.value), compileNatModel(reversed));
    const l = diffNatReport(compileNatModel(empty.value), compileNatModel(reversed), { lookups: true });
    expect(r.regions).toEqual(l.regions);
    expect(r.regions.length).toBeGreaterThan(0);
  });
});
