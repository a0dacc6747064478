import { describe, expect, it } from 'vitest';
import { parseNftTable } from '../../src/host/nft-json.js';
import { mustParseAddr } from '../support/prefix.js';

// Captured from `nft -j list table ip6 calico` (nftables 1.0.6).
const LISTED = `{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "ip6", "name": "calico", "handle": 1}}, {"set": {"family": "ip6", "name": "cali60masq-ipam-pools", "table": "calico", "type": "ipv6_addr", "handle": 3, "flags": ["interval"], "elem": [{"range": ["fd10:98::1", "fd10:98::5"]}, "fd10:99::1", {"prefix": {"addr": "fd10:244::", "len": 64}}]}}, {"set": {"family": "ip6", "name": "empty", "table": "calico", "type": "ipv6_addr", "handle": 6, "flags": ["interval"]}}, {"chain": {"family": "ip6", "table": "calico", "name": "nat-POSTROUTING", "handle": 1, "type": "nat", "hook": "postrouting", "prio": 110, "policy": "accept"}}, {"chain": {"family": "ip6", "table": "calico", "name": "nat-cali-POSTROUTING", "handle": 2}}, {"rule": {"family": "ip6", "table": "calico", "chain": "nat-POSTROUTING", "handle": 4, "comment": "cali:z057H0Z77Fcko47w;", "expr": [{"counter": {"packets": 0, "bytes": 0}}, {"jump": {"target": "nat-cali-POSTROUTING"}}]}}, {"rule": {"family": "ip6", "table": "calico", "chain": "nat-cali-POSTROUTING", "handle": 5, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": "@cali60masq-ipam-pools"}}, {"counter": {"packets": 0, "bytes": 0}}, {"masquerade": null}]}}]}`;

const v6 = (s: string): bigint => mustParseAddr(s).value;

describe('parseNftTable', () => {
  it('parses sets with range, address and prefix elements, base and regular chains, rules with hashes', () => {
    const r = parseNftTable(LISTED);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const t = r.value;
    expect(t.family).toBe('ip6');
    expect(t.name).toBe('calico');
    const s = t.sets.get('cali60masq-ipam-pools')!;
    expect(s.type).toBe('ipv6_addr');
    expect(s.flags).toEqual(['interval']);
    // as sorted, merged ranges
    expect(s.ranges).toEqual({ family: 6, bounds: [v6('fd10:98::1'), v6('fd10:98::5'), v6('fd10:99::1'), v6('fd10:99::1'), v6('fd10:244::'), v6('fd10:244::') | ((1n << 64n) - 1n)] });
    expect(t.sets.get('empty')!.ranges).toEqual({ family: 6, bounds: [] });
    expect(t.chains.get('nat-POSTROUTING')).toMatchObject({ type: 'nat', hook: 'postrouting', prio: 110, policy: 'accept' });
    expect(t.chains.get('nat-cali-POSTROUTING')!.type).toBeUndefined();
    expect(t.chains.get('nat-POSTROUTING')!.rules.map((x) => x.hash)).toEqual(['z057H0Z77Fcko47w']);
    expect(t.chains.get('nat-cali-POSTROUTING')!.rules).toMatchObject([{ comment: null, hash: null }]);
  });

  it.each([
    ['invalid JSON', '{', /invalid JSON/],
    ['no nftables array', '{}', /no "nftables" array/],
    ['no table', '{"nftables": [{"metainfo": {}}]}', /no table/],
    ['a rule for an unlisted chain', '{"nftables": [{"table": {"family": "ip", "name": "t"}}, {"rule": {"chain": "c", "expr": []}}]}', /unlisted chain c/],
    [
      'an element of the other family',
      '{"nftables": [{"table": {"family": "ip", "name": "t"}}, {"set": {"name": "s", "type": "ipv4_addr", "elem": ["fd00::1"]}}]}',
      /not understood/,
    ],
  ])('rejects %s', (_n, text, re) => {
    const r = parseNftTable(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(re);
  });
});
