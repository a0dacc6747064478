import { describe, expect, it } from 'vitest';
import { buildNatModel, DEFAULT_NAT_SETTINGS } from '../../src/core/index.js';
import { renderJson } from '../../src/render/index.js';
import { POOLS } from './support.js';

describe('renderJson', () => {
  it('prints the model with CIDR strings, rules with both targets hashes, pools and warnings', () => {
    const r = buildNatModel([...POOLS, { name: 'lb', cidr: '192.168.9.0/24', natOutgoing: false, disabled: false, allowedUses: ['LoadBalancer'] }], DEFAULT_NAT_SETTINGS, {
      families: [4],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = JSON.parse(renderJson(r.value));
    expect(m.settings).toEqual(DEFAULT_NAT_SETTINGS);
    const f = m.families[0];
    expect(f).toMatchObject({ family: 4, active: true });
    expect(f.sets).toEqual([
      { role: 'masq', id: 'masq-ipam-pools', name: 'cali40masq-ipam-pools', members: ['192.168.0.0/16'] },
      { role: 'pools', id: 'network-ip-pools', name: 'cali40network-ip-pools', members: ['192.168.0.0/16'] },
    ]);
    expect(f.chains[2]).toEqual({
      name: 'cali-nat-outgoing',
      rules: [
        {
          matches: [
            { kind: 'src-set', set: 'cali40masq-ipam-pools' },
            { kind: 'not-dst-set', set: 'cali40network-ip-pools' },
          ],
          action: { kind: 'masquerade', randomFully: true },
          hashes: { iptables: 'W_qq_N2KSTWyCvrX', nftables: 'oMLt0S09xBKlYFS5' },
        },
      ],
    });
    expect(f.pools).toEqual([
      { name: 'default-ipv4-ippool', cidr: '192.168.0.0/16', natOutgoing: true, disabled: false, inPoolSet: true },
      { name: 'lb', cidr: '192.168.9.0/24', natOutgoing: false, disabled: false, allowedUses: ['LoadBalancer'], inPoolSet: false },
    ]);
    expect(m.warnings).toEqual([expect.stringContaining('IPPool(lb) CIDR 192.168.9.0/24 overlaps')]);
  });
});
