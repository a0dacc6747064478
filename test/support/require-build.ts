import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TestProject } from 'vitest/node';
import { BIN, ROOT } from './paths.js';

/** BUILD_INPUTS are what scripts/build.mjs builds dist/ from. */
const BUILD_INPUTS = ['src', 'schemas', 'package.json', 'scripts/build.mjs', 'scripts/train-start-cache.cjs'];

/** newest returns the latest modification time under a path and the file that has it. */
function newest(path: string): { mtime: number; file: string } {
  const st = statSync(path);
  if (!st.isDirectory()) return { mtime: st.mtimeMs, file: path };
  let best = { mtime: 0, file: path };
  for (const name of readdirSync(path)) {
    const n = newest(join(path, name));
    if (n.mtime > best.mtime) best = n;
  }
  return best;
}

/**
 * setup (a global setup of the e2e, etcd and kernel projects, which spawn the built CLI)
 * fails the project's run with what to do when the build is missing or older than its
 * sources, rather than letting the tests run an absent or stale CLI.
 */
export default function setup(project: TestProject): void {
  const build = '`npm run build` (npm test and npm run test:e2e, test:etcd, test:kernel build first)';
  if (!existsSync(BIN)) throw new Error(`the ${project.name} tests run the built CLI, but ${BIN} does not exist: run ${build}`);
  if (process.env.POOLCTL_TEST_BIN) return;
  const main = join(ROOT, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`the ${project.name} tests run the built CLI, but ${relative(ROOT, main)} does not exist: run ${build}`);
  const built = statSync(main).mtimeMs;
  const src = BUILD_INPUTS.map((p) => newest(join(ROOT, p))).reduce((a, b) => (b.mtime > a.mtime ? b : a));
  if (src.mtime > built) {
    throw new Error(`the ${project.name} tests run the built CLI, but ${relative(ROOT, src.file)} is newer than ${relative(ROOT, main)}: run ${build}`);
  }
}
