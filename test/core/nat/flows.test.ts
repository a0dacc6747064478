// covers: src/core/nat/flows.ts, src/core/nat/classes.ts, src/core/nat/flow-query.ts
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildNatModel, compileNatModel, DEFAULT_NAT_SETTINGS, FlowScanner, type NatFlowContext, type NatPool } from '../../../src/core/index.js';
import { mustParseAddr } from '../../support/prefix.js';
import { arbWorld, naive } from './nat-oracle.js';
import { fcRuns } from '../../support/fc-runs.js';

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

// Batch explain decides a flow from its addresses' classes and an outcome cached per class
// pair; the single-flow path walks the rules. Both must agree with each other and with the
// naive predicate, for random pools, settings, flow contexts and flows.
describe.each([4, 6] as const)('FlowScanner (cached outcomes) = decide = the naive predicate (IPv%i)', (family) => {
  const decideAll = (compiled: ReturnType<typeof compileNatModel>, flows: readonly (readonly [string, string])[], flow: NatFlowContext) => {
    const got: object[] = [];
    const pools = (f: 4 | 6) => compiled.pools(f);
    const error = new FlowScanner(compiled, flow).scan(flows.map(([s, d]) => `${s} ${d}`).join('\n'), (_l, q) =>
      got.push({
        nat: q.rule !== null,
        action: q.rule ? q.rule.actionName : 'none',
        toSource: q.rule ? q.rule.toSource : null,
        reason: q.reason,
        srcPool: q.srcPool < 0 ? null : pools(q.srcFamily)[q.srcPool]!.name,
        dstPool: q.dstPool < 0 ? null : pools(q.dstFamily)[q.dstPool]!.name,
        rule: q.rule?.text ?? null,
      }),
    );
    expect(error).toBeNull();
    return got;
  };
  const walked = (compiled: ReturnType<typeof compileNatModel>, s: string, d: string, flow: NatFlowContext) => {
    const x = compiled.decide(mustParseAddr(s), mustParseAddr(d), flow);
    return { nat: x.nat, action: x.action, toSource: x.toSource, reason: x.reason, srcPool: x.srcPool?.name ?? null, dstPool: x.dstPool?.name ?? null, rule: x.rule };
  };
  const ruleText = { ruleText: (f: number, chain: string, index: number) => `${f} ${chain}#${index}` };

  it('for random pools, settings and flows', () => {
    fc.assert(
      fc.property(arbWorld(family), fc.array(fc.tuple(fc.constantFrom(0, 1, 2), fc.nat()), { maxLength: 30 }), ({ pools, settings, flows }, repeats) => {
        const m = buildNatModel(pools, settings);
        if (!m.ok) throw new Error(m.error.message);
        const compiled = compileNatModel(m.value, ruleText);
        // repeat some flows so that outcomes come from the cache too
        const all = [...flows, ...repeats.map(([, i]) => flows[i % flows.length]!)];
        const got = decideAll(compiled, all, {});
        all.forEach(([s, d], i) => {
          const { rule, ...verdict } = got[i] as { rule: string | null };
          expect(verdict).toEqual(naive(pools, settings, mustParseAddr(s), mustParseAddr(d)));
          expect(got[i]).toEqual(walked(compiled, s, d, {}));
          expect(rule).toBe(walked(compiled, s, d, {}).rule);
        });
      }),
      { numRuns: fcRuns(200) },
    );
  });

  it('with port ranges, interface filters and flow contexts that change between scans of one compiled model', () => {
    const arbContext = fc.record({ protocol: fc.constantFrom(undefined, 'tcp', 'udp', 'icmp'), outInterface: fc.constantFrom(undefined, 'eth0', 'eth1', 'wg0') });
    fc.assert(
      fc.property(
        arbWorld(family),
        fc.boolean(),
        fc.constantFrom(undefined, 'eth0', 'eth+'),
        fc.array(arbContext, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        ({ pools, settings, flows }, ports, interfaceFilter, contexts, live) => {
          const s = { ...settings, ...(ports ? { natPortRange: { min: 1000, max: 2000 } } : {}), ...(interfaceFilter ? { interfaceFilter } : {}) };
          const m = buildNatModel(pools, s);
          if (!m.ok) throw new Error(m.error.message);
          // live: as a model read back from a host, without pools (every set is a PrefixSet)
          const model = live ? { ...m.value, families: m.value.families.map(({ pools: _p, ...f }) => f) } : m.value;
          const compiled = compileNatModel(model, ruleText);
          for (const c of contexts) {
            const flow: NatFlowContext = { ...(c.protocol ? { protocol: c.protocol } : {}), ...(c.outInterface ? { outInterface: c.outInterface } : {}) };
            const got = decideAll(compiled, flows, flow);
            flows.forEach(([src, dst], i) => expect(got[i]).toEqual(walked(compiled, src, dst, flow)));
          }
        },
      ),
      { numRuns: fcRuns(200) },
    );
  });
});
