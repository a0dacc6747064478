import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN } from '../../support/cli.js';
import { kernelDescribe, pool, runIn, sh } from '../../support/netns.js';

/**
 * nat explain --live reads the backend Felix would use (issue 11's loose end): one namespace
 * holds both rulesets, iptables programmed with the NAT pool natOutgoing and nftables with it
 * off, so the decision shows which one was read. Without --backend the node's FelixConfigurations
 * choose (default, then node.<node>; from -f or the store), as nat status does; none: auto;
 * --backend overrides. The output names the backend and why.
 */

const NS = `hfm${process.pid.toString(36)}-live`;
const NODE = 'hfm-node';
const NAT = pool('nat-v4', '10.244.0.0/16', '  natOutgoing: true\n');
const NO_NAT = pool('nat-v4', '10.244.0.0/16', '  natOutgoing: false\n');
const felix = (name: string, mode: string): string =>
  `---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata:\n  name: ${name}\nspec:\n  nftablesMode: ${mode}\n`;

kernelDescribe('nat explain --live: the backend from nftablesMode, as nat status', () => {
  let dir = '';
  const cli = (args: string[], env: Record<string, string> = {}) => runIn(NS, [process.execPath, BIN, ...args], { env: { NODENAME: NODE, ...env } });
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const explain = async (args: string[], env: Record<string, string> = {}) => {
    const r = await cli(['nat', 'explain', '--live', '10.244.0.5', '1.1.1.1', ...args], env);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poolctl-hfm-live-'));
    await sh('ip', ['netns', 'add', NS]);
    const ipt = await cli(['nat', 'apply', '--backend', 'iptables', '-f', file('nat.yaml', NAT)]);
    expect(ipt.code, ipt.stderr).toBe(0);
    const nft = await cli(['nat', 'apply', '--backend', 'nftables', '-f', file('no-nat.yaml', NO_NAT)]);
    expect(nft.code, nft.stderr).toBe(0);
  });
  afterAll(async () => {
    await sh('ip', ['netns', 'del', NS]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('-f: default Enabled reads nftables, node.<node> Disabled above it reads iptables, each named', async () => {
    const on = await explain(['-f', file('on.yaml', NAT + felix('default', 'Enabled'))]);
    expect(on).toMatch(/^backend: nftables \(nftablesMode Enabled from FelixConfiguration default\)\n/);
    expect(on).toContain('10.244.0.5 -> 1.1.1.1: no NAT');
    const off = await explain(['-f', file('off.yaml', NAT + felix('default', 'Enabled') + felix(`node.${NODE}`, 'Disabled'))]);
    expect(off).toMatch(/^backend: iptables \(nftablesMode Disabled from FelixConfiguration node\.hfm-node\)\n/);
    expect(off).toContain('10.244.0.5 -> 1.1.1.1: NAT (MASQUERADE)');
    // another node's resource does not apply
    const other = await explain(['-f', file('other.yaml', NAT + felix('node.elsewhere', 'Disabled'))]);
    expect(other).toMatch(/^backend: nftables \(auto: nftables table ip calico, ip6 calico exists\)\n/);
  });

  it('--backend overrides nftablesMode; -o json carries the backend', async () => {
    const forced = await cli(['nat', 'explain', '--live', '10.244.0.5', '1.1.1.1', '-o', 'json', '--backend', 'iptables', '-f', file('on2.yaml', NAT + felix('default', 'Enabled'))]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ nat: true, action: 'MASQUERADE', backend: { value: 'iptables', from: 'chosen with --backend' } });
  });

  it("from the store: its FelixConfigurations choose, as for nat status", async () => {
    const env = { POOLCTL_STORE: join(dir, 'store') };
    const created = await cli(['create', '-f', file('store.yaml', NAT + felix('default', 'Disabled'))], env);
    expect(created.code, created.stderr).toBe(0);
    const live = await explain([], env);
    expect(live).toMatch(/^backend: iptables \(nftablesMode Disabled from FelixConfiguration default\)\n/);
    expect(live).toContain('NAT (MASQUERADE)');
    const status = await cli(['nat', 'status'], env);
    expect(status.stdout).toMatch(/^backend: iptables \(nftablesMode Disabled from FelixConfiguration default[;)]/);
  });
});
