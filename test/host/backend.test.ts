import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PoolctlError } from '../../src/base/errors.js';
import { exitStatusOf } from '../../src/cli/exit-status.js';
import { listNftChains, otherBackendWarning, resolveBackend, toolsFor } from '../../src/host/backend.js';
import { createHostExec } from '../../src/host/host-exec.js';

// Stand-in tools on a private PATH: auto's choice depends only on what is installed and on
// what `nft -j list chains` and `nft list tables` print.
const root = mkdtempSync(join(tmpdir(), 'poolctl-backend-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function pathWith(tools: Record<string, string>): string {
  const d = join(root, String(n++));
  mkdirSync(d);
  for (const [t, body] of Object.entries(tools)) {
    writeFileSync(join(d, t), `#!/bin/sh\n${body}\n`);
    chmodSync(join(d, t), 0o755);
  }
  return d;
}
const IPT = { ipset: 'exit 0', 'iptables-save': 'exit 0', 'iptables-restore': 'exit 0', 'ip6tables-save': 'exit 0', 'ip6tables-restore': 'exit 0' };

async function choose(tools: Record<string, string>, requested: 'auto' | 'iptables' | 'nftables' = 'auto') {
  return resolveBackend(createHostExec({ env: { PATH: pathWith(tools) } }), requested, [4, 6]);
}

/** nftAnswering is a stand-in nft printing `chains` for `nft -j list chains` and `tables` for `nft list tables`. */
const chainList = (list: object[]) => JSON.stringify({ nftables: [{ metainfo: {} }, ...list.map((chain) => ({ chain }))] });
const nftAnswering = (chains: object[], tables: string) =>
  `case "$*" in "-j list chains") echo '${chainList(chains)}';; "list tables") printf '${tables}';; *) exit 9;; esac`;

describe('resolveBackend', () => {
  it('auto finds a calico table from its chains, without `nft list tables` (slow with large sets)', async () => {
    const nft = nftAnswering([{ family: 'ip', table: 'calico', name: 'nat-POSTROUTING' }, { family: 'ip6', table: 'calico', name: 'nat-POSTROUTING' }], '');
    expect(await choose({ ...IPT, nft: `if [ "$*" = "list tables" ]; then exit 7; fi\n${nft}` })).toEqual({
      backend: 'nftables',
      why: 'auto: nftables table ip calico, ip6 calico exists',
    });
  });

  it('auto finds an empty calico table (no chains) with `nft list tables`', async () => {
    const nft = nftAnswering([{ family: 'ip', table: 'filter', name: 'INPUT' }], 'table ip filter\ntable ip calico\n');
    expect(await choose({ ...IPT, nft })).toEqual({ backend: 'nftables', why: 'auto: nftables table ip calico exists' });
  });

  it('auto picks nftables when a calico nft table exists', async () => {
    expect(await choose({ ...IPT, nft: 'echo "table ip nat"; echo "table ip6 calico"' })).toEqual({
      backend: 'nftables',
      why: 'auto: nftables table ip6 calico exists',
    });
  });

  it('auto picks iptables when its tools are installed and no calico table exists', async () => {
    expect((await choose({ ...IPT, nft: 'echo "table ip nat"' })).backend).toBe('iptables');
    expect((await choose(IPT)).backend).toBe('iptables');
  });

  it('auto falls back to nftables without ipset', async () => {
    const { ipset: _, ...noIpset } = IPT;
    expect(await choose({ ...noIpset, nft: 'exit 0' })).toEqual({ backend: 'nftables', why: 'auto: ipset not installed, nft is' });
  });

  it('an explicit or automatic choice without its tools is exit 3 naming the package', async () => {
    for (const [tools, requested, pkg] of [
      [{}, 'auto', 'ipset'],
      [{ nft: 'exit 0' }, 'iptables', 'ipset'],
      [IPT, 'nftables', 'nftables'],
    ] as const) {
      const e = await choose(tools, requested).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PoolctlError);
      expect(exitStatusOf(e as PoolctlError)).toBe(3);
      expect((e as PoolctlError).message).toContain(`install the package "${pkg}"`);
    }
  });

  it('toolsFor lists per-family iptables tools', () => {
    expect(toolsFor('iptables', [4])).toEqual(['ipset', 'iptables-save', 'iptables-restore']);
    expect(toolsFor('nftables', [4, 6])).toEqual(['nft']);
  });
});

describe('otherBackendWarning', () => {
  const chains = (list: object[]) => `echo '${chainList(list)}'`;
  const warn = async (tools: Record<string, string>, backend: 'iptables' | 'nftables') =>
    otherBackendWarning(await listNftChains(createHostExec({ env: { PATH: pathWith(tools) } })), backend);

  it('names iptables-nft cali chains when programming nftables, and calico tables when programming iptables', async () => {
    const nft = chains([
      { family: 'ip', table: 'nat', name: 'cali-POSTROUTING' },
      { family: 'ip6', table: 'calico', name: 'nat-POSTROUTING' },
      { family: 'inet', table: 'nat', name: 'cali-POSTROUTING' },
    ]);
    expect(await warn({ nft }, 'nftables')).toMatch(/^the iptables nat table of iptables-nft \(ip\) also holds cali-POSTROUTING/);
    expect(await warn({ nft }, 'iptables')).toMatch(/^table ip6 calico \(nftables\) also holds NAT chains/);
  });

  it('names iptables-legacy cali chains when programming nftables', async () => {
    expect(otherBackendWarning(null, 'nftables', [4, 6])).toMatch(/^the iptables nat table of iptables-legacy \(ip, ip6\) also holds cali-POSTROUTING/);
    const both = otherBackendWarning([{ family: 'ip6', table: 'nat', name: 'cali-POSTROUTING' }], 'nftables', [4]);
    expect(both).toMatch(/^the iptables nat table of iptables-nft \(ip6\) and iptables-legacy \(ip\) also holds/);
    expect(otherBackendWarning(null, 'iptables', [4])).toBeNull();
  });

  it('is null without such state, without nft, or when nft fails', async () => {
    expect(await warn({ nft: chains([{ family: 'ip', table: 'filter', name: 'INPUT' }]) }, 'nftables')).toBeNull();
    expect(await warn({}, 'iptables')).toBeNull();
    expect(await warn({ nft: 'exit 1' }, 'iptables')).toBeNull();
  });
});
