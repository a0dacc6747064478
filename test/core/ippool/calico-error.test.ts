import { describe, expect, it } from 'vitest';
import { calicoErrorText, checkIPPool } from '../../../src/core/index.js';
import { pool } from './support.js';

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
