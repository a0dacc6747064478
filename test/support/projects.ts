/**
 * ProjectName is a vitest project of the suite (vitest.config.ts):
 *
 *   unit    in-process tests, no built CLI, no etcd, no root (`npm run test:unit`, the inner loop)
 *   e2e     the built CLI (dist/) spawned as users run it
 *   etcd    suites that start a real etcd (/usr/bin/etcd)
 *   kernel  suites that run as root in network namespaces they create
 */
export type ProjectName = 'unit' | 'e2e' | 'etcd' | 'kernel';

/**
 * TAGGED are the projects a test file's path names, in precedence order. A file belongs to
 * the first of them named by a folder on its path under test/ (`test/e2e/…`,
 * `test/integration/kernel/…`) or by a tag in its file name (`contract.etcd.test.ts`,
 * `host-exec.kernel.test.ts`), and to `unit` when none is named. A tag lets a source file's
 * etcd or kernel tests sit beside its unit tests, under the same name.
 */
export const TAGGED = ['kernel', 'etcd', 'e2e'] as const satisfies readonly ProjectName[];

/** TEST_FILES is the glob of every test file. */
export const TEST_FILES = 'test/**/*.test.ts';

/** projectGlobs are the globs of the files a tagged project's name claims (before precedence). */
export function projectGlobs(name: (typeof TAGGED)[number]): string[] {
  return [`test/**/${name}/**/*.test.ts`, `test/**/*.${name}.test.ts`];
}

/** projectOf is the project of a test file, given its path relative to the project root with `/` separators. */
export function projectOf(path: string): ProjectName {
  const dirs = path.split('/');
  const base = dirs.pop() ?? '';
  if (dirs[0] !== 'test' || !base.endsWith('.test.ts')) throw new Error(`projectOf: not a test file: ${path}`);
  for (const name of TAGGED) if (dirs.slice(1).includes(name) || base.endsWith(`.${name}.test.ts`)) return name;
  return 'unit';
}
