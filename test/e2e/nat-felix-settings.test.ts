import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

// nat explain/render take Felix's settings from FelixConfigurations (issue 11 item 2): from
// the store (the embedded store here; the etcd round trip is test/datastore), or beside the
// pools in -f manifests; --node picks node.<node>; flags override single settings.

const MANIFEST = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 10.244.0.0/16, natOutgoing: true}
---
apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata: {name: default}
spec: {natPortRange: "32768:40000"}
---
apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata: {name: node.worker-1}
spec: {natOutgoingAddress: 192.0.2.1}
`;

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-felix-e2e-'));
  env = { POOLCTL_STORE: join(dir, 'store'), FELIX_FELIXHOSTNAME: 'worker-1' };
  const r = await runCli(['create', '-f', '-'], { input: MANIFEST, env });
  expect(r.stdout).toBe('Successfully created 3 resource(s)\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nat explain with Felix settings from the store', () => {
  it('this node (FELIX_FELIXHOSTNAME) gets node.worker-1 over default; explain names each source', async () => {
    const r = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('NAT (SNAT)');
    expect(r.stdout).toContain('natOutgoingAddress 192.0.2.1 from FelixConfiguration node.worker-1\n');
    expect(r.stdout).toContain('natPortRange 32768:40000 from FelixConfiguration default\n');
    expect(r.stdout).toContain("natOutgoingExclusions IPPoolsOnly from Felix's default\n");
  });

  it('--node picks another node; a flag overrides one setting (what-if); -o json carries the settings', async () => {
    const r = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '--node', 'worker-2', '--nat-port-range', '1000:2000', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.action).toBe('MASQUERADE');
    expect(d.settings.node).toBe('worker-2');
    expect(d.settings.natPortRange).toEqual({ value: { min: 1000, max: 2000 }, from: '--nat-port-range' });
    expect(d.settings.natOutgoingAddress).toEqual({ value: null, from: "Felix's default" });
  });

  it('nat render programs what the store says: SNAT to the address with the port range', async () => {
    const r = await runCli(['nat', 'render', '--ip-version', '4'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('-p tcp --jump SNAT --to-source 192.0.2.1:32768-40000');
  });

  it('-f manifests carry FelixConfigurations too (the store is not read)', async () => {
    const m = MANIFEST.replace('192.0.2.1', '198.51.100.7');
    const r = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', '-', '--node', 'worker-1'], { env, input: m });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('natOutgoingAddress 198.51.100.7 from FelixConfiguration node.worker-1\n');
  });

  it('bpfEnabled true is reported plainly', async () => {
    const a = await runCli(['apply', '-f', '-'], { env, input: 'apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: node.worker-3}\nspec: {bpfEnabled: true}\n' });
    expect(a.code, a.stderr).toBe(0);
    const r = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '--node', 'worker-3'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('bpfEnabled is true for node worker-3 (from FelixConfiguration node.worker-3): Felix does outgoing NAT in eBPF programs there');
    expect(r.stdout).toContain('bpfEnabled true from FelixConfiguration node.worker-3\n');
    expect(r.stdout).toContain('the iptables/nftables decision above does not apply there');
  });
});

describe('nftablesMode chooses the NAT backend, as Felix v3.31.7 does', () => {
  const withMode = (mode: string): string => `${MANIFEST}---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: node.worker-9}\nspec: {nftablesMode: ${mode}}\n`;

  it('Enabled: render prints nft input, explain names the backend and its source; --format overrides', async () => {
    const r = await runCli(['nat', 'render', '--ip-version', '4', '-f', '-', '--node', 'worker-9'], { env, input: withMode('Enabled') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('table ip calico');
    const i = await runCli(['nat', 'render', '--ip-version', '4', '-f', '-', '--node', 'worker-9', '--format', 'iptables'], { env, input: withMode('Enabled') });
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout).toContain('*nat\n');
    expect(i.stdout).not.toContain('table ip calico');
    const e = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', '-', '--node', 'worker-9'], { env, input: withMode('Enabled') });
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain('nftablesMode Enabled from FelixConfiguration node.worker-9\n');
    expect(e.stdout).toContain('NAT backend nftables: nftablesMode Enabled from FelixConfiguration node.worker-9 (nat apply, status, render and agent follow it; --backend overrides)\n');
    const j = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', '-', '--node', 'worker-9', '-o', 'json'], { env, input: withMode('Enabled') });
    expect(JSON.parse(j.stdout).settings.backend).toEqual({ value: 'nftables', from: 'nftablesMode Enabled from FelixConfiguration node.worker-9' });
  });

  it('Disabled and the API\'s Auto (which Felix v3.31.7 refuses, using Disabled) give iptables; unset leaves it to the host', async () => {
    const d = await runCli(['nat', 'render', '--ip-version', '4', '-f', '-', '--node', 'worker-9'], { env, input: withMode('Disabled') });
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain('*nat\n');
    const a = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', '-', '--node', 'worker-9'], { env, input: withMode('Auto') });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain('NAT backend iptables: nftablesMode "Auto" from FelixConfiguration node.worker-9 is refused by Felix v3.31.7 (unknown option), which uses its default Disabled');
    const ar = await runCli(['nat', 'render', '--ip-version', '4', '-f', '-', '--node', 'worker-9'], { env, input: withMode('Auto') });
    expect(ar.stdout).toContain('*nat\n');
    const u = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', '-', '--node', 'worker-8'], { env, input: withMode('Enabled') });
    expect(u.stdout).toContain('NAT backend: no FelixConfiguration sets nftablesMode, so nat apply, status and agent detect it on the host (--backend auto)');
  });

  it('a FelixConfiguration name given twice in -f: the later is used, with a warning', async () => {
    const twice = `${MANIFEST}---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: node.worker-1}\nspec: {natOutgoingAddress: 192.0.2.9}\n`;
    const r = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', '-', '--node', 'worker-1'], { env, input: twice });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('FelixConfiguration(node.worker-1) is also defined at <stdin>:11:1; this later one is used, as apply -f would leave it');
    expect(r.stdout).toContain('natOutgoingAddress 192.0.2.9 from FelixConfiguration node.worker-1\n');
  });
});
