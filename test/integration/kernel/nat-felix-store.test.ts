import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inNs, kernelDescribe, pool, runIn, TOPO, useTopology } from '../../support/netns.js';

/**
 * Felix's settings from the store (issue 11 item 2) through the kernel: natOutgoingAddress in
 * the node's FelixConfiguration node.<node>, natPortRange in default; `nat explain` (from the
 * store) says SNAT to the address, `nat apply` programs it, and real TCP connections from a
 * pod reach the far end from the configured address and from a port inside the range.
 */

const SNAT_TO = '192.0.2.100';
const PORTS = { min: 32768, max: 33000 };
const NODE = 'kworker-1';
const MANIFEST =
  pool('nat-v4', TOPO.v4.natPool, '  natOutgoing: true\n') +
  `---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata:\n  name: default\nspec:\n  natPortRange: "${PORTS.min}:${PORTS.max}"\n` +
  `---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata:\n  name: node.${NODE}\nspec:\n  natOutgoingAddress: ${SNAT_TO}\n`;
const PEER_PORT = 18181;

// The far end: accepts `n` TCP connections and prints the address and port each came from.
const PEER = `
const net = require('node:net'); let n = Number(process.argv[2]); const seen = [];
const s = net.createServer((c) => { seen.push(c.remoteAddress + ' ' + c.remotePort); c.end(); if (--n === 0) process.stdout.write(seen.join('\\n'), () => process.exit(0)); });
s.listen(Number(process.argv[1]), '0.0.0.0');
setTimeout(() => { process.stdout.write(seen.join('\\n')); process.exit(0); }, 15000);
`;
// The pod side: connects `n` times from src to dst, retrying until the far end listens.
const CLIENT = `
const net = require('node:net'); const [port, src, dst, n] = [Number(process.argv[1]), process.argv[2], process.argv[3], Number(process.argv[4])];
const one = (tries) => new Promise((resolve) => { const c = net.connect({ host: dst, port, localAddress: src }); let up = false;
  c.on('connect', () => (up = true)); c.resume();
  c.on('close', () => (up ? resolve('ok') : tries > 0 ? setTimeout(() => one(tries - 1).then(resolve), 100) : resolve('ERR'))); c.on('error', () => {}); });
(async () => { for (let i = 0; i < n; i++) process.stdout.write((await one(50)) + '\\n'); })();
`;

for (const backend of ['iptables', 'nftables'] as const) {
  kernelDescribe(`nat explain and apply --backend ${backend} with natOutgoingAddress and natPortRange from the store`, () => {
    const topo = useTopology(backend === 'iptables' ? 'ffi' : 'ffn');
    let dir = '';
    let env: Record<string, string> = {};
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'poolctl-f-felix-kernel-'));
      env = { POOLCTL_STORE: join(dir, 'store'), FELIX_FELIXHOSTNAME: NODE };
      await inNs(topo().node, 'ip', ['addr', 'add', `${SNAT_TO}/32`, 'dev', 'n-ext']);
      const created = await topo().cli(['create', '-f', '-'], { env, input: MANIFEST });
      expect(created.stdout).toBe('Successfully created 3 resource(s)\n');
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('explain says SNAT from the store; apply programs it; packets leave from the address and a port in the range', async () => {
      const src = TOPO.v4.natPods[6]!;
      const explained = await topo().cli(['nat', 'explain', src, TOPO.v4.ext, '--protocol', 'tcp'], { env });
      expect(explained.code, explained.stderr).toBe(0);
      expect(explained.stdout).toContain(`the source becomes ${SNAT_TO}`);
      expect(explained.stdout).toContain(`natOutgoingAddress ${SNAT_TO} from FelixConfiguration node.${NODE}\n`);
      expect(explained.stdout).toContain(`natPortRange ${PORTS.min}:${PORTS.max} from FelixConfiguration default\n`);

      const applied = await topo().cli(['nat', 'apply', '--backend', backend], { env });
      expect(applied.stderr).toBe('');
      expect(applied.code).toBe(0);
      const status = await topo().cli(['nat', 'status', '--backend', backend], { env });
      expect(status.stdout).toMatch(/in sync\n$/);

      const n = 5;
      const peer = runIn(topo().ext, [process.execPath, '-e', PEER, String(PEER_PORT), String(n)]);
      const client = await runIn(topo().pod, [process.execPath, '-e', CLIENT, String(PEER_PORT), src, TOPO.v4.ext, String(n)]);
      expect(client.stdout.trim().split('\n')).toEqual(Array(n).fill('ok'));
      const seen = (await peer).stdout.trim().split('\n').map((l) => l.split(' '));
      expect(seen).toHaveLength(n);
      for (const [addr, port] of seen) {
        expect(addr).toBe(SNAT_TO);
        expect(Number(port)).toBeGreaterThanOrEqual(PORTS.min);
        expect(Number(port)).toBeLessThanOrEqual(PORTS.max);
      }
    });

    it("without --backend the node's nftablesMode chooses it (as Felix); --backend overrides", async () => {
      const mode = backend === 'nftables' ? 'Enabled' : 'Disabled';
      const felix = `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata:\n  name: node.${NODE}\nspec:\n  natOutgoingAddress: ${SNAT_TO}\n  nftablesMode: ${mode}\n`;
      const set = await topo().cli(['apply', '-f', '-'], { env, input: felix });
      expect(set.code, set.stderr).toBe(0);
      // the ruleset the first test programmed with --backend is what nftablesMode asks for: nothing to do
      const applied = await topo().cli(['nat', 'apply'], { env });
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toBe(`no changes: the ${backend} ruleset is in place\n`);
      const status = await topo().cli(['nat', 'status'], { env });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain(`backend: ${backend} (nftablesMode ${mode} from FelixConfiguration node.${NODE}`);
      expect(status.stdout).toMatch(/in sync\n$/);
      const other = backend === 'nftables' ? 'iptables' : 'nftables';
      const forced = await topo().cli(['nat', 'status', '--backend', other], { env });
      expect(forced.stdout).toContain(`backend: ${other} (chosen with --backend`);
      expect(forced.code).toBe(1); // the other backend holds none of it: drift
    });
  });
}
