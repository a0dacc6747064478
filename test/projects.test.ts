import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/paths.js';
import { projectOf, type ProjectName } from './support/projects.js';

// A test file's project follows from its path (test/support/projects.ts, vitest.config.ts):
// here, that every file needing etcd, the kernel or the built CLI has a path that puts it in
// the project that provides it, so `npm run test:unit` needs none of them.

/** USES are the harness calls that need what a project provides (definitions are not calls). */
const USES: readonly { what: string; call: RegExp; allowed: readonly ProjectName[] }[] = [
  { what: 'a real etcd', call: /(?<!function )\b(etcdBackend|startEtcd|startEtcdCluster)\(/, allowed: ['etcd'] },
  { what: 'root and network namespaces', call: /(?<!function )\b(kernelDescribe|useTopology|createTopology)\(/, allowed: ['kernel'] },
  { what: 'the built CLI', call: /(?<!function )\b(runCli|poolctl)\(|\bBIN\b/, allowed: ['e2e', 'etcd', 'kernel'] },
];

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

const TEST_DIR = join(ROOT, 'test');
const SUPPORT = join(TEST_DIR, 'support');
const files = walk(TEST_DIR).filter((f) => f.endsWith('.test.ts'));

/**
 * sources returns the text of a test file and of the test modules it imports, transitively
 * (test/support/ defines the harness, so it is not followed).
 */
function sources(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  const local = [...text.matchAll(/^import [^;]*?from '(\.{1,2}\/[^']+)\.js';$/gm)]
    .map((m) => join(dirname(file), `${m[1]}.ts`))
    .filter((f) => f.startsWith(TEST_DIR) && !f.startsWith(SUPPORT) && existsSync(f));
  return [text, ...local.flatMap((f) => sources(f, seen))];
}

describe('test projects', () => {
  it('are named by a folder on the path or a tag in the file name, kernel first, then etcd, then e2e', () => {
    expect(projectOf('test/core/prefix.test.ts')).toBe('unit');
    expect(projectOf('test/e2e/validate.test.ts')).toBe('e2e');
    expect(projectOf('test/e2e/crud-conformance.etcd.test.ts')).toBe('etcd');
    expect(projectOf('test/datastore/contract.etcd.test.ts')).toBe('etcd');
    expect(projectOf('test/integration/etcd/cluster.test.ts')).toBe('etcd');
    expect(projectOf('test/integration/kernel/nat-flows.test.ts')).toBe('kernel');
    expect(projectOf('test/e2e/nat-render.kernel.test.ts')).toBe('kernel');
    expect(projectOf('test/host/host-exec.kernel.test.ts')).toBe('kernel');
    // a name that merely contains a project's name is no tag
    expect(projectOf('test/datastore/etcd.test.ts')).toBe('unit');
    expect(projectOf('test/e2e-like/x.test.ts')).toBe('unit');
  });

  it('found the suites of every project', () => {
    const count = (p: ProjectName): number => files.filter((f) => projectOf(relative(ROOT, f)) === p).length;
    expect({ unit: count('unit') > 40, e2e: count('e2e') > 3, etcd: count('etcd') > 3, kernel: count('kernel') > 3 }).toEqual({ unit: true, e2e: true, etcd: true, kernel: true });
  });

  it('put every file that needs etcd, the kernel or the built CLI in the project that provides it', () => {
    const wrong: string[] = [];
    for (const file of files.map((f) => relative(ROOT, f))) {
      const project = projectOf(file);
      const text = sources(join(ROOT, file)).join('\n');
      for (const use of USES) if (use.call.test(text) && !use.allowed.includes(project)) wrong.push(`${file} needs ${use.what}, which the ${project} project does not provide`);
    }
    expect(wrong).toEqual([]);
  });
});
