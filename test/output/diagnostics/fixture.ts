import { join } from 'node:path';
import { validateManifests, type ValidateRun } from '../../../src/manifest/validate-report.js';
import { ROOT } from '../../support/cli.js';

/** MIXED is a fixture with a valid pool, an invalid one, a skipped kind, a warning and a syntax error. */
export const MIXED = 'test/fixtures/manifests/mixed.yaml';

/** mixedRun validates MIXED (paths relative to the project root, as the CLI would print them). */
export function mixedRun(): Promise<ValidateRun> {
  return validateManifests([MIXED], { cwd: ROOT });
}

export const FIXTURES = join(ROOT, 'test', 'fixtures');
