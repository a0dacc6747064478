import { describe, expect, it } from 'vitest';
import { buildNatModel, compileNatModel, DEFAULT_NAT_SETTINGS, FlowScanner, type NatPool } from '../../src/core/index.js';
import { CsvFlowWriter, formatDecisionText, TableFlowWriter } from '../../src/render/index.js';
import { mustParseAddr } from '../support/prefix.js';

const pools: NatPool[] = [
  { name: 'pods', cidr: '10.244.0.0/16', natOutgoing: true, disabled: false },
  { name: 'odd,"name"', cidr: '172.16.0.0/12', natOutgoing: false, disabled: true },
  { name: 'pods6', cidr: 'fd00:10:244::/64', natOutgoing: false, disabled: false },
];

function compiled(settings = DEFAULT_NAT_SETTINGS) {
  const r = buildNatModel(pools, settings, { families: [4, 6] });
  if (!r.ok) throw new Error(r.error.message);
  return compileNatModel(r.value);
}

describe('CsvFlowWriter', () => {
  it('writes the header and one row per flow, quoting cells that need it', () => {
    const c = compiled({ ...DEFAULT_NAT_SETTINGS, natOutgoingAddress: '203.0.113.1' });
    const w = new CsvFlowWriter(c, 64); // small, so it has to grow
    new FlowScanner(c).scan('10.244.1.5 1.1.1.1\n10.244.1.5 172.16.0.9\nfd00:10:244:0:0::7 2001:db8::1\n', (l, q) => w.row(l, q));
    expect(new TextDecoder().decode(w.take())).toBe(
      [
        'src,dst,nat,action,toSource,srcPool,dstPool,reason',
        '10.244.1.5,1.1.1.1,true,SNAT,203.0.113.1,pods,,NAT',
        '10.244.1.5,172.16.0.9,false,none,,pods,"odd,""name""",DST_IN_POOL',
        'fd00:10:244::7,2001:db8::1,false,none,,pods6,,NO_NAT_POOLS',
        '',
      ].join('\n'),
    );
    expect(w.length).toBe(0);
  });
});

describe('TableFlowWriter', () => {
  it('aligns columns on the header and the first rows', () => {
    const c = compiled();
    const t = new TableFlowWriter(c);
    const rows: string[][] = [];
    new FlowScanner(c).scan('10.244.1.5 1.1.1.1\n10.0.0.1 8.8.8.8\n', (l, q) => rows.push(t.cells(l, q)));
    expect(t.rows(rows)).toBe(
      [
        'SRC          DST       NAT     ACTION       TO-SOURCE   SRC-POOL   DST-POOL   REASON',
        '10.244.1.5   1.1.1.1   true    MASQUERADE   -           pods       -          NAT',
        '10.0.0.1     8.8.8.8   false   none         -           -          -          SRC_NOT_IN_NAT_POOL',
        '',
      ].join('\n'),
    );
  });
});

describe('formatDecisionText', () => {
  it('puts the verdict and what happens to the source first', () => {
    const d = compiled().decide(mustParseAddr('10.244.1.5'), mustParseAddr('172.16.0.9'));
    const lines = formatDecisionText(d).split('\n');
    expect(lines[0]).toBe('10.244.1.5 -> 172.16.0.9: no NAT (DST_IN_POOL)');
    expect(lines[1]).toBe('  the source stays 10.244.1.5: the destination is in an IP pool');
    expect(lines).toContain('  dst   172.16.0.9  in IPPool odd,"name" 172.16.0.0/12 (natOutgoing false, disabled)');
    expect(lines).toContain('    no   dst not in cali40network-ip-pools: 172.16.0.9 is in IPPool(odd,"name") 172.16.0.0/12 (natOutgoing false, disabled); traffic to a pool keeps its source');
  });
});
