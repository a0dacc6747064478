import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileNatModel,
  decideNat,
  DEFAULT_NAT_SETTINGS,
  diffNat,
  formatAddr,
  PoolCauses,
  poolsByName,
  regionCauses,
  regionContains,
  type Addr,
  type Family,
  type NatDiffRegion,
  type NatPool,
  type NatSettings,
} from '../../../src/core/index.js';
import { rangeCidrs } from '../../../src/core/net/range-list.js';
import { fcRuns } from '../../support/fc-runs.js';
import { mustParseAddr } from '../../support/prefix.js';
import { arbWorld } from './nat-oracle.js';
import { model, pool } from './support.js';

// covers: src/core/nat/diff.ts, src/core/nat/diff-causes.ts

/**
 * compiled compiles the pools' model with a text per rule that shows what the rule does to a
 * flow (its action, SNAT target, ports and interface filter; not the names of the sets it
 * tests, nor --random-fully, which changes no verdict), so explain's `rule` tells behaviours apart.
 */
function compiled(pools: readonly NatPool[], settings?: NatSettings) {
  return compileNatModel(model(pools, settings), {
    ruleText: (_f, _chain, _i, rule) => {
      const a = rule.action;
      const iface = rule.matches.find((m) => m.kind === 'out-interface');
      return JSON.stringify([a.kind, 'toSource' in a ? a.toSource : null, 'toPorts' in a ? a.toPorts : null, iface?.kind === 'out-interface' ? iface.iface : null]);
    },
  });
}

/** world is a random world with two of Felix's settings that change only the action varied too: ports and the interface filter. */
const world = (family: Family) =>
  fc
    .tuple(arbWorld(family), fc.option(fc.constantFrom({ min: 1000, max: 2000 }, { min: 5, max: 9 })), fc.option(fc.constantFrom('eth+', 'eth0')))
    .map(([w, ports, iface]) => ({
      ...w,
      settings: { ...w.settings, ...(ports ? { natPortRange: ports } : {}), ...(iface ? { interfaceFilter: iface } : {}) },
    }));

/** verdict is what explain says of a flow, as the diff compares it: the decision for a protocol-less flow, tcp and udp. */
function verdict(m: ReturnType<typeof compiled>, src: Addr, dst: Addr): string {
  const d = decideNat(m, src, dst);
  const t = decideNat(m, src, dst, { protocol: 'tcp' });
  const u = decideNat(m, src, dst, { protocol: 'udp' });
  return JSON.stringify([d.nat, d.action, d.toSource, t.rule, u.rule, d.rule]);
}

/** anyAddr is any address of the family (most far from the small world's pools). */
const anyAddr = (family: Family) =>
  family === 4
    ? fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((v) => formatAddr({ family: 4, value: BigInt(v) }))
    : fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((v) => formatAddr({ family: 6, value: v }));

/** edges returns the addresses at each end of a region side's ranges and right outside them (within the family). */
function edges(r: NatDiffRegion, side: 'src' | 'dst'): Addr[] {
  const bs = r[side].ranges.bounds;
  const max = r.family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
  const out: Addr[] = [];
  for (let i = 0; i < bs.length && i < 8; i += 2) {
    for (const v of [BigInt(bs[i]!) - 1n, BigInt(bs[i]!), BigInt(bs[i + 1]!), BigInt(bs[i + 1]!) + 1n]) {
      if (v >= 0n && v <= max) out.push({ family: r.family, value: v });
    }
  }
  return out;
}

/** causesOf lists a region's causes as texts. */
function causesOf(r: NatDiffRegion, before: ReturnType<typeof compiled>, after: ReturnType<typeof compiled>, s1 = DEFAULT_NAT_SETTINGS, s2 = s1): string[] {
  return regionCauses(r, poolsByName(before.pools(r.family)), poolsByName(after.pools(r.family)), { before: s1, after: s2 }).map((c) => c.text);
}

