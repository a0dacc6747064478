import type { Datastore } from '../../src/datastore/datastore.js';
import { openMemoryDatastore } from '../../src/datastore/memory.js';
import { contractSuite, type Backend } from './contract.js';

const memory = ((): Backend => {
  let ds: Datastore;
  return {
    name: 'memory',
    skip: null,
    async setup() {},
    async open() {
      return ds;
    },
    async reset() {
      ds = openMemoryDatastore();
    },
    async teardown() {},
  };
})();

contractSuite([memory]);
