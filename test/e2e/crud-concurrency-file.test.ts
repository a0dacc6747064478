import { concurrencySuite } from './crud-concurrency.js';
import { fileBackend } from './crud-support.js';

concurrencySuite(fileBackend());
