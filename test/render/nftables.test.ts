import { describe, expect, it } from 'vitest';
import { buildNatModel, DEFAULT_NAT_SETTINGS, type NatPool } from '../../src/core/index.js';
import { nftChains, nftSetElements, renderNftables } from '../../src/render/index.js';
import { modelFor, POOLS, RENDER_VECTORS } from './support.js';

describe('nftables renderer: every render.json vector, byte for byte', () => {
  const vectors = RENDER_VECTORS.filter((v) => v.target === 'nftables');
  it('has vectors', () => expect(vectors.length).toBeGreaterThan(10));
  it.each(vectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const model = modelFor(v);
    const chain = nftChains(model.families[0]!).find((c) => c.name === v.chain);
    expect(chain).toBeDefined();
    expect(Boolean(chain!.base)).toBe(v.appendedToKernelChain);
    expect(chain!.rules).toEqual(v.rules);
    expect(chain!.hashes).toEqual(v.hashes);
    const lines = renderNftables(model).split('\n').map((l) => l.trim());
    for (const rule of v.rules) expect(lines).toContain(rule);
  });
});

describe('renderNftables', () => {
  const pools: NatPool[] = [
    { name: 'outer', cidr: '10.0.0.0/16', natOutgoing: true, disabled: false },
    { name: 'inner', cidr: '10.0.1.0/24', natOutgoing: false, disabled: false },
    { name: 'low-half', cidr: '10.1.0.0/25', natOutgoing: false, disabled: false },
    { name: 'high-half', cidr: '10.1.0.128/25', natOutgoing: false, disabled: false },
    { name: 'v6', cidr: 'fd00:1::/64', natOutgoing: false, disabled: false },
    { name: 'v6-inner', cidr: 'fd00:1::/80', natOutgoing: false, disabled: false },
  ];

  it('merges overlapping and adjacent set members into the minimal prefix list', () => {
    const r = buildNatModel(pools, DEFAULT_NAT_SETTINGS);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [v4, v6] = r.value.families;
    const poolSet4 = v4!.sets.find((s) => s.role === 'pools')!;
    // The hash:net model keeps every pool; the nft interval set merges them.
    expect(poolSet4.members).toHaveLength(4);
    expect(nftSetElements(poolSet4)).toEqual(['10.0.0.0/16', '10.1.0.0/24']);
    expect(nftSetElements(v6!.sets.find((s) => s.role === 'pools')!)).toEqual(['fd00:1::/64']);
  });

  it('writes one transaction that declares, flushes, then fills the sets and chains', () => {
    const r = buildNatModel(pools, DEFAULT_NAT_SETTINGS, { families: [4] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(renderNftables(r.value)).toBe(
      [
        "# IPv4: nft -f input; creates or replaces poolctl's sets and chains in table ip calico",
        'table ip calico {',
        '\tset cali40masq-ipam-pools { type ipv4_addr; flags interval; }',
        '\tset cali40network-ip-pools { type ipv4_addr; flags interval; }',
        '\tchain nat-POSTROUTING { type nat hook postrouting priority srcnat + 10; policy accept; }',
        '\tchain nat-cali-POSTROUTING { }',
        '\tchain nat-cali-fip-snat { }',
        '\tchain nat-cali-nat-outgoing { }',
        '}',
        'flush set ip calico cali40masq-ipam-pools',
        'flush set ip calico cali40network-ip-pools',
        'flush chain ip calico nat-POSTROUTING',
        'flush chain ip calico nat-cali-POSTROUTING',
        'flush chain ip calico nat-cali-fip-snat',
        'flush chain ip calico nat-cali-nat-outgoing',
        'table ip calico {',
        '\tset cali40masq-ipam-pools {',
        '\t\ttype ipv4_addr',
        '\t\tflags interval',
        '\t\telements = {',
        '\t\t\t10.0.0.0/16',
        '\t\t}',
        '\t}',
        '\tset cali40network-ip-pools {',
        '\t\ttype ipv4_addr',
        '\t\tflags interval',
        '\t\telements = {',
        '\t\t\t10.0.0.0/16,',
        '\t\t\t10.1.0.0/24',
        '\t\t}',
        '\t}',
        '\tchain nat-POSTROUTING {',
        '\t\ttype nat hook postrouting priority srcnat + 10; policy accept;',
        '\t\tcounter jump nat-cali-POSTROUTING comment "cali:z057H0Z77Fcko47w;"',
        '\t}',
        '\tchain nat-cali-POSTROUTING {',
        '\t\tcounter jump nat-cali-fip-snat comment "cali:tyzVzs_JgnIisxS6;"',
        '\t\tcounter jump nat-cali-nat-outgoing comment "cali:_Ye9aC74uuE93XON;"',
        '\t}',
        '\tchain nat-cali-fip-snat {',
        '\t}',
        '\tchain nat-cali-nat-outgoing {',
        '\t\tip saddr @cali40masq-ipam-pools ip daddr != @cali40network-ip-pools counter masquerade fully-random comment "cali:oMLt0S09xBKlYFS5;"',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('omits the elements of an empty set (nft rejects "elements = { }")', () => {
    const r = buildNatModel(POOLS.filter((p) => p.cidr.includes('.')), DEFAULT_NAT_SETTINGS, { families: [6] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const text = renderNftables(r.value);
    expect(text).toContain('table ip6 calico {');
    expect(text).not.toContain('elements');
    expect(text).toContain('\tchain nat-cali-nat-outgoing {\n\t}');
  });
});
