import { describe, expect, it } from 'vitest';
import { buildNatModel, DEFAULT_NAT_SETTINGS } from '../../src/core/index.js';
import { nftScript } from '../../src/host/apply-nftables.js';
import { desiredNftables } from '../../src/host/desired-from-model.js';
import type { Change } from '../../src/host/plan.js';

// applyNftables itself (nft -c, then one nft -f) runs against the kernel in
// test/integration/kernel/nat-apply-safety.test.ts.
const r = buildNatModel([{ name: 'nat', cidr: '10.244.0.0/16', natOutgoing: true, disabled: false }], DEFAULT_NAT_SETTINGS);
if (!r.ok) throw new Error(r.error.message);

describe('nftScript (one nft -f transaction)', () => {
  const nft = desiredNftables(r.value);
  it('replaces only the tables of changed families: add (so delete cannot fail), delete, the rendered table', () => {
    const s = nftScript(nft, [{ kind: 'table', family: 6, name: 'ip6 calico', op: 'create' }]);
    expect(s.startsWith('add table ip6 calico\ndelete table ip6 calico\n')).toBe(true);
    expect(s).toContain(nft[1]!.script().trimEnd());
    expect(s).not.toContain('table ip calico');
    const both = nftScript(nft, [
      { kind: 'set', family: 4, name: 'cali40masq-ipam-pools', op: 'update', add: [], remove: [] },
      { kind: 'table', family: 6, name: 'ip6 calico', op: 'create' },
    ]);
    expect(both.indexOf('delete table ip calico')).toBeLessThan(both.indexOf('delete table ip6 calico'));
  });

  it('the check script (nft -c) has the same chains and rules with empty sets', () => {
    const changes: Change[] = [{ kind: 'table', family: 4, name: 'ip calico', op: 'create' }];
    const full = nftScript(nft, changes);
    const check = nftScript(nft, changes, true);
    expect(full).toContain('10.244.0.0/16');
    expect(check).not.toContain('10.244.0.0/16');
    const rules = (t: string) => t.split('\n').filter((l) => l.includes('comment "cali:'));
    expect(rules(check)).toEqual(rules(full));
    expect(rules(check).length).toBeGreaterThan(0);
  });
});
