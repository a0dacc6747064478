import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileDatastore } from '../../src/datastore/file.js';
import { contractSuite, type Backend } from './contract.js';

const file = ((): Backend => {
  let dir = '';
  return {
    name: 'file',
    skip: null,
    async setup() {},
    async open() {
      return openFileDatastore(dir);
    },
    async reset() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = mkdtempSync(join(tmpdir(), 'poolctl-contract-'));
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
})();

contractSuite([file]);
