import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { FC_RUNS } from './test/support/fc-runs.js';
import { projectGlobs, TAGGED, TEST_FILES } from './test/support/projects.js';

/** TEST_TIMEOUT is a test's time limit (ms); a unit test's grows with the fast-check run count above 100. */
const TEST_TIMEOUT = 30_000;

// Four projects, each file's by its path (test/support/projects.ts): `unit` (npm run test:unit,
// the inner loop), `e2e`, `etcd` and `kernel`. `npm test` builds, type-checks and runs them all.
// Each tagged project leaves out the files of the projects before it in TAGGED; unit leaves
// out all of them.
//
// unit runs first, on every core (its tests are in-process and CPU-bound; vitest's default
// leaves one core to itself, which on a 2-core machine means one file at a time); the
// projects that spawn the CLI, etcd and namespaces follow with vitest's default.
const tagged = TAGGED.map((name, i) => ({
  extends: true as const,
  test: {
    name,
    include: projectGlobs(name),
    exclude: TAGGED.slice(0, i).flatMap(projectGlobs),
    sequence: { groupOrder: 1 },
    // These spawn the built CLI: dist/ must exist and be newer than src/.
    globalSetup: ['test/support/require-build.ts'],
  },
}));

export default defineConfig({
  test: {
    testTimeout: TEST_TIMEOUT,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    // POOLCTL_FC_RUNS: fast-check's run count (test/support/fc-runs.ts)
    setupFiles: ['test/support/fast-check.ts'],
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [TEST_FILES],
          exclude: TAGGED.flatMap(projectGlobs),
          sequence: { groupOrder: 0 },
          maxWorkers: availableParallelism(),
          testTimeout: Math.round(TEST_TIMEOUT * Math.max(1, FC_RUNS / 100)),
        },
      },
      ...tagged,
    ],
  },
});