describe('diffNat: worked cases from Calico\'s "Configure outgoing NAT"', () => {
  const defaultPool = pool('default-ipv4-ippool', '192.168.0.0/16', true);
  const noNat = pool('no-nat-10.0.0.0-8', '10.0.0.0/8', false, { disabled: true });

  it('adding a disabled no-NAT pool: pods of the NAT pool to its CIDR go from NAT to no NAT, nothing else changes', () => {
    const before = compiled([defaultPool]);
    const after = compiled([defaultPool, noNat]);
    const regions = diffNat(before, after);
    expect(regions).toHaveLength(1);
    const r = regions[0]!;
    expect(rangeCidrs(r.src.ranges)).toEqual(['192.168.0.0/16']);
    expect(r.src.whole).toBe(true);
    expect(rangeCidrs(r.dst.ranges)).toEqual(['10.0.0.0/8']);
    expect([r.before.nat, r.after.nat, r.after.reason]).toEqual([true, false, 'DST_IN_POOL']);
    expect(r.src.after.map((p) => p.name)).toEqual(['default-ipv4-ippool']);
    expect(r.dst.changed.map((c) => c.after?.name)).toEqual(['no-nat-10.0.0.0-8']);
    expect(causesOf(r, before, after)).toEqual(['new pool no-nat-10.0.0.0-8, disabled']);
  });

  it("turning natOutgoing off: the pool's pods to everything outside the pools, caused by that pool", () => {
    const before = compiled([defaultPool, noNat]);
    const after = compiled([{ ...defaultPool, natOutgoing: false }, noNat]);
    const regions = diffNat(before, after);
    expect(regions).toHaveLength(1);
    const r = regions[0]!;
    expect(rangeCidrs(r.src.ranges)).toEqual(['192.168.0.0/16']);
    const dst = rangeCidrs(r.dst.ranges);
    expect(dst).toContain('0.0.0.0/5');
    expect(dst).toContain('11.0.0.0/8');
    expect(dst.some((c) => c.startsWith('10.') || c.startsWith('192.168.'))).toBe(false);
    expect([r.before.action, r.after.action, r.after.reason]).toEqual(['MASQUERADE', 'none', 'NO_NAT_POOLS']);
    expect(causesOf(r, before, after)).toEqual(['default-ipv4-ippool: natOutgoing true → false']);
  });

  it('removing the no-NAT pool: NAT to its CIDR again', () => {
    const before = compiled([defaultPool, noNat]);
    const after = compiled([defaultPool]);
    const regions = diffNat(before, after);
    expect(regions).toHaveLength(1);
    expect([rangeCidrs(regions[0]!.src.ranges), rangeCidrs(regions[0]!.dst.ranges)]).toEqual([['192.168.0.0/16'], ['10.0.0.0/8']]);
    expect([regions[0]!.before.nat, regions[0]!.after.nat]).toEqual([false, true]);
    expect(causesOf(regions[0]!, before, after)).toEqual(['pool no-nat-10.0.0.0-8 removed']);
  });

  it('removing a NAT pool: its pods stop being NATed, and other pods are NATed to its CIDR', () => {
    const other = pool('other', '172.20.0.0/16', true);
    const before = compiled([defaultPool, other]);
    const after = compiled([defaultPool]);
    const regions = diffNat(before, after);
    expect(regions.map((r) => [rangeCidrs(r.src.ranges).join(' '), r.dst.changed.length > 0 ? rangeCidrs(r.dst.ranges).join(' ') : 'outside', r.before.nat, r.after.nat])).toEqual([
      ['172.20.0.0/16', 'outside', true, false],
      ['192.168.0.0/16', '172.20.0.0/16', false, true],
    ]);
    for (const r of regions) expect(causesOf(r, before, after)).toEqual(['pool other removed']);
    // with the diff's PoolCauses, the two regions share the pool's one cause, the same as without
    const known = new PoolCauses();
    const [pb, pa] = [poolsByName(before.pools(4)), poolsByName(after.pools(4))];
    const causes = regions.map((r) => regionCauses(r, pb, pa, { before: DEFAULT_NAT_SETTINGS, after: DEFAULT_NAT_SETTINGS }, known));
    expect(causes).toEqual(regions.map((r) => regionCauses(r, pb, pa, { before: DEFAULT_NAT_SETTINGS, after: DEFAULT_NAT_SETTINGS })));
    expect(causes[1]![0]).toBe(causes[0]![0]);
  });

  it('a no-NAT pool for LoadBalancer only is no NAT exception since v3.31.6 (network-ip-pools), but is with all-ipam-pools', () => {
    const lb = pool('no-nat-lb', '10.0.0.0/8', false, { allowedUses: ['LoadBalancer'] });
    expect(diffNat(compiled([defaultPool]), compiled([defaultPool, lb]))).toEqual([]);
    const old: NatSettings = { ...DEFAULT_NAT_SETTINGS, poolSetName: 'all-ipam-pools' };
    const regions = diffNat(compiled([defaultPool], old), compiled([defaultPool, lb], old));
    expect(regions.map((r) => rangeCidrs(r.dst.ranges))).toEqual([['10.0.0.0/8']]);
  });

  it('a Felix setting changed: SNAT target and ports, caused by the setting', () => {
    const s2: NatSettings = { ...DEFAULT_NAT_SETTINGS, natOutgoingAddress: '192.0.2.1', natPortRange: { min: 1024, max: 2047 } };
    const before = compiled([defaultPool]);
    const after = compiled([defaultPool], s2);
    const regions = diffNat(before, after);
    expect(regions).toHaveLength(1);
    expect([regions[0]!.before.action, regions[0]!.after.action, regions[0]!.after.toSource, regions[0]!.after.tcpPorts]).toEqual(['MASQUERADE', 'SNAT', '192.0.2.1', { min: 1024, max: 2047 }]);
    expect(causesOf(regions[0]!, before, after, DEFAULT_NAT_SETTINGS, s2)).toEqual(['natOutgoingAddress unset → 192.0.2.1', 'natPortRange unset → 1024:2047']);
  });

  it('no change gives no region (order of pools, disabled flag and other families aside)', () => {
    const pools = [pool('a', '10.0.0.0/16', true), pool('b', 'fd00::/48', true)];
    expect(diffNat(compiled(pools), compiled([...pools].reverse()))).toEqual([]);
    expect(diffNat(compiled(pools), compiled(pools.map((p) => ({ ...p, disabled: true }))))).toEqual([]);
  });
});

