import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildNatModel,
  compileNatModel,
  decideNat,
  DEFAULT_NAT_SETTINGS,
  formatPrefix,
  parseAddr,
  type Family,
  type NatDecision,
  type NatModel,
  type NatPool,
  type NatSettings,
} from '../../../src/core/index.js';
import { mustParseAddr } from '../../support/prefix.js';
import { NAT_VECTORS, vectorSettings } from './nat-vectors.js';
import { arbWorld, naive } from './nat-oracle.js';

function model(pools: readonly NatPool[], settings: NatSettings = DEFAULT_NAT_SETTINGS, families?: Family[]): NatModel {
  const r = buildNatModel(pools, settings, families ? { families } : {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function decide(m: NatModel, src: string, dst: string, flow = {}): NatDecision {
  return decideNat(compileNatModel(m), mustParseAddr(src), mustParseAddr(dst), flow);
}

const pool = (name: string, cidr: string, natOutgoing = false, extra: Partial<NatPool> = {}): NatPool => ({
  name,
  cidr,
  natOutgoing,
  disabled: false,
  ...extra,
});

describe('conformance/nat.json, in-process', () => {
  it('has the vectors', () => expect(NAT_VECTORS.length).toBeGreaterThanOrEqual(40));
  it.each(NAT_VECTORS.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const d = decide(model(v.pools, vectorSettings(v)), v.src, v.dst);
    expect({ nat: d.nat, action: d.action, toSource: d.toSource ?? undefined }).toEqual({
      nat: v.expect.nat,
      action: v.expect.action,
      toSource: v.expect.toSource,
    });
    expect(d.reason === 'NAT').toBe(v.expect.nat);
  });
});

describe('buildNatModel: Felix masq_mgr semantics (spec/nat.md §3.3)', () => {
  const members = (m: NatModel, family: Family, role: string): string[] =>
    m.families.find((f) => f.family === family)!.sets.find((s) => s.role === role)!.members.map(formatPrefix);

  it('drops the other family; masq = natOutgoing pools, pool set = all pools', () => {
    const m = model([pool('a', '10.0.0.0/16', true), pool('v6', 'feed:beef::/96', true), pool('b', '10.2.0.0/16')], DEFAULT_NAT_SETTINGS, [4]);
    expect(members(m, 4, 'masq')).toEqual(['10.0.0.0/16']);
    expect(members(m, 4, 'pools')).toEqual(['10.0.0.0/16', '10.2.0.0/16']);
    expect(m.families[0]!.sets.map((s) => s.name)).toEqual(['cali40masq-ipam-pools', 'cali40network-ip-pools']);
  });

  it('ignores disabled for both sets', () => {
    const m = model([pool('old', '10.10.0.0/16', true, { disabled: true })], DEFAULT_NAT_SETTINGS, [4]);
    expect(members(m, 4, 'masq')).toEqual(['10.10.0.0/16']);
    expect(members(m, 4, 'pools')).toEqual(['10.10.0.0/16']);
  });

  it('leaves LoadBalancer-only pools out of network-ip-pools but keeps them in all-ipam-pools', () => {
    const pools = [pool('w', '10.0.0.0/16'), pool('lb', '10.20.0.0/16', true, { allowedUses: ['LoadBalancer'] }), pool('both', '10.1.0.0/16', true, { allowedUses: ['Workload', 'LoadBalancer'] })];
    const current = model(pools, DEFAULT_NAT_SETTINGS, [4]);
    expect(members(current, 4, 'masq')).toEqual(['10.1.0.0/16', '10.20.0.0/16']);
    expect(members(current, 4, 'pools')).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
    const older = model(pools, { ...DEFAULT_NAT_SETTINGS, poolSetName: 'all-ipam-pools' }, [4]);
    expect(older.families[0]!.sets[1]!.name).toBe('cali40all-ipam-pools');
    expect(members(older, 4, 'pools')).toEqual(['10.0.0.0/16', '10.1.0.0/16', '10.20.0.0/16']);
  });

  it('keeps, of identical CIDRs, the pool whose name sorts first, and warns', () => {
    const m = model([pool('b-nat', '10.50.0.0/16', true), pool('a-nonat', '10.50.0.0/16')], DEFAULT_NAT_SETTINGS, [4]);
    expect(m.families[0]!.pools!.map((p) => p.name)).toEqual(['a-nonat']);
    expect(members(m, 4, 'masq')).toEqual([]);
    expect(m.warnings).toEqual([expect.stringContaining('IPPool(b-nat) has the same CIDR as IPPool(a-nonat)')]);
  });

  it('warns about overlaps, pools smaller than their block size and host bits, and uses them anyway', () => {
    const m = model(
      [pool('outer', '10.0.0.0/16', true), pool('inner', '10.0.1.0/24'), pool('tiny', '10.9.0.0/28', true), pool('hostbits', '10.7.0.1/16', true), pool('tiny-off', '10.8.0.0/28', false, { disabled: true })],
      DEFAULT_NAT_SETTINGS,
      [4],
    );
    expect(m.warnings).toEqual([
      expect.stringContaining('IPPool(hostbits) CIDR 10.7.0.1/16 is not strictly masked'),
      expect.stringContaining('IPPool(inner) CIDR 10.0.1.0/24 overlaps with IPPool(outer) CIDR 10.0.0.0/16'),
      expect.stringContaining('IPPool(tiny) CIDR 10.9.0.0/28 is smaller than its block size /26'),
    ]);
    expect(members(m, 4, 'masq')).toEqual(['10.0.0.0/16', '10.7.0.0/16', '10.9.0.0/28']);
  });

  it('finds overlaps and twins within a family only, in any input order', () => {
    const pools = [pool('v6-in', 'fd00:1::/64'), pool('all4', '0.0.0.0/0'), pool('v6', 'fd00::/16'), pool('b', '10.1.0.0/16'), pool('a', '10.1.0.0/16'), pool('low6', '::/1')];
    const m = model(pools);
    expect(m.warnings).toEqual([
      expect.stringContaining('IPPool(a) CIDR 10.1.0.0/16 overlaps with IPPool(all4) CIDR 0.0.0.0/0'),
      expect.stringContaining('IPPool(b) has the same CIDR as IPPool(a) (10.1.0.0/16)'),
      expect.stringContaining('IPPool(v6-in) CIDR fd00:1::/64 overlaps with IPPool(v6) CIDR fd00::/16'),
    ]);
    expect(m.families.map((f) => f.pools!.map((p) => p.name))).toEqual([['all4', 'a'], ['low6', 'v6', 'v6-in']]);
  });

  it('sorts IPv4 pools by address, then length, then name, whatever the input order', () => {
    const pools = [pool('z', '10.0.0.0/8'), pool('b', '10.0.0.0/16'), pool('top', '255.255.255.255/32'), pool('a', '10.0.0.0/16'), pool('m', '9.0.0.0/8'), pool('c', '10.0.0.0/8'), pool('zero', '0.0.0.0/0')];
    const m = model(pools, DEFAULT_NAT_SETTINGS, [4]);
    expect(m.families[0]!.pools!.map((p) => `${p.name} ${p.cidr}`)).toEqual(['zero 0.0.0.0/0', 'm 9.0.0.0/8', 'c 10.0.0.0/8', 'a 10.0.0.0/16', 'top 255.255.255.255/32']);
    expect(m.warnings.filter((w) => w.includes('same CIDR'))).toEqual([
      expect.stringContaining('IPPool(z) has the same CIDR as IPPool(c)'),
      expect.stringContaining('IPPool(b) has the same CIDR as IPPool(a)'),
    ]);
  });

  it('builds all-hosts-net only with IPPoolsAndHostIPs, per family; CIDRs for IPv4 only', () => {
    const settings: NatSettings = { ...DEFAULT_NAT_SETTINGS, natOutgoingExclusions: 'IPPoolsAndHostIPs', hostIPs: ['10.0.0.11', '10.0.0.11', '192.168.5.0/24', 'fd00::11'] };
    const m = model([pool('a', '10.244.0.0/16', true)], settings);
    expect(members(m, 4, 'hosts')).toEqual(['10.0.0.11/32', '192.168.5.0/24']);
    expect(members(m, 6, 'hosts')).toEqual(['fd00::11/128']);
    expect(model([pool('a', '10.244.0.0/16', true)]).families[0]!.sets.map((s) => s.role)).toEqual(['masq', 'pools']);
    const v6cidr = buildNatModel([], { ...settings, hostIPs: ['fd00::/64'] });
    expect(v6cidr.ok ? null : v6cidr.error.kind).toBe('host-ip-invalid');
  });

  it('programs the chains Felix does: two jumps, an empty fip chain, nat-outgoing only while active', () => {
    const active = model([pool('a', '10.0.0.0/16', true)], DEFAULT_NAT_SETTINGS, [4]).families[0]!;
    expect(active.chains.map((c) => [c.name, c.rules.length])).toEqual([
      ['cali-POSTROUTING', 2],
      ['cali-fip-snat', 0],
      ['cali-nat-outgoing', 1],
    ]);
    expect(active.kernelAppends).toEqual([{ chain: 'POSTROUTING', rules: [{ matches: [], action: { kind: 'jump', target: 'cali-POSTROUTING' } }] }]);
    const inactive = model([pool('a', '10.0.0.0/16')], DEFAULT_NAT_SETTINGS, [4]).families[0]!;
    expect(inactive.active).toBe(false);
    expect(inactive.chains[2]!.rules).toEqual([]);
  });

  it('refuses NATOutgoingAddress for an IPv6 family with natOutgoing pools, not for an idle one', () => {
    const settings = { ...DEFAULT_NAT_SETTINGS, natOutgoingAddress: '192.168.0.1' };
    const r = buildNatModel([pool('v6', 'fd00::/64', true)], settings);
    expect(r.ok ? null : r.error.kind).toBe('nat-address-ipv6');
    expect(buildNatModel([pool('v6', 'fd00::/64', true)], settings, { families: [4] }).ok).toBe(true);
    expect(buildNatModel([pool('v6', 'fd00::/64')], settings).ok).toBe(true);
  });

  it('refuses an unparsable CIDR, naming the pool', () => {
    const r = buildNatModel([pool('bad', '10.0.0.0/33')], DEFAULT_NAT_SETTINGS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'cidr-invalid', pool: 'bad' });
  });
});

describe('decideNat: explain details', () => {
  const pools = [pool('pods', '10.244.0.0/16', true), pool('no-nat', '172.16.0.0/12', false, { disabled: true })];

  it('names the pools, the reason and the rule text, and traces the walk', () => {
    const m = model(pools, DEFAULT_NAT_SETTINGS, [4]);
    const c = compileNatModel(m, { ruleText: (family, chain, index) => `${family}/${chain}/${index}` });
    const d = c.decide(mustParseAddr('10.244.1.5'), mustParseAddr('172.16.3.4'));
    expect(d).toMatchObject({
      src: '10.244.1.5',
      dst: '172.16.3.4',
      family: 4,
      nat: false,
      action: 'none',
      toSource: null,
      srcPool: { name: 'pods', cidr: '10.244.0.0/16', natOutgoing: true, disabled: false },
      dstPool: { name: 'no-nat', cidr: '172.16.0.0/12', natOutgoing: false, disabled: true },
      reason: 'DST_IN_POOL',
      rule: null,
    });
    expect(d.trace.map((s) => [s.step, s.result])).toEqual([
      ['src and dst are one family', true],
      ['POSTROUTING jumps to cali-POSTROUTING', true],
      ['cali-POSTROUTING jumps to cali-fip-snat', true],
      ['cali-POSTROUTING jumps to cali-nat-outgoing', true],
      ['src in cali40masq-ipam-pools', true],
      ['dst not in cali40network-ip-pools', false],
    ]);
    const nat = c.decide(mustParseAddr('10.244.1.5'), mustParseAddr('1.1.1.1'));
    expect(nat.rule).toBe('4/cali-nat-outgoing/0');
    expect(nat.trace.at(-1)).toMatchObject({ step: 'MASQUERADE', result: true });
  });

  it('says NO_NAT_POOLS when the family has no natOutgoing pool, and why in the trace', () => {
    const d = decide(model([pool('p', '10.0.0.0/16')], DEFAULT_NAT_SETTINGS, [4]), '10.0.0.5', '8.8.8.8');
    expect(d.reason).toBe('NO_NAT_POOLS');
    expect(d.trace.at(-1)).toMatchObject({ step: 'cali-POSTROUTING jumps to cali-nat-outgoing', detail: expect.stringContaining('empty') });
  });

  it('says FAMILY_MISMATCH for mixed families', () => {
    const d = decide(model(pools), '10.244.1.5', 'fd00::1');
    expect(d).toMatchObject({ nat: false, reason: 'FAMILY_MISMATCH', srcPool: null, dstPool: null });
    expect(d.trace).toEqual([expect.objectContaining({ step: 'src and dst are one family', result: false })]);
  });

  it('applies the interface filter: assumed to match without --out-interface, "+" is a prefix wildcard', () => {
    const m = model(pools, { ...DEFAULT_NAT_SETTINGS, interfaceFilter: 'eth+' }, [4]);
    const assumed = decide(m, '10.244.1.5', '1.1.1.1');
    expect(assumed.nat).toBe(true);
    expect(assumed.trace.find((s) => s.step === 'egress interface matches eth+')!.detail).toContain('assuming it does');
    expect(decide(m, '10.244.1.5', '1.1.1.1', { outInterface: 'eth1' }).nat).toBe(true);
    expect(decide(m, '10.244.1.5', '1.1.1.1', { outInterface: 'wlan0' })).toMatchObject({ nat: false, reason: 'OUT_INTERFACE_NOT_MATCHED' });
    const exact = model(pools, { ...DEFAULT_NAT_SETTINGS, interfaceFilter: 'eth0' }, [4]);
    expect(decide(exact, '10.244.1.5', '1.1.1.1', { outInterface: 'eth01' }).nat).toBe(false);
  });

  it('with a port range, tcp and udp flows fire their own rule, others the last one', () => {
    const m = model(pools, { ...DEFAULT_NAT_SETTINGS, natOutgoingAddress: '203.0.113.1', natPortRange: { min: 1024, max: 2047 } }, [4]);
    const c = compileNatModel(m, { ruleText: (_f, chain, index) => `${chain}#${index}` });
    const src = mustParseAddr('10.244.1.5');
    const dst = mustParseAddr('1.1.1.1');
    expect(c.decide(src, dst, { protocol: 'tcp' })).toMatchObject({ action: 'SNAT', toSource: '203.0.113.1', rule: 'cali-nat-outgoing#0' });
    expect(c.decide(src, dst, { protocol: 'udp' }).rule).toBe('cali-nat-outgoing#2');
    expect(c.decide(src, dst, { protocol: 'icmp' }).rule).toBe('cali-nat-outgoing#4');
    expect(c.decide(src, dst).rule).toBe('cali-nat-outgoing#4');
    expect(c.decide(mustParseAddr('10.0.0.1'), dst, { protocol: 'tcp' }).reason).toBe('SRC_NOT_IN_NAT_POOL');
  });
});

describe.each([4, 6] as const)('buildNatModel does not depend on the order of the pools (IPv%i)', (family) => {
  it('gives the same pools, sets and warnings for any permutation', () => {
    fc.assert(
      fc.property(arbWorld(family), fc.array(fc.nat(), { maxLength: 10 }), ({ pools, settings }, swaps) => {
        const shuffled = [...pools];
        const n = shuffled.length;
        for (const [k, x] of n > 1 ? swaps.entries() : []) [shuffled[k % n], shuffled[x % n]] = [shuffled[x % n]!, shuffled[k % n]!];
        const a = model(pools, settings);
        const b = model(shuffled, settings);
        expect(b.families).toEqual(a.families);
        expect([...b.warnings].sort()).toEqual([...a.warnings].sort());
      }),
      { numRuns: 300 },
    );
  });
});

describe.each([4, 6] as const)('decideNat = the Felix predicate as a linear scan (IPv%i)', (family) => {
  it('for random pools, settings and flows', () => {
    fc.assert(
      fc.property(arbWorld(family), ({ pools, settings, flows }) => {
        const compiled = compileNatModel(model(pools, settings));
        for (const [s, d] of flows) {
          const src = parseAddr(s);
          const dst = parseAddr(d);
          if (!src.ok || !dst.ok) throw new Error('bad generator');
          const got = decideNat(compiled, src.value, dst.value);
          expect({ nat: got.nat, action: got.action, toSource: got.toSource, reason: got.reason, srcPool: got.srcPool?.name ?? null, dstPool: got.dstPool?.name ?? null }).toEqual(
            naive(pools, settings, src.value, dst.value),
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
