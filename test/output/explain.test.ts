import { describe, expect, it } from 'vitest';
import { buildNatModel, compileNatModel, DEFAULT_NAT_SETTINGS, FlowScanner, type NatPool } from '../../src/core/index.js';
import { CsvFlowWriter, EXPLAIN_CSV_HEADER, formatDecisionJson, formatDecisionText, TableFlowWriter } from '../../src/output/explain.js';
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
  const text = (t: TableFlowWriter, final = false): string => new TextDecoder().decode(t.take(final));

  it('aligns columns on the header and the first rows', () => {
    const c = compiled();
    const t = new TableFlowWriter(c);
    new FlowScanner(c).scan('10.244.1.5 1.1.1.1\n10.0.0.1 8.8.8.8\n', (l, q) => t.row(l, q));
    expect(text(t)).toBe(''); // still sampling: fewer rows than the sample
    expect(text(t, true)).toBe(
      [
        'SRC          DST       NAT     ACTION       TO-SOURCE   SRC-POOL   DST-POOL   REASON',
        '10.244.1.5   1.1.1.1   true    MASQUERADE   -           pods       -          NAT',
        '10.0.0.1     8.8.8.8   false   none         -           -          -          SRC_NOT_IN_NAT_POOL',
        '',
      ].join('\n'),
    );
  });

  it('keeps the widths of the first sample; a later, longer cell pushes the next columns right', () => {
    const c = compiled();
    const t = new TableFlowWriter(c, 2);
    const s = new FlowScanner(c);
    s.scan('10.244.1.5 1.1.1.1\n', (l, q) => t.row(l, q));
    expect(text(t)).toBe(''); // one row: not enough to set the widths
    s.scan('10.0.0.1 8.8.8.8\n', (l, q) => t.row(l, q));
    expect(text(t).split('\n')[0]).toBe('SRC          DST       NAT     ACTION       TO-SOURCE   SRC-POOL   DST-POOL   REASON');
    s.scan('fd00:10:244::1 2001:db8::1\n172.16.0.1 10.244.0.1\n', (l, q) => t.row(l, q));
    expect(text(t, true)).toBe(
      [
        'fd00:10:244::1   2001:db8::1   false   none         -           pods6      -          NO_NAT_POOLS',
        '172.16.0.1   10.244.0.1   false   none         -           odd,"name"   pods       SRC_NOT_IN_NAT_POOL',
        '',
      ].join('\n'),
    );
  });

  it('prints nothing, not even the header, for no flows', () => {
    const t = new TableFlowWriter(compiled());
    expect(text(t, true)).toBe('');
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

describe('CsvFlowWriter rows, whatever the input looks like', () => {
  const named = (names: readonly string[]) => {
    const r = buildNatModel(
      names.map((name, i) => ({ name, cidr: `10.${i}.0.0/16`, natOutgoing: i % 2 === 0, disabled: false })),
      DEFAULT_NAT_SETTINGS,
      { families: [4, 6] },
    );
    if (!r.ok) throw new Error(r.error.message);
    return compileNatModel(r.value);
  };
  const csv = (c: ReturnType<typeof named>, input: Uint8Array | string, capacity?: number): string => {
    const w = new CsvFlowWriter(c, capacity);
    expect(new FlowScanner(c).scan(input, (l, q) => w.row(l, q))).toBeNull();
    return new TextDecoder().decode(w.take());
  };

  it('writes the same row for any separator, and for input that ends without a newline', () => {
    const c = named(['a', 'b']);
    const row = '10.0.0.1,10.1.0.1,false,none,,a,b,DST_IN_POOL';
    for (const line of ['10.0.0.1 10.1.0.1', '10.0.0.1,10.1.0.1', '10.0.0.1 , 10.1.0.1', '10.0.0.1\t10.1.0.1 # c', ' 10.0.0.1  10.1.0.1\r']) {
      expect(csv(c, `${line}\n`)).toBe(`${EXPLAIN_CSV_HEADER}\n${row}\n`);
      // bytes sized exactly: the last address ends at the end of the input
      expect(csv(c, new TextEncoder().encode(line))).toBe(`${EXPLAIN_CSV_HEADER}\n${row}\n`);
    }
  });

  it('encodes long, quoted and non-ASCII pool names', () => {
    const names = ['x'.repeat(300), 'δεξαμενή', 'a"b,c', '"'.repeat(200)];
    const c = named(names);
    const cells = names.map((n) => (/[",]/.test(n) ? `"${n.replace(/"/g, '""')}"` : n));
    const lines = names.map((_, i) => `10.${i}.0.1 10.${(i + 1) % names.length}.0.1`).join('\n');
    const want = names.map(
      (_, i) => `10.${i}.0.1,10.${(i + 1) % names.length}.0.1,false,none,,${cells[i]},${cells[(i + 1) % names.length]},${i % 2 === 0 ? 'DST_IN_POOL' : 'SRC_NOT_IN_NAT_POOL'}`,
    );
    expect(csv(c, lines, 16)).toBe(`${EXPLAIN_CSV_HEADER}\n${want.join('\n')}\n`);
  });

  it('reuses recycled buffers without mixing up their bytes', () => {
    const c = named(['a']);
    const w = new CsvFlowWriter(c, 256);
    const s = new FlowScanner(c);
    const chunks: string[] = [];
    for (let i = 0; i < 5; i++) {
      s.scan(`10.0.0.${i} 8.8.8.${i}\n`, (l, q) => w.row(l, q));
      const bytes = w.take();
      chunks.push(new TextDecoder().decode(bytes));
      w.recycle(bytes);
    }
    expect(chunks.slice(1)).toEqual([1, 2, 3, 4].map((i) => `10.0.0.${i},8.8.8.${i},true,MASQUERADE,,a,,NAT\n`));
  });
});

describe('pool names holding control characters (from -f files or the datastore)', () => {
  it('never reach the terminal raw: text, table and CSV make them visible, JSON escapes them', () => {
    const evil: NatPool[] = [{ name: 'ev\u001b]0;x\u0007il\n\u009b', cidr: '10.244.0.0/16', natOutgoing: true, disabled: false }];
    const r = buildNatModel(evil, DEFAULT_NAT_SETTINGS, { families: [4] });
    if (!r.ok) throw new Error(r.error.message);
    const c = compileNatModel(r.value);
    const d = c.decide(mustParseAddr('10.244.1.5'), mustParseAddr('1.1.1.1'));
    const shown = 'ev\\x1b]0;x\\x07il\\n\\x9b';
    const text = formatDecisionText(d);
    expect(text).toContain(`in IPPool ${shown} 10.244.0.0/16`);
    const csv = new CsvFlowWriter(c);
    const table = new TableFlowWriter(c);
    new FlowScanner(c).scan('10.244.1.5 1.1.1.1\n', (l, q) => (csv.row(l, q), table.row(l, q)));
    const rows = new TextDecoder().decode(csv.take());
    const tab = new TextDecoder().decode(table.take(true));
    expect(rows.split('\n')[1]).toBe(`10.244.1.5,1.1.1.1,true,MASQUERADE,,${shown},,NAT`);
    expect(tab.split('\n')[1]).toContain(shown);
    const json = formatDecisionJson(d);
    expect(JSON.parse(json).srcPool.name).toBe(evil[0]!.name);
    for (const out of [text, rows, tab, json]) expect(out.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
