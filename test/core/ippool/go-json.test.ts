import { describe, expect, it } from 'vitest';
import { checkIPPoolSchema, decodeGo, formatGoFloat, IPPOOL, MAX_REPORTED, parseGoTimeError, unknownFieldsText } from '../../../src/core/index.js';

function pool(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'p1' }): Record<string, unknown> {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata, spec };
}

const found = (doc: unknown): string[] => checkIPPoolSchema(doc).diagnostics.map((d) => `${d.code} ${d.path} ${d.message}`);

describe("go-json: field names match case-insensitively (projectcalico/go-json decode.go, fold.go)", () => {
  it('takes a key in any case as its field, and says where it was written', () => {
    const r = checkIPPoolSchema({ APIVERSION: 'projectcalico.org/v3', Kind: 'IPPool', metadata: { Name: 'p' }, Spec: { NATOutgoing: true, cidr: '10.0.0.0/16' } });
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toEqual({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/16', natOutgoing: true } });
    expect([...r.renamed]).toEqual([
      ['/kind', '/Kind'],
      ['/apiVersion', '/APIVERSION'],
      ['/metadata/name', '/metadata/Name'],
      ['/spec', '/Spec'],
      ['/spec/natOutgoing', '/Spec/NATOutgoing'],
    ]);
  });

  it('of two keys for one field, keeps the last in sorted order and makes the other unknown (even the exact one)', () => {
    const a = checkIPPoolSchema(pool({ cidr: '10.0.0.0/16', natOutgoing: false, NATOutgoing: true }));
    expect(a.value).toMatchObject({ spec: { natOutgoing: false } });
    expect(a.diagnostics.map((d) => `${d.path} ${d.message}`)).toEqual(['/spec/NATOutgoing field in document is not recognized or is in the wrong location: NATOutgoing']);
    const b = checkIPPoolSchema(pool({ cidr: '10.0.0.0/16', natOutgoing: false, natoutgoing: true }));
    expect(b.value).toMatchObject({ spec: { natOutgoing: true } });
    expect(b.diagnostics.map((d) => d.path)).toEqual(['/spec/natOutgoing']);
  });

  it('folds the Kelvin sign as k and the long s as s, as Go\'s EqualFold does', () => {
    const r = checkIPPoolSchema({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, ſpec: { cidr: '10.0.0.0/16', bloc\u212aSize: 26 } });
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toMatchObject({ spec: { blockSize: 26 } });
    expect(found(pool({ cidr: '10.0.0.0/16', cíDR: 'x' }))).toEqual(['FIELD_UNKNOWN /spec/cíDR field in document is not recognized or is in the wrong location: cíDR']);
  });
});

describe('go-yaml-wrapper: numbers and booleans written into string fields', () => {
  it('writes integers in decimal, floats as strconv.FormatFloat(f, \'g\', -1, 64), booleans as true/false', () => {
    const r = checkIPPoolSchema(pool({ cidr: 10, nodeSelector: true, allowedUses: [1.5] }, { name: 511, labels: { a: 1e21, b: false, c: null } }));
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toMatchObject({ metadata: { name: '511', labels: { a: '1e+21', b: 'false', c: '' } }, spec: { cidr: '10', nodeSelector: 'true', allowedUses: ['1.5'] } });
  });

  it.each([
    [1e6, '1e+06'],
    [123456, '123456'],
    [123456.5, '123456.5'],
    [0.0001, '0.0001'],
    [1e-5, '1e-05'],
    [-2.5e-10, '-2.5e-10'],
    [1e100, '1e+100'],
    [-0, '-0'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
  ])('formatGoFloat(%d) = %s', (f, s) => {
    expect(formatGoFloat(f)).toBe(s);
  });
});

describe("go-json: type errors in calicoctl's words", () => {
  it.each([
    [{ disabled: 'True' }, "cannot parse string 'True' into field IPPoolSpec.disabled of type bool"],
    [{ natOutgoing: 1 }, "cannot parse number '1' into field IPPoolSpec.natOutgoing of type bool"],
    [{ blockSize: '26' }, "cannot parse string '26' into field IPPoolSpec.blockSize of type int"],
    [{ blockSize: 26.5 }, "cannot parse number '26.5' into field IPPoolSpec.blockSize of type int"],
    [{ blockSize: 1e21 }, "cannot parse number '1e+21' into field IPPoolSpec.blockSize of type int"],
    [{ blockSize: true }, "cannot parse bool 'true' into field IPPoolSpec.blockSize of type int"],
    [{ cidr: { a: 1, '<b>': [2, 'x&y'] } }, 'cannot parse object \'{"\\u003cb\\u003e":[2,"x\\u0026y"],"a":1}\' into field IPPoolSpec.cidr of type string'],
    [{ ipipMode: ['Always'] }, 'cannot parse array \'["Always"]\' into field IPPoolSpec.ipipMode of type v3.IPIPMode'],
    [{ allowedUses: 'Workload' }, "cannot parse string 'Workload' into field IPPoolSpec.allowedUses of type []v3.IPPoolAllowedUse"],
    [{ allowedUses: [{}] }, "cannot parse object '{}' into field IPPoolSpec.allowedUses of type v3.IPPoolAllowedUse"],
    [{ ipip: true }, "cannot parse bool 'true' into field IPPoolSpec.ipip of type v3.IPIPConfiguration"],
    [{ ipip: { mode: [] } }, "cannot parse array '[]' into field IPIPConfiguration.mode of type v3.EncapMode"],
    [{ assignmentMode: {} }, "cannot parse object '{}' into field IPPoolSpec.assignmentMode of type v3.AssignmentMode"],
    [{ blockSize: Number.POSITIVE_INFINITY }, 'json: unsupported value: +Inf'],
  ])('%j', (spec, message) => {
    const r = checkIPPoolSchema(pool({ cidr: '10.0.0.0/16', ...spec }));
    expect(r.decodable).toBe(false);
    expect(r.diagnostics.map((d) => d.message)).toEqual([message]);
  });

  it('in metadata and the resource itself', () => {
    expect(found({ ...pool({ cidr: '10.0.0.0/16' }), spec: 'x' })).toEqual(["TYPE_MISMATCH /spec cannot parse string 'x' into field IPPool.spec of type v3.IPPoolSpec"]);
    expect(found(pool({ cidr: '10.0.0.0/16' }, { name: 'p', labels: ['a'] }))).toEqual(['TYPE_MISMATCH /metadata/labels cannot parse array \'["a"]\' into field ObjectMeta.labels of type map[string]string']);
    expect(found(pool({ cidr: '10.0.0.0/16' }, { name: 'p', labels: { a: { b: 1 } } }))).toEqual(['TYPE_MISMATCH /metadata/labels/a cannot parse object \'{"b":1}\' into field ObjectMeta.labels of type string']);
    expect(found(pool({ cidr: '10.0.0.0/16' }, { name: 'p', generation: 'one' }))).toEqual(["TYPE_MISMATCH /metadata/generation cannot parse string 'one' into field ObjectMeta.generation of type int64"]);
    expect(found(pool({ cidr: '10.0.0.0/16' }, { name: 'p', ownerReferences: [{ kind: 'X', uid: 'u', bogus: 1 }] }))).toEqual([
      'FIELD_UNKNOWN /metadata/ownerReferences/0/bogus field in document is not recognized or is in the wrong location: bogus',
    ]);
  });

  it('parses creationTimestamp as metav1.Time does (time.Parse with RFC 3339, encoding/json for the string)', () => {
    const at = (v: unknown): string[] => found(pool({ cidr: '10.0.0.0/16' }, { name: 'p', creationTimestamp: v }));
    expect(at('2024-05-01T10:00:00Z')).toEqual([]);
    expect(at('2024-05-01T10:00:00.123+02:00')).toEqual([]);
    expect(at(null)).toEqual([]);
    expect(at(5)).toEqual(['TYPE_MISMATCH /metadata/creationTimestamp json: cannot unmarshal number into Go value of type string']);
    expect(at('yesterday')).toEqual(['TYPE_MISMATCH /metadata/creationTimestamp parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"']);
  });

  it.each([
    ['2024-05-01', 'parsing time "2024-05-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"'],
    ['2024-05-01 10:00:00Z', 'parsing time "2024-05-01 10:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 10:00:00Z" as "T"'],
    ['2024-5-01T10:00:00Z', 'parsing time "2024-5-01T10:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "5-01T10:00:00Z" as "01"'],
    ['2024-05-01T10:00:00', 'parsing time "2024-05-01T10:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"'],
    ['2024-13-01T10:00:00Z', 'parsing time "2024-13-01T10:00:00Z": month out of range'],
    ['2023-02-29T10:00:00Z', 'parsing time "2023-02-29T10:00:00Z": day out of range'],
    ['2024-05-01T24:00:00Z', 'parsing time "2024-05-01T24:00:00Z": hour out of range'],
    ['2024-05-01T10:00:00Zjunk', 'parsing time "2024-05-01T10:00:00Zjunk": extra text: "junk"'],
  ])('time.Parse(RFC3339, %j)', (v, message) => {
    expect(parseGoTimeError(v)).toBe(message);
  });

  it('leap days parse', () => {
    expect(parseGoTimeError('2024-02-29T00:00:00Z')).toBeNull();
  });
});

describe('go-json: unknown fields', () => {
  it("uses UnmarshalUnknownFieldsError's texts", () => {
    expect(unknownFieldsText(['a'])).toBe('field in document is not recognized or is in the wrong location: a');
    expect(unknownFieldsText(['a', 'b'])).toBe('fields in document are not recognized or are in the wrong location: a, b');
    expect(unknownFieldsText(['a', 'b', 'c', 'd', 'e', 'f'])).toBe('fields in document are not recognized or are in the wrong location: a, b, c, d (+ 2 more)');
  });

  it('reports the first ones one by one, at their keys, and the rest in one (bounded for hostile documents)', () => {
    const spec: Record<string, unknown> = { cidr: '10.0.0.0/16' };
    for (let i = 0; i < 1000; i++) spec[`k${i}`] = i;
    const r = decodeGo(pool(spec), IPPOOL);
    expect(r.diagnostics).toHaveLength(MAX_REPORTED + 1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'FIELD_UNKNOWN', path: '/spec/k0' });
    expect(r.diagnostics[MAX_REPORTED]).toMatchObject({
      code: 'FIELD_UNKNOWN',
      path: `/spec/k${MAX_REPORTED}`,
      message: `fields in document are not recognized or are in the wrong location: k20, k21, k22, k23 (+ ${1000 - MAX_REPORTED - 4} more)`,
    });
  });

  it('bounds type errors likewise', () => {
    const labels: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) labels[`l${i}`] = [i];
    const r = decodeGo(pool({ cidr: '10.0.0.0/16' }, { name: 'p', labels }), IPPOOL);
    expect(r.diagnostics).toHaveLength(MAX_REPORTED + 1);
    expect(r.diagnostics[MAX_REPORTED]!.message).toBe(`${100 - MAX_REPORTED} more values of the wrong type (not shown)`);
  });
});
