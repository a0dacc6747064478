import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { inNs, kernelDescribe, sh } from '../support/netns.js';
import { POOLS } from './nat-render-pools.js';

// nat render's output loaded into the kernel (root, a network namespace this file creates and
// deletes); the rest of its tests: nat-render.test.ts.

kernelDescribe('nat render output loads into the kernel (network namespace)', () => {
  const ns = `poolctl-render-${process.pid}`;
  let dir: string;
  let pools: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poolctl-nat-render-'));
    pools = join(dir, 'pools.yaml');
    writeFileSync(pools, POOLS);
    await sh('ip', ['netns', 'add', ns]);
  });
  afterAll(async () => {
    await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const flags = ['-f', '', '--nat-outgoing-exclusions', 'IPPoolsAndHostIPs', '--host-ip', '10.9.9.9', '--host-ip', 'fd00::9', '--nat-port-range', '1024:65535'];
  const render = async (format: string, version: string, extra: string[] = []): Promise<string> => {
    const r = await runCli(['nat', 'render', ...flags.map((f) => (f === '' ? pools : f)), '--format', format, '--ip-version', version, ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  it('ipset restore takes the sets; iptables-restore and ip6tables-restore --noflush take the rules', async () => {
    await inNs(ns, 'ipset', ['restore'], await render('ipset', 'all'));
    await inNs(ns, 'iptables-restore', ['--noflush'], await render('iptables', '4', ['--nat-outgoing-interface-filter', 'eth+']));
    await inNs(ns, 'ip6tables-restore', ['--noflush'], await render('iptables', '6'));
    const saved = (await inNs(ns, 'iptables-save', ['-t', 'nat'])).stdout;
    expect(saved).toContain('-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING');
    expect(saved).toMatch(/-A cali-nat-outgoing -o eth\+ -p tcp -m comment --comment "cali:[\w-]{16}" -m set --match-set cali40masq-ipam-pools src/);
    expect((await inNs(ns, 'ip6tables-save', ['-t', 'nat'])).stdout).toContain('cali60all-hosts-net');
  });

  it('nft -f takes the tables, twice (the script replaces its own sets and chains)', async () => {
    const text = await render('nftables', 'all');
    await inNs(ns, 'nft', ['-f', '-'], text);
    await inNs(ns, 'nft', ['-f', '-'], text);
    const listed = (await inNs(ns, 'nft', ['list', 'table', 'ip', 'calico'])).stdout;
    expect(listed).toContain('jump nat-cali-POSTROUTING comment "cali:z057H0Z77Fcko47w;"');
    expect(listed.match(/jump nat-cali-POSTROUTING/g)).toHaveLength(1);
    expect(listed.match(/masquerade to :1024-65535 fully-random comment "cali:[\w-]{16};"/g)).toHaveLength(2);
    expect(listed).toContain('elements = { 192.168.0.0/16 }');
    expect((await inNs(ns, 'nft', ['list', 'table', 'ip6', 'calico'])).stdout).toContain('cali60network-ip-pools');
  });
});
