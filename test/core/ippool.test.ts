import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANNOTATIONS_MAX_BYTES,
  calicoErrorText,
  checkIPPool,
  checkIPPoolSchema,
  decodeIPPool,
  IPPOOL,
  IPPOOL_SPEC,
  OBJECT_META,
  OverlapIndex,
  setDefaults,
  type Diagnostic,
  type GoStruct,
  type GoType,
  type IPPool,
} from '../../src/core/index.js';
import schema from '../../schemas/ippool.schema.json' with { type: 'json' };

function pool(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'p1' }): Record<string, unknown> {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata, spec };
}

function codes(diags: readonly Diagnostic[]): string[] {
  return diags.map((d) => `${d.severity === 'error' ? 'E' : 'W'} ${d.code} ${d.path}`);
}

const validate = (doc: unknown, overlaps = new OverlapIndex()) => checkIPPool(doc, { op: 'create', overlaps, thorough: true });

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
      { numRuns: 3000 },
    );
    // Both ways through were taken.
    expect(clean).toBeGreaterThan(300);
    expect(clean).toBeLessThan(2700);
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

describe('checkIPPool: Calico rules', () => {
  it('reports one diagnostic per root cause: clientv3\'s text, the validator\'s wording of the same rule as its detail', () => {
    const doc = pool({ cidr: '169.254.1.0/24', vxlanMode: 'Always', ipipMode: 'Always' });
    expect(validate(doc).diagnostics.map((d) => [d.code, d.message, d.detail])).toEqual([
      ['ENCAP_CONFLICT', 'Cannot enable both VXLAN and IPIP on the same IPPool', 'calicoctl validate: IPIPMode and VXLANMode cannot be enabled on LoadBalancer IP pool'],
      ['CIDR_LINK_LOCAL', 'IPPool CIDR overlaps with IPv4 Link Local range 169.254.0.0/16', 'calicoctl validate: IP pool range overlaps with IPv4 Link Local range 169.254.0.0/16'],
    ]);
    expect(checkIPPool(doc, { op: 'create' }).diagnostics.map((d) => d.message)).toEqual([
      'Cannot enable both VXLAN and IPIP on the same IPPool',
      'IPPool CIDR overlaps with IPv4 Link Local range 169.254.0.0/16',
    ]);
    // A bad CIDR is one error (clientv3 returns early; the validator's findings about the CIDR are its detail).
    const bad = validate(pool({ cidr: '10.0.0.300/16' }));
    expect(bad.diagnostics.map((d) => [d.code, d.message, d.detail])).toEqual([
      ['CIDR_INVALID', 'IPPool CIDR must be a valid subnet', 'calicoctl validate: Reason: failed to validate Field: CIDR because of Tag: net '],
    ]);
    // A missing CIDR too.
    expect(codes(validate(pool({})).diagnostics)).toEqual(['E CIDR_REQUIRED /spec/cidr']);
    // A different rule the validator finds after clientv3's error is its own diagnostic.
    expect(codes(validate(pool({ nodeSelector: 'a ==' })).diagnostics)).toEqual(['E CIDR_REQUIRED /spec/cidr', 'E SELECTOR_INVALID /spec/nodeSelector']);
  });

  it('checks metadata: name, labels, annotations', () => {
    const r = validate(pool({ cidr: '10.0.0.0/16' }, { name: 'Bad_Name', labels: { 'a/b/c': 'x', ok: 'y'.repeat(64) }, annotations: { 'Bad Key': 'v' } }));
    expect(codes(r.diagnostics)).toEqual([
      'E NAME_INVALID /metadata/name',
      'E ANNOTATION_INVALID /metadata/annotations/Bad Key',
      'E LABEL_INVALID /metadata/labels/a~1b~1c',
      'E LABEL_INVALID /metadata/labels/ok',
    ]);
    expect(r.diagnostics[0]?.message).toBe("name must consist of lower case alphanumeric characters, '-' or '.' (regex: [a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)");
    expect(r.diagnostics[2]?.message).toBe(
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    );
    expect(r.diagnostics[3]?.message).toBe('must be no more than 63 characters');
  });

  it('limits annotations to 256 KiB of keys and values (exactly 256 KiB passes)', () => {
    const at = (n: number) => validate(pool({ cidr: '10.0.0.0/16' }, { name: 'p', annotations: { k: 'x'.repeat(n - 1) } }));
    expect(at(ANNOTATIONS_MAX_BYTES).valid).toBe(true);
    const r = at(ANNOTATIONS_MAX_BYTES + 1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'ANNOTATION_INVALID', message: 'total size of annotations is too large by 1 bytes' });
  });

  it('rejects a namespace', () => {
    expect(codes(validate(pool({ cidr: '10.0.0.0/16' }, { name: 'p', namespace: 'default' })).diagnostics)).toEqual(['E NAMESPACE_SET /metadata/namespace']);
  });

  it('checks selectors with Calico\'s parser and rejects global()', () => {
    const r = validate(pool({ cidr: '10.0.0.0/16', nodeSelector: 'a ==', namespaceSelector: 'global()', allowedUses: ['Workload'] }));
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['SELECTOR_INVALID', 'Reason: failed to validate Field: NodeSelector because of Tag: selector '],
      ['SELECTOR_INVALID', 'global() selector is not valid for IPPool namespaceSelector - use all() instead'],
    ]);
    expect(r.diagnostics[0]?.hint).toBe('expected string (at offset 4)');
  });

  it('warns about deprecated fields set to null/false and rejects them set', () => {
    expect(codes(validate(pool({ cidr: '10.0.0.0/16', ipip: null, 'nat-outgoing': false })).diagnostics)).toEqual([
      'W DEPRECATED_FIELD /spec/ipip',
      'W DEPRECATED_FIELD /spec/nat-outgoing',
    ]);
    const r = validate(pool({ cidr: '10.0.0.0/16', ipip: { enabled: true, mode: 'always' }, 'nat-outgoing': true }));
    expect(r.diagnostics.map((d) => calicoErrorText([d]))).toEqual([
      "error with field IPIP = '&{true always}' (Reason: failed to validate Field: IPIP because of Tag: mustBeNil )",
      "error with field NATOutgoingV1 = 'true' (Reason: failed to validate Field: NATOutgoingV1 because of Tag: mustBeFalse )",
    ]);
  });

  it('warns about a disabled pool that still NATs', () => {
    expect(codes(validate(pool({ cidr: '10.0.0.0/16', disabled: true, natOutgoing: true })).diagnostics)).toEqual(['W DISABLED_NAT_POOL /spec/natOutgoing']);
  });

  it('makes a resourceVersion an error for create (validate included), and ignores it when asked (apply, replace)', () => {
    const doc = pool({ cidr: '10.0.0.0/16' }, { name: 'p', resourceVersion: '42' });
    expect(codes(validate(doc).diagnostics)).toEqual(['E RESOURCE_VERSION_SET /metadata/resourceVersion']);
    expect(checkIPPool(doc, { op: 'create', ignoreResourceVersion: true })).toMatchObject({ valid: true, diagnostics: [] });
    const c = checkIPPool(doc, { op: 'create' });
    expect(c.valid).toBe(false);
    expect(calicoErrorText(c.diagnostics)).toBe("error with field Metadata.ResourceVersion = '42' (field must not be set for a Create request)");
  });

  it('reports DUPLICATE_NAME for an earlier document and ALREADY_EXISTS for a stored pool, after overlaps', () => {
    const idx = new OverlapIndex();
    idx.addPool(decodeIPPool(pool({ cidr: '10.1.0.0/16' }, { name: 'stored' })), 'store');
    idx.addPool(decodeIPPool(pool({ cidr: '10.2.0.0/16' }, { name: 'earlier' })), 'input');
    expect(codes(validate(pool({ cidr: '10.3.0.0/16' }, { name: 'stored' }), idx).diagnostics)).toEqual(['E ALREADY_EXISTS /metadata/name']);
    expect(codes(validate(pool({ cidr: '10.3.0.0/16' }, { name: 'earlier' }), idx).diagnostics)).toEqual(['E DUPLICATE_NAME /metadata/name']);
    // An overlap with another name fails first; the same name is skipped (clientv3 ippool.go).
    const r = validate(pool({ cidr: '10.0.0.0/8' }, { name: 'earlier' }), idx);
    expect(r.diagnostics.map((d) => d.message)).toEqual(['IPPool(earlier) CIDR overlaps with IPPool(stored) CIDR 10.1.0.0/16']);
  });

  it('gives a hint where Calico\'s text misleads', () => {
    const r = validate(pool({ cidr: '10.0.0.0/16', allowedUses: ['LoadBalancer'], disableBGPExport: true }));
    expect(r.diagnostics[0]).toMatchObject({
      code: 'LB_RULE',
      path: '/spec/disableBGPExport',
      message: 'IP Pool with AllowedUse LoadBalancer must have DisableBGPExport set to true',
      hint: 'fires when disableBGPExport is true; LoadBalancer pools must keep BGP export enabled',
    });
  });

  it('judges updates: immutable CIDR (by meaning), blockSize, LoadBalancer use', () => {
    const old = setDefaults(decodeIPPool(pool({ cidr: '2001:0db8::/64', allowedUses: ['LoadBalancer'] })) as IPPool);
    const upd = (spec: Record<string, unknown>) => checkIPPool(pool(spec), { op: 'update', old });
    expect(upd({ cidr: '2001:db8::/64', allowedUses: ['LoadBalancer'] }).valid).toBe(true);
    expect(upd({ cidr: '2001:db8:1::/64', allowedUses: ['LoadBalancer'] }).diagnostics.map((d) => d.message)).toEqual(['IPPool CIDR cannot be modified']);
    expect(upd({ cidr: '2001:db8::/64', allowedUses: ['LoadBalancer'], blockSize: 120 }).diagnostics.map((d) => d.message)).toEqual(['IPPool BlockSize cannot be modified']);
    // Leaving LoadBalancer returns early: the CIDR change is not reported.
    expect(upd({ cidr: '2001:db8:1::/64' }).diagnostics.map((d) => d.message)).toEqual([
      'IPPool allowed use cannot be changed from LoadBalacer to Workload or Tunnel',
    ]);
  });
});

