import { describe, expect, it } from 'vitest';
import { compileNatModel, decideNat, livePools, modelDrift, type FamilyNatModel, type NatModel } from '../../../src/core/index.js';
import { mustParseAddr } from '../../support/prefix.js';
import { model, pool } from './support.js';

// covers: src/core/nat/drift.ts

/** kernel is a model as host/live-model.ts reads one back: the desired one with its pools dropped and sets edited. */
function kernel(m: NatModel, edit: (f: FamilyNatModel) => Partial<FamilyNatModel> = () => ({})): NatModel {
  return {
    ...m,
    families: m.families.map((f) => {
      const { pools: _p, ...rest } = f;
      return { ...rest, ...edit(f) };
    }),
  };
}

const pools = [pool('default-ipv4-ippool', '10.244.0.0/16', true), pool('no-nat-172-16', '172.16.0.0/12', false, { disabled: true })];

describe('modelDrift', () => {
  it('finds nothing when the kernel holds what the pools ask for', () => {
    const m = model(pools);
    expect(modelDrift(m, kernel(m))).toEqual([]);
  });

  it('names the pool whose CIDR a kernel set lacks, and members no pool has', () => {
    const m = model(pools);
    const live = kernel(m, (f) => ({
      sets: f.sets.map((s) => (s.role === 'pools' && f.family === 4 ? { ...s, members: [s.members[0]!, { family: 4, value: 0x0a630000n, bits: 16 }] } : s)),
    }));
    expect(modelDrift(m, live).map((d) => d.text)).toEqual([
      'cali40network-ip-pools lacks 172.16.0.0/12 (IPPool no-nat-172-16)',
      'cali40network-ip-pools has 10.99.0.0/16, which no IPPool has there',
    ]);
  });

  it('reports rules that differ and a missing POSTROUTING jump', () => {
    const m = model([pools[0]!]);
    const snat = model([pools[0]!], { ...m.settings, natOutgoingAddress: '192.0.2.1' });
    const live = kernel(m, (f) => ({ chains: snat.families.find((x) => x.family === f.family)!.chains, kernelAppends: [] }));
    expect(modelDrift(m, live).map((d) => d.text)).toEqual([
      'cali-nat-outgoing: the kernel has 1 rule (SNAT to 192.0.2.1), the pools\' settings give 1 rule (MASQUERADE)',
      'POSTROUTING does not jump to cali-POSTROUTING: no NAT rule of poolctl or Felix runs',
    ]);
  });
});

describe('livePools and explain after drift', () => {
  it('never says "in no pool" beside DST_IN_POOL: a kernel member no IPPool has is named as a set member', () => {
    const m = model(pools);
    // the kernel's pool set has 10.99.0.0/16 and lacks the no-NAT pool
    const live = kernel(m, (f) => ({
      sets: f.sets.map((s) => (s.role === 'pools' && f.family === 4 ? { ...s, members: [s.members[0]!, { family: 4, value: 0x0a630000n, bits: 16 }] } : s)),
    }));
    const named: NatModel = { ...live, families: live.families.map((f) => ({ ...f, pools: livePools(f, m.families.find((x) => x.family === f.family)) })) };
    const toOrphan = decideNat(compileNatModel(named), mustParseAddr('10.244.1.5'), mustParseAddr('10.99.1.1'));
    expect(toOrphan.reason).toBe('DST_IN_POOL');
    expect(toOrphan.dstPool).toMatchObject({ cidr: '10.99.0.0/16', orphan: true });
    const step = toOrphan.trace.find((s) => s.step.startsWith('dst not in'))!;
    expect(step.detail).toContain('10.99.0.0/16, which no IPPool has (drift)');
    expect(JSON.stringify(toOrphan.trace)).not.toContain('in no pool');
    // the no-NAT pool's range is NATed by this kernel, and explained as such
    const toLost = decideNat(compileNatModel(named), mustParseAddr('10.244.1.5'), mustParseAddr('172.16.0.1'));
    expect([toLost.nat, toLost.dstPool]).toEqual([true, null]);
    expect(toLost.srcPool).toMatchObject({ name: 'default-ipv4-ippool' });
  });
});
