import { describe, expect, it } from 'vitest';
import { formatChanges } from '../../src/host/format-changes.js';
import { planIptablesFamily, type Change } from '../../src/host/plan.js';
import { mustParsePrefix } from '../support/prefix.js';

const CHANGES: Change[] = [
  { kind: 'set', family: 4, name: 'cali40network-ip-pools', op: 'update', add: ['10.99.0.0/16', '10.98.0.0/16'], remove: ['10.1.0.0/16'], header: 'maxelem 65536, want 1048576' },
  { kind: 'chain', family: 4, name: 'cali-nat-outgoing', op: 'rewrite', add: ['-A cali-nat-outgoing X'], remove: ['-A cali-nat-outgoing -s 10.0.0.0/8 -j RETURN'], reorder: false },
  { kind: 'jump', family: 4, chain: 'POSTROUTING', op: 'append', line: '-A POSTROUTING J' },
  { kind: 'jump', family: 4, chain: 'POSTROUTING', op: 'delete', line: '-A POSTROUTING J', reason: 'duplicate' },
];

describe('formatChanges', () => {
  it('plan mode: what apply does, per family, with + and - lines', () => {
    expect(formatChanges(CHANGES, { backend: 'iptables', families: [4, 6], mode: 'plan', maxItems: 10 })).toBe(
      [
        'IPv4 (iptables):',
        '  ipset cali40network-ip-pools: update (+2 -1 members); maxelem 65536, want 1048576',
        '      + 10.99.0.0/16',
        '      + 10.98.0.0/16',
        '      - 10.1.0.0/16',
        '  chain nat cali-nat-outgoing: rewrite',
        '      + -A cali-nat-outgoing X',
        '      - -A cali-nat-outgoing -s 10.0.0.0/8 -j RETURN',
        '  chain nat POSTROUTING: append jump',
        '      + -A POSTROUTING J',
        '  chain nat POSTROUTING: delete duplicate jump',
        '      - -A POSTROUTING J',
        'IPv6 (iptables): no changes',
        '',
      ].join('\n'),
    );
  });

  it("counts a new set's members from the plan, listing only the capped ones", () => {
    const [created] = planIptablesFamily(
      {
        family: 4,
        sets: [{ name: 'cali40masq-ipam-pools', ipsetFamily: 'inet', type: 'hash:net', maxelem: 1048576, members: ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16'].map(mustParsePrefix), create: 'create cali40masq-ipam-pools hash:net family inet maxelem 1048576' }],
        chains: [],
        appends: [],
      },
      { family: 4, sets: new Map(), nat: null },
      [],
    );
    const opts = { backend: 'iptables', families: [4], mode: 'plan' } as const;
    expect(formatChanges([created!], { ...opts, maxItems: 0 })).toBe('IPv4 (iptables):\n  ipset cali40masq-ipam-pools: create (+3 members)\n');
    expect(formatChanges([created!], { ...opts, maxItems: 1 })).toBe('IPv4 (iptables):\n  ipset cali40masq-ipam-pools: create (+3 members)\n      + 10.1.0.0/16\n      ... and 2 more\n');
  });

  it('drift mode: how the kernel differs; the cap on listed items', () => {
    const text = formatChanges(CHANGES, { backend: 'iptables', families: [4, 6], mode: 'drift', maxItems: 1 });
    expect(text).toContain('  ipset cali40network-ip-pools: differs (+2 -1 members); maxelem 65536, want 1048576\n      + 10.99.0.0/16\n      ... and 2 more\n');
    expect(text).toContain('  chain nat POSTROUTING: jump missing\n');
    expect(text).toContain('  chain nat POSTROUTING: duplicate jump\n');
    expect(text).toContain('IPv6 (iptables): in sync\n');
  });

  it('nftables names sets and namespaced chains without the nat table prefix; 0 items lists headings only', () => {
    const text = formatChanges(
      [
        { kind: 'table', family: 6, name: 'ip6 calico', op: 'create' },
        { kind: 'set', family: 6, name: 'cali60masq-ipam-pools', op: 'create', add: ['fd10::/64'], remove: [] },
        { kind: 'chain', family: 6, name: 'nat-cali-nat-outgoing', op: 'create', add: ['x'], remove: [], reorder: false },
      ],
      { backend: 'nftables', families: [6], mode: 'plan', maxItems: 0 },
    );
    expect(text).toBe(
      'IPv6 (nftables):\n  table ip6 calico: create\n  set cali60masq-ipam-pools: create (+1 member)\n  chain nat-cali-nat-outgoing: create\n',
    );
  });

  it('names what status and apply found under unchanged hashes: an altered rule, a misplaced jump, a set of another type, a temporary set', () => {
    const found: Change[] = [
      { kind: 'set', family: 4, name: 'cali40masq-ipam-pools', op: 'replace', add: ['10.244.0.0/16'], remove: ['10.244.0.2'], header: 'type hash:ip family inet, want hash:net family inet' },
      { kind: 'set', family: 4, name: 'cali4t0', op: 'delete', add: [], remove: [], reason: 'temporary' },
      { kind: 'chain', family: 4, name: 'cali-nat-outgoing', op: 'rewrite', add: ['-A cali-nat-outgoing M'], remove: ['-A cali-nat-outgoing A'], reorder: false, altered: true },
      { kind: 'jump', family: 4, chain: 'POSTROUTING', op: 'move', line: '-A POSTROUTING J', saved: '-A POSTROUTING j', position: 1, of: 3 },
    ];
    expect(formatChanges(found, { backend: 'iptables', families: [4], mode: 'drift', maxItems: 5 })).toBe(
      [
        'IPv4 (iptables):',
        '  ipset cali40masq-ipam-pools: differs (+1 -1 members); another type; type hash:ip family inet, want hash:net family inet',
        '      + 10.244.0.0/16',
        '      - 10.244.0.2',
        '  ipset cali4t0: unexpected; a temporary set left by an interrupted apply',
        "  chain nat cali-nat-outgoing: differs; a rule's body differs from what its cali: hash stands for (edited by hand)",
        '      + -A cali-nat-outgoing M',
        '      - -A cali-nat-outgoing A',
        '  chain nat POSTROUTING: jump not last (rule 1 of 3; Felix appends it after every other rule)',
        '      - -A POSTROUTING j',
        '      + -A POSTROUTING J',
        '',
      ].join('\n'),
    );
    expect(formatChanges(found, { backend: 'iptables', families: [4], mode: 'plan', maxItems: 0 })).toBe(
      [
        'IPv4 (iptables):',
        '  ipset cali40masq-ipam-pools: replace (+1 -1 members); another type: its rules move to a temporary set meanwhile; type hash:ip family inet, want hash:net family inet',
        '  ipset cali4t0: delete; a temporary set left by an interrupted apply',
        "  chain nat cali-nat-outgoing: rewrite; a rule's body differs from what its cali: hash stands for (edited by hand)",
        '  chain nat POSTROUTING: move jump to the end (now rule 1 of 3)',
        '',
      ].join('\n'),
    );
  });
});
