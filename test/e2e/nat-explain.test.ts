import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatPool } from '../../src/core/index.js';
import { NAT_VECTORS, type NatVector } from '../core/nat/nat-vectors.js';
import { runCli } from '../support/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-nat-explain-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** poolsYaml writes pools as IPPool manifests, one document each. */
function poolsYaml(pools: readonly NatPool[]): string {
  return pools
    .map(
      (p) =>
        `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${p.name}\nspec:\n  cidr: ${p.cidr}\n  natOutgoing: ${p.natOutgoing}\n  disabled: ${p.disabled}\n` +
        (p.allowedUses ? `  allowedUses: [${p.allowedUses.join(', ')}]\n` : ''),
    )
    .join('---\n');
}

function writePools(name: string, pools: readonly NatPool[]): string {
  const file = join(dir, name);
  writeFileSync(file, poolsYaml(pools));
  return file;
}

function felixFlags(v: NatVector): string[] {
  const c = v.config;
  return [
    ...(c.natOutgoingExclusions ? ['--nat-outgoing-exclusions', c.natOutgoingExclusions] : []),
    ...(c.natOutgoingAddress ? ['--nat-outgoing-address', c.natOutgoingAddress] : []),
    ...(c.hostIPs ?? []).flatMap((h) => ['--host-ip', h]),
  ];
}

const POOLS: NatPool[] = [
  { name: 'default-ipv4-ippool', cidr: '10.244.0.0/16', natOutgoing: true, disabled: false },
  { name: 'default-ipv6-ippool', cidr: 'fd00:10:244::/48', natOutgoing: true, disabled: false },
  { name: 'no-nat-172.16.0.0-12', cidr: '172.16.0.0/12', natOutgoing: false, disabled: true },
];

describe('nat explain: every conformance/nat.json vector through the CLI', () => {
  it.concurrent.each(NAT_VECTORS.map((v) => [v.id, v] as const))('%s', async (id, v) => {
    const file = writePools(`${id}.yaml`, v.pools);
    const r = await runCli(['nat', 'explain', v.src, v.dst, '-f', file, '-o', 'json', ...felixFlags(v)]);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as Record<string, unknown>;
    expect({ nat: d.nat, action: d.action, toSource: d.toSource ?? undefined }).toEqual({
      nat: v.expect.nat,
      action: v.expect.action,
      toSource: v.expect.toSource,
    });
  });
});

