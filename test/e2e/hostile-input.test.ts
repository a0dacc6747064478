import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, type CliResult } from '../support/cli.js';

// Every input is read through one bounded reader (128 MiB), whatever the file is: the built
// CLI runs under a 512 MiB cap on its data segment (prlimit), so a reader that kept going would
// die of std::bad_alloc (exit 134) or be killed at the deadline, where a bounded one answers.

const tmp = mkdtempSync(join(tmpdir(), 'poolctl-e2e-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const POOLS = join(ROOT, 'test/fixtures/manifests/valid.yaml');
const TLS = join(ROOT, 'test/datastore/fixtures/tls');
const DATA_CAP = String(512 * 1024 * 1024);
const DEADLINE_MS = 120_000;

/** helpers are the producer and writer processes a test started; each is killed after its test. */
const helpers: ChildProcess[] = [];
afterEach(() => {
  for (const p of helpers.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** start spawns a helper (never through a shell), its stdin the stdout of another when given. */
function start(cmd: string, args: readonly string[], stdout: 'pipe' | 'ignore' = 'ignore', stdinFrom?: ChildProcess): ChildProcess {
  const p = spawn(cmd, args, { stdio: [stdinFrom?.stdout ?? 'ignore', stdout, 'ignore'] });
  helpers.push(p);
  return p;
}

/**
 * poolctl runs the built CLI under the data cap, its stdin the stdout of a producer when given,
 * and resolves with its exit status and output (killed at DEADLINE_MS: status null).
 */
function poolctl(args: readonly string[], opts: { env?: Record<string, string | undefined>; stdinFrom?: ChildProcess; stdinFd?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', POOLCTL_STORE: join(tmp, 'store'), ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn('prlimit', [`--data=${DATA_CAP}`, process.execPath, BIN, ...args], {
      cwd: tmp,
      env: env as NodeJS.ProcessEnv,
      stdio: [opts.stdinFrom?.stdout ?? opts.stdinFd ?? 'ignore', 'pipe', 'pipe'],
    });
    if (opts.stdinFd !== undefined) closeSync(opts.stdinFd);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** fifo makes a FIFO in the temp dir with a writer that never stops (dd from /dev/zero, or yes). */
function endlessFifo(name: string, writer: 'dd' | 'yes'): string {
  const path = join(tmp, name);
  execFileSync('mkfifo', [path]);
  // The writer opens the FIFO itself; it blocks until poolctl opens it for reading.
  if (writer === 'dd') start('dd', ['if=/dev/zero', `of=${path}`, 'bs=65536', 'status=none']);
  else start('tee', [path], 'ignore', start('yes', [], 'pipe'));
  return path;
}

const TOO_LARGE = (file: string): string => `${file}: error INPUT_TOO_LARGE: input exceeds the size limit of 128 MiB\n`;

describe('every input is bounded (128 MiB), whatever its file type', { timeout: DEADLINE_MS + 10_000 }, () => {
  it.each(['/dev/zero', '/dev/urandom'])('validate -f %s stops at the limit (exit 1)', async (dev) => {
    const r = await poolctl(['validate', '-f', dev]);
    expect(r).toMatchObject({ code: 1, stderr: '' });
    expect(r.stdout).toBe(`${TOO_LARGE(dev)}1 file, 1 resource: 0 valid, 1 invalid, 0 skipped; 1 error, 0 warnings\n`);
  });

  it('validate -f FIFO with a writer that never stops', async () => {
    const r = await poolctl(['validate', '-f', endlessFifo('endless.fifo', 'yes')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(TOO_LARGE(join(tmp, 'endless.fifo')));
  });

  it.each([
    ['-', '<stdin>'],
    ['/dev/stdin', '/dev/stdin'],
  ])('validate -f %s with stdin a socket from an endless producer (Node, ssh)', async (arg, name) => {
    const r = await poolctl(['validate', '-f', arg], { stdinFrom: start('yes', [], 'pipe') });
    expect(r.code).toBe(1);
    expect(r.stdout.startsWith(TOO_LARGE(name))).toBe(true);
  });

  it.each(['-', '/dev/stdin'])('validate -f %s with stdin a pipe from an endless producer (as `yes | poolctl ...`)', async (arg) => {
    // A shell pipe is a FIFO; Node's own 'pipe' stdio is a socket, which /dev/stdin cannot reopen.
    const fifo = endlessFifo(`stdin-${arg.length}.fifo`, 'yes');
    const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const r = await poolctl(['validate', '-f', arg], { stdinFd: fd });
    expect(r.code).toBe(1);
    expect(r.stdout.startsWith(TOO_LARGE(arg === '-' ? '<stdin>' : arg))).toBe(true);
  });

  it('create -f /dev/zero writes nothing and says why (exit 1)', async () => {
    const r = await poolctl(['create', '-f', '/dev/zero']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(TOO_LARGE('/dev/zero'));
  });

  it('-c /dev/zero and POOLCTL_CONFIG=/dev/zero are bad config files (exit 2)', async () => {
    const want = 'Error reading config file: /dev/zero: it exceeds the size limit of 128 MiB\n';
    const c = await poolctl(['-c', '/dev/zero', 'get', 'ippools'], { env: { POOLCTL_STORE: undefined } });
    expect(c).toMatchObject({ code: 2, stdout: '', stderr: want });
    const env = await poolctl(['get', 'ippools'], { env: { POOLCTL_STORE: undefined, POOLCTL_CONFIG: '/dev/zero' } });
    expect(env).toMatchObject({ code: 2, stdout: '', stderr: want });
    const fifo = await poolctl(['-c', endlessFifo('config.fifo', 'dd'), 'get', 'ippools'], { env: { POOLCTL_STORE: undefined } });
    expect(fifo).toMatchObject({ code: 2, stderr: `Error reading config file: ${join(tmp, 'config.fifo')}: it exceeds the size limit of 128 MiB\n` });
  });

  it.each([
    ['ETCD_CA_CERT_FILE', 'CA certificate', {}],
    ['ETCD_KEY_FILE', 'client key', { ETCD_CERT_FILE: join(TLS, 'client.pem') }],
  ])('%s=/dev/zero is an unreadable TLS file (a configuration error, exit 2)', async (name, what, more) => {
    const r = await poolctl(['get', 'ippools'], { env: { POOLCTL_STORE: undefined, ETCD_ENDPOINTS: 'https://127.0.0.1:9', [name]: '/dev/zero', ...more } });
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain(`cannot read the etcd ${what} file /dev/zero: it exceeds the size limit of 128 MiB\n`);
  });
});

describe('nat explain --flows reads lines of bounded length, streaming', { timeout: DEADLINE_MS + 10_000 }, () => {
  it('--flows /dev/zero: an endless line is refused at 1 MiB (exit 2)', async () => {
    const r = await poolctl(['nat', 'explain', '-f', POOLS, '--flows', '/dev/zero']);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe('/dev/zero:1: line too long (1 MiB or more)\nhint: each line is "SRC DST"; # starts a comment\n');
  });

  it('--flows - from a producer of one endless line', async () => {
    const r = await poolctl(['nat', 'explain', '-f', POOLS, '--flows', '-'], { stdinFrom: start('dd', ['if=/dev/zero', 'bs=65536', 'status=none'], 'pipe') });
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr.split('\n')[0]).toBe('<stdin>:1: line too long (1 MiB or more)');
  });

  it('names the line of a long line after good ones, and prints the flows before it', async () => {
    const f = join(tmp, 'flows.txt');
    writeFileSync(f, `10.244.1.5 1.1.1.1\n# comment\n\n${'9'.repeat(3 * 1024 * 1024)}\n10.244.1.5 8.8.8.8\n`);
    const r = await poolctl(['nat', 'explain', '-f', POOLS, '--flows', f, '-o', 'csv']);
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n')).toHaveLength(3); // the header, the first flow, and after the last newline
    expect(r.stderr.split('\n')[0]).toBe(`${f}:4: line too long (1 MiB or more)`);
  });

  it('--flows /dev/urandom: a garbage line is quoted in a bounded, visible excerpt', async () => {
    const r = await poolctl(['nat', 'explain', '-f', POOLS, '--flows', '/dev/urandom']);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    const first = r.stderr.split('\n')[0]!;
    expect(first).toMatch(/^\/dev\/urandom:1: (expected "SRC DST", got |")/);
    expect(first.length).toBeLessThan(64 * 6 + 80);
    expect(r.stderr.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
