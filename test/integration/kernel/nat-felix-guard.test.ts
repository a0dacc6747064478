import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inNs, kernelDescribe, pool, runIn, sh } from '../../support/netns.js';
import { BIN } from '../../support/cli.js';

/**
 * The Felix guard (issue 11 item 5): in a namespace that holds Felix-like chains (Felix's
 * cali-PREROUTING in nat and cali-FORWARD in filter, which poolctl never writes), `nat apply`
 * refuses with exit 3 and points at nat status / explain --live; --dry-run warns; --force
 * applies. A namespace without them applies as before.
 */

const NS = `f-felix-guard-${process.pid.toString(36)}`;
const CLEAN = `f-felix-clean-${process.pid.toString(36)}`;

kernelDescribe('nat apply on a host Felix manages', () => {
  let dir = '';
  let file = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poolctl-f-felix-guard-'));
    file = join(dir, 'pools.yaml');
    writeFileSync(file, pool('nat-v4', '10.244.0.0/16', '  natOutgoing: true\n'));
    for (const ns of [NS, CLEAN]) await sh('ip', ['netns', 'add', ns]);
    // what Felix programs beside poolctl's chains (felix/rules/static.go)
    await inNs(NS, 'iptables', ['-t', 'nat', '-N', 'cali-PREROUTING']);
    await inNs(NS, 'iptables', ['-t', 'filter', '-N', 'cali-FORWARD']);
  });
  afterAll(async () => {
    for (const ns of [NS, CLEAN]) await sh('ip', ['netns', 'del', ns]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const apply = (ns: string, ...flags: string[]) =>
    runIn(ns, [process.execPath, BIN, 'nat', 'apply', '--backend', 'iptables', '-f', file, ...flags], { env: { NODENAME: 'guard-node' } });

  it('refuses with exit 3, naming the chains and pointing at nat status / explain --live; writes nothing', async () => {
    const r = await apply(NS);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Felix manages NAT on this host (');
    expect(r.stderr).toContain('iptables chain cali-FORWARD in the IPv4 filter table');
    expect(r.stderr).toContain('iptables chain cali-PREROUTING in the IPv4 nat table');
    expect(r.stderr).toContain("'poolctl nat status' and 'poolctl nat explain --live'; --force applies anyway");
    const saved = await inNs(NS, 'iptables-save', ['-t', 'nat']);
    expect(saved.stdout).not.toContain('cali-nat-outgoing');
  });

  it('--dry-run shows the plan and warns; --force applies', async () => {
    const dry = await apply(NS, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('warning: Felix manages NAT on this host');
    const forced = await apply(NS, '--force');
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect((await inNs(NS, 'iptables-save', ['-t', 'nat'])).stdout).toContain('-A cali-nat-outgoing');
  });

  it('a namespace without Felix applies without --force', async () => {
    const r = await apply(CLEAN);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
