import { describe, expect, it } from 'vitest';
import { memberTexts, parseIpsetSave, type SavedSet } from '../../src/host/ipset-save.js';

const members = (s: SavedSet | undefined): string[] => memberTexts(s!);

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
    const v4 = r.value.get('cali40masq-ipam-pools')!;
    expect(v4).toMatchObject({ name: 'cali40masq-ipam-pools', type: 'hash:net', family: 'inet', maxelem: 1048576 });
    expect(members(v4)).toEqual(['10.9.0.1', '10.244.0.0/16', '10.0.0.0/8 nomatch']);
    // canonical IPv4 members are keys (address * 64 + length), the rest text
    expect([...v4.keys]).toEqual([(10 * 2 ** 24 + 9 * 2 ** 16 + 1) * 64 + 32, (10 * 2 ** 24 + 244 * 2 ** 16) * 64 + 16, NaN]);
    expect(v4.other).toEqual(['10.0.0.0/8 nomatch']);
    expect(r.value.get('cali60masq-ipam-pools')!.family).toBe('inet6');
    expect(members(r.value.get('cali60masq-ipam-pools'))).toEqual(['fd10:244:0:1::5', 'fd10:244::/64']);
    expect(r.value.get('lst')).toMatchObject({ type: 'list:set', family: null, maxelem: null, other: [] });
    expect(members(r.value.get('lst'))).toEqual([]);
  });

  it('keeps members only of the sets asked for, but every header', () => {
    const r = parseIpsetSave(SAVED, (n) => n === 'foreign');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([...r.value.keys()]).toEqual(['cali60masq-ipam-pools', 'cali40masq-ipam-pools', 'foreign', 'lst']);
    expect(members(r.value.get('cali40masq-ipam-pools'))).toEqual([]);
    expect(members(r.value.get('foreign'))).toEqual(['1.2.3.4']);
  });

  it.each([
    // printed as text, not as keys: exactly as listed
    ['10.0.0.1/32', false],
    ['010.0.0.0/8', false],
    ['10.0.0.0/08', false],
    ['10.0.0.1/24', false],
    ['10.0.0.256', false],
    ['10.0.0', false],
    ['10.0.0.0/33', false],
    ['10.0.0.0/0', false],
    ['0.0.0.0/0', true],
    ['255.255.255.255', true],
    ['10.0.0.0/8', true],
  ])('member %s is a key: %s, and reads back as printed', (m, isKey) => {
    const r = parseIpsetSave(`create s hash:net family inet\nadd s ${m}\n`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = r.value.get('s')!;
    expect(Number.isNaN(s.keys[0]!)).toBe(!isKey);
    expect(memberTexts(s)).toEqual([m]);
  });

  it('reads a thousand members of interleaved sets in order', () => {
    const lines = ['create a hash:net family inet', 'create b hash:net family inet6'];
    for (let i = 0; i < 1000; i++) lines.push(`add a 10.${i >> 8}.${i & 255}.0/24`, `add b fd00:${i.toString(16)}::/64`);
    const r = parseIpsetSave(`${lines.join('\n')}\n`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(memberTexts(r.value.get('a')!)).toEqual(lines.filter((l) => l.startsWith('add a ')).map((l) => l.slice(6)));
    expect(r.value.get('a')!.other).toEqual([]);
    expect(memberTexts(r.value.get('b')!)).toEqual(lines.filter((l) => l.startsWith('add b ')).map((l) => l.slice(6)));
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