describe('calicoErrorText', () => {
  it("formats one field, a nil value, several fields and other errors as errors.go does", () => {
    const one = checkIPPool(pool({ cidr: '10.0.0.1/16' }), { op: 'create' }).diagnostics;
    expect(calicoErrorText(one)).toBe("error with field IPPool.Spec.CIDR = '10.0.0.0/16' (IPPool CIDR is not strictly masked)");
    expect(calicoErrorText(checkIPPool(pool({}), { op: 'create' }).diagnostics)).toBe('error with field IPPool.Spec.CIDR (IPPool CIDR must be specified)');
    expect(calicoErrorText(checkIPPool(pool({ cidr: 'fd5f::1/123' }), { op: 'create' }).diagnostics)).toBe(
      "error with the following fields:\n-  IPPool.Spec.CIDR = 'fd5f::/123' (IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size.)\n-  IPPool.Spec.CIDR = 'fd5f::/123' (IPPool CIDR is not strictly masked)\n",
    );
    expect(calicoErrorText([{ code: 'ALREADY_EXISTS', severity: 'error', message: 'resource already exists: IPPool(x)' }])).toBe('resource already exists: IPPool(x)');
    expect(calicoErrorText([{ code: 'DISABLED_NAT_POOL', severity: 'warning', message: 'w' }])).toBe('');
  });
});

describe('setDefaults', () => {
  it('fills what Calico fills on read and keeps the CIDR text', () => {
    expect(setDefaults(decodeIPPool(pool({ cidr: 'FD00::/64', ipipMode: '' }))).spec).toMatchObject({
      cidr: 'FD00::/64',
      blockSize: 122,
      allowedUses: ['Workload', 'Tunnel'],
      nodeSelector: 'all()',
      ipipMode: 'Never',
      vxlanMode: 'Never',
      assignmentMode: 'Automatic',
    });
  });
});
