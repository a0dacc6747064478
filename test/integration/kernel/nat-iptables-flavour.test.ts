import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inNs, kernelDescribe, pool, runIn, sh, TOPO, useTopology, type Flow } from '../../support/netns.js';
import { BIN } from '../../support/cli.js';

/**
 * iptables-legacy and iptables-nft side by side: poolctl uses the flavour that holds the cali-
 * chains (never a second copy in the other), refuses when both hold them, and otherwise
 * detects the flavour as Felix does (Kubernetes' hint chains, then the number of rules).
 */

const POOLS = pool('nat-v4', TOPO.v4.natPool, '  natOutgoing: true\n') + pool('nat-v6', TOPO.v6.natPool, '  natOutgoing: true\n');
const MORE = POOLS + pool('more-v4', '10.250.0.0/16', '  natOutgoing: true\n');

let dir = '';
let pools = '';
let more = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-kernel-flavour-'));
  pools = join(dir, 'pools.yaml');
  more = join(dir, 'more.yaml');
  writeFileSync(pools, POOLS);
  writeFileSync(more, MORE);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const FLOWS: Flow[] = [
  { src: TOPO.v4.natPods[0], dst: TOPO.v4.ext, proto: 'tcp' },
  { src: TOPO.v6.natPods[0], dst: TOPO.v6.ext, proto: 'tcp' },
];
const NATED = [TOPO.v4.nodeExt, TOPO.v6.nodeExt];

/** caliLines are the lines naming cali- chains or hashes in a flavour's nat tables (both families). */
async function caliLines(ns: string, flavour: 'legacy' | 'nft'): Promise<string[]> {
  const out: string[] = [];
  for (const p of ['iptables', 'ip6tables']) {
    const r = await inNs(ns, `${p}-${flavour}-save`, ['-t', 'nat']);
    out.push(...r.stdout.split('\n').filter((l) => l.includes('cali')));
  }
  return out;
}