describe('nat explain: one flow', () => {
  it('prints the verdict first, then the pools, the rule and the steps', async () => {
    const file = writePools('pools.yaml', POOLS);
    const r = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', file]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('10.244.1.5 -> 1.1.1.1: NAT (MASQUERADE)');
    expect(lines[1]).toBe("  the source becomes the egress interface's address");
    expect(r.stdout).toContain('src   10.244.1.5  in IPPool default-ipv4-ippool 10.244.0.0/16 (natOutgoing)');
    expect(r.stdout).toContain('dst   1.1.1.1     in no pool');
    expect(r.stdout).toContain(
      'rule  -A cali-nat-outgoing -m comment --comment "cali:W_qq_N2KSTWyCvrX" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40network-ip-pools dst --jump MASQUERADE --random-fully',
    );
    expect(r.stdout).toMatch(/yes {2}src in cali40masq-ipam-pools/);
    expect(r.stderr).toBe('');
  });

  it('says why there is no NAT', async () => {
    const file = writePools('pools-nonat.yaml', POOLS);
    const r = await runCli(['nat', 'explain', '10.244.1.5', '172.16.3.4', '-f', file]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('10.244.1.5 -> 172.16.3.4: no NAT (DST_IN_POOL)');
    expect(r.stdout).toContain('in IPPool no-nat-172.16.0.0-12 172.16.0.0/12 (natOutgoing false, disabled)');
    expect(r.stdout).toContain('rule  none fires');
  });

  it('prints the cli.md JSON shape', async () => {
    const file = writePools('pools-json.yaml', POOLS);
    // 192.168.0.1 without --random-fully is a render.json vector: its hash is known.
    const r = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', file, '-o', 'json', '--nat-outgoing-address', '192.168.0.1', '--random-fully', 'false']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    // cli.md's shape, then the Felix settings it was decided with (issue 11)
    expect(Object.keys(d)).toEqual(['src', 'dst', 'family', 'nat', 'action', 'toSource', 'srcPool', 'dstPool', 'reason', 'trace', 'rule', 'settings']);
    expect(d.settings.natOutgoingAddress).toEqual({ value: '192.168.0.1', from: '--nat-outgoing-address' });
    expect(d.settings.randomFully).toEqual({ value: false, from: '--random-fully' });
    expect(d).toMatchObject({
      src: '10.244.1.5',
      dst: '1.1.1.1',
      family: 4,
      nat: true,
      action: 'SNAT',
      toSource: '192.168.0.1',
      srcPool: { name: 'default-ipv4-ippool', cidr: '10.244.0.0/16', natOutgoing: true, disabled: false },
      dstPool: null,
      reason: 'NAT',
      rule: '-A cali-nat-outgoing -m comment --comment "cali:46Pz_rzMDx5jYp5T" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40network-ip-pools dst --jump SNAT --to-source 192.168.0.1',
    });
    for (const s of d.trace) expect(Object.keys(s)).toEqual(['step', 'result', 'detail']);
  });

  it('takes canonical IPv6 output and reports FAMILY_MISMATCH', async () => {
    const file = writePools('pools-v6.yaml', POOLS);
    const v6 = await runCli(['nat', 'explain', 'FD00:10:244:0:0:0:0:5', '2001:db8::1', '-f', file, '-o', 'json']);
    expect(JSON.parse(v6.stdout)).toMatchObject({ src: 'fd00:10:244::5', family: 6, nat: true, rule: expect.stringContaining('cali60masq-ipam-pools') });
    const mixed = await runCli(['nat', 'explain', '10.244.1.5', 'fd00::1', '-f', file, '-o', 'json']);
    expect(mixed.code).toBe(0);
    expect(JSON.parse(mixed.stdout)).toMatchObject({ nat: false, reason: 'FAMILY_MISMATCH' });
  });

  it('tests --out-interface against the interface filter', async () => {
    const file = writePools('pools-iface.yaml', POOLS);
    const args = ['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', file, '-o', 'json', '--nat-outgoing-interface-filter', 'eth+'];
    expect(JSON.parse((await runCli([...args, '--out-interface', 'eth0'])).stdout)).toMatchObject({ nat: true });
    expect(JSON.parse((await runCli([...args, '--out-interface', 'wg0'])).stdout)).toMatchObject({ nat: false, reason: 'OUT_INTERFACE_NOT_MATCHED' });
    const assumed = JSON.parse((await runCli(args)).stdout);
    expect(assumed.nat).toBe(true);
    expect(JSON.stringify(assumed.trace)).toContain('assuming it does');
  });

  it('reads the pools from stdin (-f -) and from the datastore', async () => {
    const stdin = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', '-', '-o', 'json'], { input: poolsYaml(POOLS) });
    expect(stdin.code, stdin.stderr).toBe(0);
    expect(JSON.parse(stdin.stdout).srcPool.name).toBe('default-ipv4-ippool');
    const store = join(dir, 'store');
    const created = await runCli(['create', '-f', writePools('to-store.yaml', POOLS)], { env: { POOLCTL_STORE: store } });
    expect(created.code, created.stderr).toBe(0);
    const r = await runCli(['nat', 'explain', '10.244.1.5', '172.16.0.9', '-o', 'json'], { env: { POOLCTL_STORE: store } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ nat: false, reason: 'DST_IN_POOL', dstPool: { name: 'no-nat-172.16.0.0-12' } });
  });

  it('warns about pools Calico would refuse, and still uses them', async () => {
    const file = writePools('pools-overlap.yaml', [
      { name: 'outer', cidr: '10.0.0.0/16', natOutgoing: false, disabled: false },
      { name: 'inner', cidr: '10.0.1.0/24', natOutgoing: true, disabled: false },
      { name: 'twin', cidr: '10.0.1.0/24', natOutgoing: false, disabled: false },
    ]);
    const r = await runCli(['nat', 'explain', '10.0.1.5', '8.8.8.8', '-f', file, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: IPPool(twin) has the same CIDR as IPPool(inner)');
    expect(r.stderr).toContain('warning: IPPool(inner) CIDR 10.0.1.0/24 overlaps with IPPool(outer) CIDR 10.0.0.0/16');
    expect(JSON.parse(r.stdout)).toMatchObject({ nat: true, srcPool: { name: 'inner' } });
  });
});

describe('nat explain: errors', () => {
  it('a malformed address is a usage error (exit 2) without a stack trace', async () => {
    const file = writePools('pools-err.yaml', POOLS);
    const r = await runCli(['nat', 'explain', '10.0.0.256', '1.1.1.1', '-f', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SRC "10.0.0.256"');
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('needs SRC and DST, or --flows', async () => {
    const r = await runCli(['nat', 'explain', '10.0.0.1', '-f', writePools('p1.yaml', POOLS)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SRC and DST');
  });

  it('--live refuses flags that describe the settings again (exit 2), before touching the kernel', async () => {
    const withFlag = await runCli(['nat', 'explain', '--live', '10.244.1.5', '1.1.1.1', '--nat-outgoing-address', '203.0.113.1']);
    expect(withFlag.code).toBe(2);
    expect(withFlag.stderr).toContain('--live decides from the sets and rules in this host');
    expect(withFlag.stderr).toContain('--nat-outgoing-address');
  });

  it('--backend chooses the ruleset --live reads: refused without --live (exit 2)', async () => {
    const r = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', writePools('p-backend.yaml', POOLS), '--backend', 'nftables']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--backend chooses the ruleset --live reads');
    expect(r.stdout).toBe('');
  });

  it('refuses --nat-outgoing-address for IPv6 flows with IPv6 natOutgoing pools (exit 2), not for IPv4', async () => {
    const file = writePools('pools-snat.yaml', POOLS);
    const v6 = await runCli(['nat', 'explain', 'fd00:10:244::5', '2001:db8::1', '-f', file, '--nat-outgoing-address', '203.0.113.1']);
    expect(v6.code).toBe(2);
    expect(v6.stderr).toContain('projectcalico/calico#3275');
    const v4 = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', file, '--nat-outgoing-address', '203.0.113.1', '-o', 'json']);
    expect(v4.code).toBe(0);
    expect(JSON.parse(v4.stdout)).toMatchObject({ action: 'SNAT', toSource: '203.0.113.1' });
    const flows = await runCli(['nat', 'explain', '--flows', '-', '-f', file, '-o', 'csv', '--nat-outgoing-address', '203.0.113.1'], {
      input: '10.244.1.5 1.1.1.1\nfd00:10:244::5 2001:db8::1\n',
    });
    expect(flows.code).toBe(2);
    expect(flows.stdout).toContain('10.244.1.5,1.1.1.1,true,SNAT,203.0.113.1,default-ipv4-ippool,,NAT');
    expect(flows.stderr).toContain('<stdin>:2: NATOutgoingAddress 203.0.113.1 is IPv4-only');
  });

  it.each([
    [['--nat-outgoing-address', 'fd00::1'], 'IPv4 address'],
    [['--host-ip', 'fd00::/64'], 'ExternalNodesCIDRList is IPv4-only'],
    [['--nat-port-range', '100:99'], 'MIN:MAX'],
    [['--nat-outgoing-interface-filter', 'eth0/1'], 'not an interface name'],
  ])('rejects Felix flag %j (exit 2)', async (flags, message) => {
    const r = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', writePools('p2.yaml', POOLS), ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('a pool whose CIDR does not parse is an input error with file:line:col (exit 1)', async () => {
    const file = join(dir, 'bad-cidr.yaml');
    writeFileSync(file, 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: bad\nspec:\n  cidr: 10.0.0.0/33\n');
    const r = await runCli(['nat', 'explain', '10.0.0.1', '1.1.1.1', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:6:9: error CIDR_INVALID: IPPool(bad) CIDR`);
  });
});

describe('nat explain --flows', () => {
  const flows = ['# pod to the internet', '10.244.1.5 1.1.1.1', '', '10.244.1.5,172.16.0.1', 'fd00:10:244::5   2001:db8::1  # v6', '10.244.1.5 fd00::1', '10.0.0.1 8.8.8.8'].join('\n');

  it('writes CSV with the cli.md header, from stdin, skipping blank lines and comments', async () => {
    const file = writePools('pools-flows.yaml', POOLS);
    const r = await runCli(['nat', 'explain', '--flows', '-', '-f', file, '-o', 'csv'], { input: `${flows}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        'src,dst,nat,action,toSource,srcPool,dstPool,reason',
        '10.244.1.5,1.1.1.1,true,MASQUERADE,,default-ipv4-ippool,,NAT',
        '10.244.1.5,172.16.0.1,false,none,,default-ipv4-ippool,no-nat-172.16.0.0-12,DST_IN_POOL',
        'fd00:10:244::5,2001:db8::1,true,MASQUERADE,,default-ipv6-ippool,,NAT',
        '10.244.1.5,fd00::1,false,none,,,,FAMILY_MISMATCH',
        '10.0.0.1,8.8.8.8,false,none,,,,SRC_NOT_IN_NAT_POOL',
        '',
      ].join('\n'),
    );
  });

  it('writes a table by default and JSON Lines with -o json, from a file', async () => {
    const pools = writePools('pools-flows2.yaml', POOLS);
    const file = join(dir, 'flows.txt');
    writeFileSync(file, flows); // no final newline
    const table = await runCli(['nat', 'explain', '--flows', file, '-f', pools]);
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^SRC +DST +NAT +ACTION +TO-SOURCE +SRC-POOL +DST-POOL +REASON$/);
    expect(rows[1]).toMatch(/^10\.244\.1\.5 +1\.1\.1\.1 +true +MASQUERADE +- +default-ipv4-ippool +- +NAT$/);
    expect(rows).toHaveLength(6);
    const json = await runCli(['nat', 'explain', '--flows', file, '-f', pools, '-o', 'json']);
    const lines = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((d) => d.reason)).toEqual(['NAT', 'DST_IN_POOL', 'NAT', 'FAMILY_MISMATCH', 'SRC_NOT_IN_NAT_POOL']);
    expect(lines[0]).toHaveProperty('trace');
  });

  it('stops at a malformed line, naming the file and line, after printing the lines before it', async () => {
    const pools = writePools('pools-flows3.yaml', POOLS);
    const file = join(dir, 'bad-flows.txt');
    writeFileSync(file, '10.244.1.5 1.1.1.1\n# fine\n10.244.1.5 1.1.1\n10.244.1.5 8.8.8.8\n');
    const r = await runCli(['nat', 'explain', '--flows', file, '-f', pools, '-o', 'csv']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('src,dst,nat,action,toSource,srcPool,dstPool,reason\n10.244.1.5,1.1.1.1,true,MASQUERADE,,default-ipv4-ippool,,NAT\n');
    expect(r.stderr).toContain(`${file}:3: "1.1.1" is not an IPv4 address`);
    const extra = await runCli(['nat', 'explain', '--flows', '-', '-f', pools], { input: '10.244.1.5 1.1.1.1 tcp\n' });
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('<stdin>:1: expected "SRC DST"');
  });

  it('refuses a missing flows file, and SRC DST together with --flows (exit 2)', async () => {
    const pools = writePools('pools-flows4.yaml', POOLS);
    expect((await runCli(['nat', 'explain', '--flows', join(dir, 'nope.txt'), '-f', pools])).code).toBe(2);
    expect((await runCli(['nat', 'explain', '1.1.1.1', '2.2.2.2', '--flows', '-', '-f', pools])).code).toBe(2);
    expect((await runCli(['nat', 'explain', '--flows', '-', '-f', '-'])).code).toBe(2);
  });
});
