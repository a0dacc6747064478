import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ROOT is the project root; BIN the built poolctl entry that `npm ci` leaves behind
 * (POOLCTL_TEST_BIN points the e2e tests at another build, e.g. `build/x/run.js`).
 */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.POOLCTL_TEST_BIN ? resolve(process.env.POOLCTL_TEST_BIN) : join(ROOT, 'bin', 'poolctl.js');

/**
 * CONFORMANCE is the directory of the conformance vectors (ippool.json, nat.json, render.json):
 * the repository's copies of the team's shared vectors, which `npm run refresh:conformance`
 * (scripts/refresh-conformance.mjs) updates and test/conformance-copies.test.ts compares.
 */
export const CONFORMANCE = join(ROOT, 'test', 'fixtures', 'conformance');