/** state is both flavours' nat tables and the ipsets, counters included, comments dropped. */
async function state(ns: string): Promise<string> {
  const parts: string[] = [];
  for (const tool of ['iptables-legacy-save', 'ip6tables-legacy-save', 'iptables-nft-save', 'ip6tables-nft-save']) {
    parts.push((await inNs(ns, tool, ['-c'])).stdout);
  }
  parts.push((await inNs(ns, 'ipset', ['save'])).stdout);
  return parts.join('====\n').replace(/^#.*\n/gm, '');
}

kernelDescribe('nat apply: iptables-legacy and iptables-nft', () => {
  const topo = useTopology('fl');

  it('after a legacy apply, the default apply keeps to legacy: no second copy in iptables-nft', async () => {
    const t = topo();
    const legacy = await t.cli(['nat', 'apply', '--backend', 'iptables', '--iptables-backend', 'legacy', '-f', pools]);
    expect(legacy.stderr).toBe('');
    expect(legacy.code).toBe(0);
    expect((await caliLines(t.node, 'legacy')).length).toBeGreaterThan(0);
    expect(await caliLines(t.node, 'nft')).toEqual([]);
    expect(await t.flows(FLOWS)).toEqual(NATED);

    const again = await t.cli(['nat', 'apply', '-f', pools]);
    expect(again.stdout).toBe('no changes: the iptables ruleset is in place\n');
    expect(again.code).toBe(0);
    const changed = await t.cli(['nat', 'apply', '--dry-run', '-f', more]);
    expect(changed.stdout).toMatch(/^backend: iptables \(auto: .*; iptables-legacy: it holds the cali- chains \(IPv4 and IPv6\)\)\n/);
    expect((await t.cli(['nat', 'apply', '-f', more])).code).toBe(0);
    expect(await caliLines(t.node, 'nft')).toEqual([]);
    expect((await inNs(t.node, 'ipset', ['list', 'cali40masq-ipam-pools'])).stdout).toMatch(/^10\.250\.0\.0\/16$/m);
    const s = await t.cli(['nat', 'status', '-o', 'json', '-f', more]);
    expect(JSON.parse(s.stdout)).toMatchObject({ backend: 'iptables', iptablesBackend: 'legacy', inSync: true });
    // explain --live reads the flavour in use too
    const live = await t.cli(['nat', 'explain', '--live', TOPO.v4.natPods[0], TOPO.v4.ext, '-o', 'json']);
    expect(JSON.parse(live.stdout)).toMatchObject({ nat: true, action: 'MASQUERADE' });
    expect(await t.flows(FLOWS)).toEqual(NATED);
  });

  it('with cali- chains in both flavours, apply and status refuse (exit 3) and write nothing; --iptables-backend picks one', async () => {
    const t = topo();
    const nft = await t.cli(['nat', 'apply', '--backend', 'iptables', '--iptables-backend', 'nft', '-f', more]);
    expect(nft.stderr).toBe(
      "warning: iptables-legacy also holds cali- chains (IPv4 and IPv6), from an earlier apply or Felix: their rules run as well; remove them ('iptables-legacy-save | grep cali' lists them) unless they are meant to stay\n",
    );
    expect(nft.code).toBe(0);
    expect((await caliLines(t.node, 'nft')).length).toBeGreaterThan(0);

    const before = await state(t.node);
    for (const cmd of ['apply', 'status']) {
      const r = await t.cli(['nat', cmd, '-f', pools]);
      expect(r.stderr).toBe(
        'both iptables flavours hold cali- chains: iptables-legacy (IPv4 and IPv6) and iptables-nft (IPv4 and IPv6); the rules of both run, and poolctl would program only one of them\n' +
          "hint: remove the copy not in use (see them with 'iptables-legacy-save | grep cali' and 'iptables-nft-save | grep cali'), or choose one for nat apply and nat status with --iptables-backend legacy|nft (the other copy keeps running)\n",
      );
      expect(r.stdout).toBe('');
      expect(r.code).toBe(3);
    }
    expect(await state(t.node)).toBe(before);

    // remove the iptables-nft copy, as the hint says: auto is back to legacy
    for (const p of ['iptables-nft', 'ip6tables-nft']) {
      await inNs(t.node, p, ['-t', 'nat', '-D', 'POSTROUTING', '-m', 'comment', '--comment', 'cali:0i8pjzKKPyA34aQD', '-j', 'cali-POSTROUTING']);
      for (const c of ['cali-POSTROUTING', 'cali-fip-snat', 'cali-nat-outgoing']) await inNs(t.node, p, ['-t', 'nat', '-F', c]);
      for (const c of ['cali-POSTROUTING', 'cali-fip-snat', 'cali-nat-outgoing']) await inNs(t.node, p, ['-t', 'nat', '-X', c]);
    }
    const r = await t.cli(['nat', 'apply', '-f', pools]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await caliLines(t.node, 'nft')).toEqual([]);
    expect(await t.flows(FLOWS)).toEqual(NATED);
  });
});

let bare = 0;
/** withBareNs runs fn in a namespace of its own (deleted afterwards, even on failure). */
async function withBareNs<T>(fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = `pc${process.pid.toString(36)}fb${bare++}`;
  await sh('ip', ['netns', 'add', ns]);
  try {
    return await fn(ns);
  } finally {
    await sh('ip', ['netns', 'del', ns]);
  }
}

/** chosen is the backend line of a dry run in ns. */
async function chosen(ns: string): Promise<string> {
  const r = await runIn(ns, [process.execPath, BIN, 'nat', 'apply', '--backend', 'iptables', '--dry-run', '-f', pools]);
  expect(r.code).toBe(0);
  return r.stdout.split('\n')[0]!;
}

kernelDescribe('nat apply: with no cali- chains, the flavour is detected as Felix does', () => {
  it.each([
    // [what to set up, the flavour and reason expected]
    [[['iptables-legacy', '-t', 'mangle', '-N', 'KUBE-IPTABLES-HINT'], ['iptables-nft', '-A', 'INPUT', '-j', 'ACCEPT'], ['iptables-nft', '-A', 'INPUT', '-j', 'ACCEPT']], "iptables-legacy: Kubernetes' hint chains are there"],
    [[['iptables-nft', '-t', 'mangle', '-N', 'KUBE-KUBELET-CANARY'], ['iptables-legacy', '-A', 'INPUT', '-j', 'ACCEPT']], "iptables-nft: Kubernetes' hint chains are there"],
    [[['iptables-legacy', '-A', 'INPUT', '-j', 'ACCEPT'], ['ip6tables-legacy', '-A', 'INPUT', '-j', 'ACCEPT'], ['iptables-nft', '-A', 'INPUT', '-j', 'ACCEPT']], 'iptables-legacy: 2 rules in iptables-legacy, 1 in iptables-nft'],
    [[['iptables-legacy', '-A', 'INPUT', '-j', 'ACCEPT'], ['iptables-nft', '-A', 'INPUT', '-j', 'ACCEPT'], ['ip6tables-nft', '-A', 'INPUT', '-j', 'ACCEPT']], 'iptables-nft: 1 rules in iptables-legacy, 2 in iptables-nft'],
    [[], "iptables-nft: no rules in iptables-legacy, and the system's iptables-restore is iptables-nft"],
  ] as const)('%j: %s', async (setup, why) => {
    await withBareNs(async (ns) => {
      for (const [tool, ...args] of setup) await inNs(ns, tool, args);
      expect(await chosen(ns)).toBe(`backend: iptables (chosen with --backend; ${why})`);
    });
  });

  it('reading does not create legacy tables where there are none (iptables-nft would warn about them)', async () => {
    await withBareNs(async (ns) => {
      const r = await runIn(ns, [process.execPath, BIN, 'nat', 'apply', '-f', pools]);
      expect(r.code).toBe(0);
      // absent (no ip_tables module) or empty: no legacy table in this namespace
      const names = await inNs(ns, 'cat', ['/proc/net/ip_tables_names']);
      expect(names.code === 0 ? names.stdout : '').toBe('');
      expect((await inNs(ns, 'iptables-nft-save', ['-t', 'nat'])).stdout).not.toContain('iptables-legacy tables present');
    });
  });
});
