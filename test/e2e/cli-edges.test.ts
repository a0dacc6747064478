import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IPPool } from '../../src/core/index.js';
import { openFileDatastore } from '../../src/datastore/file.js';
import { BIN, runCli, spawnCollect } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'poolctl-e2e-edges-'));
afterAll(() => {
  if (existsSync(join(tmp, 'unreadable', 'b'))) chmodSync(join(tmp, 'unreadable', 'b'), 0o755);
  rmSync(tmp, { recursive: true, force: true });
});

const POOL = (name: string, cidr: string): string => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: ${cidr}\n`;

/** many writes n valid pools into one file (its JSON report is far larger than a pipe holds). */
function many(n: number): string {
  const f = join(tmp, `many-${n}.yaml`);
  writeFileSync(f, Array.from({ length: n }, (_, i) => POOL(`p${i}`, `10.${i >> 8}.${i & 255}.0/24`)).join('---\n'));
  return f;
}

/**
 * closedEarly runs the CLI and closes its `stream` (stdout or stderr) as soon as the first
 * bytes come, as `| head -c1` does; stdin is the output of `producer` when given (never through a
 * shell). It resolves with the exit status, the signal and what the other stream got.
 */
function closedEarly(args: readonly string[], stream: 'stdout' | 'stderr', producer?: readonly string[]): Promise<{ code: number | null; signal: string | null; other: string }> {
  return new Promise((resolve, reject) => {
    const feed = producer ? spawn(producer[0]!, producer.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] }) : undefined;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1', POOLCTL_STORE: join(tmp, 'store') }, stdio: [feed?.stdout ?? 'ignore', 'pipe', 'pipe'] });
    const other = stream === 'stdout' ? child.stderr : child.stdout;
    let text = '';
    other.on('data', (b: Buffer) => (text += b.toString()));
    child[stream].once('data', () => child[stream].destroy());
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      feed?.kill('SIGKILL');
      resolve({ code, signal, other: text });
    });
  });
}

describe('a closed output pipe ends poolctl quietly (exit 141, as SIGPIPE would)', () => {
  it('stdout closed early (poolctl validate -o json | head -c1)', async () => {
    const r = await closedEarly(['validate', '-f', many(3000), '-o', 'json'], 'stdout');
    expect(r).toEqual({ code: 141, signal: null, other: '' });
  });

  it('stderr closed early (poolctl create 2>&1 | head -c1)', async () => {
    const f = join(tmp, 'bad-many.yaml');
    writeFileSync(f, Array.from({ length: 3000 }, (_, i) => POOL(`b${i}`, '10.0.0.1/99')).join('---\n'));
    const r = await closedEarly(['create', '-f', f], 'stderr');
    expect(r).toEqual({ code: 141, signal: null, other: '' });
  });

  it('an endless flow list stops when its reader goes (yes "SRC DST" | poolctl nat explain --flows - | head -1)', async () => {
    const pools = join(tmp, 'nat-pools.yaml');
    writeFileSync(pools, `${POOL('nat', '10.244.0.0/16')}  natOutgoing: true\n`);
    const r = await closedEarly(['nat', 'explain', '-f', pools, '--flows', '-', '-o', 'csv'], 'stdout', ['yes', '10.244.1.5 1.1.1.1']);
    expect(r).toEqual({ code: 141, signal: null, other: '' });
  });
});

describe('another write error ends poolctl with exit 1 and one line, no stack trace', () => {
  it('stdout on a full device (poolctl validate -o json > /dev/full)', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, 'validate', '-f', many(3000), '-o', 'json'], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', full, 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(r).toEqual({ code: 1, stderr: 'poolctl: cannot write the output: ENOSPC: no space left on device, write\n' });
    } finally {
      closeSync(full);
    }
  });
});

describe('a string option without its value is a usage error (exit 2), on both parser paths', () => {
  it.each([
    [['validate', '-f'], 'poolctl validate: flag -f needs a value', "run 'poolctl validate --help' for usage"],
    [['validate', '--filename'], 'poolctl validate: flag --filename needs a value', "run 'poolctl validate --help' for usage"],
    [['validate', '--filename='], 'poolctl validate: flag --filename needs a value', "run 'poolctl validate --help' for usage"],
    [['get', 'ippools', '-o'], 'poolctl get: flag -o needs a value', "run 'poolctl get --help' for usage"],
    [['get', '-o'], 'poolctl get needs resource (got 0 arguments)', "usage: poolctl get <resource> [names..]; run 'poolctl get --help' for usage"],
    [['nat', 'explain', '--flows'], 'poolctl nat explain: flag --flows needs a value', "run 'poolctl nat explain --help' for usage"],
    [['get', 'ippools', '-c'], 'poolctl get: flag -c needs a value', "run 'poolctl get --help' for usage"],
    [['validate', '-f', ''], '-f/--filename needs a file name, not an empty value', "run 'poolctl validate --help' for usage"],
    [['validate', '-f', 'a.yaml', '-f', ''], '-f/--filename needs a file name, not an empty value', "run 'poolctl validate --help' for usage"],
    [['create', '-f', ''], '-f/--filename needs a file name, not an empty value', "run 'poolctl create --help' for usage"],
    [['nat', 'explain', '--flows', ''], '--flows needs a file name, not an empty value', "run 'poolctl nat explain --help' for usage"],
    [['-c', '', 'get', 'ippools'], '-c/--config needs a file name, not an empty value', "run 'poolctl get --help' for usage"],
  ])('poolctl %j', async (args, message, hint) => {
    const r = await runCli(args, { cwd: tmp, env: { POOLCTL_STORE: join(tmp, 'store') } });
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe(`${message}\nhint: ${hint}\n`);
  });
});

describe('-R keeps to the tree', () => {
  it('stops at a symbolic link loop and refuses links out of the tree, never echoing what they lead to', async () => {
    mkdirSync(join(tmp, 'outside'));
    writeFileSync(join(tmp, 'outside', 'secret.yaml'), 'password: hunter2\n');
    mkdirSync(join(tmp, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(tmp, 'tree', 'a.yaml'), POOL('tree-a', '10.1.0.0/16'));
    writeFileSync(join(tmp, 'tree', 'sub', 'b.yaml'), POOL('tree-b', '10.2.0.0/16'));
    symlinkSync('../outside/secret.yaml', join(tmp, 'tree', 'leak.yaml'));
    symlinkSync('..', join(tmp, 'tree', 'sub', 'loop'));
    const r = await runCli(['validate', '-R', '-f', 'tree'], { cwd: tmp });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      'tree/leak.yaml: warning FILE_SKIPPED: skipped tree/leak.yaml: a symbolic link to a file outside tree (not followed; name it with -f to read it)\n' +
        'tree/sub/loop: warning FILE_SKIPPED: skipped tree/sub/loop: the same directory as tree, already read\n' +
        '2 files, 2 resources: 2 valid, 0 invalid, 0 skipped; 0 errors, 2 warnings\n',
    );
    // Named on the command line, the link is read (and its first line shown under the error).
    const named = await runCli(['validate', '-f', 'tree/leak.yaml'], { cwd: tmp });
    expect(named.code).toBe(1);
    expect(named.stdout).toContain('  password: hunter2\n');
  });

  it('names an unreadable subdirectory and reads the rest of the tree (exit 1)', async () => {
    mkdirSync(join(tmp, 'unreadable', 'a'), { recursive: true });
    mkdirSync(join(tmp, 'unreadable', 'b'));
    mkdirSync(join(tmp, 'unreadable', 'c'));
    writeFileSync(join(tmp, 'unreadable', 'a', 'x.yaml'), POOL('x', '10.1.0.0/16'));
    writeFileSync(join(tmp, 'unreadable', 'b', 'y.yaml'), POOL('y', '10.2.0.0/16'));
    writeFileSync(join(tmp, 'unreadable', 'c', 'z.yaml'), POOL('z', '10.3.0.0/16'));
    chmodSync(join(tmp, 'unreadable', 'b'), 0);
    // Permissions do not stop root: run it without the capabilities that bypass them.
    const asRoot = process.getuid?.() === 0;
    const argv = [BIN, 'validate', '-R', '-f', 'unreadable'];
    const r = asRoot
      ? await spawnCollect('setpriv', ['--bounding-set=-dac_override,-dac_read_search', process.execPath, ...argv], { cwd: tmp, env: { NO_COLOR: '1' } })
      : await spawnCollect(process.execPath, argv, { cwd: tmp, env: { NO_COLOR: '1' } });
    expect(r).toMatchObject({ code: 1, stderr: '' });
    expect(r.stdout).toBe(
      'unreadable/b: error FILE_UNREADABLE: cannot read directory unreadable/b: permission denied\n' +
        // validate counts an input it cannot read as an invalid result, as for a missing file.
        '2 files, 3 resources: 2 valid, 1 invalid, 0 skipped; 1 error, 0 warnings\n',
    );
  });
});

describe('stored data with control characters', () => {
  it('get keeps one row per pool and writes no raw control character', async () => {
    const store = join(tmp, 'raw-store');
    // Written by a writer that does not validate (as etcdctl could): a newline, a tab and escapes.
    const ds = openFileDatastore(store);
    const pool = (name: string, nodeSelector: string): IPPool => ({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr: '10.9.0.0/16', nodeSelector } });
    await ds.create(pool('bad\nname', "all()\n|| \u001b]0;owned\u0007\t\u001b[2J"));
    await ds.create(pool('good', 'all()'));
    await ds.close();
    for (const format of ['table', 'wide', 'name']) {
      const r = await runCli(['get', 'ippools', '-o', format], { env: { POOLCTL_STORE: store } });
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(format === 'name' ? 2 : 3);
      expect(lines.at(-2)).toMatch(/bad\\nname/);
      expect(r.stdout.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    const json = await runCli(['get', 'ippools', '-o', 'json'], { env: { POOLCTL_STORE: store } });
    expect(JSON.parse(json.stdout).items[0].metadata.name).toBe('bad\nname');
  });
});