describe('diffNat: the property (the predicate nat explain uses decides)', () => {
  it('a flow changes verdict exactly when it is in a region, and then in one region only', () => {
    for (const family of [4, 6] as Family[]) {
      fc.assert(
        fc.property(world(family), world(family), fc.array(fc.tuple(anyAddr(family), anyAddr(family)), { maxLength: 4 }), ({ pools: before, settings: s1, flows }, { pools: after, settings: s2 }, far) => {
          const mb = compiled(before, s1);
          const ma = compiled(after, s2);
          const regions = diffNat(mb, ma);
          const check = (src: Addr, dst: Addr): void => {
            const changed = verdict(mb, src, dst) !== verdict(ma, src, dst);
            const holding = regions.filter((r) => regionContains(r, src, dst)).length;
            if (holding !== (changed ? 1 : 0)) throw new Error(`${formatAddr(src)} -> ${formatAddr(dst)}: changed ${changed}, in ${holding} regions`);
          };
          for (const [x, y] of [...flows, ...far]) check(mustParseAddr(x), mustParseAddr(y));
          // The regions' own edges, and the addresses right outside them: where an off-by-one would show.
          for (const r of regions.slice(0, 6)) {
            const srcs = edges(r, 'src');
            const dsts = edges(r, 'dst');
            for (const s of srcs) for (const d of dsts) check(s, d);
          }
        }),
        { numRuns: fcRuns(100) },
      );
    }
  });
});

describe('diffNat: 10,000 pools', () => {
  /** pools10k makes 10,000 IPv4 /26 pools, half natOutgoing; flip turns natOutgoing around on every 100th. */
  const pools10k = (flip: boolean): NatPool[] =>
    Array.from({ length: 10_000 }, (_, i) => pool(`pool-${i}`, `10.${i >> 10}.${(i >> 2) & 255}.${(i & 3) * 64}/26`, (i % 2 === 0) !== (flip && i % 100 === 0)));

  it('100 pools with natOutgoing turned off: 100 regions, one per pool, to everything outside the pools', () => {
    const before = compiled(pools10k(false));
    const after = compiled(pools10k(true));
    const regions = diffNat(before, after);
    expect(regions).toHaveLength(100);
    const outside = rangeCidrs(regions[0]!.dst.ranges);
    for (const [k, r] of regions.entries()) {
      const i = k * 100;
      expect(rangeCidrs(r.src.ranges)).toEqual([`10.${i >> 10}.${(i >> 2) & 255}.${(i & 3) * 64}/26`]);
      expect(r.src.changed.map((c) => c.after?.name)).toEqual([`pool-${i}`]);
      expect([r.before.nat, r.after.nat]).toEqual([true, false]);
      // all share one destination side
      expect(r.dst).toBe(regions[0]!.dst);
    }
    expect(outside).toContain('11.0.0.0/8');
    expect(outside).not.toContain('10.0.0.0/26');
    // explain agrees at the edges: a changed pool's pods and an unchanged one's
    const a = (s: string) => mustParseAddr(s);
    expect([decideNat(before, a('10.0.25.0'), a('1.1.1.1')).nat, decideNat(after, a('10.0.25.0'), a('1.1.1.1')).nat]).toEqual([true, false]);
    expect(regions.some((r) => regionContains(r, a('10.0.25.128'), a('1.1.1.1')))).toBe(false);
    expect(decideNat(after, a('10.0.25.128'), a('1.1.1.1')).nat).toBe(true);
  });
});
