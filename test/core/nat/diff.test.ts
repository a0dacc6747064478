import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileNatModel, decideNat, diffNat, formatAddr, regionContains, type Addr, type Family, type NatPool, type NatSettings } from '../../../src/core/index.js';
import { rangeCidrs } from '../../../src/core/net/range-list.js';
import { mustParseAddr } from '../../support/prefix.js';
import { arbWorld } from './nat-oracle.js';
import { model, pool } from './support.js';

// covers: src/core/nat/diff.ts

/** compiled compiles the pools' model with each rule's JSON as its text, so explain's `rule` shows its ports and interface. */
function compiled(pools: readonly NatPool[], settings?: NatSettings) {
  return compileNatModel(model(pools, settings), { ruleText: (_f, _chain, _i, rule) => JSON.stringify(rule) });
}

/** world is a random world with two of Felix's settings that change only the action varied too: ports and the interface filter. */
const world = (family: Family) =>
  fc
    .tuple(arbWorld(family), fc.option(fc.constantFrom({ min: 1000, max: 2000 }, { min: 5, max: 9 })), fc.option(fc.constantFrom('eth+', 'eth0')))
    .map(([w, ports, iface]) => ({
      ...w,
      settings: { ...w.settings, ...(ports ? { natPortRange: ports } : {}), ...(iface ? { interfaceFilter: iface } : {}) },
    }));

/** verdict is what explain says of a flow, as the diff compares it: for a protocol-less flow and for tcp. */
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

describe('diffNat', () => {
  it('adding a no-NAT pool: pods of the NAT pool to the new pool go from NAT to no NAT, nothing else changes', () => {
    const base = [pool('default-ipv4-ippool', '10.244.0.0/16', true)];
    const regions = diffNat(compiled(base), compiled([...base, pool('no-nat-172-16', '172.16.0.0/12', false, { disabled: true })]));
    expect(regions).toHaveLength(1);
    const r = regions[0]!;
    expect(rangeCidrs(r.src.ranges)).toEqual(['10.244.0.0/16']);
    expect(rangeCidrs(r.dst.ranges)).toEqual(['172.16.0.0/12']);
    expect([r.before.nat, r.after.nat, r.after.reason]).toEqual([true, false, 'DST_IN_POOL']);
    expect(r.src.after.map((p) => p.name)).toEqual(['default-ipv4-ippool']);
    expect(r.dst.after.map((p) => p.name)).toEqual(['no-nat-172-16']);
  });

  it("turning natOutgoing off: the pool's pods to everything outside the pools", () => {
    const other = pool('other', '192.168.0.0/16', true);
    const regions = diffNat(compiled([pool('p', '10.244.0.0/16', true), other]), compiled([pool('p', '10.244.0.0/16', false), other]));
    expect(regions).toHaveLength(1);
    expect(rangeCidrs(regions[0]!.src.ranges)).toEqual(['10.244.0.0/16']);
    // every IPv4 address but the two pools
    expect(rangeCidrs(regions[0]!.dst.ranges)).toContain('0.0.0.0/5');
    expect(rangeCidrs(regions[0]!.dst.ranges)).not.toContain('10.244.0.0/16');
    expect(regions.every((r) => r.family === 4)).toBe(true);
  });

  it('no change gives no region', () => {
    const pools = [pool('a', '10.0.0.0/16', true), pool('b', 'fd00::/48', true)];
    expect(diffNat(compiled(pools), compiled([...pools].reverse()))).toEqual([]);
  });

  it('property: a flow changes verdict exactly when it is in a region, and in one region only', () => {
    for (const family of [4, 6] as Family[]) {
      fc.assert(
        fc.property(world(family), world(family), fc.array(fc.tuple(anyAddr(family), anyAddr(family)), { maxLength: 4 }), ({ pools: before, settings: s1, flows }, { pools: after, settings: s2 }, far) => {
          const mb = compiled(before, s1);
          const ma = compiled(after, s2);
          const regions = diffNat(mb, ma);
          for (const [x, y] of [...flows, ...far]) {
            const src = mustParseAddr(x);
            const dst = mustParseAddr(y);
            const changed = verdict(mb, src, dst) !== verdict(ma, src, dst);
            const holding = regions.filter((r) => regionContains(r, src, dst)).length;
            if (holding !== (changed ? 1 : 0)) {
              throw new Error(`${formatAddr(src)} -> ${formatAddr(dst)}: changed ${changed}, in ${holding} regions`);
            }
          }
        }),
      );
    }
  });
});
