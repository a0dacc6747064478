import { describe, expect, it } from 'vitest';
import { decodeIPPool, setDefaults } from '../../../src/core/index.js';
import { pool } from './support.js';

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
