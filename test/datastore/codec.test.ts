import { describe, expect, it } from 'vitest';
import { decodeStoredPool, encodeEtcdValue, toStoredPool } from '../../src/datastore/codec.js';

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
    const p = decodeStoredPool('{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"p","zz":1},"spec":{"future":true,"cidr":"10.0.0.0/8","blockSize":26}}', '9');
    expect(Object.keys(p!.spec)).toEqual(['cidr', 'vxlanMode', 'ipipMode', 'blockSize', 'nodeSelector', 'allowedUses', 'assignmentMode', 'future']);
    expect(p!.metadata).toEqual({ name: 'p', resourceVersion: '9', zz: 1 });
  });

  it('the etcd value is the pool without resourceVersion; undecodable values are null', () => {
    const p = toStoredPool({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/16' } }, server);
    const v = encodeEtcdValue(p);
    expect(JSON.parse(v).metadata).toEqual({ name: 'p', uid: 'u-1', creationTimestamp: '2026-01-02T03:04:05Z' });
    expect(decodeStoredPool(v, '7')).toEqual(p);
    for (const bad of ['nope', '[]', '{"kind":"BGPPeer","metadata":{"name":"x"},"spec":{}}', '{"kind":"IPPool","spec":{}}']) expect(decodeStoredPool(bad, '1')).toBeNull();
  });
});
