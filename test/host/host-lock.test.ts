import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHostExec } from '../../src/host/host-exec.js';
import { lockHost, lockPath } from '../../src/host/host-lock.js';
import { failure } from '../support/failure.js';

// The lock itself, in a private directory (lockHost's `dir`), within this process: two
// holders of one namespace's lock exclude each other like two poolctl processes do (each
// holder is its own flock(1) process). The kernel suite nat-lock.test.ts runs
// real applies against each other, killed ones included.
const root = mkdtempSync(join(tmpdir(), 'poolctl-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => mkdtempSync(join(root, `d${n++}-`));
const exec = () => createHostExec({ env: process.env });


describe('lockHost', () => {
  it('names the lock after the network namespace the tools run in: the device and inode of its /proc/self/ns/net', async () => {
    const ns = statSync('/proc/self/ns/net');
    expect(await lockPath(exec(), '/run/poolctl')).toBe(`/run/poolctl/net-${ns.dev}-${ns.ino}.lock`);
  });

  it('lets one holder in at a time: the second gives up after its timeout (exit 3, naming the holder), and gets it once released', async () => {
    const dir = fresh();
    const first = await lockHost(exec(), { what: 'nat apply', timeoutMs: 0, dir });
    expect(readFileSync(first.path, 'utf8')).toMatch(new RegExp(`^pid ${process.pid} \\(nat apply\\) since \\d{4}-\\d\\d-\\d\\dT`));
    const waits: string[] = [];
    const started = Date.now();
    const e = await failure(lockHost(exec(), { what: 'nat status', timeoutMs: 1500, dir, onWait: (m) => waits.push(m) }));
    // a wait long enough that spawning flock on a loaded machine leaves time to wait (and say so)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(e.code).toBe('HOST_LOCKED');
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(`nat status: poolctl nat apply (pid ${process.pid}, since ${readFileSync(first.path, 'utf8').trim().split(' since ')[1]}) holds the NAT lock of this network namespace (${first.path}), and it was not released within 1.5 s`);
    expect(waits).toEqual([expect.stringMatching(/^waiting for poolctl nat apply \(pid \d+, since \S+\) to finish: it holds the NAT lock of this network namespace \(.*\); waiting up to 2 s$/)]);
    // no wait at all with a timeout of 0
    expect((await failure(lockHost(exec(), { what: 'nat apply', timeoutMs: 0, dir }))).code).toBe('HOST_LOCKED');
    await Promise.all([first.release(), first.release()]); // idempotent
    const second = await lockHost(exec(), { what: 'nat status', timeoutMs: 0, dir });
    expect(readFileSync(second.path, 'utf8')).toMatch(/^pid \d+ \(nat status\) since /);
    await second.release();
  });

  it('a running nat agent is not waited for: a writer (or a second agent) is refused at once, a reader goes on beside it', async () => {
    const dir = fresh();
    const agent = await lockHost(exec(), { what: 'nat agent', timeoutMs: 0, dir });
    const started = Date.now();
    const apply = await failure(lockHost(exec(), { what: 'nat apply', timeoutMs: 10_000, dir, besideAgent: 'refuse' }));
    expect(apply.code).toBe('HOST_LOCKED');
    expect(apply.message).toMatch(/^nat apply: poolctl nat agent \(pid \d+, since \S+\) holds the NAT lock of this network namespace \(.*\)$/);
    expect(apply.hint).toMatch(/change them there, or stop the agent/);
    const second = await failure(lockHost(exec(), { what: 'nat agent', timeoutMs: 10_000, dir, besideAgent: 'refuse' }));
    expect(second.hint).toMatch(/an agent already keeps this namespace in step/);
    const reader = await lockHost(exec(), { what: 'nat status', timeoutMs: 10_000, dir, besideAgent: 'read' });
    await reader.release();
    expect(Date.now() - started).toBeLessThan(8000);
    // the reader held nothing: the agent still has the lock, and the file still names it
    expect(readFileSync(agent.path, 'utf8')).toMatch(/^pid \d+ \(nat agent\) since /);
    expect((await failure(lockHost(exec(), { what: 'nat apply', timeoutMs: 0, dir }))).code).toBe('HOST_LOCKED');
    await agent.release();
    // without an agent, besideAgent changes nothing: the lock is taken as always
    const apply2 = await lockHost(exec(), { what: 'nat apply', timeoutMs: 0, dir, besideAgent: 'refuse' });
    expect((await failure(lockHost(exec(), { what: 'nat status', timeoutMs: 0, dir, besideAgent: 'read' }))).code).toBe('HOST_LOCKED');
    await apply2.release();
  });

  it('a waiter gets the lock as soon as the holder lets go', async () => {
    const dir = fresh();
    const first = await lockHost(exec(), { what: 'nat apply', timeoutMs: 0, dir });
    const waits: string[] = [];
    const waiting = lockHost(exec(), { what: 'nat apply', timeoutMs: 10_000, dir, onWait: (m) => waits.push(m) });
    await new Promise((r) => setTimeout(r, 300));
    const let_go = Date.now();
    await first.release();
    const second = await waiting;
    expect(Date.now() - let_go).toBeLessThan(2000);
    expect(waits).toHaveLength(1);
    expect(readFileSync(second.path, 'utf8')).toMatch(/^pid \d+ \(nat apply\)/);
    // and a third still finds it taken
    expect((await failure(lockHost(exec(), { what: 'nat apply', timeoutMs: 0, dir }))).code).toBe('HOST_LOCKED');
    await second.release();
  });

  it('passes the lock on to the tools it runs while held (fd 3), and not after: a tool still running keeps it held', async () => {
    const dir = fresh();
    const e = exec();
    const lock = await lockHost(e, { what: 'nat apply', timeoutMs: 0, dir });
    expect((await e.run('sh', ['-c', 'test -e /proc/self/fd/3 && echo fd3 || echo none'])).stdout.trim()).toBe('fd3');
    // a tool that outlives poolctl's hold (as after kill -9, or a killed tool's child): the
    // lock stays held until it ends, and release does not wait for it (only 1 s)
    const tool = e.run('sleep', ['4']);
    const started = Date.now();
    await lock.release();
    expect(Date.now() - started).toBeLessThan(2500);
    expect((await failure(lockHost(exec(), { what: 'nat status', timeoutMs: 0, dir }))).code).toBe('HOST_LOCKED');
    await tool;
    await (await lockHost(exec(), { what: 'nat status', timeoutMs: 1000, dir })).release();
    expect((await e.run('sh', ['-c', 'test -e /proc/self/fd/3 && echo fd3 || echo none'])).stdout.trim()).toBe('none');
  });

  it('refuses a lock directory others may write to, or not its own (exit 3)', async () => {
    const dir = fresh();
    chmodSync(dir, 0o777);
    const e = await failure(lockHost(exec(), { what: 'nat apply', timeoutMs: 0, dir }));
    expect(e.code).toBe('HOST_LOCK_UNSAFE');
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(`cannot use the lock directory ${dir}: its mode is 777`);
    const link = join(fresh(), 'link');
    symlinkSync(fresh(), link);
    expect((await failure(lockHost(exec(), { what: 'nat apply', timeoutMs: 0, dir: link }))).message).toBe(`cannot use the lock directory ${link}: it is not a directory`);
  });

  it('creates a missing lock directory with mode 0700', async () => {
    const dir = join(fresh(), 'poolctl');
    await (await lockHost(exec(), { what: 'nat apply', timeoutMs: 0, dir })).release();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('without flock(1): exit 3 naming util-linux', async () => {
    const e = await failure(lockHost(createHostExec({ env: { PATH: '/nonexistent' } }), { what: 'nat apply', timeoutMs: 0, dir: fresh() }));
    expect(e.message).toBe('flock not found on PATH: install the package "util-linux"');
    expect(e.exitCode).toBe(3);
  });
});
