import { describe, expect, it } from 'vitest';
import { buildNatModel, DEFAULT_NAT_SETTINGS, formatPrefix, type NatModel } from '../../src/core/index.js';
import { desiredIptables, desiredNftables, parseBaseChain } from '../../src/host/desired-from-model.js';
import { renderIpset, renderIptables, renderNftables } from '../../src/render/index.js';

function model(): NatModel {
  const r = buildNatModel(
    [
      { name: 'nat', cidr: '10.244.0.0/16', natOutgoing: true, disabled: false },
      { name: 'half-a', cidr: '10.99.0.0/17', natOutgoing: false, disabled: true },
      { name: 'half-b', cidr: '10.99.128.0/17', natOutgoing: false, disabled: true },
      { name: 'nat6', cidr: 'fd10:244::/64', natOutgoing: true, disabled: false },
    ],
    DEFAULT_NAT_SETTINGS,
  );
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('desiredIptables', () => {
  it('holds exactly the lines nat render prints: sets, owned chains, the POSTROUTING append', () => {
    const [v4, v6] = desiredIptables(model());
    expect(v4!.family).toBe(4);
    expect(v6!.family).toBe(6);
    expect(v4!.sets.map((s) => [s.name, s.type, s.ipsetFamily, s.maxelem, s.members.map(formatPrefix)])).toEqual([
      ['cali40masq-ipam-pools', 'hash:net', 'inet', 1048576, ['10.244.0.0/16']],
      ['cali40network-ip-pools', 'hash:net', 'inet', 1048576, ['10.99.0.0/17', '10.99.128.0/17', '10.244.0.0/16']],
    ]);
    const ipset = renderIpset(model());
    for (const s of [...v4!.sets, ...v6!.sets]) {
      expect(ipset).toContain(`${s.create}\n`);
      for (const m of s.members) expect(ipset).toContain(`add ${s.name} ${formatPrefix(m)}\n`);
    }
    expect(v4!.chains.map((c) => c.name)).toEqual(['cali-POSTROUTING', 'cali-fip-snat', 'cali-nat-outgoing']);
    expect(v4!.chains[2]!.hashes).toEqual(['W_qq_N2KSTWyCvrX']);
    expect(v4!.appends).toEqual([
      { chain: 'POSTROUTING', hash: '0i8pjzKKPyA34aQD', line: '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" --jump cali-POSTROUTING' },
    ]);
    const rendered = renderIptables(model()).split('\n').filter((l) => l.startsWith('-A '));
    const mine = [v4!, v6!].flatMap((f) => [...f.chains.flatMap((c) => c.lines), ...f.appends.map((a) => a.line)]);
    expect([...mine].sort()).toEqual([...rendered].sort());
  });
});

describe('desiredNftables', () => {
  it("loads each family's table as nat render prints it, with merged set ranges and the base chain's numeric priority", () => {
    const [v4, v6] = desiredNftables(model());
    expect(v4!.script()).toBe(renderNftables({ ...model(), families: [model().families[0]!] }));
    expect(renderNftables(model())).toBe(v4!.script() + v6!.script());
    expect(v4!.tableFamily).toBe('ip');
    expect(v6!.tableFamily).toBe('ip6');
    expect(v4!.tableName).toBe('calico');
    // the two /17 halves are one range, as nft lists them
    expect(v4!.sets[1]!.ranges.bounds).toHaveLength(4);
    expect(v4!.chains[0]).toMatchObject({ name: 'nat-POSTROUTING', base: { type: 'nat', hook: 'postrouting', prio: 110, policy: 'accept' } });
    expect(v4!.chains[0]!.hashes).toEqual(['z057H0Z77Fcko47w']);
    expect(v4!.chains.find((c) => c.name === 'nat-cali-nat-outgoing')!.hashes).toEqual(['oMLt0S09xBKlYFS5']);
  });
});

describe('parseBaseChain', () => {
  it.each([
    ['type nat hook postrouting priority srcnat + 10; policy accept;', 110],
    ['type nat hook prerouting priority dstnat; policy accept;', -100],
    ['type filter hook input priority filter - 5; policy drop;', -5],
    ['type nat hook output priority 110; policy accept;', 110],
    ['type nat hook output priority -100; policy accept;', -100],
  ])('%s -> %i', (spec, prio) => {
    expect(parseBaseChain(spec).prio).toBe(prio);
  });

  it('throws on what it does not know (a renderer bug, not user input)', () => {
    expect(() => parseBaseChain('type nat hook output priority bogus; policy accept;')).toThrow(/priority/);
    expect(() => parseBaseChain('nonsense')).toThrow(/base chain/);
  });
});
