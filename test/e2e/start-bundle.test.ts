import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, spawnCollect } from '../support/cli.js';

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

/** slowReader spawns cmd and, once its first output arrives, reads nothing more for waitMs (the pipe fills and the child's writes queue), then all of it. */
function slowReader(cmd: string, argv: readonly string[], waitMs: number): Promise<{ code: number | null; stdout: Buffer; stderr: string; exitedBeforeRead: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const errs: Buffer[] = [];
    let exited = false;
    child.on('exit', () => (exited = true));
    let exitedBeforeRead = false;
    // From its first bytes on, the pipe is left full for waitMs (the stream buffers at most its highWaterMark).
    child.stdout.once('readable', () =>
      setTimeout(() => {
        exitedBeforeRead = exited;
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.stdout.resume();
      }, waitMs),
    );
    child.stderr.on('data', (b: Buffer) => errs.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(errs).toString('utf8'), exitedBeforeRead }));
  });
}

describe('the end of a run (bin/exit-when-flushed.cjs)', () => {
  it('ends without waiting for the event loop, and only once a slow pipe has taken every byte, with main\'s exit status', async () => {
    // A timer that would hold the process for a minute, 1 MiB written to a pipe nobody reads for 300 ms, exit status 5.
    const script = `const { exitWhenFlushed } = require(${JSON.stringify(join(ROOT, 'bin', 'exit-when-flushed.cjs'))});
setInterval(() => {}, 60000);
for (let i = 0; i < 1024; i++) process.stdout.write(String(i % 10).repeat(1023) + '\\n');
process.stderr.write('done\\n');
process.exitCode = 5;
exitWhenFlushed(process);`;
    const t = Date.now();
    const r = await slowReader(process.execPath, ['-e', script], 300);
    expect(Date.now() - t).toBeLessThan(30_000);
    expect(r.exitedBeforeRead).toBe(false);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('done\n');
    expect(r.stdout.length).toBe(1024 * 1024);
    expect(r.stdout.toString('latin1').split('\n').slice(0, 1024).every((l, i) => l === String(i % 10).repeat(1023))).toBe(true);
  });

  it('gives a slow pipe and a file the same bytes as the command writes, with its exit status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poolctl-start-exit-'));
    try {
      // 3,000 NAT pools: ~240 KB of ipset input, more than a pipe holds.
      const pools = Array.from({ length: 3000 }, (_, i) => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: p-${i}\nspec:\n  cidr: 10.${i >> 8}.${i & 255}.0/24\n  natOutgoing: true\n`).join('---\n');
      writeFileSync(join(dir, 'pools.yaml'), pools);
      const args = [BIN, 'nat', 'render', '--format', 'ipset', '-f', join(dir, 'pools.yaml')];
      const piped = await slowReader(process.execPath, args, 300);
      expect(piped.code).toBe(0);
      expect(piped.stdout.length).toBeGreaterThan(200_000);
      const fd = openSync(join(dir, 'out'), 'w');
      const filed = await new Promise<number | null>((resolve) => spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', fd, 'ignore'] }).on('close', resolve));
      closeSync(fd);
      expect(filed).toBe(0);
      expect(readFileSync(join(dir, 'out')).equals(piped.stdout)).toBe(true);
      expect(piped.stdout.toString('utf8').split('\n').filter((l) => l.startsWith('add cali40masq-ipam-pools ')).length).toBe(3000);
      // A failing command keeps its status and its error.
      const bad = await slowReader(process.execPath, [BIN, 'nat', 'render', '-f', join(dir, 'missing.yaml')], 0);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/missing\.yaml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
