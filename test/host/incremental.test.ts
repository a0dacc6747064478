import { describe, expect, it } from 'vitest';
import { buildNatModel, DEFAULT_NAT_SETTINGS, type NatPool, type NatSettings } from '../../src/core/index.js';
import { nftInput } from '../../src/host/apply-incremental.js';
import { planIncremental, programmedOf, setMembers } from '../../src/host/incremental.js';

const pool = (name: string, cidr: string, natOutgoing = false): NatPool => ({ name, cidr, natOutgoing, disabled: false });

function state(backend: 'iptables' | 'nftables', pools: NatPool[], settings: NatSettings = DEFAULT_NAT_SETTINGS) {
  const m = buildNatModel(pools, settings, { families: [4, 6] });
  if (!m.ok) throw new Error(m.error.message);
  return programmedOf(backend, m.value);
}

describe('planIncremental', () => {
  const base = [pool('a', '10.1.0.0/16', true), pool('b', '10.2.0.0/16')];

  it('the same pools: nothing to write', () => {
    for (const b of ['iptables', 'nftables'] as const) {
      const p = planIncremental(state(b, base), state(b, [...base].reverse()))!;
      expect(p.sets).toEqual([]);
      expect(p.chains).toEqual([]);
    }
  });

  it('iptables: a pool added is one member in each set it belongs to, and no chain', () => {
    const p = planIncremental(state('iptables', base), state('iptables', [...base, pool('c', '10.3.0.0/16', true)]))!;
    expect(p.sets.map((s) => [s.name, s.add, s.remove])).toEqual([
      ['cali40masq-ipam-pools', ['10.3.0.0/16'], []],
      ['cali40network-ip-pools', ['10.3.0.0/16'], []],
    ]);
    expect(p.chains).toEqual([]);
  });

  it('iptables: the first natOutgoing pool of a family fills its cali-nat-outgoing chain; the last one empties it', () => {
    const on = planIncremental(state('iptables', base), state('iptables', [...base, pool('v6', 'fd00::/64', true)]))!;
    expect(on.chains.map((c) => [c.family, c.name, c.add.length, c.remove.length])).toEqual([[6, 'cali-nat-outgoing', 1, 0]]);
    expect(on.chains[0]!.add[0]).toMatch(/cali60masq-ipam-pools src .* --jump MASQUERADE --random-fully$/);
    const off = planIncremental(state('iptables', base), state('iptables', [pool('a', '10.1.0.0/16', false), base[1]!]))!;
    expect(off.sets.map((s) => [s.name, s.add, s.remove])).toEqual([['cali40masq-ipam-pools', [], ['10.1.0.0/16']]]);
    expect(off.chains.map((c) => [c.name, c.add.length, c.remove.length])).toEqual([['cali-nat-outgoing', 0, 1]]);
  });

  it('nftables: elements change as the merged prefixes do (adjacent pools join)', () => {
    const prev = state('nftables', [pool('a', '10.0.0.0/25', true)]);
    const next = state('nftables', [pool('a', '10.0.0.0/25', true), pool('b', '10.0.0.128/25', true)]);
    const p = planIncremental(prev, next)!;
    expect(p.sets.map((s) => [s.name, s.add, s.remove])).toEqual([
      ['cali40masq-ipam-pools', ['10.0.0.0/24'], ['10.0.0.0/25']],
      ['cali40network-ip-pools', ['10.0.0.0/24'], ['10.0.0.0/25']],
    ]);
    expect(nftInput(p)).toBe(
      'delete element ip calico cali40masq-ipam-pools { 10.0.0.0/25 }\n' +
        'delete element ip calico cali40network-ip-pools { 10.0.0.0/25 }\n' +
        'add element ip calico cali40masq-ipam-pools { 10.0.0.0/24 }\n' +
        'add element ip calico cali40network-ip-pools { 10.0.0.0/24 }\n',
    );
    expect(setMembers(next).find((s) => s.set === 'cali40masq-ipam-pools')!.members).toBe(1);
  });

  it('nftables: a chain whose rules change is flushed and refilled in the same transaction', () => {
    const p = planIncremental(state('nftables', []), state('nftables', [pool('a', '10.1.0.0/16', true)]))!;
    const text = nftInput(p);
    expect(text).toContain('flush chain ip calico nat-cali-nat-outgoing\n');
    expect(text).toMatch(/add rule ip calico nat-cali-nat-outgoing ip saddr @cali40masq-ipam-pools .* comment "cali:oMLt0S09xBKlYFS5;"\n/);
  });

  it('a change of set names or backend cannot be written incrementally: null', () => {
    const old = state('iptables', base, { ...DEFAULT_NAT_SETTINGS, poolSetName: 'all-ipam-pools' });
    expect(planIncremental(old, state('iptables', base))).toBeNull();
    expect(planIncremental(state('nftables', base), state('iptables', base))).toBeNull();
  });
});
