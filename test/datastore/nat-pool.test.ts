import { describe, expect, it } from 'vitest';
import type { IPPool } from '../../src/core/index.js';
import { natPoolOf } from '../../src/datastore/nat-pool.js';

const pool = (spec: Record<string, unknown>, name: string | undefined = 'p'): IPPool =>
  ({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: name === undefined ? {} : { name }, spec }) as unknown as IPPool;

describe('natPoolOf', () => {
  it.each([
    ['natOutgoing and disabled as given', { cidr: '10.0.0.0/16', natOutgoing: true, disabled: true }, { name: 'p', cidr: '10.0.0.0/16', natOutgoing: true, disabled: true }],
    ['the deprecated nat-outgoing is OR-ed in', { cidr: '10.0.0.0/16', 'nat-outgoing': true }, { name: 'p', cidr: '10.0.0.0/16', natOutgoing: true, disabled: false }],
    ['allowedUses and blockSize when set', { cidr: 'fd00::/64', allowedUses: ['LoadBalancer'], blockSize: 120 }, { name: 'p', cidr: 'fd00::/64', natOutgoing: false, disabled: false, allowedUses: ['LoadBalancer'], blockSize: 120 }],
    ['empty allowedUses and a zero blockSize are left out', { cidr: '10.0.0.0/16', allowedUses: [], blockSize: 0 }, { name: 'p', cidr: '10.0.0.0/16', natOutgoing: false, disabled: false }],
    ['Go zero values (null, a non-true flag) read as unset', { cidr: null, natOutgoing: 'true', disabled: null }, { name: 'p', cidr: '', natOutgoing: false, disabled: false }],
  ])('%s', (_what, spec, want) => {
    expect(natPoolOf(pool(spec))).toEqual(want);
  });

  it('a pool without a name or spec gives empty strings', () => {
    expect(natPoolOf({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool' } as unknown as IPPool)).toEqual({ name: '', cidr: '', natOutgoing: false, disabled: false });
  });
});
