import { describe, expect, it } from 'vitest';
import { parseIptablesRule, parseNftRule, tokenize } from '../../src/host/live-rule.js';

describe('parseIptablesRule (iptables-save forms)', () => {
  it.each([
    [
      'masquerade with both set matches',
      '-m comment --comment "cali:W_qq_N2KSTWyCvrX" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40network-ip-pools dst -j MASQUERADE --random-fully',
      {
        matches: [
          { kind: 'src-set', set: 'cali40masq-ipam-pools' },
          { kind: 'not-dst-set', set: 'cali40network-ip-pools' },
        ],
        action: { kind: 'masquerade', randomFully: true },
      },
    ],
    [
      'SNAT with ports, -o and -p moved first as iptables-save prints them',
      '-o eth+ -p tcp -m tcp -m comment --comment "cali:x" -m set --match-set s src -j SNAT --to-source 192.168.0.1:99-100',
      {
        matches: [
          { kind: 'out-interface', iface: 'eth+' },
          { kind: 'protocol', protocol: 'tcp' },
          { kind: 'src-set', set: 's' },
        ],
        action: { kind: 'snat', toSource: '192.168.0.1', toPorts: { min: 99, max: 100 }, randomFully: false },
      },
    ],
    ['masquerade with ports', '-p udp -m set --match-set s src -j MASQUERADE --to-ports 99-100', {
      matches: [
        { kind: 'protocol', protocol: 'udp' },
        { kind: 'src-set', set: 's' },
      ],
      action: { kind: 'masquerade', toPorts: { min: 99, max: 100 }, randomFully: false },
    }],
    ['return', '-p tcp -j RETURN', { matches: [{ kind: 'protocol', protocol: 'tcp' }], action: { kind: 'return' } }],
    ['a jump', '-m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING', { matches: [], action: { kind: 'jump', target: 'cali-POSTROUTING' } }],
    ['long forms as Felix writes them', '--out-interface eth0 --jump SNAT --to-source 10.0.0.1 --random-fully', {
      matches: [{ kind: 'out-interface', iface: 'eth0' }],
      action: { kind: 'snat', toSource: '10.0.0.1', randomFully: true },
    }],
  ])('reads %s', (_n, spec, want) => {
    expect(parseIptablesRule(spec)).toEqual({ ok: true, value: want });
  });

  it.each([
    ['a source match by address', '-s 10.0.0.0/8 -j RETURN', /unsupported match "-s"/],
    ['a negated source set', '-m set ! --match-set s src -j MASQUERADE', /unsupported set match/],
    ['an unknown target', '-j LOG --log-prefix x', /unsupported target "LOG --log-prefix x"/],
    ['no target', '-m set --match-set s src', /without a target/],
  ])('refuses %s', (_n, spec, re) => {
    const r = parseIptablesRule(spec);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(re);
  });

  it('tokenize keeps quoted words whole', () => {
    expect(tokenize('-m comment --comment "a b \\"c\\"" -j X')).toEqual(['-m', 'comment', '--comment', 'a b "c"', '-j', 'X']);
  });
});

describe('parseNftRule (nft -j expressions)', () => {
  const saddr = (set: string) => ({ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: `@${set}` } });
  const notDaddr = (set: string) => ({ match: { op: '!=', left: { payload: { protocol: 'ip6', field: 'daddr' } }, right: `@${set}` } });
  const counter = { counter: { packets: 3, bytes: 180 } };

  it.each([
    ['masquerade fully-random', [saddr('m'), notDaddr('p'), counter, { masquerade: { flags: 'fully-random' } }], {
      matches: [
        { kind: 'src-set', set: 'm' },
        { kind: 'not-dst-set', set: 'p' },
      ],
      action: { kind: 'masquerade', randomFully: true },
    }],
    ['plain masquerade', [saddr('m'), counter, { masquerade: null }], { matches: [{ kind: 'src-set', set: 'm' }], action: { kind: 'masquerade', randomFully: false } }],
    [
      'snat with ports, protocol and interface',
      [
        { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'tcp' } },
        { match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'eth0' } },
        counter,
        { snat: { addr: '1.2.3.4', port: { range: [99, 100] }, flags: ['fully-random'] } },
      ],
      {
        matches: [
          { kind: 'protocol', protocol: 'tcp' },
          { kind: 'out-interface', iface: 'eth0' },
        ],
        action: { kind: 'snat', toSource: '1.2.3.4', toPorts: { min: 99, max: 100 }, randomFully: true },
      },
    ],
    ['a namespaced jump', [counter, { jump: { target: 'nat-cali-POSTROUTING' } }], { matches: [], action: { kind: 'jump', target: 'cali-POSTROUTING' } }],
    ['return', [counter, { return: null }], { matches: [], action: { kind: 'return' } }],
  ])('reads %s', (_n, expr, want) => {
    expect(parseNftRule(expr, 'nat-')).toEqual({ ok: true, value: want });
  });

  it.each([
    ['an address match', [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '10.0.0.1' } }, { accept: null }], /unsupported match/],
    ['accept', [{ accept: null }], /unsupported expression/],
    ['no verdict', [counter], /without a verdict/],
  ])('refuses %s', (_n, expr, re) => {
    const r = parseNftRule(expr, 'nat-');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(re);
  });
});
