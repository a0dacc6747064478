import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PoolctlError } from '../../src/base/errors.js';
import { exitStatusOf } from '../../src/cli/exit-status.js';
import { commandFailed, createHostExec, findOnPath, toolEnv, toolMissing } from '../../src/host/host-exec.js';

const dir = mkdtempSync(join(tmpdir(), 'poolctl-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** fakeTool writes an executable shell script named `name` into the temp dir. */
function fakeTool(name: string, body: string): void {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
}

async function rejection(p: Promise<unknown>): Promise<PoolctlError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(PoolctlError);
  return e as PoolctlError;
}

describe('createHostExec', () => {
  const exec = createHostExec({ env: process.env });

  it('passes arguments as an array, never through a shell', async () => {
    const r = await exec.run('printf', ['%s|', '$(echo hi); rm -rf /nope', '*']);
    expect(r).toEqual({ code: 0, stdout: '$(echo hi); rm -rf /nope|*|', stderr: '' });
  });

  it('feeds stdin and captures stdout and stderr separately', async () => {
    fakeTool('both', 'cat; echo oops >&2; exit 4');
    const r = await createHostExec({ env: { PATH: `${dir}:${process.env.PATH}` } }).run('both', [], { input: 'line 1\nline 2\n' });
    expect(r).toEqual({ code: 4, stdout: 'line 1\nline 2\n', stderr: 'oops\n' });
  });

  it('streams an iterable input in chunks past the pipe buffer', async () => {
    const line = `${'x'.repeat(99)}\n`;
    const chunks = function* () {
      for (let i = 0; i < 2000; i++) yield line.repeat(10);
    };
    const r = await exec.run('wc', ['-c'], { input: chunks() });
    expect(r.stdout.trim()).toBe(String(2000 * 10 * 100));
  });

  it('takes chunks as UTF-8 bytes as well as strings', async () => {
    const chunks = function* () {
      yield new TextEncoder().encode('add s 10.0.0.0/8\n');
      yield 'add s 10.1.0.0/16\n';
    };
    const r = await exec.run('cat', [], { input: chunks() });
    expect(r.stdout).toBe('add s 10.0.0.0/8\nadd s 10.1.0.0/16\n');
  });

  it('stops feeding an iterable input when the tool exits early', async () => {
    let produced = 0;
    const chunks = function* () {
      for (;;) {
        produced++;
        yield 'y'.repeat(65536);
      }
    };
    const r = await exec.run('head', ['-c', '10'], { input: chunks() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('y'.repeat(10));
    expect(produced).toBeLessThan(1000);
  });

  it('gives the tools a minimal environment: PATH, the locale, xtables settings; never ETCD_PASSWORD or another secret', async () => {
    const env = {
      PATH: process.env.PATH,
      LANG: 'en_US.UTF-8',
      LC_TIME: 'C.UTF-8',
      XTABLES_LOCKFILE: '/run/test-xtables.lock',
      ETCD_PASSWORD: 's3cret',
      ETCD_USERNAME: 'root',
      ETCD_KEY_FILE: '/etc/calico/key.pem',
      ETCD_ENDPOINTS: 'https://u:p@etcd:2379',
      POOLCTL_STORE: '/var/lib/poolctl',
      AWS_SECRET_ACCESS_KEY: 'x',
      HOME: '/root',
    };
    const r = await createHostExec({ env }).run('env', []);
    const vars = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(vars).toEqual({ PATH: process.env.PATH, LANG: 'en_US.UTF-8', LC_TIME: 'C.UTF-8', LC_ALL: 'C', XTABLES_LOCKFILE: '/run/test-xtables.lock' });
    expect(toolEnv({ IPTABLES_LIB_DIR: '/x', IP6TABLES_LIB_DIR: '/y', ETCD_CA_CERT_FILE: '/ca' })).toEqual({ IPTABLES_LIB_DIR: '/x', IP6TABLES_LIB_DIR: '/y', LC_ALL: 'C' });
  });

  it('runs tools from the PATH it was given (how tests inject failing tools)', async () => {
    fakeTool('iptables-restore', 'echo fake; exit 0');
    const r = await createHostExec({ env: { PATH: `${dir}:/usr/sbin:/usr/bin` } }).run('iptables-restore', []);
    expect(r.stdout).toBe('fake\n');
  });

  it.each([
    ['ipset', 'ipset'],
    ['nft', 'nftables'],
    ['ip6tables-restore', 'iptables'],
  ])('a missing %s is exit 3 naming the package %s', async (tool, pkg) => {
    const e = await rejection(createHostExec({ env: { PATH: '/nonexistent' } }).run(tool, ['save']));
    expect(e.code).toBe('HOST_TOOL_MISSING');
    expect(exitStatusOf(e)).toBe(3);
    expect(e.message).toBe(`${tool} not found on PATH: install the package "${pkg}"`);
    expect(e.hint).toContain(`apt-get install ${pkg}`);
  });

  it('a tool that says it needs root is exit 3 with what to do', async () => {
    fakeTool('iptables-save', 'echo "iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)" >&2; exit 4');
    const e = await rejection(createHostExec({ env: { PATH: dir } }).run('iptables-save', ['-t', 'nat']));
    expect(e.code).toBe('HOST_NOT_ROOT');
    expect(exitStatusOf(e)).toBe(3);
    expect(e.hint).toMatch(/sudo/);
  });

  it('requireRoot refuses a non-root uid with exit 3', () => {
    const e = (() => {
      try {
        createHostExec({ env: process.env, euid: 1000 }).requireRoot('nat apply');
      } catch (x) {
        return x as PoolctlError;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(PoolctlError);
    expect(exitStatusOf(e!)).toBe(3);
    expect(e!.message).toBe("nat apply needs root (CAP_NET_ADMIN) to read and program the kernel's NAT tables: running as uid 1000");
    expect(() => createHostExec({ env: process.env, euid: 0 }).requireRoot('nat apply')).not.toThrow();
  });

  it('kills a command that outlives its timeout: exit 3', async () => {
    const t = Date.now();
    const e = await rejection(exec.run('sleep', ['10'], { timeoutMs: 200 }));
    expect(Date.now() - t).toBeLessThan(5000);
    expect(exitStatusOf(e)).toBe(3);
    expect(e.message).toBe('sleep 10 did not finish within 0.2 s');
  });

  it('survives a tool that exits without reading a large stdin', async () => {
    const r = await exec.run('true', [], { input: 'x'.repeat(4 << 20) });
    expect(r.code).toBe(0);
  });

  it('has() and findOnPath look for executables on the PATH', () => {
    expect(exec.has('sh')).toBe(true);
    expect(exec.has('no-such-tool-poolctl')).toBe(false);
    expect(findOnPath('sh', { PATH: '/nonexistent:/bin:/usr/bin' })).toMatch(/\/sh$/);
    expect(findOnPath('sh', {})).toBeNull();
  });

  it('commandFailed turns a failed run into exit 1 with the tool message', () => {
    const e = commandFailed('failing', 'load the rules', { code: 2, stdout: '', stderr: 'line 7: bad rule\n' });
    expect(exitStatusOf(e)).toBe(1);
    expect(e.message).toBe('failed to load the rules: failing exited with status 2:\n  line 7: bad rule');
    expect(commandFailed('x', 'y', { code: 5, stdout: '', stderr: '' }).message).toBe('failed to y: x exited with status 5:\n  exit status 5');
    expect(toolMissing('ip').message).toContain('"iproute2"');
  });
});
