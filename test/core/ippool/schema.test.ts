// covers: src/core/ippool/schema.ts, src/core/ippool/ippool.ts, src/core/ippool/types.ts, src/core/ippool/diagnostic.ts
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIPPoolSchema, GO_STRUCTS } from '../../../src/core/index.js';
import schema from '../../../schemas/ippool.schema.json' with { type: 'json' };
import { codes, pool, validate } from './support.js';
import { fcRuns } from '../../support/fc-runs.js';

describe('checkIPPool: structure', () => {
  it('reports unknown fields at the key, with a suggestion, and still runs the rules', () => {
    const r = validate(pool({ cidr: '10.0.0.1/16', natOutgoin: true }));
    expect(codes(r.diagnostics)).toEqual(['E FIELD_UNKNOWN /spec/natOutgoin', 'E CIDR_NOT_MASKED /spec/cidr']);
    expect(r.diagnostics[0]).toMatchObject({ message: 'json: unknown field "natOutgoin"', hint: 'did you mean "natOutgoing"?' });
  });

  it("words type mismatches as calicoctl does (test_crud.py: disabled: 'True')", () => {
    const r = validate(pool({ cidr: '10.0.1.0/24', disabled: 'True', blockSize: '26', allowedUses: 'Workload' }, { name: 'x', labels: { a: 1 } }));
    expect(r.valid).toBe(false);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "cannot parse number '1' into field ObjectMeta.labels of type string",
      "cannot parse string 'True' into field IPPoolSpec.disabled of type bool",
      "cannot parse string '26' into field IPPoolSpec.blockSize of type int",
      "cannot parse string 'Workload' into field IPPoolSpec.allowedUses of type []IPPoolAllowedUse",
    ]);
    expect(r.diagnostics[1]?.hint).toBe('write true or false, without quotes');
  });

  it('reads null as the Go zero value', () => {
    const r = validate(pool({ cidr: '10.0.0.0/16', blockSize: null, nodeSelector: null, natOutgoing: null, assignmentMode: null }, { name: 'p', labels: null }));
    expect(r.diagnostics).toEqual([]);
    expect(r.pool.spec).toMatchObject({ blockSize: 26, nodeSelector: 'all()', assignmentMode: 'Automatic' });
  });

  it('rejects a non-mapping and a wrong apiVersion', () => {
    expect(codes(validate('x').diagnostics)).toEqual(['E INPUT_INVALID ']);
    const r = validate({ ...pool({ cidr: '10.0.0.0/16' }), apiVersion: 'crd.projectcalico.org/v1' });
    expect(r.diagnostics[0]).toMatchObject({ code: 'KIND_UNKNOWN', severity: 'error', message: 'unknown resource type (IPPool) and/or version (crd.projectcalico.org/v1)' });
  });

  it('keeps the schema and the Go field table in step', () => {
    const props = (p: { properties?: Record<string, unknown> }): string[] => Object.keys(p.properties ?? {}).sort();
    const defs = schema.$defs as Record<string, { properties?: Record<string, unknown> }>;
    expect(Object.keys(GO_STRUCTS['']!.fields).sort()).toEqual(props(schema));
    expect(Object.keys(GO_STRUCTS['/metadata']!.fields).sort()).toEqual(props(defs.objectMeta!));
    expect(Object.keys(GO_STRUCTS['/spec']!.fields).sort()).toEqual(props(defs.ipPoolSpec!));
    expect(Object.keys(GO_STRUCTS['/spec/ipip']!.fields).sort()).toEqual(props(defs.ipPoolSpec!.properties!.ipip as never));
  });

  it('finds exactly the unknown fields and type mismatches ajv finds (the quick pre-check never hides one)', () => {
    // The reference: the schema compiled here by ajv, its errors reduced to what checkIPPoolSchema reports.
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    const check = ajv.compile(schema);
    const expected = (doc: unknown): { found: string[]; decodable: boolean } => {
      check(doc);
      const found = new Set<string>();
      for (const e of check.errors ?? []) {
        if (e.keyword === 'additionalProperties') found.add(`FIELD_UNKNOWN ${e.instancePath}/${String(e.params.additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`);
        if (e.keyword === 'type') found.add(`TYPE_MISMATCH ${e.instancePath}`);
      }
      return { found: [...found].sort(), decodable: ![...found].some((f) => f.startsWith('TYPE_MISMATCH')) };
    };
    const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'enabled', 'mode', 'x/y'), scalar, { maxKeys: 2 }));
    // A well-typed value for a Go type (so that most documents pass, or fail in one place only).
    const typed = (goType: string): fc.Arbitrary<unknown> => {
      const t = goType === 'bool' ? fc.boolean()
        : goType === 'int' || goType === 'int64' ? fc.integer()
        : goType === 'map[string]string' ? fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 })
        : goType === '[]string' || goType === '[]IPPoolAllowedUse' ? fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 })
        : goType.startsWith('[]') ? fc.array(fc.dictionary(fc.string({ maxLength: 2 }), scalar, { maxKeys: 1 }), { maxLength: 2 })
        : goType === 'IPIPConfiguration' ? fc.record({ enabled: fc.boolean(), mode: fc.string({ maxLength: 3 }) }, { requiredKeys: [] })
        : fc.string({ maxLength: 4 });
      return fc.oneof({ weight: 30, arbitrary: t }, { weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: value });
    };
    const struct = (path: string) => {
      const fields = GO_STRUCTS[path]!.fields;
      const known = fc.record(Object.fromEntries(Object.entries(fields).map(([k, t]) => [k, typed(t)])), { requiredKeys: [] }) as fc.Arbitrary<object>;
      return fc.oneof({ weight: 12, arbitrary: known }, { weight: 1, arbitrary: fc.tuple(known, value).map(([o, v]) => ({ ...o, bogus: v })) }, { weight: 1, arbitrary: value });
    };
    const rarely = (a: fc.Arbitrary<unknown>, usual: fc.Arbitrary<unknown>) => fc.oneof({ weight: 15, arbitrary: usual }, { weight: 1, arbitrary: a });
    const doc = fc
      .record({
        apiVersion: rarely(scalar, fc.constant('projectcalico.org/v3')),
        kind: rarely(scalar, fc.constant('IPPool')),
        metadata: struct('/metadata'),
        spec: struct('/spec'),
        extra: rarely(value, fc.constant(null)),
      })
      .map(({ extra, ...d }) => (extra === null ? d : { ...d, extra }));
    let clean = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 9, arbitrary: doc }, { weight: 1, arbitrary: value }), (d) => {
        const got = checkIPPoolSchema(d);
        expect({ found: got.diagnostics.map((x) => `${x.code} ${x.path}`).sort(), decodable: got.decodable }).toEqual(expected(d));
        if (got.diagnostics.length === 0) clean++;
      }),
      { numRuns: fcRuns(3000) },
    );
    // Both ways through were taken.
    // Both ways through were taken (over 10% of the runs each).
    expect(clean).toBeGreaterThan(fcRuns(3000) / 10);
    expect(clean).toBeLessThan(fcRuns(3000) * 0.9);
  });

  it('passes every spec field of a complete pool', () => {
    const full = pool(
      { cidr: 'fd00::/64', vxlanMode: 'Always', ipipMode: 'Never', natOutgoing: true, disabled: false, disableBGPExport: false, blockSize: 122, nodeSelector: 'all()', allowedUses: ['Workload'], namespaceSelector: "env == 'x'", assignmentMode: 'Manual' },
      { name: 'full', labels: { a: 'b' }, annotations: { c: 'd' }, uid: 'u', creationTimestamp: null },
    );
    expect(checkIPPoolSchema(full).diagnostics).toEqual([]);
    expect(validate(full).diagnostics).toEqual([]);
  });
});
