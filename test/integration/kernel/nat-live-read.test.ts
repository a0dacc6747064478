import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHostExec } from '../../../src/host/host-exec.js';
import { memberTexts } from '../../../src/host/ipset-save.js';
import { readIpsets, readNftTable } from '../../../src/host/live-state.js';
import { rangesOf } from '../../../src/core/index.js';
import { inNs, kernelDescribe, useTopology } from '../../support/netns.js';
import { mustParsePrefix } from '../../support/prefix.js';

/**
 * The fast readers of live state against what the kernel really holds: nft's big interval
 * sets read back as the ranges nft lists; the ipset reader gives back every member exactly as
 * `ipset save` prints it; and members changed by hand are reported by nat status and repaired
 * by nat apply.
 */

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-kernel-read-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * manyPools writes 2,000 pools: runs of adjacent IPv4 /26s (nft merges them into ranges that
 * are not prefixes), single /32s, IPv6 /64s and /128s; natOutgoing and disabled mixed.
 */
function manyPools(): string {
  const docs: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const cidr =
      i % 10 === 9
        ? i % 20 === 19
          ? `fd20::${i.toString(16)}/128`
          : `fd20:${i.toString(16)}::/64`
        : i % 13 === 0
          ? `10.250.${i >> 8}.${i & 255}/32`
          : `10.${20 + (i >> 10)}.${(i >> 2) & 255}.${(i & 3) * 64}/26`;
    docs.push(
      `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: p-${i}\nspec:\n  cidr: ${cidr}\n  natOutgoing: ${i % 3 !== 0}\n  disabled: ${i % 7 === 0}\n`,
    );
  }
  const path = join(dir, 'many.yaml');
  writeFileSync(path, docs.join('---\n'));
  return path;
}

kernelDescribe('reading the live NAT state fast, and exactly', () => {
  const topo = useTopology('l');

  it('nftables: big sets read back as the merged ranges nft lists, and status finds them in sync', async () => {
    const pools = manyPools();
    expect((await topo().cli(['nat', 'apply', '--backend', 'nftables', '-f', pools])).code).toBe(0);
    const exec = createHostExec({ env: process.env, netns: topo().node });
    const v4 = await readNftTable(exec, 4, 'calico');
    const listed = (await inNs(topo().node, 'nft', ['list', 'set', 'ip', 'calico', 'cali40network-ip-pools'])).stdout;
    // the elements nft prints (prefixes and addresses; adjacent ones are one range) are the ranges read
    const elements = /elements = \{([^}]*)\}/.exec(listed)![1]!.split(',').map((e) => e.trim());
    const ranges = rangesOf(4, elements.map((e) => mustParsePrefix(e.includes('/') ? e : `${e}/32`)));
    expect(elements.length).toBeGreaterThan(500);
    expect(ranges.bounds.length).toBeLessThan(2 * elements.length);
    expect(v4!.sets.get('cali40network-ip-pools')!.ranges).toEqual(ranges);
    expect(await readNftTable(exec, 4, 'nosuch')).toBeNull();
    expect((await topo().cli(['nat', 'status', '--backend', 'nftables', '-f', pools])).code).toBe(0);
  });

  it('nftables: an element added or removed by hand is drift, named by status and repaired by apply', async () => {
    const pools = join(dir, 'many.yaml');
    const ns = topo().node;
    await inNs(ns, 'nft', ['add', 'element', 'ip', 'calico', 'cali40masq-ipam-pools', '{ 192.0.2.128/25 }']);
    await inNs(ns, 'nft', ['delete', 'element', 'ip', 'calico', 'cali40network-ip-pools', '{ 10.250.0.13/32 }']);
    const s = await topo().cli(['nat', 'status', '--backend', 'nftables', '-f', pools]);
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(/set cali40masq-ipam-pools: differs \(-1 member\)\n\s+- 192\.0\.2\.128\/25/);
    expect(s.stdout).toMatch(/set cali40network-ip-pools: differs \(\+1 member\)\n\s+\+ 10\.250\.0\.13\/32/);
    expect((await topo().cli(['nat', 'apply', '--backend', 'nftables', '-f', pools])).code).toBe(0);
    expect((await topo().cli(['nat', 'status', '--backend', 'nftables', '-f', pools])).code).toBe(0);
  });

  it('iptables: every member reads back exactly as ipset save prints it, and a member changed by hand is drift', async () => {
    const pools = join(dir, 'many.yaml');
    const ns = topo().node;
    expect((await topo().cli(['nat', 'apply', '--backend', 'iptables', '-f', pools])).code).toBe(0);
    const exec = createHostExec({ env: process.env, netns: ns });
    const sets = await readIpsets(exec, () => true);
    const saved = (await inNs(ns, 'ipset', ['save'])).stdout;
    for (const s of sets.values()) {
      const printed = saved.split('\n').filter((l) => l.startsWith(`add ${s.name} `)).map((l) => l.slice(`add ${s.name} `.length));
      expect(memberTexts(s)).toEqual(printed);
    }
    expect(memberTexts(sets.get('cali40network-ip-pools')!)).toContain('10.250.0.13');
    await inNs(ns, 'ipset', ['add', 'cali40masq-ipam-pools', '192.0.2.128/25']);
    await inNs(ns, 'ipset', ['add', 'cali40masq-ipam-pools', '192.0.2.7', 'nomatch']);
    await inNs(ns, 'ipset', ['del', 'cali40network-ip-pools', '10.250.0.13']);
    const s = await topo().cli(['nat', 'status', '--backend', 'iptables', '-f', pools]);
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(/ipset cali40masq-ipam-pools: differs \(-2 members\)/);
    expect(s.stdout).toContain('- 192.0.2.7 nomatch');
    expect(s.stdout).toContain('- 192.0.2.128/25');
    expect(s.stdout).toMatch(/ipset cali40network-ip-pools: differs \(\+1 member\)\n\s+\+ 10\.250\.0\.13\/32/);
    expect((await topo().cli(['nat', 'apply', '--backend', 'iptables', '-f', pools])).code).toBe(0);
    expect((await topo().cli(['nat', 'status', '--backend', 'iptables', '-f', pools])).code).toBe(0);
  });
});
