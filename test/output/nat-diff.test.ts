import { describe, expect, it } from 'vitest';
import { buildNatModel, compileNatModel, DEFAULT_NAT_SETTINGS, diffNat, poolsByName, rangesOf, regionCauses, type CompiledNat, type NatPool } from '../../src/core/index.js';
import { formatNatDiffGitHub, formatNatDiffJson, formatNatDiffText, type NatDiffReport } from '../../src/output/nat-diff.js';

// covers: src/output/nat-diff.ts

function compiled(pools: readonly NatPool[]): CompiledNat {
  const m = buildNatModel(pools, DEFAULT_NAT_SETTINGS);
  if (!m.ok) throw new Error(m.error.message);
  return compileNatModel(m.value);
}

const p = (name: string, cidr: string, natOutgoing: boolean): NatPool => ({ name, cidr, natOutgoing, disabled: false });

/** report diffs two pool lists as the workflow does (pool set of both states, causes; positions from a table). */
function report(before: NatPool[], after: NatPool[], lines: Record<string, number> = {}): NatDiffReport {
  const cb = compiled(before);
  const ca = compiled(after);
  const entries = diffNat(cb, ca).map((region) => ({
    region,
    causes: regionCauses(region, poolsByName(cb.pools(region.family)), poolsByName(ca.pools(region.family)), { before: DEFAULT_NAT_SETTINGS, after: DEFAULT_NAT_SETTINGS }),
  }));
  const poolSet = (f: 4 | 6) => rangesOf(f, [...cb.pools(f), ...ca.pools(f)].filter((x) => x.inPoolSet).map((x) => x.prefix));
  return {
    before: 'a.yaml',
    after: 'b.yaml',
    entries,
    poolSets: { 4: poolSet(4), 6: poolSet(6) },
    locate: (c) => (c.pool && lines[c.pool.name] ? { file: `${c.pool.state}.yaml`, line: lines[c.pool.name]!, column: 3 } : undefined),
  };
}

const MANY = ['a', 'b', 'c', 'd', 'e'].map((n, i) => p(n, `10.${i}.0.0/16`, true));

describe('nat diff printers', () => {
  it('text: unchanged pools stay together, listed by number and the first few; the changed one is named with its cause', () => {
    const r = report(MANY, [...MANY, p('no-nat', '172.16.0.0/12', false)]);
    expect(formatNatDiffText(r)).toBe(
      [
        '--- a.yaml',
        '+++ b.yaml',
        'IPv4:',
        '  pods of 5 pools (a (10.0.0.0/16), b (10.1.0.0/16), c (10.2.0.0/16), ...) → 172.16.0.0/12: NAT → no NAT (new pool no-nat)',
        '1 change in NAT behaviour',
        '',
      ].join('\n'),
    );
  });

  it('text: a pool partly covered by a more specific changed pool is named with the part concerned', () => {
    const outer = p('outer', '10.0.0.0/16', false);
    const r = report([outer], [outer, p('inner', '10.0.1.0/24', true)]);
    expect(formatNatDiffText(r)).toContain('  pods of inner (10.0.1.0/24) → any IPv4 destination outside the IP pools: no NAT → NAT (new pool inner, natOutgoing)\n');
    // the outer pool's pods outside the inner one are a part of it
    const carved = report([p('outer', '10.0.0.0/16', true)], [p('outer', '10.0.0.0/16', true), p('inner', '10.0.1.0/24', false)]);
    expect(formatNatDiffText(carved)).toBe('--- a.yaml\n+++ b.yaml\nno change in NAT behaviour\n');
    const part = report([p('outer', '10.0.0.0/16', true)], [p('outer', '10.0.0.0/16', false), p('inner', '10.0.1.0/24', true)]);
    expect(formatNatDiffText(part)).toContain(
      '  pods of outer (10.0.0.0/16) in 8 ranges (10.0.0.0/24, 10.0.2.0/23, 10.0.4.0/22, ...) → any IPv4 destination outside the IP pools: NAT → no NAT (outer: natOutgoing true → false)\n',
    );
  });

  it('github: one warning per causing line, listing its regions; the summary last', () => {
    const r = report(MANY, [...MANY.slice(1), p('no-nat', '172.16.0.0/12', false)], { a: 1, 'no-nat': 8 });
    const out = formatNatDiffGitHub(r).split('\n');
    expect(out.filter((l) => l.startsWith('::warning file=before.yaml,line=1,col=3,'))).toHaveLength(1);
    const added = out.filter((l) => l.startsWith('::warning file=after.yaml,line=8,col=3,title=NAT behaviour changes (2 regions)::'));
    expect(added).toHaveLength(1);
    expect(added[0]).toContain('%0AIPv4: pods of b (10.1.0.0/16), c (10.2.0.0/16), d (10.3.0.0/16), e (10.4.0.0/16) → 172.16.0.0/12: NAT → no NAT (new pool no-nat)');
    expect(out.at(-2)).toMatch(/^\d+ changes in NAT behaviour$/);
  });

  it('json: exact CIDRs on both sides, verdicts and located causes', () => {
    const doc = JSON.parse(formatNatDiffJson(report([MANY[0]!], [{ ...MANY[0]!, natOutgoing: false }], { a: 7 }))) as { regions: Record<string, any>[] };
    expect(doc.regions).toHaveLength(1);
    expect(doc.regions[0]!.src).toEqual({ cidrs: ['10.0.0.0/16'], pools: { before: ['a'], after: ['a'] }, changedPools: ['a'] });
    expect(doc.regions[0]!.dst.cidrs).toContain('11.0.0.0/8');
    expect(doc.regions[0]!.causes).toEqual([{ text: 'a: natOutgoing true → false', pool: 'a', state: 'after', file: 'after.yaml', line: 7, column: 3 }]);
  });
});
