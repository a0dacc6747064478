import { afterAll, expect, it } from 'vitest';
import { PoolctlError } from '../../src/base/errors.js';
import { exitStatusOf } from '../../src/cli/exit-status.js';
import { createHostExec } from '../../src/host/host-exec.js';
import { kernelDescribe, sh } from '../support/netns.js';

// createHostExec against the kernel (root, a network namespace this file creates and deletes);
// the rest of its tests: host-exec.test.ts.

kernelDescribe('createHostExec in a network namespace', () => {
  const ns = `pcx${process.pid.toString(36)}`;
  afterAll(async () => {
    await createHostExec({ env: process.env }).run('ip', ['netns', 'del', ns]);
  });

  it('runs tools through `ip netns exec` and maps a missing tool to exit 3', async () => {
    await sh('ip', ['netns', 'add', ns]);
    const exec = createHostExec({ env: process.env, netns: ns });
    const r = await exec.run('ip', ['-o', 'link', 'show']);
    expect(r.code).toBe(0);
    // a fresh namespace has only its loopback interface
    expect(r.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^1: lo:/)]);
    const e = await exec.run('no-such-tool-poolctl', []).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(PoolctlError);
    expect((e as PoolctlError).code).toBe('HOST_TOOL_MISSING');
    expect(exitStatusOf(e as PoolctlError)).toBe(3);
  });
});
