// covers: src/core/ippool/schema.ts, src/core/ippool/ippool.ts, src/core/ippool/types.ts, src/core/ippool/diagnostic.ts
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIPPoolSchema, IPPOOL, IPPOOL_SPEC, OBJECT_META, type GoStruct, type GoType } from '../../../src/core/index.js';
import schema from '../../../schemas/ippool.schema.json' with { type: 'json' };
import { codes, pool, validate } from './support.js';
import { fcRuns } from '../../support/fc-runs.js';

describe('checkIPPool: structure', () => {
  it('reports unknown fields at the key with go-json\'s text, with a suggestion, and still runs the rules', () => {
    const r = validate(pool({ cidr: '10.0.0.1/16', natOutgoin: true }));
    expect(codes(r.diagnostics)).toEqual(['E FIELD_UNKNOWN /spec/natOutgoin', 'E CIDR_NOT_MASKED /spec/cidr']);
    expect(r.diagnostics[0]).toMatchObject({ message: 'field in document is not recognized or is in the wrong location: natOutgoin', hint: 'did you mean "natOutgoing"?' });
  });

  it("words type mismatches as calicoctl does (test_crud.py: disabled: 'True'), and writes numbers into string fields", () => {
    const r = validate(pool({ cidr: '10.0.1.0/24', disabled: 'True', blockSize: '26', allowedUses: 'Workload' }, { name: 'x', labels: { a: 1 } }));
    expect(r.valid).toBe(false);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "cannot parse string 'True' into field IPPoolSpec.disabled of type bool",
      "cannot parse string '26' into field IPPoolSpec.blockSize of type int",
      "cannot parse string 'Workload' into field IPPoolSpec.allowedUses of type []v3.IPPoolAllowedUse",
    ]);
    expect(r.diagnostics[0]?.hint).toBe('write true or false, without quotes');
    // go-yaml-wrapper writes the number 1 into the string field labels.a as "1".
    expect(validate(pool({ cidr: '10.0.1.0/24' }, { name: 'x', labels: { a: 1 } })).pool.metadata.labels).toEqual({ a: '1' });
  });

  it('matches field names case-insensitively, as go-json does, with positions on the key as written', () => {
    const r = validate({ ApiVersion: 'projectcalico.org/v3', kind: 'IPPool', Metadata: { NAME: 'p' }, SPEC: { CIDR: '10.0.0.1/16', NATOutgoing: true } });
    expect(r.pool.metadata.name).toBe('p');
    expect(r.pool.spec.natOutgoing).toBe(true);
    expect(codes(r.diagnostics)).toEqual(['E KIND_UNKNOWN /apiVersion', 'E CIDR_NOT_MASKED /SPEC/CIDR']);
  });

  it('reads null as the Go zero value', () => {
    const r = validate(pool({ cidr: '10.0.0.0/16', blockSize: null, nodeSelector: null, natOutgoing: null, assignmentMode: null }, { name: 'p', labels: null }));
    expect(r.diagnostics).toEqual([]);
    expect(r.pool.spec).toMatchObject({ blockSize: 26, nodeSelector: 'all()', assignmentMode: 'Automatic' });
  });

  it('rejects a non-mapping and a wrong apiVersion', () => {
    expect(codes(validate('x').diagnostics)).toEqual(['E INPUT_INVALID ']);
    const r = validate({ ...pool({ cidr: '10.0.0.0/16' }), apiVersion: 'projectcalico.org/v1' });
    expect(r.diagnostics[0]).toMatchObject({ code: 'KIND_UNKNOWN', severity: 'error', message: 'unknown resource type (IPPool) and/or version (projectcalico.org/v1)' });
  });

  it('keeps the schema and the Go types in step', () => {
    const props = (p: { properties?: Record<string, unknown> }): string[] => Object.keys(p.properties ?? {}).sort();
    const fields = (t: GoStruct): string[] => t.fields.map((f) => f.json).sort();
    const defs = schema.$defs as Record<string, { properties?: Record<string, unknown> }>;
    expect(fields(IPPOOL)).toEqual(props(schema));
    expect(fields(OBJECT_META)).toEqual(props(defs.objectMeta!));
    expect(fields(IPPOOL_SPEC)).toEqual(props(defs.ipPoolSpec!));
    const ipip = IPPOOL_SPEC.fields.find((f) => f.json === 'ipip')!.type as GoStruct;
    expect(fields(ipip)).toEqual(props(defs.ipPoolSpec!.properties!.ipip as never));
  });

  it('finds exactly the unknown fields and type mismatches the JSON schema finds (ajv as the oracle)', () => {
    // The reference: the schema compiled by ajv, its errors reduced to what checkIPPoolSchema
    // reports. Keys are written as the schema names them; go-yaml-wrapper's writing of
    // numbers and booleans into string fields is the one difference, so none are generated.
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    const check = ajv.compile(schema);
    // goTypeAt is the Go type at a pointer (undefined under an unknown field).
    const goTypeAt = (pointer: string): GoType | undefined => {
      let t: GoType | undefined = IPPOOL;
      for (const seg of pointer.split('/').slice(1)) {
        if (t?.kind === 'struct') t = t.fields.find((f) => f.json === seg.replace(/~1/g, '/').replace(/~0/g, '~'))?.type;
        else t = t?.elem ?? undefined;
      }
      return t;
    };
    const valueAt = (doc: unknown, pointer: string): unknown =>
      pointer.split('/').slice(1).reduce<unknown>((v, seg) => (v as Record<string, unknown>)?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    const expected = (doc: unknown): { found: string[]; decodable: boolean } => {
      check(doc);
      const found = new Set<string>();
      for (const e of check.errors ?? []) {
        if (e.keyword === 'additionalProperties') found.add(`FIELD_UNKNOWN ${e.instancePath}/${String(e.params.additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`);
        // go-yaml-wrapper writes a number or boolean into a string field as text (no error).
        const v = valueAt(doc, e.instancePath);
        const coerced = goTypeAt(e.instancePath)?.kind === 'string' && (typeof v === 'number' || typeof v === 'boolean');
        if ((e.keyword === 'type' && !coerced) || e.keyword === 'minimum' || e.keyword === 'exclusiveMaximum') found.add(`TYPE_MISMATCH ${e.instancePath}`);
      }
      return { found: [...found].sort(), decodable: ![...found].some((f) => f.startsWith('TYPE_MISMATCH')) };
    };
    const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
    const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'enabled', 'mode', 'x/y'), scalar, { maxKeys: 2 }));
    // A value for a field: well-typed mostly (so that most documents pass, or fail in one
    // place only), never a number or boolean where a string goes.
    const typed = (t: GoType): fc.Arbitrary<unknown> => {
      const good: fc.Arbitrary<unknown> =
        t.kind === 'bool' ? fc.boolean()
        : t.kind === 'int' ? fc.integer()
        : t.kind === 'time' ? fc.constant('2024-05-01T10:00:00Z')
        : t.kind === 'raw' ? value
        : t.kind === 'map' ? fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 })
        : t.kind === 'slice' ? fc.array(typed(t.elem!), { maxLength: 2 })
        : t.kind === 'struct' ? struct(t as GoStruct)
        : fc.string({ maxLength: 4 });
      // (A time must also be RFC 3339, which the schema does not say: no other strings there.)
      const bad = t.kind === 'time' ? value.filter((v) => typeof v !== 'string') : value;
      return fc.oneof({ weight: 30, arbitrary: good }, { weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: bad });
    };
    const struct = (t: GoStruct): fc.Arbitrary<unknown> => {
      const known = fc.record(Object.fromEntries(t.fields.map((f) => [f.json, typed(f.type)])), { requiredKeys: [] }) as fc.Arbitrary<object>;
      return fc.oneof({ weight: 12, arbitrary: known }, { weight: 1, arbitrary: fc.tuple(known, value).map(([o, v]) => ({ ...o, bogus: v })) }, { weight: 1, arbitrary: value });
    };
    const rarely = (a: fc.Arbitrary<unknown>, usual: fc.Arbitrary<unknown>) => fc.oneof({ weight: 15, arbitrary: usual }, { weight: 1, arbitrary: a });
    const meta = struct(OBJECT_META);
    const doc = fc
      .record({
        // (apiVersion and kind are strings: the loader classifies a document by them before decoding it.)
        apiVersion: rarely(fc.string({ maxLength: 4 }), fc.constant('projectcalico.org/v3')),
        kind: rarely(fc.string({ maxLength: 4 }), fc.constant('IPPool')),
        metadata: meta,
        spec: struct(IPPOOL_SPEC),
        extra: rarely(value, fc.constant(null)),
      })
      .map(({ extra, ...d }) => JSON.parse(JSON.stringify(extra === null ? d : { ...d, extra })) as unknown);
    let clean = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 9, arbitrary: doc }, { weight: 1, arbitrary: value.filter((v) => v !== null && typeof v === 'object') }), (d) => {
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
