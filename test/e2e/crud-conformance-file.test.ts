import { conformanceSuite } from './crud-conformance.js';
import { fileBackend } from './crud-support.js';

conformanceSuite(fileBackend());
