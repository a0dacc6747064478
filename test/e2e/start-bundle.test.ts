import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, spawnCollect } from '../support/cli.js';

/**
 * bin/poolctl.js starts from dist/'s CommonJS start bundles with the code caches the build
 * trained (scripts/build.mjs writeStartBundles, bin/start-bundle.cjs): poolctl-line.cjs for most
 * command lines, and a bundle of its own for `nat diff`, `nat explain` and `validate` (src/cli/path-line.ts).
 * These check that each line loads only its own bundle and takes this build's cache of it, that
 * a cache of another build is never used, that the CLI runs the same without one, that a path
 * bundle hands help and usage errors to the whole CLI, and that the start bundles answer as the
 * ESM build (dist/main.js) does, output and exit status.
 */

const POOLS = join(ROOT, 'examples', 'pools.yaml');
const EXPLAIN = ['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', POOLS, '-o', 'json'];

/** AFTER is a state for nat diff against examples/pools.yaml: NAT off on the IPv4 pod pool, the other pools removed. */
const AFTER = 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: default-ipv4-ippool\nspec:\n  cidr: 10.244.0.0/16\n  natOutgoing: false\n';

/**
 * PROBE runs the CLI from the start bundles of dist (argv[1]) and prints, after its output and
 * exit status, which line bundles it loaded and whether V8 rejected each one's cache (undefined: none given).
 */
const PROBE = `const { LINES, startBundles } = require(process.argv[1] + '/../bin/start-bundle.cjs');
const s = startBundles(process.argv[1]);
const proc = { ...process, argv: ['node', 'poolctl', ...process.argv.slice(2)], cwd: () => process.cwd(), exit() {}, stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin };
s.main(proc).then(() => process.stdout.write('\\nprobe:' + JSON.stringify({ code: proc.exitCode, lines: Object.fromEntries(LINES.filter((k) => s.line(k)).map((k) => ['poolctl-line' + k + '.cjs', String(s.line(k).script.cachedDataRejected)])) })));`;

/** probe runs PROBE on a dist directory: the command's output and exit status, and the line bundles it loaded with their cache's fate. */
async function probe(dist: string, args: readonly string[]): Promise<{ out: string; err: string; code: number; lines: Record<string, string> }> {
  const r = await spawnCollect(process.execPath, ['-e', PROBE, dist, ...args]);
  const at = r.stdout.lastIndexOf('\nprobe:');
  return { out: r.stdout.slice(0, at), err: r.stderr, ...JSON.parse(r.stdout.slice(at + '\nprobe:'.length)) };
}

/** esm runs the command line with the ESM build (dist/main.js). */
function esm(args: readonly string[]) {
  const run = `const p = { ...process, argv: ['node', 'poolctl', ...process.argv.slice(1)] };
import(${JSON.stringify(join(ROOT, 'dist', 'main.js'))}).then((m) => m.main(p)).then(() => (process.exitCode = p.exitCode));`;
  return spawnCollect(process.execPath, ['-e', run, ...args]);
}

describe('start bundles (bin/poolctl.js)', () => {
  it("load only the line's own bundle, use this build's code cache of it, and answer as the ESM build does", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poolctl-start-bundle-'));
    try {
      writeFileSync(join(dir, 'after.yaml'), AFTER);
      const cases: [readonly string[], string, number][] = [
        [EXPLAIN, 'poolctl-line-nat-explain.cjs', 0],
        [['nat', 'diff', '--from', POOLS, '--to', join(dir, 'after.yaml'), '-o', 'json'], 'poolctl-line-nat-diff.cjs', 1],
        [['validate', '-f', POOLS, '-o', 'json'], 'poolctl-line-validate.cjs', 0],
        [['get', 'ippools', '-o', 'yaml', '--store', dir], 'poolctl-line.cjs', 0],
        // The diff library's own ./line-endings.js is a module of that bundle, not a line.
        [['diff', '-f', POOLS, '--store', dir], 'poolctl-line.cjs', 1],
      ];
      for (const [args, line, code] of cases) {
        const expected = await esm(args);
        expect(expected.code).toBe(code);
        const got = await probe(join(ROOT, 'dist'), args);
        expect(got).toEqual({ out: expected.stdout, err: expected.stderr, code, lines: { [line]: 'false' } });
        expect(got.out).not.toBe('');
      }
      expect(JSON.parse((await probe(join(ROOT, 'dist'), EXPLAIN)).out)).toMatchObject({ nat: true, action: 'MASQUERADE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hand help and usage errors from a path bundle to the whole CLI, with its words and exit status', async () => {
    // [command line, its exit status, whether the whole CLI (yargs) answers it]: help and flags the fast parser leaves to yargs
    // go there; the command's own checks and failures are answered by its bundle.
    const cases: [string[], number, boolean][] = [
      [['nat', 'diff', '--help'], 0, true],
      [['nat', 'diff', '--bogus'], 2, true],
      [['nat', 'explain', '--help'], 0, true],
      [['nat', 'explain', '10.244.1.5', '1.1.1.1', '-x'], 2, true],
      [['nat', 'explain', '10.244.1.5'], 2, false],
      [['nat', 'explain', '1.2.3.4', '5.6.7.8', '-f', '/nonexistent.yaml'], 1, false],
      [['validate', '-o', 'yaml', '-f', POOLS], 2, true],
      [['validate', '-f', '/nonexistent.yaml'], 1, false],
    ];
    for (const [args, code, whole] of cases) {
      const expected = await esm(args);
      expect(expected.code).toBe(code);
      const got = await probe(join(ROOT, 'dist'), args);
      expect({ out: got.out, err: got.err, code: got.code }).toEqual({ out: expected.stdout, err: expected.stderr, code });
      const path = `poolctl-line-${args[0] === 'nat' ? `nat-${args[1]}` : args[0]}.cjs`;
      expect(got.lines).toEqual(whole ? { [path]: 'false', 'poolctl-line.cjs': 'false' } : { [path]: 'false' });
    }
  });

  it('never use the cache of another build, and run the same without a cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poolctl-start-bundle-'));
    try {
      cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
      cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
      const expected = await probe(join(ROOT, 'dist'), EXPLAIN);
      const cacheFile = join(dir, 'dist', 'poolctl-line-nat-explain.cjs.cache');
      const cache = readFileSync(cacheFile);
      // The same V8 data under another build's hash: not given to V8 at all.
      writeFileSync(cacheFile, Buffer.concat([Buffer.from(`${'0'.repeat(64)}\n`), cache.subarray(cache.indexOf(10) + 1)]));
      expect(await probe(join(dir, 'dist'), EXPLAIN)).toEqual({ ...expected, lines: { 'poolctl-line-nat-explain.cjs': 'undefined' } });
      rmSync(cacheFile);
      const r = await spawnCollect(process.execPath, [join(dir, 'bin', 'poolctl.js'), ...EXPLAIN]);
      expect(r).toEqual({ code: 0, stdout: expected.out, stderr: '' });
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
    // Paused (a 'data' listener does not resume it): from its first bytes on, the pipe is left full for waitMs
    // (the stream takes at most its highWaterMark), then read.
    child.stdout.pause();
    child.stdout.on('data', (b: Buffer) => out.push(b));
    const poll = setInterval(() => {
      if (child.stdout.readableLength === 0) return;
      clearInterval(poll);
      setTimeout(() => {
        exitedBeforeRead = exited;
        child.stdout.resume();
      }, waitMs);
    }, 5);
    child.on('close', () => clearInterval(poll));
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
