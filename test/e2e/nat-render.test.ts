import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RENDER_VECTORS, type RenderVector } from '../render/support.js';
import { runCli } from '../support/cli.js';
import { POOLS } from './nat-render-pools.js';


let dir: string;
let pools: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-nat-render-'));
  pools = join(dir, 'pools.yaml');
  writeFileSync(pools, POOLS);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function flagsOf(v: RenderVector): string[] {
  const c = v.config;
  return [
    '--pool-set-name',
    c.poolSetName,
    '--random-fully',
    String(c.randomFully),
    ...(c.natOutgoingExclusions ? ['--nat-outgoing-exclusions', c.natOutgoingExclusions] : []),
    ...(c.natOutgoingAddress ? ['--nat-outgoing-address', c.natOutgoingAddress] : []),
    ...(c.natPortRange ? ['--nat-port-range', c.natPortRange] : []),
  ];
}

describe('nat render: every render.json vector through the CLI', () => {
  it.concurrent.each(RENDER_VECTORS.map((v) => [v.id, v] as const))('%s', async (_id, v) => {
    const r = await runCli(['nat', 'render', '-f', pools, '--format', v.target, '--ip-version', String(v.family), ...flagsOf(v)]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim());
    for (const rule of v.rules) expect(lines).toContain(rule);
  });
});

describe('nat render', () => {
  it('prints an iptables-restore file per family, IPv4 then IPv6', async () => {
    const r = await runCli(['nat', 'render', '-f', pools]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^\*nat$/gm)).toHaveLength(2);
    expect(r.stdout.match(/^COMMIT$/gm)).toHaveLength(2);
    expect(r.stdout.indexOf('cali40masq-ipam-pools')).toBeLessThan(r.stdout.indexOf('cali60masq-ipam-pools'));
    expect(r.stderr).toContain('warning: IPPool(inner) CIDR 192.168.7.0/24 overlaps with IPPool(default-ipv4-ippool)');
  });

  it('prints ipset restore input with every pool, overlapping ones included', async () => {
    const r = await runCli(['nat', 'render', '-f', pools, '--format', 'ipset', '--ip-version', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'create cali40masq-ipam-pools hash:net family inet maxelem 1048576',
        'add cali40masq-ipam-pools 192.168.0.0/16',
        'create cali40network-ip-pools hash:net family inet maxelem 1048576',
        'add cali40network-ip-pools 10.0.0.0/8',
        'add cali40network-ip-pools 192.168.0.0/16',
        'add cali40network-ip-pools 192.168.7.0/24',
        '',
      ].join('\n'),
    );
  });

  it('merges overlapping members in nft sets and keeps hash:net semantics', async () => {
    const r = await runCli(['nat', 'render', '-f', pools, '--format', 'nftables', '--ip-version', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\tset cali40network-ip-pools {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = {\n\t\t\t10.0.0.0/8,\n\t\t\t192.168.0.0/16\n\t\t}\n\t}');
  });

  it('prints the model as JSON', async () => {
    const r = await runCli(['nat', 'render', '-f', pools, '--format', 'json', '--nat-outgoing-exclusions', 'IPPoolsAndHostIPs', '--host-ip', '10.1.2.3']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.families.map((f: { family: number }) => f.family)).toEqual([4, 6]);
    expect(m.families[0].sets.map((s: { name: string }) => s.name)).toEqual(['cali40masq-ipam-pools', 'cali40network-ip-pools', 'cali40all-hosts-net']);
    expect(m.families[0].sets[2].members).toEqual(['10.1.2.3/32']);
    expect(m.families[0].kernelAppends[0].rules[0].hashes).toEqual({ iptables: '0i8pjzKKPyA34aQD', nftables: 'z057H0Z77Fcko47w' });
    expect(m.warnings).toEqual([expect.stringContaining('overlaps')]);
  });

  it('refuses --nat-outgoing-address with IPv6 natOutgoing pools (exit 2) unless only IPv4 is rendered', async () => {
    const both = await runCli(['nat', 'render', '-f', pools, '--nat-outgoing-address', '192.168.0.1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('ip6tables-restore rejects');
    expect(both.stdout).toBe('');
    const v4 = await runCli(['nat', 'render', '-f', pools, '--nat-outgoing-address', '192.168.0.1', '--ip-version', '4']);
    expect(v4.code).toBe(0);
    expect(v4.stdout).toContain('--jump SNAT --to-source 192.168.0.1 --random-fully');
  });

  it('refuses an interface filter nft cannot parse for --format nftables (exit 2), not for iptables', async () => {
    const nft = await runCli(['nat', 'render', '-f', pools, '--format', 'nftables', '--nat-outgoing-interface-filter', 'eth+']);
    expect(nft.code).toBe(2);
    expect(nft.stderr).toContain('nft rejects as a syntax error');
    const ipt = await runCli(['nat', 'render', '-f', pools, '--nat-outgoing-interface-filter', 'eth+', '--ip-version', '4']);
    expect(ipt.code).toBe(0);
    expect(ipt.stdout).toContain('--out-interface eth+ --jump MASQUERADE');
    const exact = await runCli(['nat', 'render', '-f', pools, '--format', 'nftables', '--nat-outgoing-interface-filter', 'eth0']);
    expect(exact.code).toBe(0);
    expect(exact.stdout).toContain('oifname eth0 counter masquerade');
  });

  it('rejects unknown formats and IP versions (exit 2)', async () => {
    expect((await runCli(['nat', 'render', '-f', pools, '--format', 'pf'])).code).toBe(2);
    expect((await runCli(['nat', 'render', '-f', pools, '--ip-version', '5'])).code).toBe(2);
  });
});
