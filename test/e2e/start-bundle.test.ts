import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, spawnCollect } from '../support/cli.js';

/**
 * bin/poolctl.js starts from dist/'s CommonJS start bundles with the code cache the build
 * trained (scripts/build.mjs writeStartBundles, bin/start-bundle.cjs). These check that the
 * cache of this build is used, that one of another build never is, that the CLI runs the same
 * without it, and that the start bundles answer as the ESM build (dist/main.js) does.
 */

const EXPLAIN = ['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', join(ROOT, 'examples', 'pools.yaml'), '-o', 'json'];

/** PROBE runs the CLI from the start bundles of dist (argv[1]) and prints, after its output, whether V8 took the cache. */
const PROBE = `const { startBundles } = require(process.argv[1] + '/../bin/start-bundle.cjs');
const s = startBundles(process.argv[1]);
s.main({ ...process, argv: ['node', 'poolctl', ...process.argv.slice(2)], cwd: () => process.cwd(), exit() {}, stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin })
  .then(() => process.stdout.write('\\ncache:' + String(s.line().script.cachedDataRejected)));`;

/** probe runs PROBE on a dist directory: the command's output and whether the cache was rejected (undefined: none given). */
async function probe(dist: string): Promise<{ out: string; cache: string }> {
  const r = await spawnCollect(process.execPath, ['-e', PROBE, dist, ...EXPLAIN]);
  expect(r.stderr).toBe('');
  const at = r.stdout.lastIndexOf('\ncache:');
  return { out: r.stdout.slice(0, at), cache: r.stdout.slice(at + '\ncache:'.length) };
}

describe('start bundles (bin/poolctl.js)', () => {
  it("use this build's code cache and answer as the ESM build does", async () => {
    const esmOut = await spawnCollect(process.execPath, ['-e', `import(${JSON.stringify(join(ROOT, 'dist', 'main.js'))}).then((m) => m.main({ ...process, argv: ['node', 'poolctl', ...process.argv.slice(1)] }))`, ...EXPLAIN]);
    expect(esmOut.code).toBe(0);
    const { out, cache } = await probe(join(ROOT, 'dist'));
    expect(cache).toBe('false');
    expect(out).toBe(esmOut.stdout);
    expect(JSON.parse(out)).toMatchObject({ nat: true, action: 'MASQUERADE' });
  });

  it('never use the cache of another build, and run the same without a cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poolctl-start-bundle-'));
    try {
      cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
      cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
      const expected = (await probe(join(ROOT, 'dist'))).out;
      const cacheFile = join(dir, 'dist', 'poolctl-line.cjs.cache');
      const cache = readFileSync(cacheFile);
      // The same V8 data under another build's hash: not given to V8 at all.
      writeFileSync(cacheFile, Buffer.concat([Buffer.from(`${'0'.repeat(64)}\n`), cache.subarray(cache.indexOf(10) + 1)]));
      expect(await probe(join(dir, 'dist'))).toEqual({ out: expected, cache: 'undefined' });
      rmSync(cacheFile);
      const r = await spawnCollect(process.execPath, [join(dir, 'bin', 'poolctl.js'), ...EXPLAIN]);
      expect(r).toEqual({ code: 0, stdout: expected, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
