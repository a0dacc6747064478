import { describe, expect, it } from 'vitest';
import { buildNatModel, DEFAULT_NAT_SETTINGS } from '../../src/core/index.js';
import { ipsetCreateLine, renderIpset } from '../../src/render/index.js';
import { POOLS } from './support.js';

describe('renderIpset', () => {
  const model = (() => {
    const r = buildNatModel(
      [...POOLS, { name: 'no-nat', cidr: '10.0.0.0/8', natOutgoing: false, disabled: true }],
      { ...DEFAULT_NAT_SETTINGS, natOutgoingExclusions: 'IPPoolsAndHostIPs', hostIPs: ['10.0.0.11'] },
    );
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  })();

  it('creates every set of every family as Felix does (hash:net, maxelem 1048576) and adds the members', () => {
    expect(renderIpset(model)).toBe(
      [
        'create cali40masq-ipam-pools hash:net family inet maxelem 1048576',
        'add cali40masq-ipam-pools 192.168.0.0/16',
        'create cali40network-ip-pools hash:net family inet maxelem 1048576',
        'add cali40network-ip-pools 10.0.0.0/8',
        'add cali40network-ip-pools 192.168.0.0/16',
        'create cali40all-hosts-net hash:net family inet maxelem 1048576',
        'add cali40all-hosts-net 10.0.0.11/32',
        'create cali60masq-ipam-pools hash:net family inet6 maxelem 1048576',
        'add cali60masq-ipam-pools fd00:10:244::/64',
        'create cali60network-ip-pools hash:net family inet6 maxelem 1048576',
        'add cali60network-ip-pools fd00:10:244::/64',
        'create cali60all-hosts-net hash:net family inet6 maxelem 1048576',
        '',
      ].join('\n'),
    );
  });

  it('with swap, fills a temporary set per main set and swaps it in', () => {
    const lines = renderIpset(model, { swap: true }).split('\n');
    expect(lines.slice(0, 6)).toEqual([
      `${ipsetCreateLine('cali40masq-ipam-pools', 4)} -exist`,
      'create cali4t0 hash:net family inet maxelem 1048576 -exist',
      'flush cali4t0',
      'add cali4t0 192.168.0.0/16',
      'swap cali40masq-ipam-pools cali4t0',
      'destroy cali4t0',
    ]);
    expect(lines).toContain('swap cali60network-ip-pools cali6t1');
  });
});
