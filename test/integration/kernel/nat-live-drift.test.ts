import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN } from '../../support/cli.js';
import { inNs, kernelDescribe, pool, runIn, sh } from '../../support/netns.js';

/**
 * nat explain --live after drift (issue 11 item 4): the pools are applied, then the kernel's
 * pool set is changed behind poolctl's back (a member no IPPool has added, a pool's member
 * removed). explain --live says so, decides from what the kernel holds, and names the kernel's
 * members after the pools, never "in no pool" beside a DST_IN_POOL verdict.
 */

const NS = `f-felix-drift-${process.pid.toString(36)}`;
const POOLS = pool('nat-v4', '10.244.0.0/16', '  natOutgoing: true\n') + pool('no-nat-172-16', '172.16.0.0/12', '  disabled: true\n');

kernelDescribe('nat explain --live after drift', () => {
  let dir = '';
  let file = '';
  const cli = (args: string[]) => runIn(NS, [process.execPath, BIN, ...args], { env: { NODENAME: 'drift-node' } });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poolctl-f-felix-drift-'));
    file = join(dir, 'pools.yaml');
    writeFileSync(file, POOLS);
    await sh('ip', ['netns', 'add', NS]);
    const applied = await cli(['nat', 'apply', '--backend', 'iptables', '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
  });
  afterAll(async () => {
    await sh('ip', ['netns', 'del', NS]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('in step: says so and names the pools', async () => {
    const r = await cli(['nat', 'explain', '--live', '10.244.0.5', '172.16.0.9', '-f', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("the kernel's NAT ruleset is in step with the pools");
    expect(r.stdout).toContain('IPPool(no-nat-172-16) 172.16.0.0/12');
  });

  it('after drift: says what differs, decides from the kernel, never "in no pool" beside DST_IN_POOL', async () => {
    // behind poolctl's back: a member no IPPool has, and the no-NAT pool's member removed
    expect((await inNs(NS, 'ipset', ['add', 'cali40network-ip-pools', '10.99.0.0/16'])).code).toBe(0);
    expect((await inNs(NS, 'ipset', ['del', 'cali40network-ip-pools', '172.16.0.0/12'])).code).toBe(0);
    const orphan = await cli(['nat', 'explain', '--live', '10.244.0.5', '10.99.0.5', '-f', file]);
    expect(orphan.code, orphan.stderr).toBe(0);
    expect(orphan.stdout).toContain("drift: the kernel's NAT ruleset differs from what the pools ask for");
    expect(orphan.stdout).toContain('cali40network-ip-pools lacks 172.16.0.0/12 (IPPool no-nat-172-16)');
    expect(orphan.stdout).toContain('cali40network-ip-pools has 10.99.0.0/16, which no IPPool has there');
    expect(orphan.stdout).toContain('no NAT (DST_IN_POOL)');
    expect(orphan.stdout).toContain('set member 10.99.0.0/16, which no IPPool has (drift)');
    expect(orphan.stdout).not.toContain('in no pool');
    // the removed member: the kernel NATs what the pools would not
    const gone = await cli(['nat', 'explain', '--live', '10.244.0.5', '172.16.0.9', '-f', file, '-o', 'json']);
    expect(gone.code, gone.stderr).toBe(0);
    const d = JSON.parse(gone.stdout);
    expect(d.nat).toBe(true);
    expect(d.drift.map((x: { text: string }) => x.text)).toContain('cali40network-ip-pools lacks 172.16.0.0/12 (IPPool no-nat-172-16)');
  });
});
