import { describe, expect, it } from 'vitest';
import { IPPOOL as CORE_IPPOOL, IPPOOL_SPEC, OBJECT_META, type GoStruct as CoreStruct } from '../../src/core/index.js';
import { decodeStoredPool, encodeEtcdValue, IPPOOL, POINTERS, toStoredPool, type Decoded, type GoStruct } from '../../src/datastore/codec.js';
import type { StoredPool } from '../../src/datastore/datastore.js';

function ok(d: Decoded): StoredPool {
  if (!d.ok) throw new Error(d.reason);
  return d.pool;
}

const server = { resourceVersion: '7', uid: 'u-1', creationTimestamp: '2026-01-02T03:04:05Z' };

describe('codec: Calico\'s JSON shape', () => {
  it('orders fields as the Go structs, drops omitempty zero values, keeps cidr and assignmentMode', () => {
    const p = toStoredPool(
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'IPPool',
        metadata: { labels: { a: 'b' }, name: 'p', annotations: {} },
        spec: { assignmentMode: 'Manual', natOutgoing: false, disabled: false, cidr: '10.0.0.0/16', blockSize: 24, allowedUses: ['Workload'], nodeSelector: 'all()', ipipMode: 'Never', vxlanMode: 'Always' },
      },
      server,
    );
    expect(JSON.stringify(p)).toBe(
      '{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"p","uid":"u-1","resourceVersion":"7","creationTimestamp":"2026-01-02T03:04:05Z","labels":{"a":"b"}},' +
        '"spec":{"cidr":"10.0.0.0/16","vxlanMode":"Always","ipipMode":"Never","blockSize":24,"nodeSelector":"all()","allowedUses":["Workload"],"assignmentMode":"Manual"}}',
    );
  });

  it('fills in the defaults Calico applies on write and read', () => {
    const p = toStoredPool({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: 'fd00::/48' } }, server);
    expect(p.spec).toEqual({ cidr: 'fd00::/48', vxlanMode: 'Never', ipipMode: 'Never', blockSize: 122, nodeSelector: 'all()', allowedUses: ['Workload', 'Tunnel'], assignmentMode: 'Automatic' });
  });

  it('keeps fields it does not know (a newer Calico\'s) after the known ones', () => {
    const d = decodeStoredPool('{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"p","zz":1},"spec":{"future":true,"cidr":"10.0.0.0/8","blockSize":26}}', '9', 'p');
    const p = ok(d);
    expect(Object.keys(p.spec)).toEqual(['cidr', 'vxlanMode', 'ipipMode', 'blockSize', 'nodeSelector', 'allowedUses', 'assignmentMode', 'future']);
    expect(p.metadata).toEqual({ name: 'p', resourceVersion: '9', zz: 1 });
  });

  it('the etcd value is the pool without resourceVersion; undecodable values are null', () => {
    const p = toStoredPool({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/16' } }, server);
    const v = encodeEtcdValue(p);
    expect(JSON.parse(v).metadata).toEqual({ name: 'p', uid: 'u-1', creationTimestamp: '2026-01-02T03:04:05Z' });
    expect(decodeStoredPool(v, '7', 'p')).toEqual({ ok: true, pool: p });
    for (const bad of ['nope', '[]', '"p"', '{"spec":[]}', '{"metadata":{"name":1}}', '{"spec":{"natOutgoing":"yes"}}']) expect(decodeStoredPool(bad, '1', 'p').ok).toBe(false);
  });
});

