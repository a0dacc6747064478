// covers: src/core/nat/decision.ts, src/core/nat/compiled-nat.ts, src/core/nat/compile.ts, src/core/nat/trace.ts, src/core/nat/flow-query.ts
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileNatModel, decideNat, DEFAULT_NAT_SETTINGS, parseAddr } from '../../../src/core/index.js';
import { mustParseAddr } from '../../support/prefix.js';
import { arbWorld, naive } from './nat-oracle.js';
import { NAT_VECTORS, vectorSettings } from './nat-vectors.js';
import { decide, model, pool } from './support.js';
import { fcRuns } from '../../support/fc-runs.js';

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
      { numRuns: fcRuns(300) },
    );
  });
});
