import { conformanceSuite } from './crud-conformance.js';
import { etcdBackend } from './crud-support.js';

conformanceSuite(etcdBackend());