describe('codec: stored values read as Calico reads them (Go encoding/json via json-iterator)', () => {
  const read = (spec: string, meta = '"name":"p"'): ReturnType<typeof decodeStoredPool> =>
    decodeStoredPool(`{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{${meta}},"spec":${spec}}`, '5', 'p');

  it("its field lists are core's Go types (core/ippool/schema.ts, one list), with Go's pointers marked", () => {
    const spec = IPPOOL.fields.spec as GoStruct;
    const meta = IPPOOL.fields.metadata as GoStruct;
    const core = (t: CoreStruct): string[] => t.fields.map((f) => f.json);
    expect(Object.keys(IPPOOL.fields)).toEqual(core(CORE_IPPOOL));
    expect(Object.keys(meta.fields)).toEqual(core(OBJECT_META));
    expect(Object.keys(spec.fields)).toEqual(core(IPPOOL_SPEC));
    // every pointer names a field of the struct (a renamed field would leave it dangling)
    for (const p of POINTERS) {
      const [struct, field] = p.split('.') as [string, string];
      expect(Object.keys((IPPOOL.fields[struct] as GoStruct).fields)).toContain(field);
    }
    expect(spec.fields).toMatchObject({ cidr: 'string', natOutgoing: 'bool', blockSize: 'int', allowedUses: '[]string', assignmentMode: '*string' });
    expect((spec.fields.ipip as GoStruct).pointer).toBe(true);
    expect((spec.fields.ipip as GoStruct).fields).toEqual({ enabled: 'bool', mode: 'string' });
    expect(meta.fields).toMatchObject({ uid: 'string', generation: 'int', creationTimestamp: 'time', deletionTimestamp: '*time', deletionGracePeriodSeconds: '*int', labels: 'map[string]string', ownerReferences: '[]struct' });
  });

  it('spec.__proto__ is an unknown field, as in Go: it cannot turn NAT on, and is not kept', () => {
    const p = ok(read('{"cidr":"10.9.0.0/16","__proto__":{"natOutgoing":true,"disabled":true}}'));
    expect(p.spec.natOutgoing).toBeUndefined();
    expect(p.spec.disabled).toBeUndefined();
    expect(Object.getPrototypeOf(p.spec)).toBe(Object.prototype);
    expect(Object.keys(p.spec)).not.toContain('__proto__');
    expect(({} as { natOutgoing?: unknown }).natOutgoing).toBeUndefined();
  });

  it('a label named __proto__ is a label (a Go map key), not the prototype', () => {
    const p = ok(read('{"cidr":"10.9.0.0/16"}', '"name":"p","labels":{"__proto__":"x","a":"b"}'));
    expect(Object.getPrototypeOf(p.metadata.labels)).toBe(Object.prototype);
    expect(Object.entries(p.metadata.labels!)).toEqual([
      ['__proto__', 'x'],
      ['a', 'b'],
    ]);
  });

  it.each([
    ['a key in another case names the field', '{"cidr":"10.9.0.0/16","NatOutgoing":true}', { natOutgoing: true }],
    ['the Kelvin sign lowers to k (strings.ToLower)', '{"cidr":"10.9.0.0/16","bloc\u212aSize":24}', { blockSize: 24 }],
    ['a dotted capital I lowers to i', '{"cidr":"10.9.0.0/16","d\u0130sabled":true}', { disabled: true }],
    ['a long s does not fold to s (an unknown key, kept as is)', '{"cidr":"10.9.0.0/16","di\u017fabled":true}', { 'di\u017fabled': true }],
    ['of two spellings of one field the last wins', '{"cidr":"10.9.0.0/16","natOutgoing":false,"NATOUTGOING":true}', { natOutgoing: true }],
    ['null leaves a plain field as it was', '{"cidr":"10.9.0.0/16","natOutgoing":true,"NatOutgoing":null}', { natOutgoing: true }],
    ['null empties a pointer (assignmentMode: then defaulted)', '{"cidr":"10.9.0.0/16","assignmentMode":"Manual","AssignmentMode":null}', { assignmentMode: 'Automatic' }],
    ['spec {}: every field at its zero value, cidr ""', '{}', { cidr: '', allowedUses: ['Workload', 'Tunnel'] }],
    ['spec null: the same', 'null', { cidr: '' }],
  ])('%s', (_name, spec, want) => {
    const p = ok(read(spec));
    expect(p.spec).toMatchObject(want);
    expect(p.spec.disabled === true).toBe('disabled' in want);
  });

  it.each([
    ['{"cidr":"10.9.0.0/16","blockSize":"26"}', 'spec.blockSize: cannot decode a JSON string into a Go int'],
    ['{"cidr":"10.9.0.0/16","natOutgoing":"true"}', 'spec.natOutgoing: cannot decode a JSON string into a Go bool'],
    ['{"cidr":10}', 'spec.cidr: cannot decode a JSON number into a Go string'],
    ['{"cidr":"10.9.0.0/16","blockSize":26.5}', 'spec.blockSize: cannot decode the number 26.5 into a Go int'],
    ['{"cidr":"10.9.0.0/16","allowedUses":["Workload",1]}', 'spec.allowedUses[1]: cannot decode a JSON number into a Go string'],
    ['{"cidr":"10.9.0.0/16","ipip":{"enabled":"yes"}}', 'spec.ipip.enabled: cannot decode a JSON string into a Go bool'],
    ['[]', 'spec: cannot decode a JSON array into a Go struct'],
  ])('a value Go refuses is not a pool: %s', (spec, reason) => {
    expect(read(spec)).toEqual({ ok: false, reason });
  });

  it('metadata: times are RFC 3339, labels strings', () => {
    expect(read('{}', '"name":"p","creationTimestamp":"yesterday"')).toEqual({ ok: false, reason: 'metadata.creationTimestamp: "yesterday" is not an RFC 3339 time' });
    expect(read('{}', '"name":"p","creationTimestamp":"2026-02-30T00:00:00Z"').ok).toBe(false);
    expect(read('{}', '"name":"p","labels":{"a":1}')).toEqual({ ok: false, reason: 'metadata.labels.a: cannot decode a JSON number into a Go string' });
    expect(ok(read('{}', '"name":"p","creationTimestamp":"2026-02-28T23:59:59.5+01:00"')).metadata.creationTimestamp).toBe('2026-02-28T23:59:59.5+01:00');
  });

  it('the key names the pool; a value naming another one (or none) is shown under its key, with a note', () => {
    const other = decodeStoredPool('{"kind":"IPPool","metadata":{"name":"q"},"spec":{"cidr":"10.9.0.0/16"}}', '5', 'p');
    expect(other).toMatchObject({ ok: true, note: 'its value names the pool "q"', pool: { metadata: { name: 'p' } } });
    expect(decodeStoredPool('null', '5', 'p')).toMatchObject({ ok: true, note: 'its value has no metadata.name', pool: { metadata: { name: 'p' }, spec: { cidr: '' } } });
    expect(decodeStoredPool('{"kind":"Anything","metadata":{"name":"p"},"spec":{}}', '5', 'p')).toMatchObject({ ok: true, pool: { kind: 'IPPool' } });
  });

  it('text that is not JSON is not a pool, and its text is not echoed', () => {
    expect(decodeStoredPool('{"secret": ', '5', 'p')).toEqual({ ok: false, reason: expect.stringMatching(/^not JSON( \(at character \d+\))?$/) });
  });
});
