import { describe, expect, it } from 'vitest';
import { buildNatModel, compileNatModel, DEFAULT_NAT_SETTINGS, FlowScanner, type NatPool } from '../../src/core/index.js';

const pools: NatPool[] = [
  { name: 'pods', cidr: '10.244.0.0/16', natOutgoing: true, disabled: false },
  { name: 'pods6', cidr: 'fd00:10:244::/64', natOutgoing: true, disabled: false },
];
const r = buildNatModel(pools, DEFAULT_NAT_SETTINGS);
if (!r.ok) throw new Error(r.error.message);
const compiled = compileNatModel(r.value);

function scan(text: string, scanner = new FlowScanner(compiled)): { rows: string[]; error: ReturnType<FlowScanner['scan']> } {
  const rows: string[] = [];
  const error = scanner.scan(text, (line, q) => rows.push(`${line.srcText()} ${line.dstText()} ${q.reason} ${q.srcPool}`));
  return { rows, error };
}

describe('FlowScanner', () => {
  it('decides "SRC DST" lines separated by blanks or a comma; skips blank lines and comments', () => {
    const { rows, error } = scan('# header\n\n10.244.1.5 1.1.1.1\r\n  10.244.1.5,\t172.16.0.1  # to a no-NAT range\nFD00:10:244:0::5 , 2001:db8::1\n10.244.1.5 fd00::1');
    expect(error).toBeNull();
    expect(rows).toEqual([
      '10.244.1.5 1.1.1.1 NAT 0',
      '10.244.1.5 172.16.0.1 NAT 0',
      'fd00:10:244::5 2001:db8::1 NAT 0',
      '10.244.1.5 fd00::1 FAMILY_MISMATCH -1',
    ]);
  });

  it('counts lines across chunks and stops at the first malformed line', () => {
    const s = new FlowScanner(compiled);
    expect(scan('10.244.1.5 1.1.1.1\n# two\n', s).error).toBeNull();
    expect(s.line).toBe(2);
    expect(scan('10.244.1.5\n', s).error).toEqual({ line: 3, message: 'expected "SRC DST", got "10.244.1.5"' });
    expect(scan('10.244.1.5 1.1.1.1 extra\n', new FlowScanner(compiled)).error?.message).toBe('expected "SRC DST", got "10.244.1.5 1.1.1.1 extra"');
    expect(scan('010.244.1.5 1.1.1.1\n', new FlowScanner(compiled)).error?.message).toContain('leading zero');
    expect(scan('10.244.1.5 fd00::1::2\n', new FlowScanner(compiled)).error?.message).toContain('not an IPv6 address');
  });

  it('leaves the protocol and egress interface to the flow context', () => {
    const m = buildNatModel(pools, { ...DEFAULT_NAT_SETTINGS, interfaceFilter: 'eth0' }, { families: [4] });
    if (!m.ok) throw new Error(m.error.message);
    const reasons: string[] = [];
    new FlowScanner(compileNatModel(m.value), { outInterface: 'eth1' }).scan('10.244.1.5 1.1.1.1\n', (_l, q) => reasons.push(q.reason));
    expect(reasons).toEqual(['OUT_INTERFACE_NOT_MATCHED']);
  });
});
