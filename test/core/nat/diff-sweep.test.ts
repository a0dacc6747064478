import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignedSweeps } from '../../../src/core/nat/class-sweep.js';
import { classFeatures } from '../../../src/core/nat/classes.js';
import { buildNatModel, CidrParses, compileNatModel, diffNatReport, PoolCauses, poolsByName, regionCauses, type CompiledNat, type Family, type NatPool, type NatSettings } from '../../../src/core/index.js';
import { rangesOf } from '../../../src/core/net/range-list.js';
import { fcRuns } from '../../support/fc-runs.js';
import { arbWorld } from './nat-oracle.js';

// covers: src/core/nat/class-sweep.ts, src/core/nat/diff.ts (diffNatReport: the sweep against classAt's lookups, the aligned sweep against the general one), src/core/nat/diff-causes.ts (PoolCauses)

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
          const general = diffNatReport(a, b, { aligned: false });
          expect(fast.regions).toEqual(full.regions);
          expect(general.regions).toEqual(full.regions);
          // causes made once per pool and side for the whole diff (PoolCauses) are each region's own
          const known = { 4: new PoolCauses(), 6: new PoolCauses() };
          const byName = (f: Family) => [poolsByName(a.pools(f)), poolsByName(b.pools(f))] as const;
          const both = { before: s.settings, after: settings2 };
          for (const r of fast.regions) {
            const [pb, pa] = byName(r.family);
            expect(regionCauses(r, pb, pa, both, known[r.family])).toEqual(regionCauses(r, pb, pa, both));
          }
          for (const family of [4, 6] as const) {
            expect(fast.poolSets[family]).toEqual(poolSetOf(a, b, family));
            expect(general.poolSets[family]).toEqual(fast.poolSets[family]);
          }
        },
      ),
      { numRuns: fcRuns(300) },
    );
  });

  it('the after model is swept only where its pools differ when it shares the before model\'s pools, with the same regions', () => {
    // 40 IPv4 pools (every third natOutgoing, every fifth LoadBalancer-only) and 10 IPv6; the after state flips one, removes one, moves one and adds one
    const before: NatPool[] = [];
    for (let i = 0; i < 40; i++) {
      before.push({ name: `p${i}`, cidr: `10.0.${i}.0/24`, natOutgoing: i % 3 === 0, disabled: false, ...(i % 5 === 0 ? { allowedUses: ['LoadBalancer'] } : {}) });
    }
    for (let i = 0; i < 10; i++) before.push({ name: `q${i}`, cidr: `fd00:${i}::/64`, natOutgoing: i % 2 === 0, disabled: false });
    const after = before.filter((p) => p.name !== 'p7');
    after[3] = { ...after[3]!, natOutgoing: !after[3]!.natOutgoing };
    after[20] = { ...after[20]!, cidr: '10.1.0.0/16' };
    after.push({ name: 'new', cidr: '10.0.10.128/25', natOutgoing: true, disabled: false });
    const settings: NatSettings = { poolSetName: 'network-ip-pools', natOutgoingExclusions: 'IPPoolsAndHostIPs', hostIPs: ['10.0.5.7', '192.0.2.1'], randomFully: true };
    const [a, b] = compiledPair(before, settings, after, settings, true);
    const fa = a.compiledFamily(4)!;
    const fb = b.compiledFamily(4)!;
    const aligned = alignedSweeps(fa, classFeatures(fa)!, fb, classFeatures(fb)!);
    expect(aligned).not.toBeNull();
    // every pool but p3, p7, p21 (moved) is the same object in both, and found
    expect([...aligned!.aToB].filter((j) => j >= 0)).toHaveLength(37);
    for (let i = 0; i < fa.pools.length; i++) {
      const j = aligned!.aToB[i]!;
      if (j >= 0) expect(fb.pools[j]).toBe(fa.pools[i]);
    }
    // the addresses of p3, p7 and p21 (10.0.3/24, 10.0.7/24, 10.0.21/24), the new /25 inside p10's, and 10.1/16
    const v = (a: string): number => a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
    expect(aligned!.changed).toEqual([v('10.0.3.0'), v('10.0.4.0'), v('10.0.7.0'), v('10.0.8.0'), v('10.0.10.128'), v('10.0.11.0'), v('10.0.21.0'), v('10.0.22.0'), v('10.1.0.0'), v('10.2.0.0')]);
    const general = diffNatReport(a, b, { aligned: false });
    expect(diffNatReport(a, b).regions).toEqual(general.regions);
    expect(general.regions.length).toBeGreaterThan(0);
    // other features (the host set differs): no alignment, the general sweep
    const [c, d] = compiledPair(before, settings, after, { ...settings, hostIPs: ['10.0.5.8'] }, true);
    const fc4 = c.compiledFamily(4)!;
    const fd4 = d.compiledFamily(4)!;
    expect(alignedSweeps(fc4, classFeatures(fc4)!, fd4, classFeatures(fd4)!)).toBeNull();
  });

  it('on many pools with a few changed (the aligned sweep maps the pools after each change): the same regions as the general sweep', () => {
    // /24s in 10.0/16, some with a nested /26; flags per pool; changes anywhere, so later pools' indexes shift
    const arbPool = fc.record({ nat: fc.boolean(), lb: fc.boolean(), nested: fc.nat(7), natInner: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(arbPool, { minLength: 20, maxLength: 60 }),
        fc.array(fc.record({ kind: fc.constantFrom('flip' as const, 'remove' as const, 'add' as const, 'uses' as const), at: fc.nat(200) }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        (specs, changes, shared, hosts) => {
          const before: NatPool[] = [];
          specs.forEach((x, i) => {
            before.push({ name: `p${i}`, cidr: `10.0.${i * 3}.0/24`, natOutgoing: x.nat, disabled: false, ...(x.lb ? { allowedUses: ['LoadBalancer'] } : {}) });
            if (x.nested === 0) before.push({ name: `n${i}`, cidr: `10.0.${i * 3}.64/26`, natOutgoing: x.natInner, disabled: false });
          });
          const after = [...before];
          for (const c of changes) {
            const i = c.at % after.length;
            const p = after[i]!;
            if (c.kind === 'remove') after.splice(i, 1);
            else if (c.kind === 'flip') after[i] = { ...p, natOutgoing: !p.natOutgoing };
            else if (c.kind === 'uses') after[i] = { ...p, allowedUses: p.allowedUses ? ['Workload'] : ['LoadBalancer'] };
            else after.push({ name: `a${c.at}`, cidr: `10.0.${(c.at % 180) + 1}.128/25`, natOutgoing: c.at % 2 === 0, disabled: false });
          }
          const settings: NatSettings = {
            poolSetName: 'network-ip-pools',
            natOutgoingExclusions: hosts ? 'IPPoolsAndHostIPs' : 'IPPoolsOnly',
            hostIPs: hosts ? ['10.0.4.9', '10.0.30.0/23'] : [],
            randomFully: true,
          };
          const [a, b] = compiledPair(before, settings, after, settings, shared);
          const fa = a.compiledFamily(4)!;
          const fb = b.compiledFamily(4)!;
          expect(alignedSweeps(fa, classFeatures(fa)!, fb, classFeatures(fb)!)).not.toBeNull();
          const fast = diffNatReport(a, b);
          const general = diffNatReport(a, b, { aligned: false });
          expect(fast.regions).toEqual(general.regions);
          expect(fast.poolSets[4]).toEqual(general.poolSets[4]);
        },
      ),
      { numRuns: fcRuns(200) },
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

  it('pools that end at the end of the address space (a bound equal to the family\'s end): the same regions, each range inside the family', () => {
    // pools ending at 2^32 / 2^128 give a bound equal to the family's end, which no interval may start at (a repeated point there once made one)
    const TOP = ['255.255.255.0/24', '255.255.0.0/16', '255.255.255.255/32', '0.0.0.0/0', 'ffff::/16', 'ffff:ffff::/32', '::/0'];
    const pool = fc.record({ cidr: fc.constantFrom(...TOP), natOutgoing: fc.boolean(), lb: fc.boolean() });
    fc.assert(
      fc.property(fc.uniqueArray(pool, { selector: (p) => p.cidr, minLength: 1, maxLength: 5 }), fc.nat(4), fc.boolean(), (ps, at, flip) => {
        const before: NatPool[] = ps.map((p, i) => ({ name: `t${i}`, cidr: p.cidr, natOutgoing: p.natOutgoing, disabled: false, ...(p.lb ? { allowedUses: ['LoadBalancer'] } : {}) }));
        const i = at % before.length;
        const after = flip ? before.map((p, k) => (k === i ? { ...p, natOutgoing: !p.natOutgoing } : p)) : before.filter((_, k) => k !== i);
        const settings: NatSettings = { poolSetName: 'network-ip-pools', natOutgoingExclusions: 'IPPoolsOnly', hostIPs: [], randomFully: false };
        const [a, b] = compiledPair(before, settings, after, settings, true);
        const fast = diffNatReport(a, b);
        expect(fast.regions).toEqual(diffNatReport(a, b, { lookups: true }).regions);
        expect(fast.regions).toEqual(diffNatReport(a, b, { aligned: false }).regions);
        const end = { 4: 2 ** 32 - 1, 6: (1n << 128n) - 1n } as const;
        for (const r of fast.regions) {
          for (const l of [r.src.ranges, r.dst.ranges]) {
            expect(l.bounds.length).toBeGreaterThan(0);
            for (let k = 0; k < l.bounds.length; k += 2) {
              expect(l.bounds[k]! <= l.bounds[k + 1]!).toBe(true);
              expect(l.bounds[k + 1]! <= end[r.family]).toBe(true);
            }
          }
        }
      }),
      { numRuns: fcRuns(100) },
    );
  });
});
