// covers: src/core/ippool/rules.ts, src/core/ippool/meta.ts, src/core/ippool/ippool.ts, src/core/json-pointer.ts
import { describe, expect, it } from 'vitest';
import { ANNOTATIONS_MAX_BYTES, calicoErrorText, checkIPPool, decodeIPPool, OverlapIndex, setDefaults, type IPPool } from '../../../src/core/index.js';
import { codes, pool, validate } from './support.js';

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
