import { concurrencySuite } from './crud-concurrency.js';
import { etcdBackend } from './crud-support.js';

concurrencySuite(etcdBackend());
