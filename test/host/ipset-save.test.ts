import { describe, expect, it } from 'vitest';
import { parseIpsetSave } from '../../src/host/ipset-save.js';

// Captured from `ipset save` (ipset 7.17): /32 and /128 members print without a length,
// per-entry options (nomatch) follow the member.
const SAVED = `create cali60masq-ipam-pools hash:net family inet6 hashsize 1024 maxelem 1048576 bucketsize 12 initval 0xfa755d5a
add cali60masq-ipam-pools fd10:244:0:1::5
add cali60masq-ipam-pools fd10:244::/64
create cali40masq-ipam-pools hash:net family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x45bd06d0
add cali40masq-ipam-pools 10.9.0.1
add cali40masq-ipam-pools 10.244.0.0/16
add cali40masq-ipam-pools 10.0.0.0/8 nomatch
create foreign hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xda031bb2
add foreign 1.2.3.4
create lst list:set size 8
`;

describe('parseIpsetSave', () => {
  it('parses headers and members as printed', () => {
    const r = parseIpsetSave(SAVED);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.get('cali40masq-ipam-pools')).toEqual({
      name: 'cali40masq-ipam-pools',
      type: 'hash:net',
      family: 'inet',
      maxelem: 1048576,
      members: ['10.9.0.1', '10.244.0.0/16', '10.0.0.0/8 nomatch'],
    });
    expect(r.value.get('cali60masq-ipam-pools')!.family).toBe('inet6');
    expect(r.value.get('cali60masq-ipam-pools')!.members).toEqual(['fd10:244:0:1::5', 'fd10:244::/64']);
    expect(r.value.get('lst')).toMatchObject({ type: 'list:set', family: null, maxelem: null, members: [] });
  });

  it('keeps members only of the sets asked for, but every header', () => {
    const r = parseIpsetSave(SAVED, (n) => n === 'foreign');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([...r.value.keys()]).toEqual(['cali60masq-ipam-pools', 'cali40masq-ipam-pools', 'foreign', 'lst']);
    expect(r.value.get('cali40masq-ipam-pools')!.members).toEqual([]);
    expect(r.value.get('foreign')!.members).toEqual(['1.2.3.4']);
  });

  it('parses empty output as no sets', () => {
    const r = parseIpsetSave('');
    expect(r.ok && r.value.size).toBe(0);
  });

  it.each([
    ['a member of an undeclared set', 'add nope 1.2.3.4\n', 1, /undeclared set nope/],
    ['a short create line', 'create x\n', 1, /bad create line/],
    ['an unknown line', 'create a hash:ip family inet\nflush a\n', 2, /unexpected line/],
  ])('rejects %s with its line', (_n, text, line, re) => {
    const r = parseIpsetSave(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.line).toBe(line);
      expect(r.error.message).toMatch(re);
    }
  });
});
