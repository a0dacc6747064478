import fc from 'fast-check';
import { FC_RUNS } from './fc-runs.js';

// A vitest setup file (vitest.config.ts): every test file's properties run FC_RUNS cases
// unless they state a count (fcRuns, test/support/fc-runs.ts).
fc.configureGlobal({ ...fc.readConfigureGlobal(), numRuns: FC_RUNS });
