import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { inNs, kernelDescribe, pool, TOPO, useTopology, type Flow } from '../../support/netns.js';

/**
 * Felix's settings through the kernel: SNAT to an address with a port range, IPPoolsAndHostIPs
 * with a host IP, the older all-ipam-pools set name. Each is applied, re-applied without
 * changes, read back by status and explain --live, and checked with real packets.
 */

// IPv4 only: --nat-outgoing-address is refused for IPv6 natOutgoing pools
const POOLS = pool('nat-v4', TOPO.v4.natPool, '  natOutgoing: true\n') + pool('no-nat-v4', TOPO.v4.disabledPool, '  disabled: true\n');
const SNAT_TO = '192.0.2.100';

const VARIANTS: readonly { name: string; flags: string[]; seen: Record<string, string> }[] = [
  {
    name: 'SNAT to an address with a port range',
    flags: ['--nat-outgoing-address', SNAT_TO, '--nat-port-range', '32768:40000'],
    seen: { '198.51.100.7': SNAT_TO, [TOPO.v4.ext]: SNAT_TO, '10.99.0.5': '' },
  },
  {
    name: 'IPPoolsAndHostIPs with a host IP',
    flags: ['--nat-outgoing-exclusions', 'IPPoolsAndHostIPs', '--host-ip', TOPO.v4.ext, '--random-fully', 'false'],
    seen: { '198.51.100.7': TOPO.v4.nodeExt, [TOPO.v4.ext]: '', '10.99.0.5': '' },
  },
  {
    name: 'the all-ipam-pools set name',
    flags: ['--pool-set-name', 'all-ipam-pools'],
    seen: { '198.51.100.7': TOPO.v4.nodeExt, [TOPO.v4.ext]: TOPO.v4.nodeExt, '10.99.0.5': '' },
  },
];

for (const backend of ['iptables', 'nftables'] as const) {
  kernelDescribe(`nat apply --backend ${backend} with Felix settings: apply, re-apply, status, explain --live, packets`, () => {
    const topo = useTopology(backend === 'iptables' ? 'si' : 'sn');
    let dir = '';
    let file = '';
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'poolctl-kernel-settings-'));
      file = join(dir, 'pools.yaml');
      writeFileSync(file, POOLS);
      await inNs(topo().node, 'ip', ['addr', 'add', `${SNAT_TO}/32`, 'dev', 'n-ext']);
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it.each(VARIANTS)('$name', async ({ flags, seen }) => {
      const run = (cmd: string) => topo().cli(['nat', cmd, '--backend', backend, '-f', file, ...flags]);
      const first = await run('apply');
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const again = await run('apply');
      expect(again.stdout).toMatch(/^no changes/);
      const status = await run('status');
      expect(status.stdout).toMatch(/in sync\n$/);
      expect(status.code).toBe(0);

      const src = TOPO.v4.natPods[4]!;
      const dsts = Object.keys(seen);
      const flows: Flow[] = dsts.flatMap((dst) => (['tcp', 'udp'] as const).map((proto) => ({ src, dst, proto })));
      expect(await topo().flows(flows)).toEqual(flows.map((f) => seen[f.dst] || f.src));

      const input = dsts.map((d) => `${src} ${d}`).join('\n') + '\n';
      const fromPools = await runCli(['nat', 'explain', '--flows', '-', '-o', 'json', '-f', file, ...flags], { input });
      const fromLive = await topo().cli(['nat', 'explain', '--live', '--flows', '-', '-o', 'json'], { input });
      expect(fromLive.stderr).toBe('');
      expect(fromLive.code).toBe(0);
      const pick = (out: string) =>
        out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .map((d) => ({ dst: d.dst, nat: d.nat, action: d.action, toSource: d.toSource, reason: d.reason }));
      expect(pick(fromLive.stdout)).toEqual(pick(fromPools.stdout));
      expect(pick(fromLive.stdout).map((d) => d.nat)).toEqual(dsts.map((d) => seen[d] !== ''));
    });
  });
}
